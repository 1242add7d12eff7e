"""``run()`` called again and again in one process (the tests, a TUI) stays as it was, and
a command imports only its own group.

Each call used to register one more copy of every group (the hundredth call of a test run
took seconds), and every call imported every command module, the TUI's and the daemon's
included, before parsing a word.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from plutarc.cli.main import _command, run


def test_run_builds_the_command_tree_once_per_process(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--help"]) == 0
    root = _command()
    names = list(root.commands)
    for _ in range(3):
        assert run(["--help"]) == 0
    assert _command() is root and list(root.commands) == names
    assert len(names) == len(set(names)) and "bot" in names
    assert "bot" in capsys.readouterr().out


def test_a_command_imports_only_its_own_group() -> None:
    probe = ("import sys; from plutarc.cli.main import run; run(['components', '--help']); "
             "print(sorted(m for m in sys.modules if m.startswith('plutarc.cli.')"
             " and m.endswith('_cmd')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "['plutarc.cli.components_cmd']"


def test_unknown_command_is_a_usage_error_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["nosuch"]) == 2
    assert "nosuch" in capsys.readouterr().err
