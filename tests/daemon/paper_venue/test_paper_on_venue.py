"""Paper bots on BitMEX public data (the local server): trading, restarts, backtest parity."""

from __future__ import annotations

import tomllib
from decimal import Decimal

import pytest

from plutarc.backtest.runner import run_backtest
from plutarc.daemon.bot_config import RiskLimits
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.live.leg import MAX_WARMUP_BARS
from plutarc.daemon.paper.legs import PAPER_SIM_CONFIG
from plutarc.daemon.runtime.registry import default_registry
from plutarc.daemon.store import BotRecord
from plutarc.exchanges.paper_venue import paper_starting_balance
from plutarc.models.events import EventKind
from plutarc.strategy.engine import StrategyEngine
from plutarc.strategy.series import Bars
from plutarc.strategy.template import parse_template
from plutarc.strategy.template_catalog import load_template
from tests.daemon.conftest import TEMPLATES
from tests.daemon.live.conftest import QUICK_TEMPLATE, until
from tests.daemon.paper_venue.conftest import PaperRig
from tests.daemon.test_paper_parity import trade_key
from tests.exchanges.bitmex.conftest import adapter_for


def test_bitmex_paper_bots_get_the_paper_on_venue_worker() -> None:
    from plutarc.daemon.paper_venue import PaperOnVenueWorker

    bot = BotRecord(id="b1", name="p", template="t", venue="bitmex", account="", mode="paper",
                    symbols=("BTCUSD",), state=BotState.STOPPED, state_reason="",
                    plutarc_version="0", created_ms=0, updated_ms=0, last_heartbeat_ms=None,
                    config_version=1, risk=RiskLimits())
    worker = default_registry({}).factory_for(bot)(bot)
    assert isinstance(worker, PaperOnVenueWorker)


async def test_a_paper_bot_trades_on_the_sim_and_sends_the_venue_no_order(
        rig: PaperRig) -> None:
    bot_id = await rig.bot("paper")
    for _ in range(30):
        await rig.decided_through(bot_id, 2)
        if rig.store.trades.query(bot_id=bot_id):
            break
    trades = rig.store.trades.query(bot_id=bot_id)
    assert trades, rig.messages(bot_id)[-10:]
    fills = rig.store.fills.query(bot_id=bot_id, limit=100)
    assert fills and all(f.fill_id.startswith(f"{bot_id}-BTCUSD-") for f in fills)
    assert {o.tag for o in rig.store.orders.query(bot_id=bot_id, limit=100)} >= {"entry", "stop"}
    assert not rig.server.exchange.accepted_orders  # nothing went to the real venue
    assert all(m == "GET" for m, _, _ in rig.server.rest.requests)
    assert not rig.messages(bot_id, EventKind.ALERT)
    assert any("connected to bitmex-paper (paper)" in m for m in rig.messages(bot_id))


async def test_a_restart_rebuilds_the_sim_and_its_resting_stop_fills_meanwhile(
        rig: PaperRig) -> None:
    bot_id = await rig.bot("stops", template="stop_only")
    stop = None
    for _ in range(60):
        await rig.decided_through(bot_id, 1)
        stop = next((o for o in rig.store.orders.query(bot_id=bot_id, limit=100)
                     if o.tag == "stop" and o.status == "new"), None)
        if stop is not None:
            break
    assert stop is not None, rig.messages(bot_id)[-10:]
    await rig.service.stop_bot(bot_id, "tester")  # the sim dies with the worker
    fills_before = len(rig.store.fills.query(bot_id=bot_id, limit=100))
    _away_until_the_stop_is_hit(rig, stop)
    rig.server.advance(2)  # and a little beyond
    await rig.service.start_bot(bot_id, "tester")
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
    messages = rig.messages(bot_id)
    assert any("paper venue rebuilt: 1 fills booked, 1 resting orders placed again" in m
               for m in messages), messages[-10:]
    exit_fill = next((f for f in rig.store.fills.query(bot_id=bot_id, limit=100)
                      if f.client_id == stop.client_id), None)
    assert exit_fill is not None, "\n".join([str(stop), *messages[-25:]])
    assert any("reconciled: {'looked_up': 0, 'dropped': 0, 'closed': 1, 'fills': 1" in m
               for m in messages)  # the rebuilt sim filled it while the bot was away
    assert len(rig.store.fills.query(bot_id=bot_id, limit=100)) == fills_before + 1
    assert rig.store.orders.get(stop.client_id).status == "filled"
    trade = rig.store.trades.query(bot_id=bot_id)[0]
    assert trade.exit_price == exit_fill.price
    assert not rig.messages(bot_id, EventKind.ALERT)


def _away_until_the_stop_is_hit(rig: PaperRig, stop) -> None:  # noqa: ANN001
    """Close bars while the bot is away until one reaches the stop's price."""
    market = rig.server.exchange.venues["XBTUSD"].market
    for _ in range(300):
        rig.server.advance(1)
        i = market.cursor - 1
        price = float(stop.stop_price)
        if market.high[i] >= price if stop.side == "buy" else market.low[i] <= price:
            return
    raise AssertionError("the market never reached the stop")


@pytest.mark.parametrize("name", ["quick_cross", "scalp_1m"])
async def test_a_paper_bot_on_the_venue_trades_like_the_backtester(rig: PaperRig,
                                                                   name: str) -> None:
    if name == "quick_cross":
        template = parse_template(tomllib.loads(QUICK_TEMPLATE), name)
    else:  # a system template, with a resting take-profit as well as the stop
        template = load_template(name)
        rig.service.put_template(name, (TEMPLATES / f"{name}.toml").read_text(), "tester")
    start_ms = rig.server.exchange.now_ms
    # bars arrive far faster than real time: the order-rate cap (wall clock) must not bite
    bot_id = await rig.bot("parity", template=name, max_orders_per_minute=6000)
    for _ in range(12):
        await rig.decided_through(bot_id, 25)  # bursts: the venue paces them bar by bar
    await rig.service.stop_bot(bot_id, "tester")
    end_ms = rig.server.exchange.now_ms
    warm = min(MAX_WARMUP_BARS, StrategyEngine(template, 60_000).warmup_base_bars + 10)
    market = adapter_for(rig.server, keys=False)
    try:
        candles = await market.candles("BTCUSD", "1m", start_ms - warm * 60_000, end_ms)
        instrument = await market.instrument("BTCUSD")
    finally:
        await market.close()
    bars = Bars.from_candles(candles, 60_000)
    first_live = int((bars.ts_ms < start_ms).sum())
    outcome = run_backtest(template, bars, instrument, PAPER_SIM_CONFIG,
                           paper_starting_balance(instrument.settle), start_index=first_live)
    got = [trade_key(t) for t in rig.store.trades.query(bot_id=bot_id, limit=1000)]
    expected = [trade_key(t) for t in outcome.trades]
    assert got == expected
    assert len(expected) >= 3  # real trades, not two empty lists
    assert all(t.fees > 0 for t in outcome.trades) and Decimal(0) == sum(
        (t.funding for t in outcome.trades), Decimal(0))
