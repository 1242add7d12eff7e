"""``plutarc venue``: run local venue simulators (``plutarc venue serve bitmex-sim``)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import typer

from plutarc.errors import UsageError

app = typer.Typer(no_args_is_help=True, help="Local venue simulators for tests and demos.")

SIMULATORS = ("bitmex-sim",)


@app.callback()
def venue() -> None:
    """Local venue simulators for tests and demos."""


@app.command("serve")
def serve(
    venue: str = typer.Argument(..., help="Which simulator: bitmex-sim."),
    host: str = typer.Option("127.0.0.1", help="Listen address."),
    port: int = typer.Option(8787, help="Port (REST /api/v1 and websocket /realtime)."),
    candles: Path | None = typer.Option(
        None, help="Binance Vision 1m file replayed as XBTUSD (default: bundled BTCUSDT)."
    ),
    bars_per_second: float = typer.Option(
        1.0, min=0, help="Replay speed in 1m bars per second; 0 = only via the control API."
    ),
    warmup_bars: int = typer.Option(2880, min=1, help="Bars of history before the replay."),
) -> None:
    """Serve a protocol-faithful local venue until interrupted."""
    if venue not in SIMULATORS:
        raise UsageError(f"unknown simulator {venue!r}; known: {', '.join(SIMULATORS)}")
    from plutarc.exchanges.bitmex_sim import SimServer, SimServerConfig
    from plutarc.exchanges.bitmex_sim.config import EXAMPLE_API_KEY

    settings: dict = {"host": host, "port": port, "bars_per_second": bars_per_second,
                      "warmup_bars": warmup_bars}
    if candles is not None:
        settings["replay"] = {"XBTUSD": candles}
    config = SimServerConfig(**settings)

    async def run() -> None:
        server = await SimServer(config).start()
        print(f"BitMEX simulator: REST {server.rest_url}  websocket {server.ws_url}")
        print(f"API key {EXAMPLE_API_KEY} (the secret of BitMEX's public signing example)")
        print(f"control API: {server.base_url}/control/state  (Ctrl-C to stop)", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await server.close()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
