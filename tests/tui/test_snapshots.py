"""How the fleet looks at 80x24 (SVG snapshots; refresh with --snapshot-update after a review)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import DataTable

from plutarc.tui.app import make_app
from plutarc.tui.screens.fleet import FleetScreen
from plutarc.tui.settings import TuiSettings
from tests.tui.conftest import Daemon, spec
from tests.tui.test_fleet import until


def test_fleet_at_80x24(fresh_daemon: Daemon, snap_compare: Callable[..., bool]) -> None:
    daemon = fresh_daemon

    async def create() -> None:
        async with daemon.client() as api:  # stopped bots: no heartbeat age to drift
            await api.create_bot(spec("btc-trend", ("BTCUSDT",)))
            await api.create_bot(spec("eth-revert", ("ETHUSDT", "ETHBTC")))

    asyncio.run(create())
    app = make_app(TuiSettings(socket_path=daemon.paths.socket, heartbeat_refresh_s=60.0))

    async def loaded(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: not app.link and isinstance(app.screen, FleetScreen)
                    and app.screen.query_one("#fleet", DataTable).row_count == 2)

    assert snap_compare(app, terminal_size=(80, 24), run_before=loaded)


def test_stop_confirmation_at_80x24(fresh_daemon: Daemon,
                                    snap_compare: Callable[..., bool]) -> None:
    daemon = fresh_daemon

    async def create() -> None:
        async with daemon.client() as api:
            await api.create_bot(spec("btc-trend", ("BTCUSDT",)))

    asyncio.run(create())
    app = make_app(TuiSettings(socket_path=daemon.paths.socket, heartbeat_refresh_s=60.0))

    async def asked(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: not app.link and isinstance(app.screen, FleetScreen)
                    and app.screen.query_one("#fleet", DataTable).row_count == 1)
        await pilot.press("s")
        await until(pilot, lambda: not isinstance(app.screen, FleetScreen))

    assert snap_compare(app, terminal_size=(80, 24), run_before=asked)
