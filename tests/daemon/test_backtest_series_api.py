"""Funding and open-interest files named in a daemon backtest request: read only from the
directories the owner allows, and charged when they are."""

import asyncio
from pathlib import Path

import pytest

from plutarc.errors import UsageError

DATA = Path(__file__).resolve().parents[2] / "plutarc" / "data"
TEMPLATE = (Path(__file__).resolve().parents[1] / "backtest" / "templates"
            / "funding_contrarian.toml")


async def _wait_done(client, job_id, timeout_s=60.0):
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        job = await client.backtest_job(job_id)
        if job["state"] != "running":
            return job
        assert asyncio.get_running_loop().time() < deadline, "backtest did not finish"
        await asyncio.sleep(0.1)


async def test_a_funding_file_outside_the_allowed_directories_is_never_read(daemon, tmp_path):
    secret = tmp_path / "funding.csv"
    secret.write_text("timestamp,funding_rate\n0,0.1\n28800000,0.1\n")
    async with daemon.client() as client:
        await client.put_template("funding_contrarian", TEMPLATE.read_text())
        before = len((await client.backtests())[1])
        for key in ("funding", "open_interest"):
            with pytest.raises(UsageError, match="not in a directory the owner allows"):
                await client.start_backtest({"stored_template": "funding_contrarian",
                                             "data": "BTCUSDT-perp1h.csv.gz",
                                             key: str(secret)})
        assert len((await client.backtests())[1]) == before  # nothing started


async def test_a_bundled_funding_file_is_charged_through_the_daemon(daemon):
    async with daemon.client() as client:
        await client.put_template("funding_contrarian", TEMPLATE.read_text())
        job = await client.start_backtest({"stored_template": "funding_contrarian",
                                           "data": "BTCUSDT-perp1h.csv.gz",
                                           "funding": "BTCUSDT_funding.csv",
                                           "open_interest": "BTCUSDT_oi_4h.csv"})
        done = await _wait_done(client, job["job_id"])
        assert done["state"] == "done", done["error"]
        summary = done["summary"]
        assert summary["trades"] > 5 and summary["metrics"]["funding_payments"] > 10
        assert any(n.startswith("funding from BTCUSDT_funding.csv") for n in summary["notes"])
