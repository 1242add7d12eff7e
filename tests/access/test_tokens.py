"""Tokens: issued once, stored as a hash, revocable; owner by uid; who in the audit log."""

from __future__ import annotations

import asyncio
import json
import os
import pwd

import pytest

from plutarc.daemon.client import DaemonClient
from plutarc.daemon.errors import Unauthenticated
from plutarc.errors import PermissionDenied
from tests.access.harness import ApiHarness
from tests.access.test_matrix import TEMPLATE_FILE, TEMPLATE_NAME


async def grant(api: ApiHarness, name: str, role: str) -> str:
    status, body = await api.call("POST", "/v1/access/tokens", {"name": name, "role": role})
    assert status == 201, body
    return body["secret"]


async def test_a_token_is_shown_once_and_stored_only_as_its_hash(api: ApiHarness) -> None:
    token = await grant(api, "ci", "viewer")
    assert token.startswith("plt_") and len(token) > 40
    status, listing = await api.call("GET", "/v1/access/tokens")
    assert status == 200
    assert [t["name"] for t in listing["tokens"]] == ["ci"]
    assert token not in str(listing) and "sha256" not in str(listing)
    api.store.db.conn.execute("PRAGMA wal_checkpoint(FULL)")
    for path in api.home.iterdir():
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path
    status, me = await api.call("GET", "/v1/access/whoami", token=token)
    assert (status, me["name"], me["role"], me["permissions"]) == (200, "token:ci", "viewer",
                                                                   ["view"])


async def test_revoked_and_unknown_tokens_get_401(api: ApiHarness) -> None:
    token = await grant(api, "temp", "trader")
    assert (await api.call("GET", "/v1/status", token=token))[0] == 200
    status, _ = await api.call("DELETE", "/v1/access/tokens/temp")
    assert status == 200
    status, body = await api.call("GET", "/v1/status", token=token)
    assert status == 401
    assert body["error"]["type"] == "unauthenticated"
    assert "unknown or revoked" in body["error"]["message"]
    assert token not in body["error"]["message"]
    status, body = await api.call("DELETE", "/v1/access/tokens/temp")
    assert status == 404 and "no token named 'temp'" in body["error"]["message"]


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"name": "x1", "role": "owner"}, 400, "cannot be granted"),
    ({"name": "x2", "role": "god"}, 400, "unknown role 'god'; choose one of: viewer, trader, "
                                         "risk, admin"),
    ({"name": "Bad Name", "role": "viewer"}, 400, "token name 'Bad Name' must be"),
    ({"name": "dup", "role": "viewer"}, 409, "exists already"),
])
async def test_grant_refuses_bad_requests(api: ApiHarness, body: dict, status: int,
                                          message: str) -> None:
    await grant(api, "dup", "viewer")
    got, reply = await api.call("POST", "/v1/access/tokens", body)
    assert got == status and message in reply["error"]["message"]


async def test_a_malformed_authorization_header_is_refused(api: ApiHarness) -> None:
    assert api._http is not None
    async with api._http.get("http://plutarc/v1/status",
                             headers={"Authorization": "Basic dXNlcjpwYXNz"}) as resp:
        body = await resp.json()
    assert resp.status == 401
    assert "must be 'Bearer <token>'" in body["error"]["message"]


async def test_another_unix_user_needs_a_token(api: ApiHarness) -> None:
    viewer = await grant(api, "remote", "viewer")
    api.pretend_foreign()
    status, body = await api.call("GET", "/v1/bots")
    assert status == 401
    message = body["error"]["message"]
    assert message.startswith("authentication required: ")
    assert "is not the user running the daemon" in message and "PLUTARC_TOKEN" in message
    status, body = await api.call("GET", "/v1/bots", token=viewer)
    assert status == 200
    status, body = await api.call("PUT", f"/v1/templates/{TEMPLATE_NAME}",
                                  {"toml": TEMPLATE_FILE.read_text()}, viewer)
    assert status == 403
    # nor does a refused stranger reach a 404: who they are is checked first
    assert (await api.call("GET", "/v1/nowhere"))[0] == 401


async def test_the_owner_sending_a_token_acts_with_the_token_role(api: ApiHarness) -> None:
    viewer = await grant(api, "owner-as-viewer", "viewer")
    status, body = await api.call("POST", "/v1/access/tokens", {"name": "z", "role": "viewer"},
                                  viewer)
    assert status == 403
    assert body["error"]["message"].startswith("permission denied: viewer cannot manage access")


async def test_audit_names_the_token_and_filters_by_who(api: ApiHarness) -> None:
    trader = await grant(api, "desk", "trader")
    status, _ = await api.call("PUT", f"/v1/templates/{TEMPLATE_NAME}",
                               {"toml": TEMPLATE_FILE.read_text()}, trader)
    assert status == 200
    status, body = await api.call("GET", "/v1/audit?who=token:desk")
    assert status == 200
    rows = body["audit"]
    assert [(r["who"], r["action"], r["target"]) for r in rows] == [
        ("token:desk", "template.put", TEMPLATE_NAME)]
    assert rows[0]["before"] is None and rows[0]["after"]["version"] == 1
    status, body = await api.call("GET", "/v1/audit")
    assert {r["action"] for r in body["audit"]} == {"access.grant", "template.put"}


async def test_the_client_sends_its_token(api: ApiHarness) -> None:
    token = await grant(api, "tui", "risk")
    async with DaemonClient(api.socket, token=token) as client:
        me = await client.whoami()
        assert (me.name, me.role) == ("token:tui", "risk")
        with pytest.raises(PermissionDenied, match="risk cannot manage keys"):
            await client.add_key("k", "bitmex", True, "KEYID0000000001", "a-secret-value")
    async with DaemonClient(api.socket, token="plt_not-a-token") as client:
        with pytest.raises(Unauthenticated, match="unknown or revoked"):
            await client.list_bots()
        with pytest.raises(Unauthenticated, match="refused the event stream"):
            async for _ in client.stream():
                break


FOREIGN_CLIENT = """
import json, sys, urllib.request, socket, http.client
class UnixConnection(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(sys.argv[1])
out = {}
for name, token in (("none", None), ("viewer", sys.argv[2])):
    conn = UnixConnection("plutarc")
    conn.request("GET", "/v1/access/whoami",
                 headers={"Authorization": f"Bearer {token}"} if token else {})
    reply = conn.getresponse()
    out[name] = [reply.status, json.loads(reply.read())]
print(json.dumps(out))
"""


SYSTEM_PYTHON = "/usr/bin/python3"  # our venv may live under /root, unreadable to others


@pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists(SYSTEM_PYTHON),
                    reason="needs root (to act as another Unix user) and /usr/bin/python3")
async def test_a_real_other_unix_user_is_refused_without_a_token(api: ApiHarness) -> None:
    token = await grant(api, "nobody-viewer", "viewer")
    # let 'nobody' reach the socket: the daemon's own directory is private (0700)
    os.chmod(api.home, 0o711)
    os.chmod(api.socket, 0o666)
    proc = await asyncio.create_subprocess_exec(
        SYSTEM_PYTHON, "-I", "-c", FOREIGN_CLIENT, str(api.socket), token,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        user=pwd.getpwnam("nobody").pw_uid, cwd="/")
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    got = json.loads(out)
    assert got["none"][0] == 401
    assert got["none"][1]["error"]["message"].startswith(
        "authentication required: nobody (uid 65534) is not the user running the daemon")
    assert got["viewer"][0] == 200 and got["viewer"][1]["name"] == "token:nobody-viewer"
