"""Client calls for the promotion gate's routes (kept apart from ``client.py``)."""

from __future__ import annotations

from typing import Any

from plutarc.daemon.client import DaemonClient


async def validate_template(client: DaemonClient, name: str, walkforward: int,
                            version: int | None = None,
                            thresholds: dict[str, float | int] | None = None) -> dict[str, Any]:
    """Check walk-forward ``walkforward`` against the thresholds; a pass is stored."""
    from plutarc.daemon.api.promotion_routes import ValidateResponse

    body: dict[str, Any] = {"walkforward": walkforward, "thresholds": thresholds or {}}
    if version is not None:
        body["version"] = version
    return (await client.request("POST", f"/v1/templates/{name}/validations",
                                 ValidateResponse, body=body)).result


async def template_validations(client: DaemonClient, name: str) -> list[dict[str, Any]]:
    """Each stored version of ``name``: validated or not, with the newest validation."""
    from plutarc.daemon.api.promotion_routes import ValidationListResponse

    return (await client.request("GET", f"/v1/templates/{name}/validations",
                                 ValidationListResponse)).versions
