"""Bot lifecycle, kept low in ``plutarc.models.bot_state`` so every layer may use it."""

from plutarc.models.bot_state import (
    BotState,
    can_transition,
    check_action,
    check_transition,
)

__all__ = ["BotState", "can_transition", "check_action", "check_transition"]
