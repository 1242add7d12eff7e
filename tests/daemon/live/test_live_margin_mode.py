"""Margin mode per bot (issue 24) on the local BitMEX server: set at start, changed while
flat, refused while a position is open (nothing changes), and a venue's refusal is a warning
on the activity feed with the reason while the bot trades on."""

from __future__ import annotations

import pytest

from plutarc.daemon.bot_config import BotSpec, ConfigPatch
from plutarc.daemon.errors import InvalidTransition
from plutarc.daemon.lifecycle import BotState
from plutarc.models.events import EventKind
from tests.daemon.live.conftest import LiveRig, until
from tests.daemon.live.test_live_worker import _until_in_position


def _activity(rig: LiveRig, bot_id: str) -> list[str]:
    return [e.message for e in rig.store.events.query(bot_id=bot_id, kinds=[EventKind.ACTIVITY],
                                                      limit=500)]


def _cross(rig: LiveRig) -> bool:
    return rig.server.exchange.venue("XBTUSD").cross


async def _start(rig: LiveRig, name: str, margin: str | None) -> str:
    spec = BotSpec(name=name, template="quick_cross", venue="bitmex", mode="testnet",
                   account="main", symbols=("BTCUSD",), margin_mode=margin)
    bot_id = (await rig.service.create_bot(spec, "tester", start=True)).id
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
    return bot_id


async def test_margin_mode_is_set_at_start_and_changed_only_while_flat(rig: LiveRig) -> None:
    bot_id = await _start(rig, "margin", "cross")
    assert "cross margin set on BTCUSD" in _activity(rig, bot_id)
    assert _cross(rig)  # after the template's leverage, which alone would isolate it

    rig.service.update_config(bot_id, ConfigPatch(margin_mode="isolated"), "tester")
    await until(lambda: "isolated margin set on BTCUSD" in _activity(rig, bot_id))
    assert not _cross(rig)
    assert rig.service.get_bot(bot_id).margin_mode == "isolated"

    await _until_in_position(rig, bot_id)
    version = rig.service.get_bot(bot_id).config_version
    with pytest.raises(InvalidTransition, match="holds .* BTCUSD: a margin switch moves"):
        rig.service.update_config(bot_id, ConfigPatch(margin_mode="cross"), "tester")
    bot = rig.service.get_bot(bot_id)
    assert (bot.margin_mode, bot.config_version) == ("isolated", version)  # nothing changed
    assert not _cross(rig)
    assert any("configuration change refused: cannot change bot 'margin' to margin mode "
               "cross" in m for m in _activity(rig, bot_id))


async def test_a_venue_refusal_is_said_with_its_reason_and_the_bot_trades_on(
        rig: LiveRig) -> None:
    rig.server.faults.arm({"kind": "reject", "status": 400, "path": "/api/v1/position/isolate",
                           "exact": True, "method": "POST",
                           "message": "Account has open orders or positions in this contract"})
    bot_id = await _start(rig, "refused", "cross")
    [note] = [e for e in rig.store.events.query(bot_id=bot_id, kinds=[EventKind.ACTIVITY],
                                                limit=500) if "refused cross margin" in e.message]
    assert "open orders or positions" in note.message
    assert "trading on with the venue's current margin mode" in note.message
    assert note.severity.value == "warning"
    await _until_in_position(rig, bot_id)  # it trades on


async def test_without_a_margin_mode_the_venue_setting_is_left_alone(rig: LiveRig) -> None:
    bot_id = await _start(rig, "plain", None)
    assert not any("margin" in m and "set on" in m for m in _activity(rig, bot_id))
