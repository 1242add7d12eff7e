"""The one OHLC rule every venue, loader and simulator applies to a bar.

Venues do not agree on what a bar's ``open`` is. Binance opens a bar at its first trade, so
``low <= open <= high``. BitMEX opens a bin at the PREVIOUS bin's close while ``high`` and
``low`` come only from trades inside the bin, so an open outside ``[low, high]`` is routine
(real rows: XBTUSD 2017-01-01T00:01 open 968.29 with low 968.49; a bin with open 9853 and low
9854). Such a bar is real data and is never refused.

The rule:

* refused (one clear error, nothing changed): a price that is not a positive finite number,
  a raw ``high`` below the raw ``low``, a negative or non-finite volume;
* kept exactly as the venue sent them: ``open`` and ``close`` (a strategy that wants the
  venue's own open, the BitMEX gap from the last trade, reads ``open`` itself);
* widened: ``high = max(high, open, close)`` and ``low = min(low, open, close)``, so every
  bar bounds its own open and close and a stop or limit that the open crossed is seen by
  the fill simulation. The venue's narrower trade-only high/low of a widened bar is not kept:
  no strategy reads it, and keeping it would give two answers to "how far did price go".

``Candle`` applies :func:`widen_one` on construction; files, bar arrays and the sim venue's
timeline apply :func:`widen_arrays`. A raw bar that already bounds its open and close comes
out unchanged, so widening is idempotent and costs nothing on such data.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from plutarc.errors import DataError


def widen_one(
    ts_ms: int, open_: float, high: float, low: float, close: float, volume: float
) -> tuple[float, float]:
    """(high, low) of one bar under the rule; ValueError naming the bar when it is refused."""
    for name, value in (("open", open_), ("high", high), ("low", low), ("close", close)):
        if not (value > 0 and math.isfinite(value)):  # ``not >`` also catches NaN
            raise ValueError(f"candle at {ts_ms}: {name} {value!r} is not a positive price")
    if high < low:
        raise ValueError(f"candle at {ts_ms}: high {high!r} is below low {low!r}")
    if not (volume >= 0 and math.isfinite(volume)):
        raise ValueError(f"candle at {ts_ms}: volume {volume!r} is not a number >= 0")
    return max(high, open_, close), min(low, open_, close)


def widen_arrays(
    open_: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray,
    volume: np.ndarray, label: str, place: Callable[[int], str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(high, low) arrays under the rule (the inputs themselves when nothing widens).

    Refuses with a DataError naming ``label``, where the row is (``place(index)``: a file's
    line number; by default the 1-based data row) and the values."""
    where = place or (lambda row: f"data row {row + 1}")
    for name, values in (("open", open_), ("high", high), ("low", low), ("close", close)):
        bad = ~((values > 0) & np.isfinite(values))
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            value = float(values[row])
            raise DataError(f"{label}: {name} {value!r} at {where(row)} is not a "
                            "positive price")
    inverted = high < low
    if inverted.any():
        row = int(np.flatnonzero(inverted)[0])
        top, bottom = float(high[row]), float(low[row])
        raise DataError(f"{label}: high {top!r} is below low {bottom!r} at {where(row)}")
    bad_volume = ~((volume >= 0) & np.isfinite(volume))
    if bad_volume.any():
        row = int(np.flatnonzero(bad_volume)[0])
        value = float(volume[row])
        raise DataError(f"{label}: volume {value!r} at {where(row)} is not a number >= 0")
    top = np.maximum(open_, close)
    bottom = np.minimum(open_, close)
    if (top > high).any():
        high = np.maximum(high, top)
    if (bottom < low).any():
        low = np.minimum(low, bottom)
    return high, low
