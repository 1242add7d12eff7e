"""Client calls for the daemon's research routes (kept apart from ``client.py``): start a
sweep, list sweeps and running jobs, read one sweep's variants."""

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
