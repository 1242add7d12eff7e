"""Issue 23 item 7: revocation closes a token's streams, tokens expire, refusals are audited.

A real daemon for what crosses the socket; the token store and the refusal log on a real
database with explicit times for expiry and the rate limit (no waiting on the wall clock).
"""

from __future__ import annotations

import asyncio
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from plutarc.access.refusals import DENIED, UNAUTHENTICATED, RefusalAudit
from plutarc.access.tokens import TokenStore
from plutarc.daemon.client import DaemonClient
from plutarc.daemon.errors import Unauthenticated
from plutarc.daemon.store import DaemonStore
from plutarc.errors import PermissionDenied, UsageError
from tests.daemon.conftest import DaemonProcess, short_home


@pytest.fixture(scope="module")
def daemon() -> Iterator[DaemonProcess]:
    home = short_home()
    proc = DaemonProcess(home).start()
    yield proc
    if proc.proc is not None and proc.proc.poll() is None:
        proc.signal(signal.SIGTERM)
    shutil.rmtree(home, ignore_errors=True)


async def test_revoking_a_token_closes_its_open_event_stream(daemon):
    async with daemon.client() as owner:
        token = (await owner.grant_token("streamer", "viewer")).secret
    async with daemon.client(token=token) as viewer, daemon.client() as owner:
        events = viewer.stream()
        reading = asyncio.ensure_future(events.__anext__())
        while (await owner.status()).stream_subscribers < 1:
            await asyncio.sleep(0.02)
        await owner.revoke_token("streamer")
        with pytest.raises(Unauthenticated, match="'streamer' was revoked"):
            # each event the daemon emits would arrive here if the stream stayed open
            while True:
                await asyncio.wait_for(reading, 30)
                reading = asyncio.ensure_future(events.__anext__())
        with pytest.raises(Unauthenticated):
            await viewer.whoami()


async def test_a_token_can_be_granted_with_an_expiry(daemon):
    async with daemon.client() as owner:
        reply = await owner.request("POST", "/v1/access/tokens", _grant_model(),
                                    body={"name": "brief", "role": "viewer",
                                          "expires_in_s": 3600})
        assert reply.token.expires_ms == reply.token.created_ms + 3_600_000
        with pytest.raises(UsageError, match="expires_in_s"):
            await owner.request("POST", "/v1/access/tokens", _grant_model(),
                                body={"name": "never", "role": "viewer", "expires_in_s": 0})
        listed = {t.name: t for t in await owner.list_tokens()}
        assert listed["brief"].expires_ms == reply.token.expires_ms


def _grant_model():  # noqa: ANN202
    from plutarc.daemon.api.access_routes import GrantResponse

    return GrantResponse


def test_an_expired_token_authenticates_nobody(tmp_path: Path):
    store = DaemonStore.open(tmp_path / "plutarc.db")
    try:
        tokens = TokenStore(store.db)
        info, token = tokens.grant("brief", "viewer", "owner", 1_000, expires_in_s=60)
        assert tokens.verify(token, 60_999) == ("brief", info.role)
        assert tokens.verify(token, 61_000) is None
        assert TokenStore(store.db).verify(token, 61_000) is None  # after a restart too
        _, forever = tokens.grant("always", "viewer", "owner", 1_000)
        assert tokens.verify(forever, 10**13) is not None
    finally:
        store.close()


async def test_failed_authentications_and_refusals_reach_the_audit_log(daemon):
    async with daemon.client() as owner:
        token = (await owner.grant_token("curious", "viewer")).secret
    async with DaemonClient(daemon.paths.socket, token="plt_not-a-real-token") as stranger:
        for _ in range(25):
            with pytest.raises(Unauthenticated):
                await stranger.status()
    async with daemon.client(token=token) as viewer:
        with pytest.raises(PermissionDenied):
            await viewer.panic("not mine to pull")
    async with daemon.client() as owner:
        rows = await owner.audit(limit=1000)
    unauth = [r for r in rows if r.action == UNAUTHENTICATED]
    denied = [r for r in rows if r.action == DENIED and r.who == "token:curious"]
    assert 1 <= len(unauth) <= 10  # rate-limited: 25 tries, at most 10 rows a minute
    assert any(r.target == "GET /v1/status" for r in unauth)
    assert all("not authenticated" in r.who for r in unauth)
    assert "plt_not-a-real-token" not in str([r.model_dump() for r in rows])
    assert denied and denied[0].target == "POST /v1/panic"
    assert denied[0].after["status"] == 403


def test_the_refusal_log_is_rate_limited_and_says_what_it_left_out(tmp_path: Path):
    store = DaemonStore.open(tmp_path / "plutarc.db")
    try:
        refusals = RefusalAudit(store.audit, per_window=3, window_ms=60_000)
        written = [refusals.record("mallory", 1_000 + i, 401, "GET /v1/status", "no")
                   for i in range(50)]
        assert written == [True] * 3 + [False] * 47
        refusals.record("mallory", 61_000, 401, "GET /v1/status", "no")  # the next window
        rows = store.audit.query(who="mallory", limit=100)
        summary = [r for r in rows if r.target == "(rate limit)"]
        assert len(rows) == 5 and summary[0].after["left_out"] == 47
    finally:
        store.close()


async def test_the_cli_grants_a_token_with_a_lifetime(daemon, monkeypatch, capsys):
    from plutarc.cli.main import run

    monkeypatch.setenv("PLUTARC_HOME", str(daemon.home))
    monkeypatch.delenv("PLUTARC_TOKEN", raising=False)
    assert await asyncio.to_thread(run, ["access", "grant", "cli-brief", "--role", "viewer",
                                         "--expires", "30d"]) == 0
    assert await asyncio.to_thread(run, ["access", "grant", "cli-zero", "--role", "viewer",
                                         "--expires", "0d"]) == 2
    assert "give a lifetime like" in " ".join(capsys.readouterr().err.split())
    async with daemon.client() as owner:
        listed = {t.name: t for t in await owner.list_tokens()}
    brief = listed["cli-brief"]
    assert brief.expires_ms == brief.created_ms + 30 * 86_400_000
    assert "cli-zero" not in listed


async def test_a_stream_ends_when_its_token_expires(daemon):
    async with daemon.client() as owner:
        granted = await owner.request("POST", "/v1/access/tokens", _grant_model(),
                                      body={"name": "short-lived", "role": "viewer",
                                            "expires_in_s": 4})
    async with daemon.client(token=granted.secret) as viewer:

        async def follow() -> None:
            async for _event in viewer.stream():
                pass  # events until the token expires, then the daemon closes the stream

        with pytest.raises(Unauthenticated, match="'short-lived' has expired"):
            await asyncio.wait_for(follow(), 60)  # a stream left open fails the test here
