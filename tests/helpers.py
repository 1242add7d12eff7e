"""Shared test helpers: real bundled data, paths to the shared data set."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from plutarc.strategy.series import Bars

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "plutarc" / "data"
BTC_1M = BUNDLED / "BTCUSDT-1m-2024-01-01_14d.csv.gz"
ETH_1M = BUNDLED / "ETHUSDT_1m_2024-05_14d.csv.gz"
SHARED_DATA = REPO.parent / "shared" / "data"
SHARED_BENCH = REPO.parent / "shared" / "bench"
BTC_YEAR = SHARED_DATA / "candles/binance-spot_BTCUSDT_1m/BTCUSDT-1m-2024.csv.gz"


@lru_cache(maxsize=1)
def _btc_arrays() -> np.ndarray:
    return np.loadtxt(BTC_1M, delimiter=",", usecols=(0, 1, 2, 3, 4, 5))


def real_bars(n: int | None = None) -> Bars:
    """The bundled real BTCUSDT 1m bars (first ``n``)."""
    a = _btc_arrays()[:n]
    return Bars(60_000, a[:, 0].astype(np.int64), a[:, 1].copy(), a[:, 2].copy(),
                a[:, 3].copy(), a[:, 4].copy(), a[:, 5].copy())


def need_shared(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"needs the shared data set ({path} is absent on this machine)")
