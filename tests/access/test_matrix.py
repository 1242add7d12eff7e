"""Every API route with every role: exactly the allowed calls succeed, the others are refused
with 'permission denied: ROLE cannot ACTION' (403) and change nothing, and every mutating
success is in the audit log under the caller's name."""

from __future__ import annotations

import asyncio
import itertools
import re
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from plutarc.access.permissions import required_permissions, rule_for
from plutarc.access.roles import GRANTABLE_ROLES, ROLE_PERMISSIONS, Role
from plutarc.daemon.api.backtest_routes import BACKTESTS
from tests.access.conftest import PASSPHRASE
from tests.access.harness import ApiHarness

REPO = Path(__file__).resolve().parents[2]
TEMPLATE_NAME = "reference_ema_cross"
TEMPLATE_FILE = REPO / "configs" / "templates" / f"{TEMPLATE_NAME}.toml"
BTC_1M = REPO / "plutarc" / "data" / "BTCUSDT-1m-2024-01-01_14d.csv.gz"
BACKTEST = {"template": str(TEMPLATE_FILE), "data": str(BTC_1M), "start": "2024-01-01",
            "starting_cash": 1_000_000.0,
            "end": "2024-01-02"}
REFUSED_URL = "http://127.0.0.1:9/api/v1"  # nothing listens on the discard port: a quick no
ROLES: tuple[Role, ...] = (Role.OWNER, *GRANTABLE_ROLES)

Request = tuple[str, str, Any]  # method, path, JSON body


class World:
    """The harness plus a token per role and fresh names for whatever a case creates."""

    def __init__(self, api: ApiHarness) -> None:
        self.api = api
        self.tokens: dict[Role, str | None] = {Role.OWNER: None}
        self._ids = itertools.count(1)
        self.run_id = 0
        self.job_id = 0

    def fresh(self, stem: str) -> str:
        return f"{stem}-{next(self._ids)}"

    async def owner(self, method: str, path: str, body: Any = None) -> Any:
        status, reply = await self.api.call(method, path, body)
        assert status < 400, (method, path, reply)
        return reply

    async def bot(self) -> str:
        name = self.fresh("m")
        await self.owner("POST", "/v1/bots", {"name": name, "template": TEMPLATE_NAME,
                                              "venue": "idle", "mode": "paper",
                                              "symbols": ["BTCUSDT"]})
        return name

    async def key(self) -> str:
        label = self.fresh("k")
        await self.owner("POST", "/v1/keys", {"label": label, "venue": "bitmex",
                                              "api_key": "MATRIXKEYID0001",
                                              "api_secret": "matrix-secret-" + label})
        return label

    async def started(self, name: str) -> str:
        """Start bot ``name`` and wait until it is online: no state change left in flight."""
        await self.owner("POST", f"/v1/bots/{name}/start", {})
        for _ in range(500):
            if (await self.owner("GET", f"/v1/bots/{name}"))["bot"]["state"] == "online":
                return name
            await asyncio.sleep(0.01)
        raise AssertionError(f"bot {name} did not come online")

    async def settle(self) -> None:
        """Stop every bot a case started, so nothing changes the database in the background."""
        for bot in (await self.owner("GET", "/v1/bots"))["bots"]:
            if bot["state"] != "stopped":
                await self.owner("POST", f"/v1/bots/{bot['id']}/stop", {})
        await self.idle_backtests()

    async def idle_backtests(self) -> None:
        jobs = self.api.app[BACKTESTS].jobs
        for _ in range(500):
            if all(job.state != "running" for job in jobs.values()):
                return
            await asyncio.sleep(0.02)
        raise AssertionError("backtests did not finish")


async def _static(method: str, path: str, body: Any = None) -> Request:
    return method, path, body


def fixed(method: str, path: str, body: Any = None) -> Callable[[World], Awaitable[Request]]:
    return lambda _w: _static(method, path, body)


async def _bot_get(w: World, suffix: str) -> Request:
    return "GET", f"/v1/bots/{await w.bot()}{suffix}", None


async def _bot_candles(w: World) -> Request:
    name = await w.started(await w.bot())  # candles are served while it runs
    return "GET", f"/v1/bots/{name}/candles?symbol=BTCUSDT", None


