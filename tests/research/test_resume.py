"""A sweep killed mid-run (SIGKILL, no clean-up) and run again computes each variant once."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

from plutarc.cli.main import run
from tests.helpers import BTC_1M

ARGS = ["research", "sweep", "trend_following", "--param", "price_vs_ema.period=10:200:5",
        "--param", "stop.stop_pct=1.5", "--data", str(BTC_1M), "--to", "2024-01-10",
        "--min-trades", "1", "--workers", "1"]
TOTAL = 39


def _stored(db) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT COUNT(*) FROM variants").fetchone()[0]
    except sqlite3.OperationalError:  # the table is not there yet
        return 0


def test_killed_sweep_resumes_and_computes_each_variant_once(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    env = {**os.environ, "PLUTARC_HOME": str(home)}
    db = home / "data" / "research.db"
    proc = subprocess.Popen([sys.executable, "-m", "plutarc", *ARGS, "--json"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while _stored(db) < 3 and proc.poll() is None:
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()[-2000:]
    before = _stored(db)
    assert 3 <= before < TOTAL
    monkeypatch.setenv("PLUTARC_HOME", str(home))
    assert run([*ARGS, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["resumed"] and out["total"] == TOTAL
    assert out["computed"] == TOTAL - before
    with sqlite3.connect(db) as conn:
        seqs = [r[0] for r in conn.execute("SELECT seq FROM variants ORDER BY seq")]
    assert seqs == list(range(TOTAL))
