"""Read secrets for CLI commands: a no-echo prompt on a terminal, else lines from stdin."""

from __future__ import annotations

import getpass
import sys

from plutarc.errors import UsageError


def read_secrets(prompts: list[str]) -> list[str]:
    """One value per prompt; never from argv, where other users and shell history see it."""
    if sys.stdin.isatty():
        values = [getpass.getpass(f"{prompt}: ") for prompt in prompts]
    else:
        lines = [line.strip() for line in sys.stdin.read().splitlines() if line.strip()]
        if len(lines) != len(prompts):
            raise UsageError(f"expected {len(prompts)} non-empty lines on stdin "
                             f"({', '.join(prompts)}), got {len(lines)}")
        values = lines
    for prompt, value in zip(prompts, values, strict=True):
        if not value.strip():
            raise UsageError(f"{prompt} is empty")
    return [v.strip() for v in values]
