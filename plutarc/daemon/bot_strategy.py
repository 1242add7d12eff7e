"""A bot's strategy as every worker runs it: the stored template parsed and resolved, and
the warm-up margin a bot loads before its trading session opens.

Paper (daemon/paper) and live (daemon/live) workers both use these; they live here so that
neither worker package imports the other (tests/foundation/test_layering.py checks it).
"""

from __future__ import annotations

import tomllib

from plutarc.daemon.bot_config import BotConfig
from plutarc.strategy.template import Template, parse_template
from plutarc.strategy.template_validation import ResolvedComponent, validate_template

WARMUP_FACTOR = 3
"""Candles loaded before a session opens, as a multiple of what the slowest component
needs, so the indicators have settled (not just started) by the open; paper and live bots
use the same margin so both sleep and wake at the same moments."""


def build_template(config: BotConfig) -> tuple[Template, list[ResolvedComponent]]:
    """The bot's stored template text (what the daemon validated), parsed and resolved."""
    raw = tomllib.loads(config.template_toml)
    raw.setdefault("name", config.template)
    template = parse_template(raw, f"template {config.template!r}")
    return template, validate_template(template)
