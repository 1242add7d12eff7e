"""The daemon's research routes: a sweep started over the API runs in a child process,
its progress and stored variants are served; a bad request changes nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from plutarc.daemon.research_client import start_sweep, sweep, sweeps
from plutarc.errors import UsageError
from tests.daemon.conftest import DaemonProcess
from tests.helpers import BTC_1M

SPEC = {"request": {"template": "trend_following", "data": str(BTC_1M), "end": "2024-01-06"},
        "params": ["price_vs_ema.period=20,40", "threshold=0.3,2"], "min_trades": 1}


def test_sweep_over_the_api(tmp_path: Path) -> None:
    daemon = DaemonProcess(tmp_path / "home").start()

    async def scenario() -> tuple[dict, dict, list]:
        async with daemon.client() as client:
            with pytest.raises(UsageError, match="no component 'nosuch'"):
                await start_sweep(client, {**SPEC, "params": ["nosuch.period=1,2"]})
            with pytest.raises(UsageError, match="--objective"):
                await start_sweep(client, {**SPEC, "objective": "luck"})
            assert await sweeps(client) == ([], [])  # nothing started, nothing stored
            job = await start_sweep(client, SPEC)
            while True:
                listed, jobs = await sweeps(client)
                mine = next(j for j in jobs if j["job_id"] == job["job_id"])
                if mine["state"] != "running":
                    break
                await asyncio.sleep(0.1)
            return mine, await sweep(client, mine["sweep_id"]), listed

    try:
        job, detail, listed = asyncio.run(scenario())
        assert daemon.proc is not None
        maps = Path(f"/proc/{daemon.proc.pid}/maps").read_text()
    finally:
        daemon.kill()
    assert "/pandas/" not in maps  # the sweep ran in its child; the daemon stays lean
    assert job["state"] == "done" and job["done"] == job["total"] == 4, job
    assert len(detail["variants"]) == 2 and len(detail["skipped"]) == 2
    assert all("threshold" in s["message"] for s in detail["skipped"])
    assert detail["variants"][0]["score"] >= detail["variants"][1]["score"]
