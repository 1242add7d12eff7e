"""Backtests launched through a real daemon's API: progress on the stream, results readable."""

import asyncio
import re
from pathlib import Path

import pytest

from plutarc.daemon.store import DaemonStore
from plutarc.errors import TemplateError, UsageError
from tests.daemon.conftest import TEMPLATES
from tests.helpers import BTC_1M


async def _wait_done(client, job_id, timeout_s=60.0):
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        job = await client.backtest_job(job_id)
        if job["state"] != "running":
            return job
        assert asyncio.get_running_loop().time() < deadline, "backtest did not finish"
        await asyncio.sleep(0.1)


async def test_backtest_through_the_daemon(daemon):
    async with daemon.client() as client:
        job = await client.start_backtest({"template": "scalp_1m", "data": str(BTC_1M),
                                           "end": "2024-01-04"})
        assert job["state"] == "running"
        done = await _wait_done(client, job["job_id"])
        assert done["state"] == "done", done["error"]
        run = await client.backtest_run(done["run_id"])
        assert run["template"] == "scalp_1m" and len(run["trades"]) == done["summary"]["trades"]
        assert run["equity"]["equity"]
        runs, jobs = await client.backtests()
        assert done["run_id"] in [r["id"] for r in runs]
        events = await client.events(limit=200)
        assert any(f"backtest {job['job_id']} done" in e.message for e in events)


async def test_bad_backtest_requests_are_refused(daemon):
    async with daemon.client() as client:
        with pytest.raises(UsageError):
            await client.start_backtest({"template": "scalp_1m", "data": "x", "bogus": 1})
        # a path outside the directories the owner allows is refused before anything runs
        with pytest.raises(UsageError, match="not in a directory the owner allows"):
            await client.start_backtest({"template": "scalp_1m", "data": "/nonexistent.csv"})
        missing = str(BTC_1M.with_name("nonexistent.csv"))
        job = await client.start_backtest({"template": "scalp_1m", "data": missing})
        failed = await _wait_done(client, job["job_id"])
        assert failed["state"] == "failed" and "nonexistent.csv" in failed["error"]


# ----- templates stored in the daemon, candles from a venue --------------------------------
SCALP_TOML = (TEMPLATES / "scalp_1m.toml").read_text()


async def _run_count(client) -> int:
    runs, _jobs = await client.backtests()
    return len(runs)


