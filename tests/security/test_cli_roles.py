"""Issue 23.10: what a role may do from the CLI, and how big a template may be.

Before the fix the client always sent the default risk block with ``bot create``, so a
trader token (which may create bots but not manage risk) was always refused; and a
template with 5,000 components was accepted, slowing every API call that reads it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.client import DaemonClient
from plutarc.errors import PermissionDenied, TemplateError
from plutarc.strategy.template import MAX_COMPONENTS, parse_template
from tests.access.harness import ApiHarness

REPO = Path(__file__).resolve().parents[2]
TEMPLATE_NAME = "reference_ema_cross"
TEMPLATE = (REPO / "configs" / "templates" / f"{TEMPLATE_NAME}.toml").read_text()


@pytest.fixture
async def api() -> AsyncIterator[ApiHarness]:
    harness = await ApiHarness().start()
    try:
        status, _ = await harness.call("PUT", f"/v1/templates/{TEMPLATE_NAME}",
                                       {"toml": TEMPLATE})
        assert status == 200
        yield harness
    finally:
        await harness.close()


async def _token(api: ApiHarness, role: str) -> str:
    status, reply = await api.call("POST", "/v1/access/tokens", {"name": f"as-{role}",
                                                                 "role": role})
    assert status < 400, reply
    return reply["secret"]


def _spec(name: str, **extra: object) -> BotSpec:
    # What `plutarc bot create` builds: only the options the user gave.
    return BotSpec.model_validate({"name": name, "template": TEMPLATE_NAME, "venue": "idle",
                                   "mode": "paper", "account": "", "symbols": ("BTCUSDT",),
                                   **extra})


async def test_a_trader_token_creates_a_bot_with_default_risk(api: ApiHarness) -> None:
    async with DaemonClient(api.socket, token=await _token(api, "trader")) as client:
        bot = await client.create_bot(_spec("by-trader"))
    assert bot.name == "by-trader" and bot.risk == _spec("x").risk


async def test_a_trader_setting_risk_is_still_refused(api: ApiHarness) -> None:
    token = await _token(api, "trader")
    async with DaemonClient(api.socket, token=token) as client:
        with pytest.raises(PermissionDenied, match="trader cannot manage risk"):
            await client.create_bot(_spec("risky", risk={"max_open_orders": 3}))


async def test_a_template_with_thousands_of_components_is_refused(api: ApiHarness) -> None:
    toml = TEMPLATE + "".join('\n[[components]]\nid = "rsi_divergence_regular"\n'
                              for _ in range(5000))
    status, reply = await api.call("PUT", f"/v1/templates/{TEMPLATE_NAME}", {"toml": toml})
    assert status == 422
    assert reply["error"]["message"].startswith(
        f"template {TEMPLATE_NAME!r}: components: Tuple should have at most {MAX_COMPONENTS} "
        "items after validation, not 50")


def test_the_component_cap_leaves_room_for_every_catalog_component() -> None:
    from plutarc.strategy.components.registry import catalog

    assert len(catalog()) <= MAX_COMPONENTS
    with pytest.raises(TemplateError, match=f"at most {MAX_COMPONENTS} items"):
        parse_template({"name": "t", "components": [{"id": "x"}] * (MAX_COMPONENTS + 1)}, "t")
