"""Funding-rate and open-interest files as TimeSeries for a backtest's MarketContext."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from plutarc.backtest.data.formats import Table, open_table
from plutarc.backtest.data.gaps import check_increasing
from plutarc.backtest.data.layout import (
    FUNDING_NAMES,
    OHLCV_NAMES,
    OPEN_INTEREST_VALUE_NAMES,
    columns_listing,
    find_column,
    finite_values,
    timestamp_column,
)
from plutarc.backtest.data.timestamps import arrow_to_ms
from plutarc.errors import DataError
from plutarc.strategy.context import TimeSeries

MINUTE_MS = 60_000
DAY_MS = 86_400_000
DAILY_MEAN_NAMES = ("funding_mean", "mean_funding_rate", "funding_rate_mean")


def load_funding(path: str | Path) -> TimeSeries:
    """Funding rates per funding period, stamped at the funding time.

    Reads gravestone-style ``timestamp,symbol,funding_rate`` CSVs and freqtrade funding
    files (where ``open`` holds the rate and high/low/close are zero). Venues stamp funding
    a few ms late (e.g. ``1768262400007``), so stamps are rounded to the NEAREST MINUTE:
    funding times are always whole hours, and rounding makes them meet the candle grid.
    """
    file = Path(path).expanduser()
    table = open_table(file)
    label = file.name
    rate = find_column(table.names, FUNDING_NAMES, label, "funding rate")
    if rate is None:
        rate = _freqtrade_rate_column(table, label)
    ts_ms, values = _read_series(table, label, rate)
    rounded = (ts_ms + MINUTE_MS // 2) // MINUTE_MS * MINUTE_MS
    check_increasing(rounded, label)
    return TimeSeries(rounded, values)


def daily_mean_column(path: str | Path) -> str | None:
    """The daily-mean funding column of a file, if it is a daily aggregate (e.g. lukmol's
    ``date,funding_mean,funding_abs``) rather than raw prints."""
    file = Path(path).expanduser()
    return find_column(open_table(file).names, DAILY_MEAN_NAMES, file.name, "daily mean funding")


def load_daily_mean_funding(path: str | Path, per_day: int = 3
                            ) -> tuple[TimeSeries, TimeSeries]:
    """A file of daily mean funding rates as (what strategies see, what is charged).

    A day's mean is known only once the day is over, so strategies see it from the next
    00:00 UTC; the charge spreads it over the day's ``per_day`` funding times (00/08/16 UTC
    for 3) at the day's mean: the true prints are not in the file."""
    file = Path(path).expanduser()
    table = open_table(file)
    column = daily_mean_column(file)
    if column is None:
        raise DataError(f"{file.name}: no daily mean funding column (funding_mean); columns "
                        f"are {columns_listing(table.names)}")
    ts_ms, values = _read_series(table, file.name, column)
    days = ts_ms // DAY_MS * DAY_MS
    if np.any(days != ts_ms) or np.any(np.diff(days) < DAY_MS):
        raise DataError(f"{file.name}: daily mean funding must have one row per UTC day "
                        "stamped at 00:00")
    step = DAY_MS // per_day
    charged = (days[:, None] + np.arange(per_day, dtype=np.int64) * step).ravel()
    return (TimeSeries(days + DAY_MS, values),
            TimeSeries(charged, np.repeat(values, per_day)))


def load_open_interest(path: str | Path) -> TimeSeries:
    """Open interest in quote currency (``sum_open_interest_value``), stamped as in the file."""
    file = Path(path).expanduser()
    table = open_table(file)
    label = file.name
    value = find_column(table.names, OPEN_INTEREST_VALUE_NAMES, label, "open-interest value")
    if value is None:
        raise DataError(f"{label}: no open-interest value column (sum_open_interest_value); "
                        f"columns are {columns_listing(table.names)}")
    ts_ms, values = _read_series(table, label, value)
    check_increasing(ts_ms, label)
    return TimeSeries(ts_ms, values)


def _freqtrade_rate_column(table: Table, label: str) -> str:
    """freqtrade stores funding as candles with the rate in ``open`` and zeros elsewhere; a
    real candle file must not be mistaken for one."""
    found = {role: find_column(table.names, OHLCV_NAMES[role], label, role)
             for role in ("open", "high", "low", "close")}
    if any(column is None for column in found.values()):
        raise DataError(f"{label}: no funding-rate column (funding_rate); columns are "
                        f"{columns_listing(table.names)}")
    others = [found[r] for r in ("high", "low", "close")]
    columns = table.columns(others, floats=set(others))  # type: ignore[arg-type]
    for name, column in columns.items():
        if np.any(finite_values(column, label, name) != 0.0):
            raise DataError(f"{label}: looks like a candle file, not funding rates: freqtrade "
                            f"funding files have zeros in {name!r}")
    return found["open"]  # type: ignore[return-value]


def _read_series(table: Table, label: str, value_column: str) -> tuple[np.ndarray, np.ndarray]:
    ts_column = timestamp_column(table.names, label)
    symbol = find_column(table.names, ("symbol", "pair"), label, "symbol")
    wanted = [ts_column, value_column] + ([symbol] if symbol else [])
    columns = table.columns(wanted, floats={value_column})
    if symbol:
        symbols = sorted({str(s) for s in columns[symbol].unique().to_pylist()})
        if len(symbols) > 1:
            raise DataError(f"{label}: holds several symbols ({', '.join(symbols[:5])}); "
                            "load one symbol per file")
    ts_ms, _notes = arrow_to_ms(columns[ts_column], label, ts_column)
    if ts_ms.size == 0:
        raise DataError(f"{label}: has no data rows")
    values = finite_values(columns[value_column], label, value_column)
    return np.ascontiguousarray(ts_ms, dtype=np.int64), np.ascontiguousarray(values, np.float64)