async def test_a_stored_template_is_backtested_as_edited(daemon):
    edited = SCALP_TOML.replace("max_bars = 30", "max_bars = 7").replace(
        'name = "scalp_1m"', 'name = "quick-scalp"')
    assert edited != SCALP_TOML
    async with daemon.client() as client:
        await client.put_template("quick-scalp", SCALP_TOML.replace('name = "scalp_1m"',
                                                                    'name = "quick-scalp"'))
        stored = await client.put_template("quick-scalp", edited)  # the editor's save: v2
        job = await client.start_backtest({"stored_template": "quick-scalp",
                                           "data": str(BTC_1M), "end": "2024-01-03"})
        assert job["request"]["stored_template"] == "quick-scalp"
        assert job["request"]["template_version"] == stored.version == 2
        done = await _wait_done(client, job["job_id"])
        assert done["state"] == "done", done["error"]
        run = await client.backtest_run(done["run_id"])
        assert run["template"] == "quick-scalp" and "max_bars = 7" in run["template_toml"]
        # The file template of the same strategy holds positions up to 30 bars: the edit
        # is what ran, not a file of that name.
        base = await _wait_done(client, (await client.start_backtest(
            {"template": "scalp_1m", "data": str(BTC_1M), "end": "2024-01-03"}))["job_id"])
        base_run = await client.backtest_run(base["run_id"])
        assert "max_bars = 30" in base_run["template_toml"]
        longest = max((t["exit_ts_ms"] - t["entry_ts_ms"]) // 60_000 for t in run["trades"])
        base_longest = max((t["exit_ts_ms"] - t["entry_ts_ms"]) // 60_000
                           for t in base_run["trades"])
        assert longest <= 8 < base_longest


@pytest.mark.parametrize(("body", "error", "message"), [
    ({"stored_template": "never-stored", "data": str(BTC_1M)}, UsageError,
     "no template named 'never-stored' is stored in the daemon"),
    ({"stored_template": "../etc", "data": str(BTC_1M)}, UsageError, "stored_template"),
    ({"template": "scalp_1n", "data": str(BTC_1M)}, TemplateError, "did you mean 'scalp_1m'"),
    ({"template": "scalp_1m", "stored_template": "quick", "data": str(BTC_1M)}, UsageError,
     "give one template"),
    ({"data": str(BTC_1M)}, UsageError, "give one template"),
    ({"template": "scalp_1m"}, UsageError, "give the candles one way"),
    ({"template": "scalp_1m", "data": str(BTC_1M), "venue": "bitmex"}, UsageError,
     "give the candles one way"),
    ({"template": "scalp_1m", "venue": "ftx", "symbol": "XBTUSD", "start": "2024-01-01",
      "end": "2024-01-02"}, UsageError, "venue 'ftx': backtest candles can come from bitmex"),
    ({"template": "scalp_1m", "venue": "bitmex", "symbol": "XBTUSD"}, UsageError,
     "needs start, end"),
    ({"template": "scalp_1m", "venue": "bitmex", "symbol": "XBTUSD", "start": "yesterday",
      "end": "2024-01-02"}, UsageError, "must be ISO dates/times"),
    ({"template": "scalp_1m", "venue": "bitmex", "symbol": "XBTUSD", "start": "2024-01-02",
      "end": "2024-01-01"}, UsageError, "must be after start"),
    ({"template": "scalp_1m", "venue": "bitmex", "venue_url": "ftp://x", "symbol": "XBTUSD",
      "start": "2024-01-01", "end": "2024-01-02"}, UsageError, "http:// or https://"),
])
async def test_bad_templates_and_venues_are_refused_and_nothing_runs(daemon, body, error,
                                                                       message):
    async with daemon.client() as client:
        before_runs = await _run_count(client)
        _runs, before_jobs = await client.backtests()
        with pytest.raises(error, match=re.escape(message)):
            await client.start_backtest(body)
        _runs, after_jobs = await client.backtests()
        assert len(after_jobs) == len(before_jobs) and await _run_count(client) == before_runs


async def test_a_broken_stored_template_is_refused_with_422(daemon):
    toml = SCALP_TOML.replace('name = "scalp_1m"', 'name = "fine-now"')
    async with daemon.client() as client:
        await client.put_template("fine-now", toml)
    # A template stored by an older version that this one no longer accepts: written into
    # the store directly, since the API refuses to store it.
    store = DaemonStore.open(daemon.paths.database)
    try:
        store.templates.put("fine-now", toml.replace("max_bars = 30", "max_bars = -3"), 1)
    finally:
        store.close()
    async with daemon.client() as client:
        with pytest.raises(TemplateError, match="max_bars"):
            await client.start_backtest({"stored_template": "fine-now", "data": str(BTC_1M)})


async def test_a_backtest_on_venue_candles_from_the_local_bitmex_server(daemon):
    from plutarc.exchanges.bitmex_sim import SimServer, SimServerConfig

    async with SimServer(SimServerConfig(warmup_bars=2880)) as srv, daemon.client() as client:
        with daemon.paths.config_file.open("a") as config:  # the owner allows the simulator
            config.write(f"venue_urls = [{srv.rest_url!r}]\n")
        job = await client.start_backtest({
            "template": "scalp_1m", "venue": "bitmex", "venue_url": srv.rest_url,
            "symbol": "XBTUSD", "start": "2024-01-01T06:00", "end": "2024-01-02T00:00"})
        assert job["request"]["venue"] == "bitmex"
        done = await _wait_done(client, job["job_id"])
        assert done["state"] == "done", done["error"]
        assert done["summary"]["bars"] == 18 * 60
        run = await client.backtest_run(done["run_id"])
        assert run["symbol"] == "XBTUSD" and "bitmex" in run["data_source"]


def _mapped_libraries(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


async def test_a_backtest_runs_in_its_own_process_and_leaves_the_daemon_lean(daemon):
    """pandas and the run's arrays live in a child process: the daemon never maps them."""
    async with daemon.client() as client:
        job = await client.start_backtest({"template": "trend_following", "data": str(BTC_1M),
                                           "end": "2024-01-03"})
        done = await _wait_done(client, job["job_id"])
    assert done["state"] == "done", done["error"]
    assert daemon.proc is not None
    maps = _mapped_libraries(daemon.proc.pid)
    assert "/pandas/" not in maps and "/pyarrow/" not in maps
    children = Path(f"/proc/{daemon.proc.pid}/task/{daemon.proc.pid}/children").read_text()
    assert children.split() == []  # the backtest process is gone, not left behind


async def test_the_api_runs_a_bots_risk_gate_or_none(daemon):
    """Issue 15 item 6: 1 BTC on 10,000 of cash is over a bot's max_leverage of 3."""
    body = {"template": "reference_ema_cross", "data": str(BTC_1M), "end": "2024-01-02",
            "enforce_margin": False}
    async with daemon.client() as client:
        results = {}
        for label, extra in (("default", {}), ("off", {"risk_limits": None}),
                             ("loose", {"risk_limits": {"max_leverage": 100}})):
            job = await client.start_backtest({**body, **extra})
            done = await _wait_done(client, job["job_id"])
            assert done["state"] == "done", done["error"]
            results[label] = (await client.backtest_run(done["run_id"]))["metrics"]
        with pytest.raises(UsageError, match="max_levrage"):
            await client.start_backtest({**body, "risk_limits": {"max_levrage": 5}})
    assert results["default"]["trades"] == 0 and results["default"]["risk_refusals"]
    assert results["off"]["risk_limits"] is None and results["off"]["trades"] > 0
    assert results["loose"]["risk_limits"]["max_leverage"] == "100"
    assert results["loose"]["trades"] == results["off"]["trades"]
