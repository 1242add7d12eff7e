"""Issue 23.6: data bombs. Every candle reader is bounded in size, rows and nesting.

Before the fix a 2.3 MB gzip (960 MB of CSV) took 4.8 GB of memory, JSON candle files were
read whole (a 2 GB sparse file took 2.56 GB) and deeply nested JSON raised RecursionError.
Big files here are sparse (no disk, no memory); the rest use small bounds on small files.
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

from plutarc.backtest.child import main as child_main
from plutarc.backtest.data import limits, load_candles
from plutarc.backtest.data.formats import open_table
from plutarc.backtest.data.limits import Limits
from plutarc.cli.main import run
from plutarc.errors import DataError

ROW = "{ts},100,101,99,100.5,3\n"
HEADER = "timestamp,open,high,low,close,volume\n"


def _csv_text(rows: int) -> str:
    return HEADER + "".join(ROW.format(ts=1_600_000_000_000 + i * 60_000) for i in range(rows))


def _read(path: Path, bounds: Limits | None = None) -> None:
    table = open_table(path, bounds)
    table.columns(table.names[:6], set(table.names[1:6]))


def _sparse(path: Path, head: bytes, size: int) -> Path:
    with path.open("wb") as f:
        f.write(head)
        f.truncate(size)
    return path


@pytest.fixture(autouse=True)
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUTARC_HOME", str(tmp_path / "home"))


def test_a_gzip_bomb_stops_at_the_decompressed_bound(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.csv.gz"
    bomb.write_bytes(gzip.compress(_csv_text(1).encode() + b"\n" * (8 << 20), 9))
    assert bomb.stat().st_size < 64 << 10
    with pytest.raises(DataError) as caught:
        _read(bomb, Limits(max_text_bytes=4 << 20))
    assert str(caught.value) == ("bomb.csv.gz: its decompressed content is larger than 4 MiB, "
                                 "the most such a file may be; split it, or convert it to "
                                 "Parquet")


def test_rows_are_counted_while_streaming_csv(tmp_path: Path) -> None:
    for name in ("rows.csv", "rows.csv.gz"):
        path = tmp_path / name
        data = _csv_text(3000).encode()
        path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
        with pytest.raises(DataError, match=f"{name}: more than 2,000 data rows"):
            _read(path, Limits(max_rows=2000))
        _read(path, Limits(max_rows=3000))


def test_a_huge_sparse_csv_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = _sparse(tmp_path / "big.csv", _csv_text(3000).encode(), limits.MAX_TEXT_BYTES + 1)
    with pytest.raises(DataError, match="big.csv: the file is larger than 2,048 MiB"):
        load_candles(path, use_cache=False)


def test_a_huge_sparse_json_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = _sparse(tmp_path / "big.json", b"[[1600000000000,1,2,0.5,1.5,3]", 2 << 30)
    with pytest.raises(DataError, match="big.json: the file is larger than 64 MiB"):
        load_candles(path, use_cache=False)


@pytest.mark.parametrize("depth", [5, 2000, 200_000])
def test_deeply_nested_json_is_a_data_error(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * depth + "]" * depth)
    with pytest.raises(DataError) as caught:
        load_candles(path, use_cache=False)
    assert str(caught.value).startswith(
        "deep.json: JSON nested more than 4 levels deep is not a candle file")


def test_json_rows_and_gzip_are_bounded(tmp_path: Path) -> None:
    rows = [[1_600_000_000_000 + i * 60_000, 100, 101, 99, 100.5, 3] for i in range(300)]
    path = tmp_path / "rows.json.gz"
    path.write_bytes(gzip.compress(json.dumps(rows).encode()))
    with pytest.raises(DataError, match="rows.json.gz: more than 200 data rows"):
        _read(path, Limits(max_rows=200))
    with pytest.raises(DataError, match="its decompressed content is larger than 1,000 bytes"):
        _read(path, Limits(max_json_bytes=1000))
    _read(path, Limits(max_rows=300))


def test_parquet_and_feather_rows_are_bounded(tmp_path: Path) -> None:
    table = pa.table({"timestamp": [1_600_000_000_000 + i * 60_000 for i in range(300)],
                      **{c: [100.0] * 300 for c in ("open", "high", "low", "close", "volume")}})
    pq.write_table(table, tmp_path / "c.parquet")
    feather.write_feather(table, tmp_path / "c.feather", chunksize=100)
    zipped = tmp_path / "c.parquet.gz"
    zipped.write_bytes(gzip.compress((tmp_path / "c.parquet").read_bytes()))
    for name in ("c.parquet", "c.feather", "c.parquet.gz"):
        with pytest.raises(DataError, match=f"{name}: more than 200 data rows"):
            _read(tmp_path / name, Limits(max_rows=200))
        _read(tmp_path / name, Limits(max_rows=300))
    with pytest.raises(DataError, match="c.parquet.gz: its decompressed content is larger"):
        _read(zipped, Limits(max_binary_bytes=100))


def test_the_cli_and_the_backtest_child_say_it_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    big = _sparse(tmp_path / "big.json", b"[[1600000000000,1,2,0.5,1.5,3]", 2 << 30)
    assert run(["data", "inspect", str(big)]) != 0
    err = " ".join(capsys.readouterr().err.split())
    assert "big.json: the file is larger than 64 MiB" in err and "Traceback" not in err
    out = io.StringIO()
    request = {"template": "scalp_1m", "data": str(big)}
    code = child_main([str(tmp_path / "runs.db")], io.StringIO(json.dumps(request)), out)
    last = json.loads(out.getvalue().splitlines()[-1])
    assert code == 1 and last["failed"].startswith("big.json: the file is larger than 64 MiB")


def test_the_default_row_bound_is_read_when_used(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.csv"
    path.write_text(_csv_text(50))
    monkeypatch.setattr(limits, "DEFAULT", Limits(max_rows=10))
    with pytest.raises(DataError, match="c.csv: more than 10 data rows"):
        load_candles(path, use_cache=False)
