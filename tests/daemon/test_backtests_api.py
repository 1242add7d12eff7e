"""Backtests launched through a real daemon's API: progress on the stream, results readable."""

import asyncio

import pytest

from plutarc.errors import UsageError
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
        job = await client.start_backtest({"template": "scalp_1m", "data": "/nonexistent.csv"})
        failed = await _wait_done(client, job["job_id"])
        assert failed["state"] == "failed" and "/nonexistent.csv" in failed["error"]
