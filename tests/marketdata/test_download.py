"""``plutarc data download`` against the local BitMEX server: the store holds exactly the
venue's bars (no duplicate, none missing) after a download killed at a random point and
resumed; re-runs are idempotent; ``data list`` shows coverage; ``backtest run --venue``
reads the store (with its funding) without the venue."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from plutarc.exchanges.bitmex_sim import SimServer, SimServerConfig
from plutarc.marketdata.store import MarketStore

START_MS = 1_704_067_200_000  # 2024-01-01 00:00 UTC: the bundled replay's first bar
DAYS = 6
END_MS = START_MS + DAYS * 86_400_000
REPO = Path(__file__).resolve().parents[2]


def _server_config() -> SimServerConfig:
    # 6 days of 1m history; a generous read bucket so the test is not paced for minutes
    return SimServerConfig(warmup_bars=DAYS * 1440 + 60, rate_limit_unauth_per_minute=600)


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "PLUTARC_HOME": str(home), "PYTHONPATH": str(REPO)}


def _download_args(url: str) -> list[str]:
    return [sys.executable, "-m", "plutarc", "data", "download", "--venue", "bitmex",
            "--venue-url", url, "--symbol", "XBTUSD", "--from", str(START_MS), "--to",
            str(END_MS), "--json"]


async def _run(args: list[str], home: Path) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(*args, env=_env(home), cwd=REPO,
                                                stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()[-2000:]
    return proc.returncode, out.decode()


def _stored(home: Path, series: str = "1m") -> tuple[np.ndarray, np.ndarray]:
    folder = home / "data" / "market" / "bitmex" / "BTCUSD" / series
    tables = [pq.read_table(f) for f in sorted(folder.glob("*.parquet"))]
    ts = np.concatenate([t.column("timestamp").to_numpy() for t in tables])
    value = "close" if series == "1m" else "funding_rate"
    return ts, np.concatenate([t.column(value).to_numpy() for t in tables])


async def _kill_at_random_point(url: str, home: Path, seed: int) -> None:
    """Start a download and SIGKILL it once the store has recorded a random share of it."""
    rng = random.Random(seed)
    # at most 60 % in: the last chunks arrive so fast that a later target finishes first
    target = START_MS + int(rng.uniform(0.15, 0.6) * (END_MS - START_MS))
    marker = home / "data" / "market" / "bitmex" / "BTCUSD" / "1m" / "2024-01.json"
    proc = await asyncio.create_subprocess_exec(*_download_args(url), env=_env(home),
                                                cwd=REPO, stdout=asyncio.subprocess.DEVNULL,
                                                stderr=asyncio.subprocess.DEVNULL)
    try:
        while proc.returncode is None:
            if marker.exists() and json.loads(marker.read_text())["fetched_to_ms"] >= target:
                break  # killed at once: mid-chunk or mid-write, wherever it is
            await asyncio.sleep(0.005)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGKILL)
        await proc.wait()


async def test_a_killed_download_resumes_with_no_duplicate_or_missing_rows(tmp_path: Path):
    async with SimServer(_server_config()) as srv:
        reference = tmp_path / "reference"
        await _run(_download_args(srv.rest_url), reference)
        for seed in (1, 2):
            home = tmp_path / f"killed{seed}"
            await _kill_at_random_point(srv.rest_url, home, seed)
            partial, _ = _stored(home)
            assert 0 < len(partial) < DAYS * 1440  # it really was stopped part way
            _, out = await _run(_download_args(srv.rest_url), home)
            report = json.loads(out)
            assert report["series"][0]["resumed_past_ms"] > 0  # it resumed, not restarted
            ts, close = _stored(home)
            ref_ts, ref_close = _stored(reference)
            assert len(np.unique(ts)) == len(ts) == DAYS * 1440  # no duplicate, none missing
            np.testing.assert_array_equal(ts, ref_ts)
            np.testing.assert_array_equal(close, ref_close)
            assert np.array_equal(np.diff(ts), np.full(len(ts) - 1, 60_000))
            np.testing.assert_array_equal(_stored(home, "funding")[0],
                                          _stored(reference, "funding")[0])
        # an idempotent re-run: nothing fetched again, nothing changed
        _, out = await _run(_download_args(srv.rest_url), reference)
        again = json.loads(out)
        assert again["series"][0]["rows_stored"] == 0
        np.testing.assert_array_equal(_stored(reference)[0], ref_ts)
        assert again["series"][0]["gaps"] == 0
        assert "open-interest" in again["series"][2]["note"]


def test_store_merge_keeps_one_row_per_stamp_and_the_newest_wins(tmp_path: Path):
    store = MarketStore(tmp_path)
    rows = {"timestamp": np.array([START_MS, START_MS + 60_000]),
            "funding_rate": np.array([1.0, 2.0])}
    store.merge("v", "S", "funding", "2024-01", rows, START_MS + 120_000)
    store.merge("v", "S", "funding", "2024-01",
                {"timestamp": np.array([START_MS + 60_000, START_MS + 120_000]),
                 "funding_rate": np.array([5.0, 3.0])}, START_MS + 180_000)
    got = store.read("v", "S", "funding", START_MS, END_MS)
    assert got["timestamp"].tolist() == [START_MS, START_MS + 60_000, START_MS + 120_000]
    assert got["funding_rate"].tolist() == [1.0, 5.0, 3.0]
    assert store.fetched_to("v", "S", "funding", "2024-01") == START_MS + 180_000


async def test_data_list_and_a_backtest_from_the_store_without_the_venue(tmp_path: Path):
    home = tmp_path / "home"
    async with SimServer(_server_config()) as srv:
        await _run(_download_args(srv.rest_url), home)
    # the server is gone: the backtest can only read the store
    _, out = await _run([sys.executable, "-m", "plutarc", "data", "list", "--json"], home)
    listing = {r["series"]: r for r in json.loads(out)}
    assert listing["1m"]["rows"] == DAYS * 1440 and listing["1m"]["symbol"] == "BTCUSD"
    assert listing["funding"]["rows"] == DAYS * 3
    _, out = await _run([sys.executable, "-m", "plutarc", "backtest", "run", "scalp_1m",
                         "--venue", "bitmex", "--symbol", "XBTUSD", "--from",
                         "2024-01-02", "--to", "2024-01-06", "--json"], home)
    result = json.loads(out)
    assert result["symbol"] == "BTCUSD" and result["bars"] == 4 * 1440
    note = next(n for n in result["notes"] if n.startswith("funding from"))
    assert "market-data store" in note and "04:00, 12:00, 20:00 UTC" in note


async def test_a_venue_backtest_without_the_store_charges_the_venues_funding(tmp_path: Path):
    home = tmp_path / "home"
    async with SimServer(_server_config()) as srv:
        _, out = await _run([sys.executable, "-m", "plutarc", "backtest", "run", "scalp_1m",
                             "--venue", "bitmex", "--venue-url", srv.rest_url, "--symbol",
                             "XBTUSD", "--from", "2024-01-02", "--to", "2024-01-04", "--json"],
                            home)
    result = json.loads(out)
    note = next(n for n in result["notes"] if n.startswith("funding from"))
    assert "04:00, 12:00, 20:00 UTC" in note and "market-data store" not in note
