"""The daemon's candle files are parsed by a child process into the cache, never in-process."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from plutarc.backtest.data.prewarm import ensure_cached
from plutarc.backtest.data.source import is_cached
from plutarc.daemon.paper.replay import DEFAULT_FILES
from plutarc.errors import DataError


def test_a_child_parses_the_file_and_the_cache_then_answers(tmp_path: Path) -> None:
    btc = DEFAULT_FILES["BTCUSDT"]
    assert not is_cached(btc, tmp_path)
    asyncio.run(ensure_cached([btc, btc], tmp_path))
    assert is_cached(btc, tmp_path)
    probe = ("import sys; from pathlib import Path; from plutarc.backtest.data import "
             f"load_candles; b = load_candles(Path({str(btc)!r}), cache_dir=Path("
             f"{str(tmp_path)!r})).bars; print(len(b), 'pyarrow' in sys.modules, "
             "'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["20160", "False", "False"]  # the cached read needs neither parser


def test_a_bad_file_is_a_clear_data_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("this is not,a candle file\n1,2\n")
    with pytest.raises(DataError, match="bad.csv"):
        asyncio.run(ensure_cached([bad], tmp_path / "cache"))
