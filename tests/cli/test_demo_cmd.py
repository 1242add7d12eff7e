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
