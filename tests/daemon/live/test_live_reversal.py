"""Issue 15: a live bot's reversal (against the local BitMEX server) sends its exit leg and
puts its entry leg through every entry rule; a refused entry leaves the bot flat."""

from __future__ import annotations

from decimal import Decimal

from plutarc.daemon.bot_config import BotSpec, ConfigPatch, RiskLimits
from plutarc.daemon.lifecycle import BotState
from plutarc.models.events import EventKind, Severity
from tests.daemon.live.conftest import QUICK_TEMPLATE, LiveRig, until
from tests.daemon.live.test_live_worker import _until_in_position

# quick_cross that reverses on the opposite cross and holds until then (no time stop).
REVERSING = (QUICK_TEMPLATE.replace('name = "quick_cross"', 'name = "quick_reverse"')
             .replace('on_opposite_signal = "exit"', 'on_opposite_signal = "reverse"')
             .split("[[components]]\nid = \"time_stop\"")[0])


def _flat(rig: LiveRig, bot_id: str) -> bool:
    position = rig.store.positions.get(bot_id, "BTCUSD")
    return position is None or position.qty == 0


async def test_a_reversal_that_would_breach_leverage_still_closes_the_position(
        rig: LiveRig) -> None:
    """In a position, the leverage cap drops below what one more position would take: the
    next opposite cross sends the exit leg and refuses the entry leg. Before the fix the
    entry leg passed as 'closing' and the bot reversed into a new position."""
    rig.service.put_template("quick_reverse", REVERSING, "tester")
    spec = BotSpec(name="rev", template="quick_reverse", venue="bitmex", mode="testnet",
                   account="main", symbols=("BTCUSD",))
    bot_id = (await rig.service.create_bot(spec, "tester", start=True)).id
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
    await _until_in_position(rig, bot_id)
    rig.service.update_config(bot_id, ConfigPatch(risk=RiskLimits(
        max_leverage=Decimal("0.001"))), "tester")

    def refused() -> list:
        return [e for e in rig.store.events.query(bot_id=bot_id, kinds=[EventKind.RISK],
                                                  limit=50)
                if e.data.get("rule") == "max_leverage"]

    for _ in range(60):
        await rig.advance()
        if refused():
            break
    event = refused()[-1]  # the first one (newest first)
    assert event.severity is Severity.WARNING and event.data["action"] == "blocked"
    entry_id = event.data["client_id"]
    assert rig.store.orders.get(entry_id) is None  # never journaled, never sent
    assert entry_id not in rig.server.exchange.accepted_orders
    prefix, seq, _ = entry_id.rsplit("-", 2)
    exit_id = f"{prefix}-{int(seq) - 1:07d}-exit"
    exit_order = rig.store.orders.get(exit_id)
    assert exit_order is not None and exit_order.reduce_only and exit_order.type == "market"
    await rig.advance()  # the local server fills market orders at the next bar
    await until(lambda: rig.store.orders.get(exit_id).status == "filled")
    await until(lambda: _flat(rig, bot_id))
    decisions = rig.store.decisions.query(bot_id=bot_id, limit=20)
    reasons = [r for d in decisions if d.action.startswith("reverse_to_")
               for r in d.skip_reasons]
    assert any(r.startswith("risk: entry refused: max_leverage") for r in reasons)
    await rig.advance(5)  # entries from flat meet the same cap: the bot stays flat
    assert _flat(rig, bot_id)
