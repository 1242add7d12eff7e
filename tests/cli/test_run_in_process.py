"""``run()`` called again and again in one process (the tests, a TUI) stays as it was: the
command groups are registered once, not once more per call (each call used to rebuild one
more copy of every group, so the hundredth call of a test run took seconds)."""

from __future__ import annotations

import pytest

from plutarc.cli.main import app, run


def test_run_registers_the_command_groups_once_per_process(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--help"]) == 0
    groups, commands = len(app.registered_groups), len(app.registered_commands)
    for _ in range(3):
        assert run(["--help"]) == 0
    assert (len(app.registered_groups), len(app.registered_commands)) == (groups, commands)
    names = [g.name for g in app.registered_groups]
    assert len(names) == len(set(names)) and "bot" in names
    assert "bot" in capsys.readouterr().out
