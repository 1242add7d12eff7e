"""ccxt is heavy: only a ccxt venue in use may import it (the CLI, TUI and the worker
registry of the daemon must not)."""

from __future__ import annotations

import subprocess
import sys

from tests.daemon.conftest import REPO

PROBE = """
import sys
import plutarc.cli.main
from plutarc.daemon.runtime.registry import default_registry
registry = default_registry({})
from plutarc.exchanges.ccxt.venues import PROFILES
assert 'ccxt' not in sys.modules, sorted(m for m in sys.modules if m.startswith('ccxt'))[:3]
print(len(PROFILES))
"""


def test_cli_registry_and_profiles_do_not_import_ccxt() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "9"
