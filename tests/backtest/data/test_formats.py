"""Every supported candle layout loads to the same real bars."""

from __future__ import annotations

import numpy as np
import pytest

from plutarc.backtest.data import load_candles
from plutarc.strategy.series import Bars
from tests.backtest.data import samples
from tests.helpers import BTC_1M, ETH_1M


def assert_same_bars(got: Bars, want: Bars) -> None:
    assert got.interval_ms == want.interval_ms
    np.testing.assert_array_equal(got.ts_ms, want.ts_ms)
    for name in ("open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)
    assert got.ts_ms.dtype == np.int64 and got.close.dtype == np.float64


def load(path, tmp_path, **kwargs):
    return load_candles(path, cache_dir=tmp_path / "cache", **kwargs)


def test_bundled_binance_vision_slice(tmp_path):
    loaded = load(BTC_1M, tmp_path)
    assert loaded.format == "binance-vision-csv+gzip"
    assert loaded.source_interval == "1m" and loaded.interval == "1m"
    assert len(loaded.bars) == 20_160 and loaded.gaps == []
    assert loaded.first_ms == 1_704_067_200_000  # 2024-01-01 00:00 UTC
    assert loaded.last_ms == 1_704_067_200_000 + 20_159 * 60_000
    assert_same_bars(loaded.bars, samples.reference(20_160))


def test_bundled_eth_header_csv_with_naive_iso_times(tmp_path):
    loaded = load(ETH_1M, tmp_path)
    assert loaded.format == "csv+gzip"
    assert loaded.first_ms == 1_714_532_400_000  # 2024-05-01 03:00 naive = UTC
    assert len(loaded.bars) == 20_160
    # First row of the file: 2024-05-01 03:00:00,2987.81,2987.81,2985.9,2986.95,95.3499
    assert loaded.bars.candle(0).open == 2987.81 and loaded.bars.candle(0).volume == 95.3499


def test_binance_vision_microsecond_stamps(tmp_path):
    loaded = load(samples.write_binance_us(tmp_path / "BTCUSDT-1m-2025.csv"), tmp_path)
    assert loaded.format == "binance-vision-csv"
    assert_same_bars(loaded.bars, samples.reference())
    assert any("µs" in note for note in loaded.notes)


def test_binance_vision_mixed_ms_and_us_across_the_2025_switch(tmp_path):
    lines = samples.binance_lines()
    later = [",".join([f[0] + "000", *f[1:6], f[6] + "999", *f[7:]])
             for f in (line.split(",") for line in lines[300:])]
    path = tmp_path / "concat.csv"
    path.write_text("\n".join(lines[:300] + later) + "\n")
    assert_same_bars(load(path, tmp_path).bars, samples.reference())


@pytest.mark.parametrize("gz", [False, True])
def test_header_csv_with_epoch_ms_and_upper_case_names(tmp_path, gz):
    bars = samples.reference()
    rows = [[int(t), *r] for t, r in zip(bars.ts_ms, samples.ohlcv_rows(bars), strict=True)]
    path = samples.write_csv(tmp_path / ("k.csv.gz" if gz else "k.csv"),
                             ["Open Time", "Open", "High", "Low", "Close", "Volume"], rows, gz=gz)
    loaded = load(path, tmp_path)
    assert loaded.format == ("csv+gzip" if gz else "csv")
    assert_same_bars(loaded.bars, bars)


@pytest.mark.parametrize("fmt", ["%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S+00:00",
                                 "%Y-%m-%d %H:%M:%S.%f"])
def test_header_csv_with_iso_variants(tmp_path, fmt):
    bars = samples.reference()
    rows = [[samples.iso(int(t), fmt), *r]
            for t, r in zip(bars.ts_ms, samples.ohlcv_rows(bars), strict=True)]
    path = samples.write_csv(tmp_path / "iso.csv", ["timestamp", "open", "high", "low",
                                                    "close", "volume"], rows)
    assert_same_bars(load(path, tmp_path).bars, bars)


def test_epoch_seconds_semicolons_and_byte_order_mark(tmp_path):
    bars = samples.reference()
    rows = [[int(t) // 1000, *r] for t, r in zip(bars.ts_ms, samples.ohlcv_rows(bars),
                                                 strict=True)]
    path = samples.write_csv(tmp_path / "s.csv", ["time", "o", "h", "l", "c", "v"], rows,
                             sep=";", bom=True)
    loaded = load(path, tmp_path)
    assert_same_bars(loaded.bars, bars)
    assert loaded.notes == ["column 'time' holds epoch s; converted to ms by magnitude"]


def test_mathaszip_column_order(tmp_path):
    bars = samples.reference()
    assert_same_bars(load(samples.write_mathaszip(tmp_path / "m.csv", bars), tmp_path).bars,
                     bars)


def test_gravestone_layout_without_trailing_newline(tmp_path):
    bars = samples.reference()
    assert_same_bars(load(samples.write_gravestone(tmp_path / "g.csv", bars), tmp_path).bars,
                     bars)


def test_derived_hourly_layout_reads_open_time_ms_by_magnitude(tmp_path):
    from plutarc.strategy.series import resample

    hourly = resample(samples.reference(), 3_600_000)
    loaded = load(samples.write_derived_1h_layout(tmp_path / "d.csv.gz", hourly), tmp_path)
    assert loaded.source_interval == "1h"
    assert_same_bars(loaded.bars, hourly)
    assert loaded.notes == ["column 'open_time_ms' holds epoch s; converted to ms by magnitude"]


@pytest.mark.parametrize("name", ["c.json", "c.json.gz"])
def test_ccxt_json_rows(tmp_path, name):
    loaded = load(samples.write_ccxt_json(tmp_path / name, samples.reference()), tmp_path)
    assert loaded.format.startswith("json-rows")
    assert_same_bars(loaded.bars, samples.reference())


@pytest.mark.parametrize(("orient", "fmt"), [("columns", "json-pandas-columns"),
                                             ("split", "json-pandas-split"),
                                             ("records", "json-records"),
                                             ("list", "json-pandas-columns")])
def test_pandas_json_orients(tmp_path, orient, fmt):
    bars = samples.reference()
    if orient == "list":  # {column: [values]}, e.g. a dict of lists from a script
        import json

        path = tmp_path / "l.json"
        path.write_text(json.dumps({"date": bars.ts_ms.tolist(), "open": bars.open.tolist(),
                                    "high": bars.high.tolist(), "low": bars.low.tolist(),
                                    "close": bars.close.tolist(),
                                    "volume": bars.volume.tolist()}))
    else:
        path = samples.write_pandas_json(tmp_path / f"{orient}.json", bars, orient)
    loaded = load(path, tmp_path)
    assert loaded.format == fmt
    assert_same_bars(loaded.bars, bars)


@pytest.mark.parametrize("kind", ["feather", "parquet"])
@pytest.mark.parametrize("gz", [False, True])
def test_freqtrade_feather_and_parquet(tmp_path, kind, gz):
    path = samples.write_arrow(tmp_path / f"BTC_USDT-1m.{kind}", samples.reference(), kind)
    if gz:
        path = samples.gzip_file(path)
    loaded = load(path, tmp_path)
    assert loaded.format == kind + ("+gzip" if gz else "")
    assert_same_bars(loaded.bars, samples.reference())


def test_pandas_parquet_with_naive_datetime_index_column(tmp_path):
    bars = samples.reference()
    df = samples.frame(bars)
    df["date"] = df["date"].dt.tz_localize(None)  # naive datetimes are UTC
    df.set_index("date").to_parquet(tmp_path / "naive.parquet")
    assert_same_bars(load(tmp_path / "naive.parquet", tmp_path).bars, bars)


def test_binance_futures_vision_csv_with_its_header_row(tmp_path):
    header = ("open_time,open,high,low,close,volume,close_time,quote_volume,count,"
              "taker_buy_volume,taker_buy_quote_volume,ignore")
    path = tmp_path / "BTCUSDT-1m-2024-01.csv"
    path.write_text(header + "\n" + "\n".join(samples.binance_lines()) + "\n")
    loaded = load(path, tmp_path)
    assert loaded.format == "csv"
    assert_same_bars(loaded.bars, samples.reference())
