"""The daemon's walk-forward, heatmap and rerun routes through a real daemon process: bad
values are refused and start nothing; a walk-forward's windows fill in its job; the stored
out-of-sample table and a heatmap on chosen axes are served; a variant re-run alone lands in
the backtests with the sweep's figures."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from plutarc.daemon import research_client as api
from plutarc.errors import UsageError
from tests.daemon.conftest import DaemonProcess
from tests.helpers import BTC_1M

# Two days of the bundled 1m candles: nine windows of 8h in-sample, 1h gap, 4h out-of-sample.
# reference_ema_cross trades 1 BTC a position, hence the cash; a day has no daily sharpe.
WF = {"request": {"template": "reference_ema_cross", "data": str(BTC_1M),
                  "start": "2024-01-01", "end": "2024-01-03", "starting_cash": 100_000.0},
      "params": ["ema_cross.fast=10,20", "ema_cross.slow=40,60"], "objective": "net",
      "min_trades": 1, "train": "8h", "test": "4h", "gap": "1h"}


async def _until_done(client: Any, job_id: int) -> dict[str, Any]:
    for _ in range(600):
        job = await api.job(client, job_id)
        if job["state"] != "running":
            return job
        await asyncio.sleep(0.1)
    raise AssertionError(f"research job {job_id} still running after 60 s")


async def _refusals(client: Any) -> None:
    with pytest.raises(UsageError, match="12h, 30d or 2w"):
        await api.start_walkforward(client, {**WF, "train": "5 days"})
    with pytest.raises(UsageError, match="step shorter than test"):
        await api.start_walkforward(client, {**WF, "step": "1h"})
    with pytest.raises(UsageError, match="longer than 0"):
        await api.start_walkforward(client, {**WF, "test": "0"})
    with pytest.raises(UsageError, match="trian"):
        await api.start_walkforward(client, {**WF, "trian": "8h"})
    with pytest.raises(UsageError, match="no component 'nosuch'"):
        await api.start_walkforward(client, {**WF, "params": ["nosuch.period=1,2"]})
    with pytest.raises(UsageError, match="no research job 99"):
        await api.job(client, 99)
    assert await api.walkforwards(client) == ([], [])  # nothing started, nothing stored


def test_walkforward_heatmap_and_rerun_over_the_api(tmp_path: Path) -> None:
    daemon = DaemonProcess(tmp_path / "home").start()

    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with daemon.client() as client:
            await _refusals(client)
            started = await api.start_walkforward(client, WF)
            assert started["kind"] == "walkforward" and started["state"] == "running"
            with pytest.raises(UsageError, match="already running"):
                await api.start_sweep(client, {k: v for k, v in WF.items()
                                               if k not in ("train", "test", "gap")})
            out["job"] = job = await _until_done(client, started["job_id"])
            runs, _jobs = await api.walkforwards(client)
            out["runs"] = runs
            out["wf"] = wf = await api.walkforward(client, job["walkforward_id"])
            out["heat"] = await api.heatmap(client, wf["id"], False)
            out["heat_swapped"] = await api.heatmap(client, wf["id"], False,
                                                    x="ema_cross.slow", y="ema_cross.fast")
            with pytest.raises(UsageError, match="not a swept parameter"):
                await api.heatmap(client, wf["id"], False, x="stop.stop_pct")
            with pytest.raises(UsageError, match="pick two parameters"):
                await api.heatmap(client, wf["id"], False, y="ema_cross.fast")
            with pytest.raises(UsageError, match="no walk-forward with id 42"):
                await api.walkforward(client, 42)
            first = wf["windows"][0]
            out["sweep"] = detail = await api.sweep(client, first["sweep_id"])
            out["sweep_heat"] = await api.heatmap(client, first["sweep_id"], True)
            chosen = next(v for v in detail["variants"] if v["params"] == first["chosen"])
            with pytest.raises(UsageError, match="has no variant 77"):
                await api.rerun_variant(client, first["sweep_id"], 77)
            with pytest.raises(UsageError, match="no sweep with id 999"):
                await api.rerun_variant(client, 999, 0)
            rerun = await api.rerun_variant(client, first["sweep_id"], chosen["seq"])
            out["rerun"] = await _until_done(client, rerun["job_id"])
            out["run"] = await client.backtest_run(out["rerun"]["run_id"], trades=False)
            out["chosen"] = chosen
        return out

    try:
        got = asyncio.run(scenario())
        assert daemon.proc is not None
        maps = Path(f"/proc/{daemon.proc.pid}/maps").read_text()
    finally:
        daemon.kill()
    assert "/pandas/" not in maps  # walk-forward and rerun ran in children
    job, wf = got["job"], got["wf"]
    assert job["state"] == "done", job
    assert job["windows_done"] == job["windows_total"] == 9
    assert [w["index"] for w in job["windows"]] == list(range(9))  # filled in as scored
    assert got["runs"][0]["id"] == wf["id"] and got["runs"][0]["windows"] == 9
    assert wf["windows"] == job["windows"]  # the stored table is what the job showed
    for w in wf["windows"]:
        assert w["is_end"] + 3_600_000 == w["oos_start"] and w["chosen"] is not None
        assert w["oos_score"] is not None and w["oos_metrics"]["trades"] >= 1
    stitched = wf["stitched"]
    assert stitched["first"] == pytest.approx(100_000.0) and stitched["points"] > 0
    assert set(wf["stability"]) == {"ema_cross.fast", "ema_cross.slow"}
    heat, swapped = got["heat"], got["heat_swapped"]
    assert (heat["x"], heat["y"]) == ("ema_cross.fast", "ema_cross.slow")
    assert heat["xs"] == [10, 20] and heat["ys"] == [40, 60] and heat["windows"] == 9
    assert swapped["xs"] == [40, 60] and swapped["ys"] == [10, 20]
    assert swapped["cells"] == [list(col) for col in zip(*heat["cells"], strict=True)]
    assert heat["verdict"] and got["sweep_heat"]["windows"] == 1
    rerun, run, chosen = got["rerun"], got["run"], got["chosen"]
    assert rerun["state"] == "done" and rerun["summary"]["matches"] is True, rerun
    assert run["metrics"]["trades"] == chosen["trades"]
    assert run["metrics"]["net_pnl"] == pytest.approx(chosen["net_pnl"])
