"""Bot actions and the kill switch from any screen: the risky ones ask for a typed
confirmation first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from plutarc.errors import PlutarcError, UsageError
from plutarc.tui.dialogs.confirm import TypedConfirm
from plutarc.tui.dialogs.mode_choice import ModeChoice
from plutarc.tui.dialogs.stop_choice import PositionChoice, StopChoice
from plutarc.tui.format import fmt_dec

if TYPE_CHECKING:
    from plutarc.daemon.store import BotRecord
    from plutarc.tui.app import PlutarcApp

ACTIONS = ("start", "pause", "resume", "stop", "flatten")
STOP_QUESTION = "Stop bot {name}? Its worker ends; it holds no position."
NEEDS_CONFIRMATION = {
    "flatten": "Flatten bot {name}? Every open position it holds is closed at market.",
}


async def perform(app: PlutarcApp, bot_name: str, action: str) -> None:
    """Run in a worker (the confirmation waits for the dialog); errors become notifications."""
    if action not in ACTIONS:
        raise ValueError(f"unknown bot action {action!r}; expected one of {', '.join(ACTIONS)}")
    if action == "stop":
        await stop(app, bot_name)
        return
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


async def stop(app: PlutarcApp, bot_name: str) -> None:
    """Stop after a typed confirmation; with a position open the operator says what becomes
    of it (flatten or leave), which the daemon records in the audit log."""
    try:
        held = [p for p in await app.client.positions(bot=bot_name) if p.qty != 0]
    except PlutarcError as exc:
        app.notify(f"stop {bot_name}: {exc}", severity="error", timeout=8)
        return
    choice: PositionChoice | None = None
    if held:
        holdings = ", ".join(f"{p.symbol} {fmt_dec(p.qty)}" for p in held)
        choice = await app.push_screen_wait(StopChoice(bot_name, holdings))
        if choice is None:
            app.notify(f"stop {bot_name}: cancelled", timeout=3)
            return
    elif not await app.push_screen_wait(TypedConfirm(STOP_QUESTION.format(name=bot_name),
                                                     bot_name)):
        app.notify(f"stop {bot_name}: cancelled", timeout=3)
        return
    try:
        bot = await _stop(app, bot_name, choice)
    except UsageError as exc:
        if choice is not None or "open positions" not in str(exc):
            app.notify(f"stop {bot_name}: {exc}", severity="error", timeout=10)
            return
        # A position opened after we looked: the daemon refused, nothing changed; ask now.
        choice = await app.push_screen_wait(StopChoice(bot_name, _holdings_of(exc)))
        if choice is None:
            app.notify(f"stop {bot_name}: cancelled", timeout=3)
            return
        try:
            bot = await _stop(app, bot_name, choice)
        except PlutarcError as again:
            app.notify(f"stop {bot_name}: {again}", severity="error", timeout=10)
            return
    except PlutarcError as exc:
        app.notify(f"stop {bot_name}: {exc}", severity="error", timeout=10)
        return
    done = {None: "", "flatten": ", its positions closed first",
            "leave": ", its positions left open at the venue"}[choice]
    app.notify(f"stop {bot.name}: done, state {bot.state}{done}", timeout=5,
               severity="warning" if choice == "leave" else "information")


def flatten_wait_s(app: PlutarcApp) -> float:
    """How long the daemon may flatten before it gives up: inside the client's own timeout,
    so the answer (stopped, or 'still flattening') always comes back."""
    return max(1.0, min(30.0, app.client.timeout_s - 2.0))


async def _stop(app: PlutarcApp, bot_name: str, choice: PositionChoice | None) -> BotRecord:
    if choice == "flatten":
        app.notify(f"stop {bot_name}: flattening, then stopping ...", timeout=3)
    return await app.client.stop_bot(bot_name, choice, flatten_wait_s(app))


def _holdings_of(refusal: UsageError) -> str:
    """'BTCUSDT 0.25' out of the daemon's 'has open positions (BTCUSDT 0.25): ...'."""
    text = str(refusal)
    start, end = text.find("open positions ("), text.find("):")
    return text[start + len("open positions ("):end] if 0 <= start < end else "open positions"


MODE_LIVE_QUESTION = ("Switch bot {name} to LIVE? From its next start it sends real orders "
                      "with real money on {venue}.")


async def change_mode(app: PlutarcApp, bot_name: str) -> None:
    """Pick a mode for a stopped bot; live needs the bot's name typed. The daemon refuses a
    running bot and a paper-only venue, and the TUI says so."""
    try:
        bot = await app.client.get_bot(bot_name)
    except PlutarcError as exc:
        app.notify(f"mode {bot_name}: {exc}", severity="error", timeout=8)
        return
    mode = await app.push_screen_wait(ModeChoice(bot.name, bot.mode))
    if mode is None or mode == bot.mode:
        app.notify(f"mode {bot.name}: unchanged ({bot.mode})", timeout=3)
        return
    if mode == "live" and not await app.push_screen_wait(TypedConfirm(
            MODE_LIVE_QUESTION.format(name=bot.name, venue=bot.venue), bot.name)):
        app.notify(f"mode {bot.name}: cancelled, still {bot.mode}", timeout=3)
        return
    try:
        after = await app.client.change_mode(bot.name, mode)
    except PlutarcError as exc:
        app.notify(f"mode {bot.name}: {exc}", severity="error", timeout=10)
        return
    app.notify(f"mode {after.name}: {bot.mode} -> {after.mode}, used from its next start",
               severity="warning" if after.mode == "live" else "information", timeout=6)


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
    if report.verified:  # the venues, asked again afterwards
        text += "; verified: no open orders, no positions"
    else:
        text += "; NOT verified, still open: " + "; ".join(report.remaining)
    app.notify(text, severity="information" if report.verified else "error", timeout=30)
