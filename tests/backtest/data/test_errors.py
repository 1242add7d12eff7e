"""Bad input: one clear DataError sentence naming the file and the problem."""

from __future__ import annotations

import gzip
import json

import pytest

from plutarc.backtest.data import load_candles
from plutarc.errors import DataError, UsageError
from tests.backtest.data import samples
from tests.helpers import BTC_1M

HEADER = "timestamp,open,high,low,close,volume\n"


def load(path, tmp_path, **kwargs):
    return load_candles(path, cache_dir=tmp_path / "cache", **kwargs)


def error_for(path, tmp_path, **kwargs) -> str:
    with pytest.raises(DataError) as caught:
        load(path, tmp_path, **kwargs)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path.name}: ")
    return message


def real_rows(n: int = 5) -> list[str]:
    bars = samples.reference(n)
    return [",".join([str(int(t)), *r]) for t, r in
            zip(bars.ts_ms, samples.ohlcv_rows(bars), strict=True)]


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_missing_file_and_directory(tmp_path):
    assert error_for(tmp_path / "BTC.csv", tmp_path) == (
        f"BTC.csv: file not found ({tmp_path / 'BTC.csv'})")
    (tmp_path / "dir.csv").mkdir()
    assert "not a regular file" in error_for(tmp_path / "dir.csv", tmp_path)


def test_empty_file_and_header_only(tmp_path):
    assert error_for(write(tmp_path, "e.csv", ""), tmp_path) == "e.csv: the file is empty"
    assert error_for(write(tmp_path, "h.csv", HEADER), tmp_path) == (
        "h.csv: has a header but no data rows")


def test_no_timestamp_column_lists_the_columns(tmp_path):
    path = write(tmp_path, "BTC.csv", "a,b,c\nx,y,z\n")
    assert error_for(path, tmp_path) == (
        "BTC.csv: no column looks like a timestamp; columns are a, b, c")


def test_missing_price_columns(tmp_path):
    path = write(tmp_path, "p.csv", "timestamp,open,close,volume\n1704067200000,1,2,3\n")
    assert error_for(path, tmp_path) == (
        "p.csv: no high/low column; columns are timestamp, open, close, volume")
    trades = write(tmp_path, "t.csv", "timestamp,price,amount\n1704067200000,1,2\n")
    assert "not a candle file" in error_for(trades, tmp_path)


def test_ambiguous_columns(tmp_path):
    path = write(tmp_path, "a.csv", "timestamp,Open,open,high,low,close,volume\n")
    assert error_for(path, tmp_path) == "a.csv: columns Open, open could each be the open"


def test_unparseable_price_names_value_column_and_line(tmp_path):
    rows = real_rows()
    fields = rows[3].split(",")
    fields[2] = "12x5.0"
    rows[3] = ",".join(fields)
    path = write(tmp_path, "bad.csv", HEADER + "\n".join(rows) + "\n")
    assert error_for(path, tmp_path) == (
        "bad.csv: value '12x5.0' in column 'high' on line 5 is not a valid number or timestamp")


def test_unparseable_value_is_named_by_its_column_in_a_reordered_layout(tmp_path):
    bars = samples.reference(5)
    path = samples.write_mathaszip(tmp_path / "mz.csv", bars)
    lines = path.read_text().splitlines()
    fields = lines[3].split(",")
    fields[5] = "bad"  # the high column, sixth in mathaszip's order
    lines[3] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")
    assert error_for(path, tmp_path) == (
        "mz.csv: value 'bad' in column 'high' on line 4 is not a valid number or timestamp")


def test_unparseable_value_in_binance_vision_file(tmp_path):
    lines = samples.binance_lines(50)
    lines[40] = lines[40].replace(lines[40].split(",")[4], "N/A", 1)
    path = tmp_path / "BTCUSDT-1m.csv.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    assert error_for(path, tmp_path) == (
        "BTCUSDT-1m.csv.gz: value 'N/A' in column 'close' on line 41 is not a valid number "
        "or timestamp")


def test_unparseable_timestamp(tmp_path):
    rows = real_rows()
    rows[2] = "yesterday" + rows[2][rows[2].index(","):]
    path = write(tmp_path, "ts.csv", HEADER + "\n".join(rows) + "\n")
    assert error_for(path, tmp_path) == (
        "ts.csv: timestamp 'yesterday' in column 'timestamp' at data row 3 is neither an ISO "
        "date/time nor an epoch number")


def test_empty_and_non_finite_values(tmp_path):
    rows = real_rows()
    fields = rows[1].split(",")
    fields[5] = ""
    empty = write(tmp_path, "e.csv", HEADER + "\n".join([rows[0], ",".join(fields)]) + "\n")
    assert error_for(empty, tmp_path) == "e.csv: empty value in column 'volume' at data row 2"
    fields[5] = "nan"
    nan = write(tmp_path, "n.csv", HEADER + "\n".join([rows[0], ",".join(fields)]) + "\n")
    assert error_for(nan, tmp_path) == (
        "n.csv: value nan in column 'volume' at data row 2 is not a finite number")


def test_ragged_line(tmp_path):
    lines = samples.binance_lines(10)
    lines[6] = lines[6].rsplit(",", 1)[0]
    path = write(tmp_path, "r.csv", "\n".join(lines) + "\n")
    assert error_for(path, tmp_path) == (
        "r.csv: line 7 does not have the 12 columns the first line has")


