"""The engine: step (one bar at a time) == batch, causality, and readable skip reasons."""

import numpy as np
import pytest

from plutarc.strategy.engine import StrategyEngine
from plutarc.strategy.template import parse_template
from plutarc.strategy.template_catalog import load_template
from tests.helpers import real_bars

TEMPLATES = ["rsi_divergence", "trend_following", "mean_reversion", "momentum_breakout",
             "scalp_1m", "reference_ema_cross"]
FIELDS = ("ts_ms", "score", "direction", "allowed", "ready", "in_session", "values", "scores",
          "allow_long", "allow_short")


def _cat(batches, field):
    return np.concatenate([getattr(b, field) for b in batches], axis=-1)


@pytest.mark.parametrize("name", TEMPLATES)
def test_step_equals_batch(name):
    bars = real_bars(6 * 24 * 60 if name != "scalp_1m" else 1500)
    template = load_template(name)
    batch = StrategyEngine(template, 60_000).update(bars)
    stepper = StrategyEngine(template, 60_000)
    steps = [stepper.update(bars.slice(i, i + 1)) for i in range(len(bars))]
    for field in FIELDS:
        np.testing.assert_array_equal(_cat([s.decisions for s in steps], field),
                                      getattr(batch.decisions, field), err_msg=field)
    for key, out in batch.exits.extras.items():
        got = np.concatenate([s.exits.extras[key].value for s in steps])
        np.testing.assert_array_equal(got, out.value)
    np.testing.assert_array_equal(np.concatenate([s.exits.atr for s in steps]), batch.exits.atr)
    assert batch.decisions.allowed.any() or name == "rsi_divergence"


@pytest.mark.parametrize("name", ["trend_following", "rsi_divergence"])
def test_appending_candles_never_changes_past_decisions(name):
    bars = real_bars(8000)
    template = load_template(name)
    whole = StrategyEngine(template, 60_000).update(bars).decisions
    prefix = StrategyEngine(template, 60_000).update(bars.slice(0, 5000)).decisions
    n = len(prefix)
    for field in FIELDS:
        np.testing.assert_array_equal(getattr(prefix, field),
                                      getattr(whole, field)[..., :n], err_msg=field)


def test_skip_reasons_name_the_rule_and_its_value():
    template = parse_template({
        "name": "t", "trigger_interval": "15m", "threshold": 0.2, "combination": "any",
        "components": [
            {"id": "micro_momentum"},
            {"id": "choppiness_regime", "params": {"max": 30.0}},
            {"id": "hard_stop_loss"},
        ]}, "t")
    dec = StrategyEngine(template, 60_000).update(real_bars(4000)).decisions
    blocked = [i for i in range(len(dec)) if dec.direction[i] != 0 and not dec.allowed[i]
               and dec.ready[i]]
    assert blocked, "the strict choppiness filter should block some entries"
    reasons = dec.blocked_by(blocked[0])
    assert reasons[0].startswith("filter choppiness_regime: CI=")
    assert "> 30" in reasons[0]
    below = [i for i in range(len(dec)) if dec.direction[i] == 0 and dec.ready[i]]
    assert dec.blocked_by(below[0])[0].startswith("threshold: |score|=")
    counts = dec.skip_counts()
    assert counts["filter choppiness_regime"] == len(
        [i for i in range(len(dec)) if dec.direction[i] != 0 and not dec.allow_long[1, i]
         and dec.direction[i] > 0] + [i for i in range(len(dec)) if dec.direction[i] < 0
                                       and not dec.allow_short[1, i]])


def test_sessions_block_entries_outside_them():
    template = parse_template({
        "name": "t", "trigger_interval": "1m", "threshold": 1.0, "combination": "any",
        "sessions": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00",
                      "end": "16:00", "timezone": "UTC"}],
        "components": [{"id": "ema_cross"}, {"id": "hard_stop_loss"}]}, "t")
    dec = StrategyEngine(template, 60_000).update(real_bars(3 * 1440)).decisions
    minute = (dec.ts_ms // 60_000) % 1440
    inside = (minute >= 480) & (minute < 960) & (((dec.ts_ms // 86_400_000) + 3) % 7 < 5)
    np.testing.assert_array_equal(dec.in_session, inside)
    blocked = np.flatnonzero((dec.direction != 0) & ~inside & dec.ready)
    assert blocked.size and "outside the trading sessions" in dec.blocked_by(int(blocked[0]))[0]
