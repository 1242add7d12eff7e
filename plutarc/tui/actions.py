"""Bot actions from any screen: the risky ones ask for a typed confirmation first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from plutarc.errors import PlutarcError
from plutarc.tui.dialogs.confirm import TypedConfirm

if TYPE_CHECKING:
    from plutarc.tui.app import PlutarcApp

ACTIONS = ("start", "pause", "resume", "stop", "flatten")
NEEDS_CONFIRMATION = {
    "stop": "Stop bot {name}? Its worker ends; positions it holds stay open at the venue.",
    "flatten": "Flatten bot {name}? Every open position it holds is closed at market.",
}


async def perform(app: PlutarcApp, bot_name: str, action: str) -> None:
    """Run in a worker (the confirmation waits for the dialog); errors become notifications."""
    if action not in ACTIONS:
        raise ValueError(f"unknown bot action {action!r}; expected one of {', '.join(ACTIONS)}")
    question = NEEDS_CONFIRMATION.get(action)
    if question is not None:
        confirmed = await app.push_screen_wait(TypedConfirm(question.format(name=bot_name),
                                                            bot_name))
        if not confirmed:
            app.notify(f"{action} {bot_name}: cancelled", timeout=3)
            return
    try:
        bot = await app.client.bot_action(bot_name, action)
    except PlutarcError as exc:
        app.notify(f"{action} {bot_name}: {exc}", severity="error", timeout=8)
        return
    app.notify(f"{action} {bot.name}: done, state {bot.state}", timeout=3)
