"""Candle files follow the one OHLC rule: BitMEX-style bins (open = previous close, outside
the bin's own high/low) load widened with open/close kept; bad rows are refused by row."""

from __future__ import annotations

import pytest

from plutarc.backtest.data import load_candles
from plutarc.errors import DataError

HEADER = "timestamp,open,high,low,close,volume\n"


def write(tmp_path, rows: list[str]):
    path = tmp_path / "bins.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows))
    return path


def test_open_outside_low_high_loads_widened(tmp_path):
    # row 2: open 9853 below the bin's low 9854 (fact sheet, api-connectors issue #261)
    path = write(tmp_path, ["1600000000000,9850,9856,9849,9853,1.5",
                            "1600000060000,9853,9860,9854,9858,2",
                            "1600000120000,9858,9859,9855,9856,1"])
    bars = load_candles(path, use_cache=False).bars
    assert list(bars.open) == [9850, 9853, 9858]
    assert list(bars.low) == [9849, 9853, 9855]
    assert list(bars.high) == [9856, 9860, 9859]
    assert bars.candle(1).low == 9853


@pytest.mark.parametrize(("row", "message"), [
    ("1600000060000,9853,9850,9854,9853,2", "high 9850.0 is below low 9854.0 at line 3"),
    ("1600000060000,0,9860,9854,9858,2", "open 0.0 at line 3 is not a positive price"),
    ("1600000060000,9853,9860,-1,9858,2", "low -1.0 at line 3 is not a positive price"),
])
def test_bad_rows_are_refused_naming_file_and_line(tmp_path, row, message):
    path = write(tmp_path, ["1600000000000,9850,9856,9849,9853,1.5", row])
    with pytest.raises(DataError) as caught:
        load_candles(path, use_cache=False)
    assert str(caught.value) == f"bins.csv: {message}"


def test_a_headerless_file_names_its_own_line(tmp_path):
    path = tmp_path / "raw.csv"
    path.write_text("1600000000000,9850,9856,9849,9853,1.5\n1600000060000,9853,9850,9854,9853,2\n")
    with pytest.raises(DataError, match="at line 2$"):
        load_candles(path, use_cache=False)
