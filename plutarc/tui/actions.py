"""Bot actions and the kill switch from any screen: the risky ones ask for a typed
confirmation first."""

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


PANIC_QUESTION = ("KILL SWITCH: every bot is paused (reason 'kill switch'), its open orders are "
                  "cancelled and its positions closed at market.")
PANIC_WORD = "panic"


async def panic(app: PlutarcApp) -> None:
    """POST /v1/panic after the operator typed the word; says what was halted and left open."""
    if not await app.push_screen_wait(TypedConfirm(PANIC_QUESTION, PANIC_WORD)):
        app.notify("kill switch: cancelled", timeout=3)
        return
    try:
        report = await app.client.panic(note="kill switch from the TUI")
    except PlutarcError as exc:
        app.notify(f"kill switch FAILED: {exc}", severity="error", timeout=15)
        return
    text = f"kill switch: {len(report.halted)} bot(s) halted"
    if report.left_open:
        text += (f"; {len(report.left_open)} position(s) of bots without a worker are still "
                 "open: close them by hand")
    app.notify(text, severity="warning" if report.left_open else "information", timeout=15)
