"""``plutarc data download`` from the ccxt venues (Binance USD-M, Bybit, OKX) against their
local servers (tests/exchanges/ccxt/replay/ plus the history routes in history.py): every
closed bar, every funding time and every open-interest row of the range lands in the
store once; a run cut short resumes; a re-run fetches nothing; small pages miss nothing
whichever end of a window the venue hands first."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from plutarc.exchanges.ccxt.adapter import CcxtVenue
from plutarc.exchanges.ccxt.venues import PROFILES
from plutarc.marketdata.ccxt_source import CcxtHistory
from plutarc.marketdata.download import download
from plutarc.marketdata.sources import open_source
from plutarc.marketdata.store import MarketStore
from tests.exchanges.ccxt.replay import binance, bybit, okx
from tests.exchanges.ccxt.replay.core import MINUTE, ServerThread, Tape
from tests.exchanges.ccxt.replay.history import FUNDING_MS, app_with_history

REPO = Path(__file__).resolve().parents[2]
HOUR = 60 * MINUTE
SERVERS = {"binance": (binance.BinanceServer, "BTCUSDT"), "bybit": (bybit.BybitServer, "BTCUSDT"),
           "okx": (okx.OkxServer, "BTC-USDT-SWAP")}
HISTORY_BARS = 2 * 1440 + 30


@pytest.fixture(scope="module", params=sorted(SERVERS))
def served(request):  # noqa: ANN001, ANN201
    make, symbol = SERVERS[request.param]
    server = make(Tape(history=HISTORY_BARS))
    thread = ServerThread(lambda: app_with_history(request.param, server)).start()
    yield request.param, server, thread.url, symbol
    thread.stop()


def _range(server) -> tuple[int, int]:  # noqa: ANN001
    start = server.tape.anchor + MINUTE  # the tape's first bar
    return start, start + 2 * 1440 * MINUTE  # all closed when the server started


def _download(store: MarketStore, name: str, url: str, symbol: str, a: int, b: int):  # noqa: ANN202
    async def go():  # noqa: ANN202
        source = open_source(name, url)
        try:
            return await download(store, source, symbol, "1m", a, b)
        finally:
            await source.close()
    return asyncio.run(go())


def test_download_stores_every_bar_funding_and_oi_resumes_and_is_idempotent(served, tmp_path):
    name, server, url, symbol = served
    start, end = _range(server)
    store = MarketStore(tmp_path)
    report = _download(store, name, url, symbol, start, end)
    bars = store.read(name, symbol, "1m", start, end)
    assert bars["timestamp"].tolist() == list(range(start, end, MINUTE))  # none missing
    for ts, close in zip(bars["timestamp"][::97], bars["close"][::97], strict=True):
        assert close == pytest.approx(server.tape.bar(int(ts))[4], abs=0.01)
    by_series = {s.series: s for s in report.series}
    assert by_series["1m"].gaps == []
    funding = store.read(name, symbol, "funding", start, end)["timestamp"].tolist()
    assert funding == list(range(-(-start // FUNDING_MS) * FUNDING_MS, end, FUNDING_MS))
    oi = store.read(name, symbol, "oi", start, end)["timestamp"].tolist()
    if PROFILES[name].oi_page:
        assert oi == list(range(-(-start // HOUR) * HOUR, end, HOUR))
    else:
        assert oi == [] and "open-interest" in by_series["oi"].note

    # a run stopped half way (here: asked for half the range) is resumed, not restarted
    half = MarketStore(tmp_path / "half")
    _download(half, name, url, symbol, start, start + 1440 * MINUTE)
    resumed = _download(half, name, url, symbol, start, end)
    assert resumed.series[0].rows_stored == 1440  # only the second day was fetched
    for series in ("1m", "funding", "oi"):
        got, ref = (s.read(name, symbol, series, start, end) for s in (half, store))
        for col in ref:
            np.testing.assert_array_equal(got[col], ref[col])

    again = _download(store, name, url, symbol, start, end)  # idempotent: nothing fetched
    assert again.series[0].rows_stored == 0
    assert store.read(name, symbol, "1m", start, end)["timestamp"].tolist() == \
        bars["timestamp"].tolist()


def test_small_pages_split_windows_and_miss_no_row(served):
    name, server, url, symbol = served
    start, end = _range(server)

    async def rows(**pages: int):  # noqa: ANN202
        venue = CcxtVenue(dataclasses.replace(PROFILES[name], history_pace_s=0.0, **pages),
                          base_url=url, timeout_s=5)
        history = CcxtHistory(venue)
        try:
            return ([r.ts_ms for r in await history.funding_rates(symbol, start, end)],
                    [r.ts_ms for r in await history.open_interest(symbol, start, end)])
        finally:
            await history.close()

    wide = asyncio.run(rows())
    narrow = asyncio.run(rows(funding_page=2, oi_page=3 if PROFILES[name].oi_page else 0))
    assert narrow == wide and len(wide[0]) == 6


def test_cli_downloads_from_a_ccxt_venue_and_lists_it(served, tmp_path):
    name, server, url, symbol = served
    if name != "bybit":
        pytest.skip("the CLI path is the same for every ccxt venue; one is enough")
    start, end = _range(server)
    env = {**os.environ, "PLUTARC_HOME": str(tmp_path), "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-m", "plutarc", "data", "download", "--venue", name,
                          "--venue-url", url, "--symbol", symbol, "--from", str(start), "--to",
                          str(end), "--json"], env=env, cwd=REPO, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout)
    assert report["series"][0]["rows_stored"] == 2 * 1440 and report["series"][0]["gaps"] == 0
    listed = subprocess.run([sys.executable, "-m", "plutarc", "data", "list", "--json"],
                            env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    rows = {r["series"]: r for r in json.loads(listed.stdout) if r["venue"] == name}
    assert rows["1m"]["rows"] == 2 * 1440 and rows["funding"]["rows"] == 6


def test_a_download_killed_at_a_random_point_resumes_with_no_duplicate_or_missing_row(
        tmp_path):
    """SIGKILL mid-download (CLI, local Bybit server), then a re-run: the store holds every
    bar once, as an uninterrupted download does."""
    import random
    import signal
    import time

    days = 6
    server = bybit.BybitServer(Tape(history=days * 1440 + 30))
    thread = ServerThread(lambda: app_with_history("bybit", server)).start()
    start = server.tape.anchor + MINUTE
    end = start + days * 1440 * MINUTE
    args = [sys.executable, "-m", "plutarc", "data", "download", "--venue", "bybit",
            "--venue-url", thread.url, "--symbol", "BTCUSDT", "--from", str(start), "--to",
            str(end), "--json"]
    env = {**os.environ, "PLUTARC_HOME": str(tmp_path), "PYTHONPATH": str(REPO)}
    folder = tmp_path / "data" / "market" / "bybit" / "BTCUSDT" / "1m"
    target = start + int(random.Random(7).uniform(0.2, 0.6) * (end - start))
    try:
        proc = subprocess.Popen(args, env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            while proc.poll() is None:
                marks = [json.loads(p.read_text())["fetched_to_ms"]
                         for p in folder.glob("*.json")] if folder.exists() else []
                if marks and max(marks) >= target:
                    break  # killed at once, wherever it is
                time.sleep(0.005)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
            proc.wait()
        store = MarketStore(tmp_path / "data" / "market")
        partial = store.read("bybit", "BTCUSDT", "1m", start, end)["timestamp"]
        assert 0 < len(partial) < days * 1440  # it really stopped part way
        out = subprocess.run(args, env=env, cwd=REPO, capture_output=True, text=True,
                             timeout=300)
        assert out.returncode == 0, out.stderr[-2000:]
        assert json.loads(out.stdout)["series"][0]["rows_stored"] < days * 1440  # resumed
    finally:
        thread.stop()
    bars = store.read("bybit", "BTCUSDT", "1m", start, end)
    assert bars["timestamp"].tolist() == list(range(start, end, MINUTE))
    for ts, close in zip(bars["timestamp"][::53], bars["close"][::53], strict=True):
        assert close == pytest.approx(server.tape.bar(int(ts))[4], abs=0.01)
