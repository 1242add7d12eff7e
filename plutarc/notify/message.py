"""The words of a notification: short, naming the bot, what happened and the command that helps.

Read on a phone at 3 am: the title says who and what, the body the daemon's own sentence
(trimmed) and one line starting with "->" naming what to run.
"""

from __future__ import annotations

from dataclasses import dataclass

from plutarc.notify.kinds import NotifyKind

K = NotifyKind
MAX_BODY = 600

WHAT: dict[NotifyKind, str] = {
    K.BOT_ERRORED: "bot errored",
    K.BOT_HELD: "bot held until cleared",
    K.VENUE_OUTAGE: "venue unreachable",
    K.VENUE_RECOVERED: "venue reachable again",
    K.RISK_DAILY_LOSS: "daily loss limit: entries halted",
    K.RISK_DRAWDOWN: "account drawdown",
    K.DAILY_TARGET: "daily target",
    K.KILL_SWITCH: "KILL SWITCH",
    K.RECONCILE_MISMATCH: "position mismatch",
    K.IN_DOUBT_ORDER: "order in doubt",
    K.LIQUIDATION: "LIQUIDATION",
    K.OTHER_ALERT: "alert",
    K.DAEMON_STARTED: "daemon started",
    K.FILLS: "fill",
    K.DAILY_SUMMARY: "daily summary",
}


@dataclass(frozen=True, slots=True)
class Message:
    kind: NotifyKind
    severity: str
    title: str
    body: str


def hint(kind: NotifyKind, bot: str | None) -> str:
    """The command that helps; NAME is the bot's name when there is one."""
    name = bot or "NAME"
    if kind in (K.BOT_HELD, K.RISK_DAILY_LOSS, K.LIQUIDATION):
        return (f"-> look: 'plutarc bot show {name}'; once handled: "
                f"'plutarc bot clear {name}'")
    if kind is K.BOT_ERRORED:
        return f"-> why: 'plutarc bot show {name}'; start it again: 'plutarc bot start {name}'"
    if kind in (K.RECONCILE_MISMATCH, K.IN_DOUBT_ORDER):
        return f"-> compare: 'plutarc positions' and 'plutarc bot show {name}'"
    if kind is K.KILL_SWITCH:
        return "-> check what is left open: 'plutarc positions' and 'plutarc ops health'"
    if kind in (K.VENUE_OUTAGE, K.VENUE_RECOVERED, K.OTHER_ALERT):
        return "-> 'plutarc ops health'" + (f" and 'plutarc bot show {name}'" if bot else "")
    if kind is K.DAEMON_STARTED:
        return "-> were the bots restored? 'plutarc bot list' and 'plutarc ops health'"
    if kind in (K.RISK_DRAWDOWN, K.DAILY_TARGET):
        return "-> limits and state: 'plutarc ops accounts'"
    return "-> 'plutarc pnl'"


def compose(kind: NotifyKind, severity: str, text: str, bot: str | None) -> Message:
    who = f"{bot}: " if bot else ""
    title = f"plutarc {severity.upper()}: {who}{WHAT[kind]}"
    if bot and text.startswith(f"{bot}: "):
        text = text[len(bot) + 2:]
    if len(text) > MAX_BODY:
        text = text[:MAX_BODY - 3] + "..."
    return Message(kind, severity, title, f"{text}\n{hint(kind, bot)}")


def fold_note(folded: int, window_s: int, kinds: dict[str, int]) -> str:
    """The line a digest adds: how many repeats were folded into it."""
    what = ", ".join(f"{n} x {k.replace('_', ' ')}" for k, n in sorted(kinds.items()))
    minutes = max(1, round(window_s / 60))
    return f"(repeated: {folded} more in about {minutes} min: {what})"
