"""Dependencies point downward only (ARCHITECTURE.md): nothing below the daemon imports it.

Errors, bot states and name checks that several layers need live low (errors.py, models/,
validation.py); operator actions that drive the daemon live in daemon/ops/.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.source_tree import parse_source

PACKAGE = Path(__file__).resolve().parents[2] / "plutarc"
UPPER = ("plutarc.daemon", "plutarc.cli", "plutarc.tui")
BELOW_DAEMON = ("access", "backtest", "exchanges", "keys", "models", "risk", "storage",
                "strategy", "notify", "research", "errors.py", "validation.py", "clock.py",
                "paths.py", "config.py", "intervals.py", "logs.py", "untrusted.py")


def imports_of(path: Path) -> set[str]:
    """Every module imported anywhere in the file (module level, functions, TYPE_CHECKING)."""
    found: set[str] = set()
    for node in ast.walk(parse_source(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_nothing_below_the_daemon_imports_the_daemon_cli_or_tui():
    climbing = {}
    for part in BELOW_DAEMON:
        target = PACKAGE / part
        files = [target] if target.is_file() else sorted(target.rglob("*.py"))
        for path in files:
            up = sorted(m for m in imports_of(path) if m.startswith(UPPER))
            if up:
                climbing[str(path.relative_to(PACKAGE.parent))] = up
    assert not climbing, f"imports that climb: {climbing}"


def test_strategy_depends_on_nothing_of_ours_but_models_and_the_foundation():
    """The foundation: the top-level modules every layer may use (errors, intervals, checks)."""
    allowed = ("plutarc.strategy", "plutarc.models", "plutarc.errors", "plutarc.intervals",
               "plutarc.validation", "plutarc.untrusted", "plutarc.clock", "plutarc.paths")
    for path in sorted((PACKAGE / "strategy").rglob("*.py")):
        ours = {m for m in imports_of(path) if m.startswith("plutarc.")}
        assert all(m.startswith(allowed) for m in ours), (path, sorted(ours))
