"""Client calls for the daemon's research routes (kept apart from ``client.py``): start a
sweep or a walk-forward, follow its job, read stored sweeps, walk-forwards and heatmaps, and
run a stored variant alone as a normal backtest."""

from __future__ import annotations

from typing import Any

from plutarc.daemon.client import DaemonClient


async def start_sweep(client: DaemonClient, spec: dict[str, Any]) -> dict[str, Any]:
    from plutarc.daemon.api.research_routes import SweepJobResponse

    return (await client.request("POST", "/v1/research/sweeps", SweepJobResponse,
                                 body=spec)).job


async def sweeps(client: DaemonClient) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from plutarc.daemon.api.research_routes import SweepsResponse

    got = await client.request("GET", "/v1/research/sweeps", SweepsResponse)
    return got.sweeps, got.jobs


async def sweep(client: DaemonClient, sweep_id: int) -> dict[str, Any]:
    from plutarc.daemon.api.research_routes import SweepResponse

    got = await client.request("GET", f"/v1/research/sweeps/{sweep_id}", SweepResponse)
    return {"sweep": got.sweep, "variants": got.variants, "skipped": got.skipped}


async def start_walkforward(client: DaemonClient, spec: dict[str, Any]) -> dict[str, Any]:
    from plutarc.daemon.api.research_routes import SweepJobResponse

    return (await client.request("POST", "/v1/research/walkforwards", SweepJobResponse,
                                 body=spec)).job


async def walkforwards(client: DaemonClient
                       ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from plutarc.daemon.api.research_routes import WalkForwardsResponse

    got = await client.request("GET", "/v1/research/walkforwards", WalkForwardsResponse)
    return got.walkforwards, got.jobs


async def walkforward(client: DaemonClient, run_id: int) -> dict[str, Any]:
    from plutarc.daemon.api.research_routes import WalkForwardResponse

    return (await client.request("GET", f"/v1/research/walkforwards/{run_id}",
                                 WalkForwardResponse)).walkforward


async def heatmap(client: DaemonClient, run_id: int, is_sweep: bool, x: str | None = None,
                  y: str | None = None) -> dict[str, Any]:
    """The convergence heatmap of a sweep or of a walk-forward, on axes x and y."""
    from plutarc.daemon.api.research_routes import HeatmapResponse

    kind = "sweeps" if is_sweep else "walkforwards"
    query = [(k, v) for k, v in (("x", x), ("y", y)) if v]
    return (await client.request("GET", f"/v1/research/{kind}/{run_id}/heatmap",
                                 HeatmapResponse, params=query)).heatmap


async def rerun_variant(client: DaemonClient, sweep_id: int, seq: int) -> dict[str, Any]:
    """Start variant ``seq`` of sweep ``sweep_id`` alone as a normal backtest: its job."""
    from plutarc.daemon.api.research_routes import SweepJobResponse

    return (await client.request(
        "POST", f"/v1/research/sweeps/{sweep_id}/variants/{seq}/backtest",
        SweepJobResponse)).job


async def job(client: DaemonClient, job_id: int) -> dict[str, Any]:
    from plutarc.daemon.api.research_routes import SweepJobResponse

    return (await client.request("GET", f"/v1/research/jobs/{job_id}", SweepJobResponse)).job
