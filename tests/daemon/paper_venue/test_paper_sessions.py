"""A paper bot on venue data sleeps outside its sessions and wakes on a fresh paper venue
(the sim rebuilt from the store), on a clock that follows the local server's replay."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from plutarc.clock import ManualClock
from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.events import EventBus, EventSink
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.paper_venue import PaperOnVenueWorker
from plutarc.daemon.runtime import Supervisor, WorkerRegistry
from plutarc.daemon.service import DaemonService
from plutarc.daemon.store import DaemonStore
from plutarc.exchanges.bitmex_sim import SimServer
from plutarc.exchanges.paper_venue import PAPER_STARTING_BALANCES, PaperVenue
from tests.daemon.live.conftest import until
from tests.daemon.live.test_live_sessions import MINUTE, TEMPLATE, _phases
from tests.exchanges.bitmex.conftest import adapter_for, sim_config


async def test_a_paper_bot_sleeps_and_wakes_on_a_rebuilt_paper_venue() -> None:
    async with SimServer(sim_config(warmup_bars=300)) as server:  # 2024-01-01 05:00 UTC
        store = DaemonStore.open(":memory:")
        clock = ManualClock(server.exchange.now_ms)
        workers: list[PaperOnVenueWorker] = []

        def worker(_bot):  # noqa: ANN001, ANN202
            workers.append(PaperOnVenueWorker(lambda _b: adapter_for(server, keys=False),
                                              give_up_s=1.0))
            return workers[-1]

        registry = WorkerRegistry()
        registry.register("bitmex", worker, modes=["paper"])
        sink = EventSink(store, EventBus(), clock)
        supervisor = Supervisor(store, sink, registry, clock, heartbeat_interval_s=0.05,
                                grace_s=2.0)
        service = DaemonService(store, sink, supervisor, clock)
        service.put_template("sessions", TEMPLATE, "tester")

        async def advance(pause_s: float = 0.15) -> None:
            server.advance(1)
            clock.set(server.exchange.now_ms)
            await asyncio.sleep(pause_s)

        try:
            spec = BotSpec(name="paper-sessions", template="sessions", venue="bitmex",
                           mode="paper", symbols=("BTCUSD",))
            bot_id = (await service.create_bot(spec, "tester", start=True)).id
            await until(lambda: store.bots.resolve(bot_id).state is BotState.ONLINE)
            first_venue = workers[0].paper
            for _ in range(40):
                if store.bots.resolve(bot_id).state is BotState.SLEEPING:
                    break
                await advance()
            assert store.bots.resolve(bot_id).state is BotState.SLEEPING
            assert first_venue is not None and first_venue._closed
            before_sleep = store.trades.query(bot_id=bot_id)
            assert before_sleep, "precondition: the bot traded in its first session"
            asleep = [d for _, p, d in _phases_of(store, bot_id) if p == "sleeping"][-1]

            while clock.now_ms() < asleep["wake_ms"]:
                server.advance(1)
                clock.set(server.exchange.now_ms)
            await until(lambda: store.bots.resolve(bot_id).state is BotState.ONLINE)
            woke_on = workers[0].paper
            assert isinstance(woke_on, PaperVenue) and woke_on is not first_venue
            assert not woke_on._closed
            # the rebuilt sim holds what the first one ended with: the paper wallet goes on
            booked = sum((t.net_pnl for t in before_sleep), Decimal(0))
            [wallet] = [b.total for b in await woke_on.balances() if b.currency == "BTC"]
            [ended] = [b.total for b in await first_venue.balances() if b.currency == "BTC"]
            assert booked != 0 and wallet == ended
            # (equal to 28 significant digits: Decimal's context rounds the wallet's sums)
            assert abs(wallet - (PAPER_STARTING_BALANCES["BTC"] + booked)) < Decimal("1e-20")

            session_ms = asleep["session_ms"]
            for _ in range(int((session_ms - clock.now_ms()) // MINUTE) + 40):
                await advance(0.05)
                if len(store.trades.query(bot_id=bot_id)) > len(before_sleep):
                    break
            assert len(store.trades.query(bot_id=bot_id)) > len(before_sleep)
        finally:
            await supervisor.shutdown()
            store.close()


def _phases_of(store: DaemonStore, bot_id: str):  # noqa: ANN202
    class _Rig:  # what _phases reads
        pass

    rig = _Rig()
    rig.store = store  # type: ignore[attr-defined]
    return _phases(rig, bot_id)  # type: ignore[arg-type]
