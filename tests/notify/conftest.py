"""Fixtures for notifications: a real daemon, a JSON webhook and an SMTP server on loopback."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

import tests.daemon.conftest as daemon_conftest
from plutarc.daemon.api.notify_routes import ChannelResponse, NotifyResponse, SettingsResponse
from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.client import DaemonClient
from tests.daemon.conftest import TEMPLATE, TEMPLATE_NAME, DaemonProcess, short_home

PASSPHRASE = "notify-test-passphrase"


@dataclass
class Webhook:
    """A JSON webhook on 127.0.0.1 (what apprise's json:// posts to); ``delay_s`` makes it
    a slow channel."""

    delay_s: float = 0.0
    status: int = 200
    received: list[dict] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        body = json.loads(await request.read())
        body["_path"] = request.path
        self.received.append(body)
        self.arrived.set()
        return web.Response(status=self.status, text="ok")

    def url(self, path: str = "/hook") -> str:
        return f"json://127.0.0.1:{self.port}{path}"

    async def wait(self, count: int = 1, timeout_s: float = 30.0) -> list[dict]:
        async def enough() -> None:
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()

        await asyncio.wait_for(enough(), timeout_s)
        return self.received


@pytest.fixture
async def webhook() -> AsyncIterator[Webhook]:
    hook = Webhook()
    app = web.Application()
    app.router.add_post("/{tail:.*}", hook.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    hook.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield hook
    await runner.cleanup()


def _env_with_our_workers(home: Path) -> dict[str, str]:
    env = ORIGINAL_ENV(home)
    env["PLUTARC_WORKER_MODULES"] += ",tests.notify.workers"
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env["PLUTARC_KEYS_PASSPHRASE"] = PASSPHRASE
    return env


ORIGINAL_ENV = daemon_conftest.daemon_env


@pytest.fixture
def daemon(monkeypatch: pytest.MonkeyPatch) -> Iterator[DaemonProcess]:
    """A real daemon of its own per test (restarts and outboxes must not leak between)."""
    monkeypatch.setattr(daemon_conftest, "daemon_env", _env_with_our_workers)
    home = short_home()
    proc = DaemonProcess(home).start()
    yield proc
    if proc.proc is not None and proc.proc.poll() is None:
        proc.signal(signal.SIGTERM)
    shutil.rmtree(home, ignore_errors=True)


async def add_channel(client: DaemonClient, name: str, url: str) -> ChannelResponse:
    return await client.request("POST", "/v1/notify/channels", ChannelResponse,
                                body={"name": name, "url": url})


async def overview(client: DaemonClient) -> NotifyResponse:
    return await client.request("GET", "/v1/notify", NotifyResponse)


async def settings(client: DaemonClient, **changes: object) -> SettingsResponse:
    return await client.request("PUT", "/v1/notify/settings", SettingsResponse, body=changes)


async def start_bot(client: DaemonClient, name: str, venue: str) -> None:
    await client.put_template(TEMPLATE_NAME, TEMPLATE)
    await client.create_bot(BotSpec(name=name, template=TEMPLATE_NAME, venue=venue,
                                    mode="paper", symbols=("BTCUSDT",)), start=True)
