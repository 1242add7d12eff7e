"""Failpoints: parsing, off by default, and a real SIGKILL when one fires."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from plutarc.daemon import chaos

SCRIPT = ("from plutarc.daemon.chaos import failpoint\n"
          "failpoint('after_send')\nprint('passed after_send')\n"
          "failpoint('after_journal')\nprint('passed after_journal')\n")


def _run(spec: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != chaos.ENV}
    if spec is not None:
        env[chaos.ENV] = spec
    return subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                          text=True, timeout=30)


def test_parse_reads_points_and_seed() -> None:
    assert chaos.parse("after_journal:0.05,after_send:0.5;seed=7") == (
        {"after_journal": 0.05, "after_send": 0.5}, 7)
    assert chaos.parse("") == ({}, None)


@pytest.mark.parametrize(("spec", "message"), [
    ("after_lunch:0.1", "name:probability"),
    ("after_send", "name:probability"),
    ("after_send:1.5", "within"),
])
def test_parse_refuses_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        chaos.parse(spec)


def test_off_unless_the_environment_asks() -> None:
    done = _run(None)
    assert done.returncode == 0 and "passed after_journal" in done.stdout


def test_a_certain_failpoint_kills_the_process_at_that_point() -> None:
    done = _run("after_journal:1.0,after_send:0")
    assert done.returncode == -signal.SIGKILL
    assert "passed after_send" in done.stdout and "passed after_journal" not in done.stdout
    assert done.stderr == f"{chaos.MARK}after_journal\n"
