"""Ranges, warm-up and resampling in load_candles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from plutarc.backtest.data import load_candles
from plutarc.errors import DataError
from tests.backtest.data import samples
from tests.helpers import BTC_1M, ETH_1M

DAY_MS = 86_400_000
JAN1 = 1_704_067_200_000  # 2024-01-01 00:00 UTC, the first bar of the bundled BTC slice


def load(path, tmp_path, **kwargs):
    return load_candles(path, cache_dir=tmp_path / "cache", **kwargs)


def test_iso_date_datetime_and_epoch_ms_select_the_same_range(tmp_path):
    by_date = load(BTC_1M, tmp_path, start="2024-01-03", end="2024-01-05")
    by_datetime = load(BTC_1M, tmp_path, start="2024-01-03T00:00:00+00:00",
                       end="2024-01-05 00:00")
    by_ms = load(BTC_1M, tmp_path, start=JAN1 + 2 * DAY_MS, end=str(JAN1 + 4 * DAY_MS))
    assert by_date.fingerprint == by_datetime.fingerprint == by_ms.fingerprint
    assert by_date.first_ms == JAN1 + 2 * DAY_MS
    assert by_date.last_ms == JAN1 + 4 * DAY_MS - 60_000  # end is exclusive
    assert len(by_date.bars) == 2 * 1440 and by_date.warmup_start_index == 0


def test_offset_datetimes_are_converted_to_utc(tmp_path):
    loaded = load(BTC_1M, tmp_path, start="2024-01-03T02:00:00+02:00", end="2024-01-03T01:00Z")
    assert loaded.first_ms == JAN1 + 2 * DAY_MS and len(loaded.bars) == 60


def test_warm_up_bars_come_before_start(tmp_path):
    loaded = load(BTC_1M, tmp_path, start="2024-01-02", end="2024-01-03", warmup_bars=300)
    assert loaded.warmup_start_index == 300
    assert loaded.start_ms == JAN1 + DAY_MS
    assert loaded.first_ms == JAN1 + DAY_MS - 300 * 60_000
    assert len(loaded.bars) == 300 + 1440 and loaded.notes == []
    plain = load(BTC_1M, tmp_path, start="2024-01-02", end="2024-01-03")
    np.testing.assert_array_equal(loaded.bars.close[300:], plain.bars.close)


def test_fewer_warm_up_bars_than_wanted_is_said_in_notes(tmp_path):
    loaded = load(BTC_1M, tmp_path, start="2024-01-01T01:00", warmup_bars=500)
    assert loaded.warmup_start_index == 60 and loaded.first_ms == JAN1
    assert loaded.notes == ["only 60 warm-up bars exist before 2024-01-01 01:00 UTC "
                            "(500 wanted)"]


def test_warm_up_without_start_is_not_applied_and_says_so(tmp_path):
    loaded = load(BTC_1M, tmp_path, warmup_bars=10)
    assert loaded.warmup_start_index == 0 and loaded.first_ms == JAN1
    assert loaded.notes == ["warmup_bars=10 not applied: without a start, the data begins at "
                            "its first bar"]


def test_empty_ranges_are_data_errors_naming_the_file(tmp_path):
    covers = "the file covers 2024-01-01 00:00 UTC to 2024-01-14 23:59 UTC"
    with pytest.raises(DataError) as caught:
        load(BTC_1M, tmp_path, start="2025-01-01")
    assert str(caught.value) == (f"{BTC_1M.name}: no complete 1m bars from 2025-01-01 00:00 UTC; "
                                 f"{covers}")
    with pytest.raises(DataError) as caught:
        load(BTC_1M, tmp_path, end="2023-06-01")
    assert str(caught.value) == (f"{BTC_1M.name}: no complete 1m bars before 2023-06-01 00:00 "
                                 f"UTC; {covers}")
    with pytest.raises(DataError, match="the range is empty: start 2024-01-05 00:00 UTC is not "
                                        "before end 2024-01-04 00:00 UTC"):
        load(BTC_1M, tmp_path, start="2024-01-05", end="2024-01-04")
    with pytest.raises(DataError, match="no complete 1d bars from 2024-01-14 00:00 UTC before "
                                        "2024-01-14 12:00 UTC"):
        load(BTC_1M, tmp_path, interval="1d", start="2024-01-14", end="2024-01-14T12:00")


def test_lower_or_non_multiple_interval_is_refused(tmp_path):
    hourly = samples.write_gravestone(tmp_path / "h.csv", load(BTC_1M, tmp_path,
                                                               interval="1h").bars)
    with pytest.raises(DataError) as caught:
        load(hourly, tmp_path, interval="5m")
    assert str(caught.value) == ("h.csv: cannot make 5m bars from 1h bars; the requested "
                                 "interval is lower than the file's")
    threes = samples.write_gravestone(tmp_path / "t.csv", load(BTC_1M, tmp_path,
                                                               interval="3m").bars)
    with pytest.raises(DataError) as caught:
        load(threes, tmp_path, interval="5m")
    assert str(caught.value) == "t.csv: cannot make 5m bars from 3m bars; 5m is not a whole " \
        "number of 3m bars"


def _pandas_resample(bars, rule: str) -> pd.DataFrame:
    df = samples.frame(bars).set_index("date")
    out = df.resample(rule, origin="epoch", closed="left", label="left").agg(
        {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"})
    counts = df["open"].resample(rule, origin="epoch", closed="left", label="left").count()
    return out[counts > 0]


@pytest.mark.parametrize(("interval", "rule"), [("5m", "5min"), ("15m", "15min"), ("1h", "1h"),
                                                ("4h", "4h"), ("1d", "24h")])
def test_resampling_matches_pandas_on_real_data(tmp_path, interval, rule):
    """ETH starts at 03:00, so the first 4h and 1d groups are partial: we drop them, pandas
    keeps them; the last group is complete only when the data reaches its end."""
    source = load(ETH_1M, tmp_path)
    ours = load(ETH_1M, tmp_path, interval=interval)
    theirs = _pandas_resample(source.bars, rule)
    first = pd.Timestamp(source.first_ms, unit="ms", tz="UTC")
    theirs = theirs[theirs.index >= first]  # drop the partial leading group
    end = source.last_ms + 60_000
    group_ms = ours.bars.interval_ms
    theirs = theirs[(theirs.index.as_unit("ms").asi8 + group_ms) <= end]  # only closed groups
    assert len(ours.bars) == len(theirs) > 0
    np.testing.assert_array_equal(ours.bars.ts_ms, theirs.index.as_unit("ms").asi8)
    for name in ("open", "high", "low", "close"):
        np.testing.assert_array_equal(getattr(ours.bars, name), theirs[name].to_numpy())
    np.testing.assert_allclose(ours.bars.volume, theirs["volume"].to_numpy(), rtol=1e-12)
    assert ours.source_interval == "1m" and ours.interval == interval


def test_resampling_with_gaps_matches_pandas(tmp_path):
    bars = samples.cut(samples.reference(), (61, 65), (120, 180), (400, 403))
    path = samples.write_gravestone(tmp_path / "gappy.csv", bars)
    ours = load(path, tmp_path, interval="15m").bars
    theirs = _pandas_resample(bars, "15min")
    theirs = theirs[(theirs.index.as_unit("ms").asi8 + 900_000) <= int(bars.ts_ms[-1]) + 60_000]
    np.testing.assert_array_equal(ours.ts_ms, theirs.index.as_unit("ms").asi8)
    np.testing.assert_array_equal(ours.high, theirs["high"].to_numpy())
    np.testing.assert_array_equal(ours.close, theirs["close"].to_numpy())


def test_resampling_uses_only_data_before_end_and_warms_up_at_the_target_interval(tmp_path):
    loaded = load(BTC_1M, tmp_path, interval="1h", start="2024-01-05", end="2024-01-06T10:30",
                  warmup_bars=24)
    assert loaded.warmup_start_index == 24
    assert loaded.first_ms == JAN1 + 3 * DAY_MS
    assert loaded.last_ms == JAN1 + 5 * DAY_MS + 9 * 3_600_000  # 10:00 is cut by the end
    minutes = load(BTC_1M, tmp_path, start=loaded.last_ms, end=loaded.last_ms + 3_600_000).bars
    assert loaded.bars.high[-1] == minutes.high.max()
    assert loaded.bars.volume[-1] == pytest.approx(minutes.volume.sum(), rel=1e-12)


def test_fingerprint_is_stable_and_sensitive(tmp_path):
    a = load(BTC_1M, tmp_path, end="2024-01-02")
    b = load(BTC_1M, tmp_path / "other", end="2024-01-02", use_cache=False)
    assert a.fingerprint == b.fingerprint and len(a.fingerprint) == 64
    assert a.fingerprint != load(BTC_1M, tmp_path, end="2024-01-02T00:01").fingerprint
    assert a.fingerprint != load(BTC_1M, tmp_path, end="2024-01-02", interval="5m").fingerprint
    # Known value for the bundled slice: any change to the loader's output must show here.
    assert load(BTC_1M, tmp_path).fingerprint.startswith("0d4bc8eadacf57bb")
