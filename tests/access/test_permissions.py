"""The permission table covers every route; roles carry exactly the powers the desk agreed."""

from __future__ import annotations

from aiohttp import web

from plutarc.access.permissions import (
    ROUTE_PERMISSIONS,
    AuditedBy,
    required_permissions,
    rule_for,
    unclassified,
)
from plutarc.access.roles import ROLE_PERMISSIONS, Permission, Role
from tests.access.harness import ApiHarness

P = Permission


async def test_every_registered_route_is_in_the_permission_table(api: ApiHarness) -> None:
    routes = [(r.method, r.resource.canonical) for r in api.app.router.routes()
              if r.resource is not None]
    assert len(routes) > 40
    missing = unclassified(routes)
    assert not missing, ("routes missing from plutarc/access/permissions.py ROUTE_PERMISSIONS: "
                         f"{missing}")


def test_unclassified_spots_a_new_route() -> None:
    assert unclassified([("GET", "/v1/status"), ("POST", "/v1/brand-new")]) == [
        ("POST", "/v1/brand-new")]
    assert unclassified([("HEAD", "/v1/status")]) == []


def test_table_entries_are_consistent() -> None:
    for (method, path), rule in ROUTE_PERMISSIONS.items():
        assert path.startswith("/v1/"), path
        reads = method == "GET"
        assert (rule.permission is P.VIEW) == reads, (method, path)
        assert (rule.audited_by is AuditedBy.NOBODY) == reads, (method, path)
        if rule.audited_by is AuditedBy.MIDDLEWARE:
            assert rule.action, (method, path)


def test_roles_match_the_agreed_rules() -> None:
    holders = {p: {r for r, perms in ROLE_PERMISSIONS.items() if p in perms} for p in P}
    assert ROLE_PERMISSIONS[Role.VIEWER] == {P.VIEW}
    assert all(P.VIEW in perms for perms in ROLE_PERMISSIONS.values())
    assert holders[P.MANAGE_KEYS] == {Role.OWNER, Role.ADMIN}
    assert holders[P.MANAGE_ACCESS] == {Role.OWNER, Role.ADMIN}
    assert holders[P.MANAGE_RISK] == {Role.OWNER, Role.ADMIN, Role.RISK}
    assert ROLE_PERMISSIONS[Role.OWNER] == ROLE_PERMISSIONS[Role.ADMIN] == set(P)
    assert P.TRADE in ROLE_PERMISSIONS[Role.TRADER]
    assert P.TRADE not in ROLE_PERMISSIONS[Role.RISK]


def test_body_keys_add_permissions() -> None:
    config = rule_for("PATCH", "/v1/bots/{ref}/config")
    create = rule_for("POST", "/v1/bots")
    assert config is not None and create is not None
    assert required_permissions(config, {"symbols": ["BTCUSDT"]}) == [P.MANAGE_BOTS]
    assert required_permissions(config, {"risk": {"max_leverage": 2}}) == [P.MANAGE_BOTS,
                                                                          P.MANAGE_RISK]
    assert required_permissions(config, {"risk": None}) == [P.MANAGE_BOTS]
    assert required_permissions(create, {"start": False}) == [P.MANAGE_BOTS]
    assert required_permissions(create, {"start": True, "risk": {}}) == [
        P.MANAGE_BOTS, P.MANAGE_RISK, P.TRADE]
    assert rule_for("HEAD", "/v1/bots") == rule_for("GET", "/v1/bots")


async def _grant(api: ApiHarness, name: str, role: str) -> str:
    status, body = await api.call("POST", "/v1/access/tokens", {"name": name, "role": role})
    assert status == 201, body
    return body["secret"]


async def test_risk_in_a_config_patch_needs_manage_risk(api: ApiHarness) -> None:
    from tests.access.test_matrix import TEMPLATE_FILE, TEMPLATE_NAME

    await api.call("PUT", f"/v1/templates/{TEMPLATE_NAME}", {"toml": TEMPLATE_FILE.read_text()})
    await api.call("POST", "/v1/bots", {"name": "p1", "template": TEMPLATE_NAME, "venue": "idle",
                                        "mode": "paper", "symbols": ["BTCUSDT"]})
    trader, risk = await _grant(api, "t", "trader"), await _grant(api, "r", "risk")
    _, current = await api.call("GET", "/v1/bots/p1/risk")
    patch = {"risk": {**current["risk"], "max_open_orders": 3}}

    status, body = await api.call("PATCH", "/v1/bots/p1/config", patch, trader)
    assert status == 403
    assert body["error"]["message"].startswith("permission denied: trader cannot manage risk")
    status, body = await api.call("PATCH", "/v1/bots/p1/config", patch, risk)
    assert status == 403
    assert body["error"]["message"].startswith("permission denied: risk cannot manage bots")
    status, body = await api.call("PUT", "/v1/bots/p1/risk", patch["risk"], risk)
    assert status == 200 and body["risk"]["max_open_orders"] == 3
    status, body = await api.call("POST", "/v1/bots", {
        "name": "p2", "template": TEMPLATE_NAME, "venue": "idle", "mode": "paper",
        "symbols": ["BTCUSDT"], "start": True}, await _grant(api, "v", "viewer"))
    assert status == 403


async def test_a_route_nobody_classified_is_refused_to_tokens_but_not_the_owner() -> None:
    harness = ApiHarness()

    async def handler(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    harness.app.router.add_post("/v1/unclassified", handler)
    await harness.start()
    try:
        admin = await _grant(harness, "adm", "admin")
        status, body = await harness.call("POST", "/v1/unclassified", {}, admin)
        assert status == 403
        assert "missing from plutarc/access/permissions.py" in body["error"]["message"]
        status, _ = await harness.call("POST", "/v1/unclassified", {})
        assert status == 200
    finally:
        await harness.close()
