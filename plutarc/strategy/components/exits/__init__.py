"""Exit rules (importing registers them)."""

from plutarc.strategy.components.exits import stops, targets, timed  # noqa: F401