async def _bot_stop(w: World) -> Request:
    return "POST", f"/v1/bots/{await w.started(await w.bot())}/stop", {}


async def _bot_clear(w: World) -> Request:
    name = await w.bot()
    bot = w.api.store.bots.resolve(name)  # held, as a final venue error would leave it
    w.api.store.bots.set_needs_operator(bot.id, "matrix: venue refused an order", bot.updated_ms)
    return "POST", f"/v1/bots/{name}/clear", {}


async def _bot_create(w: World) -> Request:
    return "POST", "/v1/bots", {"name": w.fresh("c"), "template": TEMPLATE_NAME,
                                "venue": "idle", "mode": "paper", "symbols": ["BTCUSDT"]}


async def _bot_delete(w: World) -> Request:
    return "DELETE", f"/v1/bots/{await w.bot()}", None


async def _bot_start(w: World) -> Request:
    return "POST", f"/v1/bots/{await w.bot()}/start", {}


async def _bot_config(w: World) -> Request:
    return "PATCH", f"/v1/bots/{await w.bot()}/config", {"symbols": ["ETHUSDT"]}


async def _bot_risk(w: World) -> Request:
    name = await w.bot()
    risk = (await w.owner("GET", f"/v1/bots/{name}/risk"))["risk"]
    return "PUT", f"/v1/bots/{name}/risk", {**risk, "max_open_orders": 7}


async def _template_put(w: World) -> Request:
    name = w.fresh("t")
    text = TEMPLATE_FILE.read_text().replace(f'name = "{TEMPLATE_NAME}"', f'name = "{name}"')
    return "PUT", f"/v1/templates/{name}", {"toml": text}


async def _backtest_start(w: World) -> Request:
    await w.idle_backtests()
    return "POST", "/v1/backtests", BACKTEST


async def _token_revoke(w: World) -> Request:
    name = w.fresh("r")
    await w.owner("POST", "/v1/access/tokens", {"name": name, "role": "viewer"})
    return "DELETE", f"/v1/access/tokens/{name}", None


async def _key_remove(w: World) -> Request:
    return "DELETE", f"/v1/keys/{await w.key()}", None


async def _key_test(w: World) -> Request:
    return "POST", f"/v1/keys/{await w.key()}/test", {"url": REFUSED_URL}


