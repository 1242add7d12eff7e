"""make_app: the aiohttp application serving the API over the daemon's Unix socket."""

from __future__ import annotations

import contextlib
from pathlib import Path

from aiohttp import WSCloseCode, web

from plutarc.daemon.api import (
    access_routes,
    backtest_routes,
    catalog_routes,
    desk_routes,
    fleet_routes,
    live_routes,
    notify_routes,
    order_routes,
    promotion_routes,
    research_routes,
    risk_routes,
)
from plutarc.daemon.api.http import SHUTTING_DOWN, api_middleware
from plutarc.daemon.api.routes import INFO, SERVICE, ServerInfo, routes
from plutarc.daemon.api.stream import WEBSOCKETS, stream
from plutarc.daemon.backtests import BacktestJobs
from plutarc.daemon.service import DaemonService

MAX_BODY_BYTES = 1024 * 1024


async def _stop_backtests(app: web.Application) -> None:
    await app[backtest_routes.BACKTESTS].close()


async def _close_streams(app: web.Application) -> None:
    for ws in list(app[WEBSOCKETS]):
        with contextlib.suppress(ConnectionError):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"daemon shutting down")


def make_app(service: DaemonService, info: ServerInfo) -> web.Application:
    app = web.Application(middlewares=[api_middleware], client_max_size=MAX_BODY_BYTES)
    app[SERVICE] = service
    app[INFO] = info
    app[SHUTTING_DOWN] = {"flag": False}
    app[WEBSOCKETS] = set()
    app.add_routes(routes)
    app[backtest_routes.BACKTESTS] = BacktestJobs(
        Path(info.database).with_name("backtests.db"), service.sink)
    app.add_routes(backtest_routes.routes)
    app.add_routes(live_routes.routes)
    app.add_routes(order_routes.routes)
    app.add_routes(catalog_routes.routes)
    app.add_routes(fleet_routes.routes)
    app.add_routes(promotion_routes.routes)
    desk_routes.install(app)
    risk_routes.install(app)
    research_routes.install(app)
    app.add_routes([web.get("/v1/stream", stream)])
    access_routes.setup(app)
    notify_routes.setup(app)  # after access: channel URLs live in its key store
    app.on_shutdown.append(_close_streams)
    app.on_shutdown.append(_stop_backtests)
    return app


def mark_shutting_down(app: web.Application) -> None:
    """From now on every request that would change something gets 503."""
    app[SHUTTING_DOWN]["flag"] = True
