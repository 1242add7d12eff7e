"""``plutarc demo --no-tui``: a real daemon, three paper bots, activity streamed to the terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_demo_streams_decisions_and_trades_then_stops() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("PLUTARC_HOME", None)
    done = subprocess.run(
        [sys.executable, "-m", "plutarc", "demo", "--no-tui", "--duration", "8"],
        env=env, capture_output=True, text=True, timeout=90, cwd=REPO)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    decisions = [ln for ln in lines if ln.startswith("decision")]
    trades = [ln for ln in lines if ln.startswith("trade")]
    assert decisions and any(":" in ln.split(")", 1)[-1] for ln in decisions)  # skip reasons
    assert trades, done.stdout[-2000:]
    assert {"demo-scalp-btc", "demo-meanrev-eth"} <= {ln.split()[1] for ln in decisions}
    assert lines[-1] == "demo daemon stopped"


def test_demo_refuses_a_bad_speed() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "plutarc", "demo", "--no-tui", "--speed", "fast"],
        env=env, capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.returncode != 0
    assert "speed" in done.stdout + done.stderr


def test_a_tui_that_crashes_leaves_the_demo_daemon_running(monkeypatch, capsys) -> None:  # noqa: ANN001
    """The TUI is a client: its failure must not stop the daemon or the bots."""
    import signal

    import pytest
    import typer

    import plutarc.tui.app
    from plutarc.cli import demo_cmd

    class CrashingTui:  # what Textual's App.run leaves after an unhandled exception
        return_code = 1

        def run(self) -> None:
            pass

    monkeypatch.setattr(plutarc.tui.app, "make_app", lambda settings: CrashingTui())
    monkeypatch.delenv("PLUTARC_HOME", raising=False)
    with pytest.raises(typer.Exit) as exited:
        demo_cmd.demo(no_tui=False, duration=None, speed="600")
    assert exited.value.exit_code == 1
    err = capsys.readouterr().err
    assert "the demo daemon (pid " in err and "is still running" in err
    pid = int(err.split("(pid ", 1)[1].split(")", 1)[0])
    home = err.split("PLUTARC_HOME=", 1)[1].split()[0]
    try:
        os.kill(pid, 0)  # alive
        stopped = subprocess.run([sys.executable, "-m", "plutarc", "daemon", "stop"],
                                 env={**os.environ, "PLUTARC_HOME": home,
                                      "PYTHONPATH": str(REPO)},
                                 capture_output=True, text=True, timeout=60)
        assert stopped.returncode == 0, stopped.stderr
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        import shutil

        shutil.rmtree(home, ignore_errors=True)
