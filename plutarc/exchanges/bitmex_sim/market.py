"""The replayed market: real 1m bars from a candle file, a cursor, BitMEX bins of 1m/5m/1h/1d.

Bars come from a Binance Vision 1m file (12 columns, no header). BitMEX bins open at the
previous bin's close while high/low come only from the bin's own trades, so each bar's open
is set to the previous close and high/low are left as traded: an open outside [low, high]
is served exactly as the real venue serves it (the one change made to the real data).
Candles built here (``candle``) follow plutarc's one OHLC rule (plutarc.models.ohlc).
Bars before the cursor are closed; the replay clock is the close of the last closed bar and
moves only when told to.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from plutarc.errors import DataError
from plutarc.intervals import interval_ms
from plutarc.models import Candle

MINUTE_MS = 60_000
BIN_SIZES = ("1m", "5m", "1h", "1d")


@dataclass(frozen=True)
class Bin:
    """One BitMEX trade bin in base/quote units (contracts are the exchange's business)."""

    open_ms: int
    end_ms: int
    open: float
    high: float
    low: float
    close: float
    base_volume: float
    quote_volume: float
    trades: int


def load_binance_1m(path: Path) -> pd.DataFrame:
    """The 1m bars of a Binance Vision kline file, open = previous close (BitMEX convention),
    high/low untouched, so the open may lie outside them as on BitMEX."""
    try:
        frame = pd.read_csv(path, header=None, usecols=range(9))
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read candle file {path}: {exc}") from None
    frame.columns = ["ts", "open", "high", "low", "close", "base", "close_ts", "quote", "trades"]
    if len(frame) < 2:
        raise DataError(f"{path}: needs at least two 1m bars")
    if (frame["ts"] > 10**14).any():
        frame["ts"] = frame["ts"] // 1000  # Binance switched to microseconds in 2025
    steps = np.diff(frame["ts"].to_numpy())
    if (steps <= 0).any() or (steps % MINUTE_MS).any():
        raise DataError(f"{path}: open times must rise in whole minutes")
    prev_close = frame["close"].shift(1)
    frame.loc[1:, "open"] = prev_close[1:]  # high/low stay the bin's own trades' range
    return frame


class ReplayMarket:
    """Closed bars [0, cursor) of one symbol's file."""

    def __init__(self, path: Path, warmup_bars: int) -> None:
        frame = load_binance_1m(path)
        self.path = path
        self.ts = frame["ts"].to_numpy(np.int64)
        self.open = frame["open"].to_numpy(np.float64)
        self.high = frame["high"].to_numpy(np.float64)
        self.low = frame["low"].to_numpy(np.float64)
        self.close = frame["close"].to_numpy(np.float64)
        self.base = frame["base"].to_numpy(np.float64)
        self.quote = frame["quote"].to_numpy(np.float64)
        self.trades = frame["trades"].to_numpy(np.int64)
        if warmup_bars >= len(self.ts):
            raise DataError(f"{path}: {len(self.ts)} bars, fewer than the {warmup_bars} warm-up")
        self.cursor = warmup_bars

    @property
    def n(self) -> int:
        return len(self.ts)

    @property
    def now_ms(self) -> int:
        """Replay time: the close of the last closed bar."""
        return int(self.ts[self.cursor - 1]) + MINUTE_MS

    @property
    def last_close(self) -> float:
        return float(self.close[self.cursor - 1])

    def advance(self, bars: int) -> range:
        """Close the next ``bars`` bars; returns their indices."""
        if bars < 0:
            raise DataError("the replay clock never goes back")
        stop = min(self.n, self.cursor + bars)
        closed = range(self.cursor, stop)
        self.cursor = stop
        return closed

    def candle(self, i: int) -> Candle:
        return Candle(int(self.ts[i]), float(self.open[i]), float(self.high[i]),
                      float(self.low[i]), float(self.close[i]), float(self.base[i]), MINUTE_MS)

    def _bin(self, lo: int, hi: int, open_ms: int, size_ms: int) -> Bin:
        return Bin(
            open_ms,
            open_ms + size_ms,
            float(self.open[lo]),
            float(self.high[lo:hi].max()),
            float(self.low[lo:hi].min()),
            float(self.close[hi - 1]),
            float(self.base[lo:hi].sum()),
            float(self.quote[lo:hi].sum()),
            int(self.trades[lo:hi].sum()),
        )

    def bins(
        self,
        bin_size: str,
        start_end_ms: int,
        end_end_ms: int,
        *,
        offset: int = 0,
        count: int | None = None,
        reverse: bool = False,
    ) -> list[Bin]:
        """Closed bins whose END lies in [start_end_ms, end_end_ms]: oldest first (newest
        first with ``reverse``), skipping ``offset`` and keeping ``count`` of them."""
        if bin_size not in BIN_SIZES:
            raise DataError(f"binSize {bin_size!r} is not one of {', '.join(BIN_SIZES)}")
        if count is not None and count <= 0:
            return []
        size = interval_ms(bin_size)
        data_start = int(self.ts[0])
        first_open = max(start_end_ms - size, data_start - data_start % size)
        first_open += -first_open % size
        end_limit = min(end_end_ms, self.now_ms)
        last_open = end_limit - size
        last_open -= last_open % size
        opens = range(first_open, last_open + 1, size)
        out: list[Bin] = []
        skipped = 0
        for open_ms in reversed(opens) if reverse else opens:
            lo = int(np.searchsorted(self.ts, open_ms))
            hi = int(np.searchsorted(self.ts, open_ms + size))
            if hi <= lo:
                continue
            if skipped < offset:
                skipped += 1
                continue
            out.append(self._bin(lo, hi, open_ms, size))
            if count is not None and len(out) >= count:
                break
        return out

    def partial_bin(self, bin_size: str) -> Bin:
        """The bin in progress: closed 1m bars of the current group, or flat at the last close."""
        size = interval_ms(bin_size)
        now = self.now_ms
        open_ms = now - now % size
        lo = int(np.searchsorted(self.ts, open_ms))
        if lo < self.cursor:
            return self._bin(lo, self.cursor, open_ms, size)
        c = self.last_close
        return Bin(open_ms, open_ms + size, c, c, c, c, 0.0, 0.0, 0)

    def closes_bins(self, i: int) -> list[str]:
        """The bin sizes whose bin ends with bar ``i``."""
        end = int(self.ts[i]) + MINUTE_MS
        return [size for size in BIN_SIZES if end % interval_ms(size) == 0]
