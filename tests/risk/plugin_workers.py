"""A worker for the risk tests: its first order is refused by the sim venue (a final error)."""

from __future__ import annotations

from decimal import Decimal

from plutarc.backtest.instruments import generic_instrument
from plutarc.daemon.paper.execution import PaperExecution
from plutarc.daemon.runtime import BotContext, WorkerRegistry
from plutarc.exchanges.sim.account import SimAccount
from plutarc.exchanges.sim.config import SimConfig
from plutarc.exchanges.sim.engine import SimMatchingEngine
from plutarc.models import Candle, OrderRequest, OrderType, Side
from plutarc.strategy.intents import Place

MINUTE_MS = 60_000


class RejectedOrderWorker:
    """Sends 0.5 of a contract whose minimum order is 1, through the real paper order path."""

    async def run(self, ctx: BotContext) -> None:
        inst = generic_instrument("BTCUSDT", tick="0.1", lot="1", min_qty="1")
        sim = SimMatchingEngine(inst, SimConfig(enforce_margin=False),
                                SimAccount({"USDT": Decimal(10_000)}))
        sim.process_bar(sim.append_bar(Candle(0, 100.0, 101.0, 99.0, 100.0, 1.0, MINUTE_MS)))
        execution = PaperExecution(ctx, sim)
        ctx.heartbeat()
        ctx.mark_ready()
        cid = f"{ctx.bot_id}-BTCUSDT-0000001-entry"
        if ctx.store.orders.get(cid) is None:  # a restart never sends it again
            request = OrderRequest(cid, "BTCUSDT", Side.BUY, OrderType.MARKET, Decimal("0.5"),
                                   tag="entry")
            execution.apply([Place(request, "entry")], MINUTE_MS, live=True)
        while not ctx.stopping.is_set():
            await ctx.next_command(ctx.heartbeat_interval_s)
            ctx.heartbeat()


def register_workers(registry: WorkerRegistry) -> None:
    registry.register("rejecty", lambda _bot: RejectedOrderWorker())
