"""The per-bar fast paths give the numbers of the general path: empty chunks skipped, one-bar
resampling without concatenation, decisions on a 1m trigger with 4h and 15m slots."""

from __future__ import annotations

import numpy as np
import pytest

from plutarc.strategy.components.base import Kind
from plutarc.strategy.components.registry import catalog
from plutarc.strategy.engine import StrategyEngine
from plutarc.strategy.resampler import StreamingResampler
from plutarc.strategy.series import Bars, resample
from plutarc.strategy.template import parse_template
from tests.helpers import real_bars

FIELDS = ("ts_ms", "score", "direction", "allowed", "ready", "in_session", "values", "scores",
          "allow_long", "allow_short")
STREAMED = sorted(cid for cid, cls in catalog().items()
                  if cls.spec.kind is not Kind.EXIT and not cls.spec.stateful)


def _gapped(bars: Bars) -> Bars:
    """Real bars with holes: a group's last minute, a group's first minute, a whole hour,
    and groups left with a single (last) minute."""
    keep = np.ones(len(bars), dtype=bool)
    minute = (bars.ts_ms // 60_000) % 240
    keep[(minute == 59) & (np.arange(len(bars)) < 1500)] = False  # hour ends missing
    keep[(minute == 60) & (np.arange(len(bars)) >= 1500)] = False  # hour starts missing
    keep[2000:2060] = False  # a whole hour
    keep[2400:2404] = False  # 5m group with only its last minute
    idx = np.flatnonzero(keep)
    return Bars(bars.interval_ms, bars.ts_ms[idx], bars.open[idx], bars.high[idx],
                bars.low[idx], bars.close[idx], bars.volume[idx])


@pytest.mark.parametrize("target_min", [5, 60, 240])
def test_one_bar_resampling_equals_batch_with_gaps(target_min):
    bars = _gapped(real_bars(3000))
    target = target_min * 60_000
    stepper = StreamingResampler(60_000, target)
    parts = [stepper.update(bars.slice(i, i + 1)) for i in range(len(bars))]
    stepped = parts[0]
    for p in parts[1:]:
        stepped = stepped.concat(p)
    whole = resample(bars, target)
    for field in ("ts_ms", "open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(stepped, field), getattr(whole, field), field)
    # One bar at a time, then a chunk (the general path picks up the pending group), and a
    # chunk then one bar at a time (a live bot's warm-up, then its candles).
    for cut, single_first in ((1000, True), (1013, False)):
        r = StreamingResampler(60_000, target)
        if single_first:
            parts = [r.update(bars.slice(i, i + 1)) for i in range(cut)]
            parts.append(r.update(bars.slice(cut, len(bars))))
        else:
            parts = [r.update(bars.slice(0, cut))]
            parts += [r.update(bars.slice(i, i + 1)) for i in range(cut, len(bars))]
        joined = parts[0]
        for p in parts[1:]:
            joined = joined.concat(p)
        for field in ("ts_ms", "open", "high", "low", "close", "volume"):
            np.testing.assert_array_equal(getattr(joined, field), getattr(whole, field), field)


@pytest.mark.parametrize("cid", STREAMED)
def test_empty_chunks_leave_components_unchanged(cid):
    """The engine skips a component when its interval has no new bar; before, it called
    update with an empty chunk. Both give the same outputs for every catalog component."""
    cls = catalog()[cid]
    params = {p.name: p.default for p in cls.spec.params}
    bars = resample(real_bars(6000), 15 * 60_000)
    with_empty, without = cls(params), cls(params)
    got, want = [], []
    for i in range(len(bars)):
        with_empty.update(bars.slice(i, i), _CTX)
        got.append(with_empty.update(bars.slice(i, i + 1), _CTX).value)
        want.append(without.update(bars.slice(i, i + 1), _CTX).value)
    np.testing.assert_array_equal(np.concatenate(got), np.concatenate(want))


def _context():
    from plutarc.strategy.context import MarketContext

    return MarketContext()


_CTX = _context()

MIXED = {
    "name": "mixed", "trigger_interval": "1m", "threshold": 0.2, "combination": "weighted_sum",
    "exit_interval": "1m", "exit_atr_interval": "4h",
    "components": [
        {"id": "micro_momentum"},
        {"id": "rsi_level", "interval": "15m"},
        {"id": "ema_slope", "interval": "4h", "params": {"period": 8, "slope_bars": 2}},
        {"id": "counter_trend_veto", "interval": "4h", "params": {"period": 10}},
        {"id": "adx_regime", "interval": "1h", "params": {"mode": "trend", "level": 15.0}},
        {"id": "hard_stop_loss"},
        {"id": "chandelier_exit", "interval": "1h"},
    ],
}


@pytest.mark.parametrize("gapped", [False, True])
def test_one_minute_trigger_with_4h_slots_step_equals_batch(gapped):
    """Every 1m close decides while the 4h, 1h and 15m slots mostly have no new bar: the
    carried outputs must be the ones the batch path looks up."""
    bars = real_bars(4 * 1440)
    bars = _gapped(bars) if gapped else bars
    template = parse_template(MIXED, "mixed")
    batch = StrategyEngine(template, 60_000).update(bars)
    stepper = StrategyEngine(template, 60_000)
    steps = [stepper.update(bars.slice(i, i + 1)) for i in range(len(bars))]
    warmed = StrategyEngine(template, 60_000)  # a live bot: warm-up chunk, then bar by bar
    cut = 1013
    later = [warmed.update(bars.slice(0, cut))]
    later += [warmed.update(bars.slice(i, i + 1)) for i in range(cut, len(bars))]
    for field in FIELDS:
        np.testing.assert_array_equal(
            np.concatenate([getattr(s.decisions, field) for s in later], axis=-1),
            getattr(batch.decisions, field), err_msg=field)
    for field in FIELDS:
        got = np.concatenate([getattr(s.decisions, field) for s in steps], axis=-1)
        want = getattr(batch.decisions, field)
        np.testing.assert_array_equal(got, want, err_msg=field)
        assert got.dtype == want.dtype, field
    assert batch.decisions.ready.any() and not batch.decisions.ready.all()
    for key, out in batch.exits.extras.items():
        np.testing.assert_array_equal(
            np.concatenate([s.exits.extras[key].value for s in steps]), out.value)
    np.testing.assert_array_equal(np.concatenate([s.exits.atr for s in steps]), batch.exits.atr)
    np.testing.assert_array_equal(np.concatenate([s.exits.close_ts_ms for s in steps]),
                                  batch.exits.close_ts_ms)