def test_duplicate_and_backwards_timestamps(tmp_path):
    rows = real_rows()
    dup = write(tmp_path, "dup.csv", HEADER + "\n".join(rows[:3] + rows[2:]) + "\n")
    assert error_for(dup, tmp_path) == (
        "dup.csv: duplicate timestamp 2024-01-01 00:02 UTC at data rows 3 and 4")
    back = write(tmp_path, "back.csv", HEADER + "\n".join([rows[0], rows[2], rows[1]]) + "\n")
    assert error_for(back, tmp_path) == (
        "back.csv: timestamps go backwards at data row 3 "
        "(2024-01-01 00:01 UTC after 2024-01-01 00:02 UTC)")


def test_implausible_timestamps(tmp_path):
    path = write(tmp_path, "old.csv", HEADER + "5,1,1,1,1,1\n6,1,1,1,1,1\n")
    assert error_for(path, tmp_path) == (
        "old.csv: timestamp at data row 1 of column 'timestamp' falls outside 1990-2100 "
        "(5000 ms) even after unit detection")


def test_single_bar_and_off_grid_bars(tmp_path):
    one = write(tmp_path, "one.csv", HEADER + real_rows(1)[0] + "\n")
    assert error_for(one, tmp_path) == (
        "one.csv: holds only 1 bar; at least two are needed to tell the bar interval")
    rows = real_rows(6)
    rows[3] = str(1_704_067_200_000 + 3 * 60_000 + 30_000) + rows[3][rows[3].index(","):]
    off = write(tmp_path, "off.csv", HEADER + "\n".join(rows) + "\n")
    assert error_for(off, tmp_path) == (
        "off.csv: the bar at 2024-01-01 00:03:30 UTC opens 1m 30s after the previous one, "
        "which is not a whole number of 1m bars (the file's usual step)")


def test_single_column_text(tmp_path):
    assert error_for(write(tmp_path, "c.csv", "hello\nworld\n"), tmp_path) == (
        "c.csv: the first line has no ','-separated columns")  # never quotes the content


def test_headerless_with_too_few_columns(tmp_path):
    path = write(tmp_path, "k.csv", "1672531436,18.5,0.2\n")
    assert error_for(path, tmp_path) == (
        "k.csv: a headerless CSV with 3 columns; expected timestamp, open, high, low, close, "
        "volume first (or Binance Vision's 12)")


def test_name_and_content_disagree(tmp_path):
    path = write(tmp_path, "x.parquet", HEADER)
    assert error_for(path, tmp_path) == (
        "x.parquet: the name says Parquet but the content is text starting "
        "'timestamp,open,high,low,close,volume'")
    feather = samples.write_arrow(tmp_path / "y.feather", samples.reference(5), "feather")
    renamed = feather.rename(tmp_path / "y.json")
    assert error_for(renamed, tmp_path) == "y.json: the name says JSON but the content is Feather"


def test_binary_hdf5_and_damaged_files(tmp_path):
    blob = tmp_path / "blob.bin"
    blob.write_bytes(bytes(range(256)) * 4)
    assert error_for(blob, tmp_path) == (
        "blob.bin: not a CSV, JSON, Parquet or Feather file (the content is not text)")
    h5 = tmp_path / "x.h5"
    h5.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100))
    assert "HDF5 files are not supported" in error_for(h5, tmp_path)
    damaged = tmp_path / "d.csv.gz"
    damaged.write_bytes(gzip.compress(BTC_1M.read_bytes()[:10_000])[:5_000])
    assert "the gzip stream is damaged" in error_for(damaged, tmp_path)
    cut_late = tmp_path / "late.csv.gz"  # the head reads fine, the end is missing
    cut_late.write_bytes(BTC_1M.read_bytes()[:500_000])
    assert error_for(cut_late, tmp_path) == (
        "late.csv.gz: the gzip stream is damaged (Truncated compressed stream)")
    big_json = samples.write_ccxt_json(tmp_path / "j.json.gz", samples.reference(5000))
    big_json.write_bytes(big_json.read_bytes()[:60_000])
    assert error_for(big_json, tmp_path).startswith("j.json.gz: the gzip stream is damaged (")
    parquet = samples.write_arrow(tmp_path / "t.parquet", samples.reference(50), "parquet")
    parquet.write_bytes(parquet.read_bytes()[:200])
    assert error_for(parquet, tmp_path).startswith("t.parquet: cannot read it as Parquet (")


def test_json_errors(tmp_path):
    assert error_for(write(tmp_path, "a.json", "[[1, 2"), tmp_path).startswith(
        "a.json: not valid JSON (")
    assert error_for(write(tmp_path, "b.json", "[]"), tmp_path) == "b.json: the JSON list is empty"
    assert error_for(write(tmp_path, "c.json", '"hello"'), tmp_path) == (
        "c.json: the name says JSON but the content is text starting '\"hello\"'")
    rows = [[1704067200000, 1, 2, 0.5, 1.5, 10], [1704067260000, 1, 2, 0.5]]
    assert error_for(write(tmp_path, "d.json", json.dumps(rows)), tmp_path) == (
        "d.json: JSON row 2 has 4 values where the first row has 6")
    assert error_for(write(tmp_path, "e.json", '{"a": 1}'), tmp_path) == (
        "e.json: JSON layout not recognised; expected a list of [timestamp, open, high, low, "
        "close, volume] rows, a list of objects, or a pandas orient=columns/split object")


def test_bad_arguments_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match=r"start '2024-13-01' is not an ISO date/datetime"):
        load(BTC_1M, tmp_path, start="2024-13-01")
    with pytest.raises(UsageError, match="end 1704067200 looks like epoch seconds"):
        load(BTC_1M, tmp_path, end=1_704_067_200)
    with pytest.raises(UsageError, match="warmup_bars must be 0 or more"):
        load(BTC_1M, tmp_path, warmup_bars=-1)
    with pytest.raises(UsageError, match="unknown interval '7m'"):
        load(BTC_1M, tmp_path, interval="7m")
