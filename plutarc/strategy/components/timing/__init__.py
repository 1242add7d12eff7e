"""Time-based gates: session filter and entry cooldown (importing registers them)."""

from plutarc.strategy.components.timing import entry_cooldown, session_filter  # noqa: F401
