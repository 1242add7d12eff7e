"""The streaming contract over a whole real year of 1m bars (shared data set): one batch
call equals a day-by-day replay bit for bit, for every indicator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.strategy.indicators.test_streaming_contract import CASES

YEAR = (
    Path(__file__).resolve().parents[4]
    / "shared/data/candles/binance-spot_BTCUSDT_1m/BTCUSDT-1m-2024.csv.gz"
)

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]


@pytest.fixture(scope="module")
def year() -> dict[str, np.ndarray]:
    if not YEAR.exists():
        pytest.skip(f"needs the shared data set ({YEAR} is absent on this machine)")
    table = pd.read_csv(YEAR, header=None, usecols=range(6)).to_numpy(np.float64)
    names = ("ts_ms", "open", "high", "low", "close", "volume")
    cols = {name: np.ascontiguousarray(table[:, i]) for i, name in enumerate(names)}
    cols["ts_ms"] = cols["ts_ms"].astype(np.int64)
    return cols


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_year_in_one_call_equals_a_day_by_day_replay(
    year: dict[str, np.ndarray], name: str
) -> None:
    factory, columns = CASES[name]
    data = [year[c] for c in columns]
    batch = factory().update(*data)  # type: ignore[attr-defined]
    replay = factory()
    days = [
        replay.update(*(col[a : a + 1440] for col in data))  # type: ignore[attr-defined]
        for a in range(0, data[0].size, 1440)
    ]
    batch = batch if isinstance(batch, tuple) else (batch,)
    days = [d if isinstance(d, tuple) else (d,) for d in days]
    for i, out in enumerate(batch):
        np.testing.assert_array_equal(out, np.concatenate([d[i] for d in days]))
