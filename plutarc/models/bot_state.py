"""Bot lifecycle: the states a bot can be in and which moves between them are allowed."""

from __future__ import annotations

from enum import StrEnum

from plutarc.errors import InvalidTransition


class BotState(StrEnum):
    DEPLOYING = "deploying"  # worker starting: connecting, reconciling, warming up
    ONLINE = "online"  # trading
    PAUSED = "paused"  # no new entries; exits and open positions still managed
    SLEEPING = "sleeping"  # outside its trading session; wakes by itself
    STOPPED = "stopped"  # no worker runs
    ERRORED = "errored"  # the worker failed; an operator must look, then start or stop it

    @property
    def is_running(self) -> bool:
        """A worker task exists for the bot in this state."""
        return self not in (BotState.STOPPED, BotState.ERRORED)


_ALLOWED: dict[BotState, frozenset[BotState]] = {
    BotState.DEPLOYING: frozenset(
        {BotState.ONLINE, BotState.PAUSED, BotState.SLEEPING, BotState.STOPPED, BotState.ERRORED}
    ),
    BotState.ONLINE: frozenset(
        {BotState.PAUSED, BotState.SLEEPING, BotState.STOPPED, BotState.ERRORED}
    ),
    BotState.PAUSED: frozenset(
        {BotState.ONLINE, BotState.SLEEPING, BotState.STOPPED, BotState.ERRORED}
    ),
    BotState.SLEEPING: frozenset(
        {BotState.ONLINE, BotState.PAUSED, BotState.STOPPED, BotState.ERRORED}
    ),
    BotState.STOPPED: frozenset({BotState.DEPLOYING}),
    BotState.ERRORED: frozenset({BotState.DEPLOYING, BotState.STOPPED}),
}

# What an operator can ask for, from which states, and the hint when the state is wrong.
_ACTIONS: dict[str, tuple[frozenset[BotState], str]] = {
    "start": (frozenset({BotState.STOPPED, BotState.ERRORED}), "it is already running"),
    "pause": (
        frozenset({BotState.DEPLOYING, BotState.ONLINE, BotState.SLEEPING}),
        "only a running, unpaused bot can be paused",
    ),
    "resume": (frozenset({BotState.PAUSED}), "only a paused bot can be resumed"),
    "stop": (
        frozenset({BotState.DEPLOYING, BotState.ONLINE, BotState.PAUSED, BotState.SLEEPING,
                   BotState.ERRORED}),
        "it is already stopped",
    ),
    "flatten": (
        frozenset({BotState.ONLINE, BotState.PAUSED, BotState.SLEEPING}),
        "flatten needs a running bot: start it first",
    ),
    "delete": (frozenset({BotState.STOPPED}), "stop it first"),
}


def can_transition(current: BotState, target: BotState) -> bool:
    return target in _ALLOWED[current]


def check_transition(bot_name: str, current: BotState, target: BotState) -> None:
    if not can_transition(current, target):
        raise InvalidTransition(
            f"bot {bot_name!r} cannot go from {current} to {target}"
        )


def check_action(bot_name: str, action: str, current: BotState) -> None:
    """Refuse an operator action in the wrong state with a plain sentence."""
    allowed, hint = _ACTIONS[action]
    if current not in allowed:
        raise InvalidTransition(f"cannot {action} bot {bot_name!r}: it is {current} ({hint})")
