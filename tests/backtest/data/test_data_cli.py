"""``plutarc data inspect | gaps | resample`` through the real CLI entry point."""

from __future__ import annotations

import json

import pytest

from plutarc.backtest.data import load_candles
from plutarc.cli.main import run
from tests.backtest.data.samples import write_cut_binance
from tests.helpers import BTC_1M, ETH_1M


@pytest.fixture(autouse=True)
def private_home(tmp_path, monkeypatch):
    """The CLI caches under the data dir: keep it inside the test's tmp_path."""
    monkeypatch.setenv("PLUTARC_HOME", str(tmp_path / "home"))


def test_inspect_text(capsys):
    assert run(["data", "inspect", str(BTC_1M)]) == 0
    out = capsys.readouterr().out
    expected = load_candles(BTC_1M, use_cache=False)
    assert "format:      binance-vision-csv+gzip" in out
    assert "rows:        20160" in out
    assert "first:       2024-01-01 00:00 UTC" in out
    assert "last:        2024-01-14 23:59 UTC" in out
    assert "interval:    1m" in out
    assert "gaps:        no gaps" in out
    assert f"fingerprint: {expected.fingerprint}" in out


def test_inspect_json(capsys):
    assert run(["data", "inspect", str(ETH_1M), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["format"] == "csv+gzip" and summary["rows"] == 20_160
    assert summary["first_ms"] == 1_714_532_400_000 and summary["interval"] == "1m"
    assert summary["gaps"] == 0 and summary["missing_bars"] == 0
    assert summary["fingerprint"] == load_candles(ETH_1M, use_cache=False).fingerprint


def test_gaps_text_and_json(tmp_path, capsys):
    path = write_cut_binance(tmp_path, (100, 105), (500, 560))
    assert run(["data", "gaps", str(path)]) == 0
    text = capsys.readouterr().out
    assert "2024-01-01 01:40 UTC" in text and "2024-01-01 09:20 UTC" in text and "1h" in text
    assert run(["data", "gaps", str(path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["start_ms"], r["end_ms"], r["missing_bars"]) for r in rows] == [
        (1_704_073_200_000, 1_704_073_500_000, 5), (1_704_097_200_000, 1_704_100_800_000, 60)]
    assert run(["data", "gaps", str(BTC_1M), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_resample_writes_a_header_csv_that_loads_back_identically(tmp_path, capsys):
    out = tmp_path / "btc-5m.csv"
    assert run(["data", "resample", str(BTC_1M), "--interval", "5m", "--out", str(out)]) == 0
    assert "wrote 4032 5m bars" in capsys.readouterr().out
    lines = out.read_text().splitlines()
    assert lines[0] == "timestamp,open,high,low,close,volume"
    assert lines[1].startswith("1704067200000,42283.58,")
    direct = load_candles(BTC_1M, interval="5m", use_cache=False)
    again = load_candles(out, use_cache=False)
    assert again.fingerprint == direct.fingerprint  # floats survive the round trip exactly


def test_resample_with_range_and_gzip_output(tmp_path, capsys):
    out = tmp_path / "btc-1h.csv.gz"
    code = run(["data", "resample", str(BTC_1M), "-i", "1h", "-o", str(out),
                "--start", "2024-01-02", "--end", "2024-01-03"])
    assert code == 0
    loaded = load_candles(out, use_cache=False)
    assert loaded.format == "csv+gzip" and len(loaded.bars) == 24
    assert loaded.first_ms == 1_704_153_600_000


def test_errors_are_one_line_with_stable_exit_codes(tmp_path, capsys):
    assert run(["data", "inspect", str(tmp_path / "BTC.csv")]) == 1
    err = capsys.readouterr().err
    assert err == f"plutarc: error: BTC.csv: file not found ({tmp_path / 'BTC.csv'})\n"

    bad = tmp_path / "BTC.csv"
    bad.write_text("a,b,c\nx,y,z\n")
    assert run(["data", "gaps", str(bad)]) == 1
    assert capsys.readouterr().err == (
        "plutarc: error: BTC.csv: no column looks like a timestamp; columns are a, b, c\n")

    out = tmp_path / "out.csv"
    assert run(["data", "resample", str(BTC_1M), "-i", "30s", "-o", str(out)]) == 2
    assert "unknown interval '30s'" in capsys.readouterr().err
    out.write_text("keep me")
    assert run(["data", "resample", str(BTC_1M), "-i", "5m", "-o", str(out)]) == 2
    assert "already exists; pass --force" in capsys.readouterr().err
    assert out.read_text() == "keep me"
    assert run(["data", "resample", str(BTC_1M), "-i", "5m", "-o", str(out), "--force"]) == 0


def test_resample_to_a_lower_interval_is_a_data_error(tmp_path, capsys):
    hourly = tmp_path / "h.csv"
    assert run(["data", "resample", str(BTC_1M), "-i", "1h", "-o", str(hourly)]) == 0
    capsys.readouterr()
    assert run(["data", "resample", str(hourly), "-i", "5m", "-o", str(tmp_path / "x.csv")]) == 1
    assert capsys.readouterr().err == (
        "plutarc: error: h.csv: cannot make 5m bars from 1h bars; the requested interval is "
        "lower than the file's\n")