# (method, canonical route) -> how to make a call to it that the owner would see succeed
CASES: dict[tuple[str, str], Callable[[World], Awaitable[Request]]] = {
    ("GET", "/v1/status"): fixed("GET", "/v1/status"),
    ("GET", "/v1/bots"): fixed("GET", "/v1/bots"),
    ("POST", "/v1/bots"): _bot_create,
    ("GET", "/v1/bots/{ref}"): lambda w: _bot_get(w, ""),
    ("DELETE", "/v1/bots/{ref}"): _bot_delete,
    ("POST", "/v1/bots/{ref}/{action}"): _bot_start,
    ("PATCH", "/v1/bots/{ref}/config"): _bot_config,
    ("GET", "/v1/bots/{ref}/risk"): lambda w: _bot_get(w, "/risk"),
    ("PUT", "/v1/bots/{ref}/risk"): _bot_risk,
    ("GET", "/v1/bots/{ref}/candles"): _bot_candles,
    ("GET", "/v1/templates"): fixed("GET", "/v1/templates"),
    ("GET", "/v1/templates/{name}"): fixed("GET", f"/v1/templates/{TEMPLATE_NAME}"),
    ("PUT", "/v1/templates/{name}"): _template_put,
    ("GET", "/v1/positions"): fixed("GET", "/v1/positions"),
    ("GET", "/v1/orders"): fixed("GET", "/v1/orders"),
    ("GET", "/v1/fills"): fixed("GET", "/v1/fills"),
    ("GET", "/v1/trades"): fixed("GET", "/v1/trades"),
    ("GET", "/v1/equity"): fixed("GET", "/v1/equity"),
    ("GET", "/v1/decisions"): fixed("GET", "/v1/decisions"),
    ("GET", "/v1/events"): fixed("GET", "/v1/events"),
    ("GET", "/v1/audit"): fixed("GET", "/v1/audit"),
    ("POST", "/v1/backtests"): _backtest_start,
    ("GET", "/v1/backtests"): fixed("GET", "/v1/backtests"),
    ("GET", "/v1/backtests/jobs/{job_id}"): lambda w: _static(
        "GET", f"/v1/backtests/jobs/{w.job_id}"),
    ("GET", "/v1/backtests/{run_id}"): lambda w: _static("GET", f"/v1/backtests/{w.run_id}"),
    ("GET", "/v1/components"): fixed("GET", "/v1/components"),
    ("GET", "/v1/catalog/templates"): fixed("GET", "/v1/catalog/templates"),
    ("GET", "/v1/catalog/data"): fixed("GET", "/v1/catalog/data"),
    ("GET", "/v1/access/whoami"): fixed("GET", "/v1/access/whoami"),
    ("GET", "/v1/access/tokens"): fixed("GET", "/v1/access/tokens"),
    ("POST", "/v1/access/tokens"): lambda w: _static(
        "POST", "/v1/access/tokens", {"name": w.fresh("g"), "role": "viewer"}),
    ("DELETE", "/v1/access/tokens/{name}"): _token_revoke,
    ("GET", "/v1/keys"): fixed("GET", "/v1/keys"),
    ("POST", "/v1/keys"): lambda w: _static("POST", "/v1/keys", {
        "label": w.fresh("a"), "venue": "bitmex", "api_key": "MATRIXKEYID0002",
        "api_secret": "matrix-secret-add"}),
    ("DELETE", "/v1/keys/{label}"): _key_remove,
    ("POST", "/v1/keys/{label}/test"): _key_test,
    ("GET", "/v1/keystore"): fixed("GET", "/v1/keystore"),
    # risk and operations
    ("POST", "/v1/panic"): fixed("POST", "/v1/panic", {"note": "permission matrix"}),
    ("POST", "/v1/bots/{ref}/stop"): _bot_stop,
    ("POST", "/v1/bots/{ref}/clear"): _bot_clear,
    ("PUT", "/v1/risk/accounts"): lambda w: _static("PUT", "/v1/risk/accounts", {
        "venue": "idle", "account": w.fresh("acct"), "limits": {"max_drawdown_pct": 10}}),
    ("POST", "/v1/ops/close-dust"): fixed("POST", "/v1/ops/close-dust", {}),
    ("POST", "/v1/keystore/unlock"): fixed("POST", "/v1/keystore/unlock",
                                           {"passphrase": PASSPHRASE}),
}


# Successes that may change nothing (no dust to close), so need not leave an audit row.
MAY_BE_NOOP = {("POST", "/v1/ops/close-dust")}


def _generic(method: str, canonical: str) -> Callable[[World], Awaitable[Request]]:
    """A route added after this table: any call shows whether the gate lets it through."""
    return fixed(method, re.sub(r"\{[^}]+\}", "x", canonical), {} if method != "GET" else None)


# Rows the daemon writes on its own schedule, whoever calls: the periodic health monitor's
# findings; and event ids, compared through the rows themselves.
# A refusal itself is audited (issue 23): that row is the one change a refused call makes.
BACKGROUND = {"events": "WHERE kind != 'health'",
              "sqlite_sequence": "WHERE name NOT IN ('events', 'audit')",
              "audit": "WHERE action != 'access.denied'"}
# Columns that are bookkeeping of time passing: a running bot's heartbeat, a token's last use.
CLOCK_COLUMNS = {"bots": {"last_heartbeat_ms"}, "access_tokens": {"last_used_ms"}}


def snapshot(db: Path, key_file: Path) -> dict[str, Any]:
    """Every row of every table, and the key file."""
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        state: dict[str, Any] = {}
        for table in tables:
            names = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            columns = ", ".join(n for n in names if n not in CLOCK_COLUMNS.get(table, ()))
            where = BACKGROUND.get(table, "")
            state[table] = sorted(map(repr, conn.execute(
                f"SELECT {columns} FROM {table} {where}")))
    finally:
        conn.close()
    state["keys.enc"] = key_file.read_bytes() if key_file.exists() else None
    return state


def audit_count(api: ApiHarness) -> int:
    return api.store.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]


