"""Arrow columns reach numpy without pandas: the same values and dtype as pyarrow's own
to_numpy, and parsing a candle CSV imports neither pandas nor pyarrow.compute (together
~0.17 s of the first backtest in a fresh home)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest

from plutarc.backtest.data.arrow_numpy import numbers
from tests.helpers import BTC_1M


@pytest.mark.parametrize("kind", [pa.int8(), pa.int32(), pa.int64(), pa.uint16(), pa.uint64(),
                                  pa.float32(), pa.float64()])
def test_numbers_equal_to_numpy_with_offsets(kind) -> None:
    array = pa.array(range(0, 100, 3), kind).slice(5, 20)  # a non-zero offset into the buffer
    got = numbers(array)
    want = array.to_numpy()
    assert got.dtype == want.dtype and np.array_equal(got, want)
    assert not got.flags.writeable


def test_columns_with_nulls_or_not_numbers_go_through_to_numpy() -> None:
    with_null = pa.array([1.0, None, 3.0])
    assert np.isnan(numbers(with_null)[1])
    assert list(numbers(pa.array(["a", "b"]))) == ["a", "b"]


def test_parsing_a_candle_csv_imports_no_pandas(tmp_path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from plutarc.backtest.data.loader import load_candles\n"
        f"bars = load_candles(Path({str(BTC_1M)!r}), use_cache=False).bars\n"
        "assert len(bars) > 1000, len(bars)\n"
        "print(sorted(m for m in ('pandas', 'pyarrow.compute') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"PLUTARC_HOME": str(tmp_path), "PATH": "/usr/bin"})
    assert out.stdout.strip() == "[]"
