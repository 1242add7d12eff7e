"""The whole-array equity curve and regime labels give exactly what the per-trade rules give
(bit for bit), on generated random-walk candles with back-to-back, gapped, inverse, open and
overlapping trades (the last takes the per-trade path)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from plutarc.backtest import equity, regimes
from plutarc.backtest.instruments import generic_instrument
from plutarc.models import ContractKind, Trade
from plutarc.models.enums import Direction
from plutarc.strategy.indicators import ADX, Choppiness, RealizedVol
from plutarc.strategy.series import Bars, visible_index

N = 3_000
MIN = 60_000


def _bars(seed: int) -> Bars:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.002, N)))
    open_ = np.r_[close[0], close[:-1]]
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.001, N))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.001, N))
    ts = 1_700_000_000_000 + np.arange(N, dtype=np.int64) * MIN
    return Bars(MIN, ts, open_, high, low, close, rng.uniform(1, 5, N))


def _trades(bars: Bars, seed: int, overlap: bool = False) -> list[Trade]:
    """Trades one at a time, as one position makes them: an exit anywhere inside a bar, the
    next entry at that moment (a reversal) or bars later; ``overlap`` breaks that rule."""
    rng = np.random.default_rng(seed)
    out, at, offset = [], int(rng.integers(0, 10)), int(rng.integers(0, MIN))
    while at < N - 40:
        hold = int(rng.integers(0, 30))
        exit_, exit_offset = at + hold, int(rng.integers(0, MIN))
        if not hold:
            exit_offset = max(exit_offset, offset)
        out.append(Trade(
            "BTCUSDT", Direction.LONG if rng.random() < 0.5 else Direction.SHORT,
            Decimal(str(round(rng.uniform(0.001, 3), 6))), int(bars.ts_ms[at]) + offset,
            Decimal(str(round(bars.open[at], 2))), int(bars.ts_ms[exit_]) + exit_offset,
            Decimal(str(round(bars.close[exit_], 2))), Decimal(str(round(rng.normal(), 4))),
            Decimal("0.01"), Decimal(0), "signal"))
        if rng.random() < 0.5:  # reversal: in again at the exit
            at, offset = exit_, exit_offset
        else:
            at, offset = exit_ + int(rng.integers(1, 20)), int(rng.integers(0, MIN))
        if overlap and hold > 12:
            at -= int(rng.integers(2, 10))
    return out


def _reference(bars, trades, inst, marker):
    spans = [(t.entry_ts_ms, t.exit_ts_ms, t.direction.sign, float(t.qty),
              float(t.entry_price), float(t.net_pnl)) for t in trades]
    fees = 0.0
    if marker:
        ts, sign, qty, entry, fees = marker
        spans.append((ts, int(bars.ts_ms[-1]) + MIN, sign, qty, entry, None))
    realised, unreal = equity._per_span(bars, spans, float(inst.multiplier),
                                        inst.kind is ContractKind.INVERSE, fees)
    return 1_000.0 + np.cumsum(realised) + unreal


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("kind", [ContractKind.LINEAR, ContractKind.INVERSE])
@pytest.mark.parametrize("open_at_end", [False, True])
def test_equity_curve_matches_per_trade_rule(seed, kind, open_at_end) -> None:
    bars = _bars(seed)
    trades = _trades(bars, seed)
    inst = generic_instrument("BTCUSD", kind=kind, multiplier="1")
    marker = None
    if open_at_end:
        marker = (int(bars.ts_ms[N - 30]) + 5, -1, 0.5, float(bars.open[N - 30]), 0.2)
    got = equity.equity_curve(bars, trades, inst, 1_000.0, marker)
    spans = [(t.entry_ts_ms, t.exit_ts_ms, t.direction.sign, float(t.qty),
              float(t.entry_price), float(t.net_pnl)) for t in trades]
    assert equity._vectorised(bars, spans, 1.0, kind is ContractKind.INVERSE, 0.0) is not None
    assert np.array_equal(got, _reference(bars, trades, inst, marker))


def test_overlapping_trades_take_the_per_trade_path() -> None:
    bars = _bars(7)
    trades = _trades(bars, 7, overlap=True)
    spans = [(t.entry_ts_ms, t.exit_ts_ms, t.direction.sign, float(t.qty),
              float(t.entry_price), float(t.net_pnl)) for t in trades]
    assert equity._vectorised(bars, spans, 1.0, False, 0.0) is None
    inst = generic_instrument()
    got = equity.equity_curve(bars, trades, inst, 1_000.0)
    assert np.array_equal(got, _reference(bars, trades, inst, None))


def _labels_one_by_one(bars: Bars, trades: list[Trade]) -> list[tuple[str, str]]:
    """The per-trade rule classify_entries states, evaluated trade by trade."""
    adx, _, _ = ADX(14).update(bars.high, bars.low, bars.close)
    chop = Choppiness(14).update(bars.high, bars.low, bars.close)
    vol = RealizedVol(30).update(bars.close)
    cuts = np.quantile(vol[np.isfinite(vol)], [1 / 3, 2 / 3])
    out = []
    for i in visible_index(bars.close_ts_ms, np.array([t.entry_ts_ms for t in trades])):
        if i < 0 or not np.isfinite(adx[i]):
            out.append(("unknown_trend", "unknown_vol"))
            continue
        if adx[i] >= regimes.ADX_TREND and not chop[i] > regimes.CHOP_RANGE:
            trend = "trend"
        elif adx[i] < regimes.ADX_RANGE or chop[i] > regimes.CHOP_RANGE:
            trend = "range"
        else:
            trend = "transition"
        vol_label = ("unknown_vol" if not np.isfinite(vol[i]) else
                     ("low_vol", "mid_vol", "high_vol")[int(np.searchsorted(cuts, vol[i]))])
        out.append((trend, vol_label))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_regime_labels_match_per_trade_rule(seed) -> None:
    bars = _bars(seed)
    trades = _trades(bars, seed)  # the first ones enter during the indicators' warm-up
    got = regimes.classify_entries(bars, trades, "1m")
    assert got == _labels_one_by_one(bars, trades)
    assert {trend for trend, _ in got} >= {"trend", "range", "unknown_trend"}
    assert {vol for _, vol in got} >= {"low_vol", "mid_vol", "high_vol"}