async def ws_status(api: ApiHarness, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession(connector=aiohttp.UnixConnector(path=str(api.socket))
                                     ) as http:
        try:
            async with http.ws_connect("http://plutarc/v1/stream", headers=headers) as ws:
                hello = await ws.receive_json(timeout=5)
                assert hello["type"] == "hello"
                return 200
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


@dataclass
class Outcome:
    role: Role
    route: tuple[str, str]
    allowed: bool
    status: int
    body: Any


@pytest.fixture
async def world(api: ApiHarness, monkeypatch: pytest.MonkeyPatch) -> World:
    # the key test's URL is one the owner allows (a venue URL from a request is refused)
    monkeypatch.setenv("PLUTARC_HOME", str(api.home))
    (api.home / "config").mkdir(exist_ok=True)
    (api.home / "config" / "config.toml").write_text(f"[daemon]\nvenue_urls = [{REFUSED_URL!r}]\n")
    w = World(api)
    await w.owner("PUT", f"/v1/templates/{TEMPLATE_NAME}", {"toml": TEMPLATE_FILE.read_text()})
    for role in GRANTABLE_ROLES:
        w.tokens[role] = (await w.owner("POST", "/v1/access/tokens",
                                        {"name": f"as-{role}", "role": role.value}))["secret"]
    job = (await w.owner("POST", "/v1/backtests", BACKTEST))["job"]
    w.job_id = job["job_id"]
    await w.idle_backtests()
    done = (await w.owner("GET", f"/v1/backtests/jobs/{w.job_id}"))["job"]
    assert done["state"] == "done", done
    w.run_id = done["run_id"]
    return w


def registered_routes(api: ApiHarness) -> list[tuple[str, str]]:
    return sorted({(r.method, r.resource.canonical) for r in api.app.router.routes()
                   if r.method not in ("HEAD", "*") and r.resource is not None})


async def test_every_route_with_every_role(world: World) -> None:
    api = world.api
    outcomes: list[Outcome] = []
    for route in registered_routes(api):
        rule = rule_for(*route)
        assert rule is not None, f"{route} is missing from plutarc/access/permissions.py"
        make = CASES.get(route, _generic(*route))
        for role in ROLES:
            method, path, body = await make(world)
            needed = required_permissions(rule, body if isinstance(body, dict) else None)
            allowed = all(p in ROLE_PERMISSIONS[role] for p in needed)
            before, audits = snapshot(api.home / "plutarc.db", api.home / "keys.enc"), \
                audit_count(api)
            if route == ("GET", "/v1/stream"):
                status, reply = await ws_status(api, world.tokens[role]), None
            else:
                status, reply = await api.call(method, path, body, world.tokens[role])
            outcomes.append(Outcome(role, route, allowed, status, reply))
            if not allowed:
                assert status == 403, (role, route, status, reply)
                assert reply["error"]["type"] == "permission_denied"
                assert reply["error"]["message"].startswith(f"permission denied: {role} cannot ")
                await asyncio.sleep(0)  # let anything a handler scheduled run: none may
                after = snapshot(api.home / "plutarc.db", api.home / "keys.enc")
                assert after == before, f"refused {role} {route} changed: " + str({
                    t: (set(before[t]) ^ set(after[t])) if isinstance(after[t], list) else t
                    for t in after if after[t] != before.get(t)})
            elif route in CASES:
                assert status < 400, (role, route, status, reply)
                if method != "GET" and route not in MAY_BE_NOOP:
                    who = "token:as-" + role if role is not Role.OWNER else \
                        (await world.owner("GET", "/v1/access/whoami"))["name"]
                    rows = api.store.audit.query(limit=10_000)
                    new = [r for r in rows[audits:] if r.who == who]
                    assert new, f"{role} {route} succeeded but wrote no audit row as {who}"
            else:
                assert status not in (401, 403), (role, route, status, reply)
            await world.settle()
    denied = [o for o in outcomes if not o.allowed]
    assert denied and len(denied) < len(outcomes)
    # the viewer may read everything and change nothing
    viewer = [o for o in outcomes if o.role is Role.VIEWER]
    assert all(o.allowed == (o.route[0] == "GET") for o in viewer)
