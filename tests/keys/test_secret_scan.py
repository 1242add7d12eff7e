"""A full run of a REAL daemon handling keys: the secrets appear in nothing it wrote or said.

Scanned: every file under the daemon's home (database, WAL, key file, logs, daemon output),
every HTTP response, every event on the stream, and the CLI's output.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import aiohttp.web
import pytest

from plutarc.exchanges.bitmex_sim import SimServer, SimServerConfig
from tests.daemon.conftest import REPO, TEMPLATE, TEMPLATE_NAME, DaemonProcess, short_home

KEY_ID = "SCANKEY" + secrets.token_hex(8).upper()
SECRET = "scan-secret-" + secrets.token_urlsafe(24)
WRONG_SECRET = "scan-wrong-" + secrets.token_urlsafe(24)
OKX_SECRET = "scan-okx-secret-" + secrets.token_urlsafe(24)
OKX_PASSPHRASE = "scan-okx-pass-" + secrets.token_urlsafe(12)
NOBODY = "http://127.0.0.1:9"  # the discard port: nothing answers there
FILE_PASSPHRASE = "scan-file-pass-" + secrets.token_urlsafe(12)
NOTIFY_TOKEN = "scan-notify-token-" + secrets.token_urlsafe(16)
NOTIFY_PASS = "scan-notify-pass-" + secrets.token_urlsafe(12)
SECRETS = (KEY_ID, SECRET, WRONG_SECRET, OKX_SECRET, OKX_PASSPHRASE, FILE_PASSPHRASE,
           NOTIFY_TOKEN, NOTIFY_PASS)


def forms(secret: str) -> list[bytes]:
    raw = secret.encode()
    return [raw, base64.b64encode(raw), base64.urlsafe_b64encode(raw), raw.hex().encode()]


def leaks(blob: bytes) -> list[str]:
    return [s for s in SECRETS if any(form in blob for form in forms(s))]


class Recorder:
    """Every response body and stream frame the daemon sends during the run."""

    def __init__(self, socket: Path) -> None:
        self.socket = socket
        self.said: list[str] = []

    async def call(self, method: str, path: str, body: object = None) -> tuple[int, dict]:
        async with aiohttp.ClientSession(
                connector=aiohttp.UnixConnector(path=str(self.socket))) as http:
            data = None if body is None else json.dumps(body)
            async with http.request(method, "http://plutarc" + path, data=data) as resp:
                text = await resp.text()
        self.said.append(text)
        return resp.status, json.loads(text)

    async def stream(self, stop: asyncio.Event) -> None:
        async with aiohttp.ClientSession(
                connector=aiohttp.UnixConnector(path=str(self.socket))) as http, \
                http.ws_connect("http://plutarc/v1/stream?after_id=0") as ws:
            while not stop.is_set():
                try:
                    msg = await ws.receive(timeout=0.1)
                except TimeoutError:
                    continue
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    return
                self.said.append(msg.data)


async def cli(home: Path, *argv: str, stdin: str = "") -> str:
    env = {**os.environ, "PLUTARC_HOME": str(home), "PYTHONPATH": str(REPO)}
    env.pop("PLUTARC_TOKEN", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "plutarc", *argv, env=env, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(stdin.encode()), 60)
    assert proc.returncode == 0, err.decode()
    return out.decode() + err.decode()


async def notify_scenario(home: Path, rec: Recorder) -> list[str]:
    """Channels whose URLs carry secrets: added, listed, tested, routed, one that fails."""
    heard: list[str] = []

    async def hook(request: aiohttp.web.Request) -> aiohttp.web.Response:
        heard.append(request.path)
        return aiohttp.web.Response(text="ok")

    app = aiohttp.web.Application()
    app.router.add_post("/{tail:.*}", hook)
    runner = aiohttp.web.AppRunner(app)
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    good = f"json://scan:{NOTIFY_PASS}@127.0.0.1:{port}/hook/{NOTIFY_TOKEN}"
    with socket.socket() as probe:  # a port nobody listens on: the channel fails
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    bad = f"json://127.0.0.1:{closed}/{NOTIFY_TOKEN}?token={NOTIFY_PASS}"
    printed = [await cli(home, "notify", "add", "scanphone", stdin=good + "\n"),
               await cli(home, "notify", "add", "scandown", stdin=bad + "\n")]
    assert (await rec.call("POST", "/v1/notify/channels", {"name": "Bad Name", "url": good}
                           ))[0] == 400
    assert (await rec.call("POST", "/v1/notify/channels", {"name": "x", "url": [good]}))[0] == 400
    assert (await rec.call("POST", "/v1/notify/channels/scanphone/test"))[0] == 200
    status, failed = await rec.call("POST", "/v1/notify/channels/scandown/test")
    assert status == 200 and not failed["ok"], failed
    assert (await rec.call("PUT", "/v1/notify/routes", {"channel": "*", "kind": "*",
                                                        "level": "info"}))[0] == 200
    assert (await rec.call("PUT", f"/v1/templates/{TEMPLATE_NAME}", {"toml": TEMPLATE}))[0] == 200
    assert (await rec.call("POST", "/v1/bots", {  # it errors: a message for both channels
        "name": "scanboom", "template": TEMPLATE_NAME, "venue": "crashy", "mode": "paper",
        "symbols": ["BTCUSDT"], "start": True}))[0] == 201
    printed += [await cli(home, "notify", "list", "--json"), await cli(home, "notify", "list")]
    for _ in range(300):  # the bot's message reaches the webhook; the other channel fails
        status, got = await rec.call("GET", "/v1/notify")
        if len(heard) >= 2 and any(c["failing"] for c in got["channels"]):
            break
        await asyncio.sleep(0.1)
    assert any(c["failing"] for c in got["channels"]), got
    assert len(heard) >= 2 and all(h == f"/hook/{NOTIFY_TOKEN}" for h in heard), heard
    await runner.cleanup()
    return printed


async def scenario(home: Path, rec: Recorder) -> list[str]:
    printed: list[str] = []
    stop = asyncio.Event()
    streaming = asyncio.create_task(rec.stream(stop))
    async with SimServer(SimServerConfig(warmup_bars=60, api_keys={KEY_ID: SECRET})) as sim:
        with (home / "config" / "config.toml").open("a") as config:  # the owner allows it
            config.write(f"venue_urls = [{sim.rest_url!r}, {NOBODY!r}]\n")
        printed += await asyncio.gather(
            cli(home, "keys", "add", "bitmex", "--testnet", "--label", "scan",
                stdin=f"{KEY_ID}\n{SECRET}\n"),
            cli(home, "keys", "add", "okx", "--label", "scan-okx",
                stdin=f"okx-scan-key-0001\n{OKX_SECRET}\n{OKX_PASSPHRASE}\n"))
        assert (await rec.call("POST", "/v1/keys", {
            "label": "scan-bad", "venue": "bitmex", "testnet": True, "api_key": KEY_ID,
            "api_secret": WRONG_SECRET}))[0] == 201
        status, good = await rec.call("POST", "/v1/keys/scan/test", {"url": sim.rest_url})
        assert status == 200 and good["result"]["ok"], good
        status, bad = await rec.call("POST", "/v1/keys/scan-bad/test", {"url": sim.rest_url})
        assert status == 200 and not bad["result"]["ok"]
        # refused requests that carry secrets must not echo them back
        refused = [
            {"label": "scan", "venue": "bitmex", "api_key": KEY_ID, "api_secret": SECRET},
            {"label": "scan-2", "venue": "bitmex", "api_key": KEY_ID, "api_secret": [SECRET]},
            {"label": "scan-3", "venue": "bitmex", "api_key": KEY_ID, "api_secret": SECRET,
             "passphrase": OKX_PASSPHRASE},
            {"label": "scan-4", "venue": "bitmex", "api_key": KEY_ID, "api_secret": SECRET,
             SECRET: 1},
        ]
        for body in refused:
            assert (await rec.call("POST", "/v1/keys", body))[0] >= 400
        assert (await rec.call("POST", "/v1/keystore/unlock",
                               {"passphrase": "a wrong one " + SECRET}))[0] == 422
        # an OKX key is tried through ccxt: a venue that does not answer is a plain failure
        status, okx_test = await rec.call("POST", "/v1/keys/scan-okx/test", {"url": NOBODY})
        assert status == 200 and not okx_test["result"]["ok"], okx_test
        for path in ("/v1/keys", "/v1/keystore", "/v1/audit?limit=1000",
                     "/v1/events?limit=1000", "/v1/status", "/v1/access/tokens"):
            assert (await rec.call("GET", path))[0] == 200
        assert (await rec.call("DELETE", "/v1/keys/scan-bad"))[0] == 200
        printed += await notify_scenario(home, rec)
        printed += await asyncio.gather(cli(home, "keys", "list"),
                                        cli(home, "audit", "--json", "--limit", "1000"))
    await asyncio.sleep(0.3)  # let the last events reach the stream
    stop.set()
    await streaming
    return printed


def test_no_secret_reaches_any_output_of_the_daemon(monkeypatch: pytest.MonkeyPatch) -> None:
    home = short_home()
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("PLUTARC_KEYS_PASSPHRASE", FILE_PASSPHRASE)
    daemon = DaemonProcess(home).start()
    try:
        rec = Recorder(daemon.paths.socket)
        printed = asyncio.run(scenario(home, rec))
        assert daemon.signal(signal.SIGTERM) == 0
        assert any('"type":"event"' in frame for frame in rec.said)
        assert any("key.add" in text for text in rec.said)  # the audit log was read back
        files = [p for p in home.rglob("*") if p.is_file()]
        assert any(p.name == "keys.enc" for p in files)
        assert any(p.name.startswith("plutarc.db") for p in files)
        found = {str(p): leaks(p.read_bytes()) for p in files}
        assert not any(found.values()), found
        said = [(i, leaks(text.encode())) for i, text in enumerate(rec.said + printed)]
        assert not [s for s in said if s[1]], said
    finally:
        daemon.kill()
        shutil.rmtree(home, ignore_errors=True)
