"""A protective stop is on the protective side of the entry when placed (issue 15, item 3a).

The chandelier exit's line (the N-bar extreme minus k ATR) can sit past the market at entry;
placed as the stop, it filled on the next candle: on the bundled 14 days, 31 of
trend_following's 54 trades were held at most one minute."""

from decimal import Decimal

from plutarc.backtest.instruments import generic_instrument
from plutarc.backtest.runner import run_backtest
from plutarc.exchanges.sim.account import SimAccount
from plutarc.exchanges.sim.config import SimConfig
from plutarc.exchanges.sim.engine import SimMatchingEngine
from plutarc.exchanges.sim.intents import execute_intent, fill_completes_order
from plutarc.strategy.intents import Place
from plutarc.strategy.template import parse_template
from plutarc.strategy.template_catalog import load_template
from tests.helpers import real_bars

MINUTE = 60_000


def test_trend_following_stops_are_placed_below_a_long_and_above_a_short():
    """Bar by bar, as a paper bot runs: every stop placed at an entry fill protects it."""
    bars = real_bars()
    inst = generic_instrument("BTCUSDT")
    from plutarc.strategy.kernel import SymbolKernel

    kernel = SymbolKernel(load_template("trend_following"), inst, "p", bars.interval_ms)
    account = SimAccount({inst.settle: Decimal(10_000)})
    sim = SimMatchingEngine(inst, SimConfig(), account)
    placed, trades = [], []
    for i in range(len(bars)):
        sim.append_bar(bars.candle(i))
        for fill in sim.process_bar(i):
            intents, trade = kernel.on_fill(fill, fill_completes_order(sim, fill))
            trades += [trade] if trade else []
            for it in intents:
                if isinstance(it, Place) and it.request.tag == "stop":
                    placed.append((kernel.policy.side, kernel.policy.entry,
                                   float(it.request.stop_price)))
                execute_intent(sim, it, int(bars.ts_ms[i]))
        result = kernel.on_close(bars.slice(i, i + 1), float(account.equity(inst.settle)))
        for it in result.intents:
            execute_intent(sim, it, int(bars.close_ts_ms[i]))
    assert len(placed) > 10
    assert all((stop - entry) * side < 0 for side, entry, stop in placed), placed
    assert len(trades) > 10
    assert not [t for t in trades if t.hold_ms <= MINUTE]  # was 31 of 54


def test_an_entry_no_stop_rule_can_protect_is_skipped_and_says_why():
    """Chandelier alone: where its line is past the market there is no valid stop, so no
    entry; the skip reason names the rule and its level."""
    raw = load_template("trend_following").model_dump(mode="json")
    raw["name"] = "chandelier_only"
    raw["components"] = [c for c in raw["components"] if c["id"] != "hard_stop_loss"]
    template = parse_template(raw, "chandelier_only.toml")
    outcome = run_backtest(template, real_bars(), generic_instrument("BTCUSDT"), SimConfig(),
                           Decimal(10_000))
    reasons = [r for rs in outcome.overrides.values() for r in rs if r.startswith("stop:")]
    assert reasons and all("chandelier_exit level" in r for r in reasons)
    assert outcome.trades and not [t for t in outcome.trades if t.hold_ms <= MINUTE]


def test_an_entry_filled_past_every_stop_level_is_closed_at_once():
    """A gap between the decision's close and the fill can leave the chandelier line past
    the fill price: the position is never held without a stop, it is closed."""
    import numpy as np

    from plutarc.models import Fill, Liquidity, Side
    from plutarc.strategy.engine import StrategyEngine
    from plutarc.strategy.intents import Cancel
    from plutarc.strategy.policy import PositionPolicy

    raw = load_template("trend_following").model_dump(mode="json")
    raw["components"] = [c for c in raw["components"] if c["id"] != "hard_stop_loss"]
    engine = StrategyEngine(parse_template(raw, "t.toml"), MINUTE)
    policy = PositionPolicy(engine, generic_instrument("BTCUSDT"), "t")
    exits = engine.update(real_bars(3 * 1440)).exits
    row = len(exits) - 1
    policy.see_exit_row(exits, row)
    line = float(exits.extras["chandelier_exit"].value[row])  # the long stop line
    assert np.isfinite(line)
    below = Decimal(repr(round(line * 0.999, 2)))  # a long filled under its stop line
    fill = Fill("f1", "t-0000001-entry", "v1", "BTCUSDT", Side.BUY, Decimal("0.1"), below,
                Decimal(0), "USDT", Liquidity.TAKER, 1, tag="entry")
    intents, _ = policy.on_fill(fill)
    assert [type(i) for i in intents] == [Place]
    exit_order = intents[0].request
    assert exit_order.tag == "exit" and exit_order.reduce_only and exit_order.side is Side.SELL
    assert policy.exit_reason == "no_valid_stop" and policy.stop_id is None
    assert not [i for i in intents if isinstance(i, Cancel)]
