"""Endpoints per environment, secrets kept out of errors and logs, and the serve command."""

from __future__ import annotations

import asyncio
import logging
import socket
import subprocess
import sys
import time

import aiohttp
import pytest
from pydantic import ValidationError

from plutarc.errors import AuthenticationError
from plutarc.exchanges.bitmex import BitmexAdapter, BitmexConfig, Credentials

from .conftest import FAST

DISTINCT_SECRET = "zz-THIS-secret-must-never-show-9137"


def test_testnet_and_override_endpoints():
    live, test = BitmexConfig(), BitmexConfig(testnet=True)
    assert (live.rest_base, live.ws_base) == ("https://www.bitmex.com/api/v1",
                                              "wss://ws.bitmex.com/realtime")
    assert (test.rest_base, test.ws_base) == ("https://testnet.bitmex.com/api/v1",
                                              "wss://ws.testnet.bitmex.com/realtime")
    assert BitmexAdapter(test).http._base == "https://testnet.bitmex.com/api/v1"
    local = BitmexConfig(rest_url="http://127.0.0.1:9/api/v1/", ws_url="ws://127.0.0.1:9/realtime")
    assert local.rest_base == "http://127.0.0.1:9/api/v1"
    with pytest.raises(ValidationError, match="testnett"):
        BitmexConfig(testnett=True)


async def test_secret_stays_out_of_errors_and_logs(server, caplog):
    config = BitmexConfig(**{**FAST, "rest_url": server.rest_url, "ws_url": server.ws_url})
    venue = BitmexAdapter(config, Credentials(next(iter(server.config.api_keys)),
                                              DISTINCT_SECRET))
    errors = []
    with caplog.at_level(logging.DEBUG):
        try:
            await venue.positions()
        except AuthenticationError as exc:
            errors.append(exc)
        fills = venue.stream_fills()
        try:
            await asyncio.wait_for(anext(fills), 3)
        except AuthenticationError as exc:
            errors.append(exc)
        await venue.close()
    assert len(errors) == 2 and all("Signature not valid" in str(e) for e in errors)
    shown = caplog.text + " ".join(map(str, errors)) + " ".join(map(repr, errors)) + repr(venue)
    assert DISTINCT_SECRET not in shown


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_plutarc_venue_serve_bitmex_sim():
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from plutarc.cli.venue_cmd import app; app()", "serve",
         "bitmex-sim", "--port", str(port), "--bars-per-second", "0", "--warmup-bars", "60"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 20
        reply = None
        async with aiohttp.ClientSession() as session:
            while reply is None and time.monotonic() < deadline and proc.poll() is None:
                try:
                    async with session.get(f"http://127.0.0.1:{port}/api/v1") as resp:
                        reply = await resp.json()
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
        assert reply is not None and reply["name"] == "BitMEX API", proc.poll()
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert f"REST http://127.0.0.1:{port}/api/v1" in out


def test_unknown_simulator_is_a_usage_error():
    from typer.testing import CliRunner

    from plutarc.cli.venue_cmd import app

    result = CliRunner().invoke(app, ["serve", "nasdaq-sim"])
    assert "unknown simulator 'nasdaq-sim'" in str(result.exception)
