"""Session clocks in any timezone agree with pandas' tz conversion, DST and odd offsets included."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from plutarc.strategy.sessions import _local_fields

TWO_YEARS_EVERY_7_MIN = np.arange(1_704_067_200_000, 1_704_067_200_000 + 730 * 86_400_000,
                                  7 * 60_000, dtype=np.int64)


@pytest.mark.parametrize("tz", ["UTC", "America/New_York", "Europe/London", "Asia/Tokyo",
                                "Australia/Lord_Howe", "Asia/Kathmandu"])
def test_local_weekday_and_minute_match_pandas(tz: str) -> None:
    weekday, minute = _local_fields(TWO_YEARS_EVERY_7_MIN, tz)
    local = pd.DatetimeIndex(pd.to_datetime(TWO_YEARS_EVERY_7_MIN, unit="ms", utc=True))
    local = local.tz_convert(tz)
    assert np.array_equal(weekday, np.asarray(local.day_of_week))
    assert np.array_equal(minute, np.asarray(local.hour * 60 + local.minute))
