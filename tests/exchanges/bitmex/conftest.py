"""Fixtures: recorded payloads, and the local BitMEX server with an adapter pointed at it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from plutarc.exchanges.bitmex import BitmexAdapter, BitmexConfig, Credentials
from plutarc.exchanges.bitmex_sim import SimServer, SimServerConfig
from plutarc.exchanges.bitmex_sim.config import BUNDLED_BTC_1M, EXAMPLE_API_KEY, EXAMPLE_API_SECRET

RESOURCES = Path(__file__).parent / "resources"

# Short timeouts so every failure path runs in well under a second.
FAST = {
    "order_timeout_s": 0.5,
    "request_timeout_s": 2.0,
    "lookup_interval_s": 0.05,
    "backoff_initial_s": 0.05,
    "backoff_max_s": 1.0,
    "overload_backoff_s": 0.05,
    "ws_reconnect_initial_s": 0.05,
    "ws_reconnect_max_s": 0.5,
    "ws_ping_idle_s": 0.3,
    "ws_pong_timeout_s": 0.3,
    "watchdog_check_s": 0.05,
    "ws_open_timeout_s": 1.0,
    "rest_fallback_poll_s": 0.2,
    "dead_man_timeout_ms": 5_000,
    "dead_man_refresh_s": 0.2,
}


def load(name: str) -> Any:
    return json.loads((RESOURCES / name).read_text())


def capture_lines(name: str = "ws/cryptofeed_BITMEX.ws.1.0.slice") -> list[str]:
    """Payloads received in a cryptofeed capture (lines ``<ts>: <payload>``)."""
    out = []
    for line in (RESOURCES / name).read_text().splitlines():
        head, sep, payload = line.partition(": ")
        if sep and " " not in head:
            out.append(payload)
    return out


def sim_config(**changes: Any) -> SimServerConfig:
    settings: dict[str, Any] = {"warmup_bars": 1440}
    settings.update(changes)
    return SimServerConfig(**settings)


def linear_sim_config(**changes: Any) -> SimServerConfig:
    """XBTUSD and the linear LTCUSDT row, both driven by the bundled BTC bars."""
    return sim_config(replay={"XBTUSD": BUNDLED_BTC_1M, "LTCUSDT": BUNDLED_BTC_1M}, **changes)


@pytest.fixture
async def server() -> AsyncIterator[SimServer]:
    async with SimServer(sim_config()) as srv:
        yield srv


def adapter_for(srv: SimServer, *, keys: bool = True, **changes: Any) -> BitmexAdapter:
    settings = {**FAST, "rest_url": srv.rest_url, "ws_url": srv.ws_url, **changes}
    creds = Credentials(EXAMPLE_API_KEY, EXAMPLE_API_SECRET) if keys else None
    return BitmexAdapter(BitmexConfig(**settings), creds)


@pytest.fixture
async def adapter(server: SimServer) -> AsyncIterator[BitmexAdapter]:
    venue = adapter_for(server)
    try:
        yield venue
    finally:
        await venue.close()
