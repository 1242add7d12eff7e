"""The README's everyday commands, run as written, in order, on a fresh home.

The README is what a new user types first; its own steps failed before (a bot from a
shipped template refused on a fresh daemon, a compare of runs that did not exist). Commands
that need a terminal, a key, a venue's network or a confirmation are skipped, as
../shared/tools/readme-trial does.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
YEAR_FILE = REPO.parent / "shared/data/candles/binance-spot_BTCUSDT_1m/BTCUSDT-1m-2024.csv.gz"
BUNDLED = REPO / "plutarc/data/BTCUSDT-1m-2024-01-01_14d.csv.gz"
SKIPS = ((r"\btui\b|--ssh", "needs a terminal"), (r"\bkeys\b", "needs a key"),
         (r"\bpanic\b", "asks for confirmation"), (r"\bdoctor\b", "checks the machine"),
         (r"--follow|\s-f(\s|$)", "streams"), (r"--mode (testnet|live)", "needs a key"),
         (r"--venue (?!sim\b)\S+", "needs the venue's network"))


def everyday_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    block = re.search(r"^#+\s*Everyday commands.*?^```(?:bash)?\s*$(.*?)^```", text, re.M | re.S)
    assert block, "README.md has no 'Everyday commands' block"
    lines, current = [], ""
    for raw in block.group(1).splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        if current.strip():
            lines.append(current.strip())
        current = ""
    return [c.strip() for line in lines for c in line.split(";") if c.strip()]


def runnable(commands: list[str]) -> list[str]:
    """Skips what cannot run here; 'bot pause|resume|...' runs pause and resume on the sim bot."""
    sim_bot = next(m.group(1) for c in commands
                   if (m := re.match(r"plutarc bot create (\S+) .*--venue sim\b", c)))
    out = []
    for command in commands:
        if any(re.search(pattern, command) for pattern, _ in SKIPS):
            continue
        if re.match(r"plutarc bot \S*\|", command):
            out += [f"plutarc bot pause {sim_bot}", f"plutarc bot resume {sim_bot}"]
            continue
        out.append(command)
    return out


@pytest.fixture
def fresh_user() -> Iterator[tuple[dict[str, str], Path]]:
    root = Path(tempfile.mkdtemp(prefix="readme", dir="/tmp"))  # short: the socket lives here
    (root / "home").mkdir()
    (root / "work").mkdir()
    env = {k: v for k, v in os.environ.items()
           if k != "PLUTARC_HOME" and not k.startswith("XDG_")}
    env.update(HOME=str(root / "home"), PYTHONPATH=str(REPO),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}")
    try:
        yield env, root / "work"
    finally:
        subprocess.run([sys.executable, "-m", "plutarc", "daemon", "stop"], env=env,
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def test_the_readme_everyday_commands_run_as_written_on_a_fresh_home(fresh_user) -> None:  # noqa: ANN001
    env, work = fresh_user
    commands = runnable(everyday_commands())
    assert any(c.startswith("plutarc bot create") for c in commands)
    if YEAR_FILE.exists():
        (work / "candles.csv.gz").symlink_to(YEAR_FILE)
    else:  # no ../shared: the bundled 14 days, the README's dates moved into them
        (work / "candles.csv.gz").symlink_to(BUNDLED)
        commands = [c.replace("2024-03-01", "2024-01-02").replace("2024-06-01", "2024-01-12")
                    for c in commands]
    plutarc = shutil.which("plutarc", path=env["PATH"])
    failures = []
    for command in commands:
        argv = command.split()
        argv = [plutarc or "plutarc", *argv[1:]] if plutarc else [sys.executable, "-m",
                                                                    "plutarc", *argv[1:]]
        argv = [os.path.expanduser(a).replace(os.path.expanduser("~"), env["HOME"])
                if a.startswith("~") else a for a in argv]
        done = subprocess.run(argv, env=env, cwd=work, capture_output=True, text=True,
                              timeout=180, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            failures.append(f"{command} -> exit {done.returncode}: "
                            f"{(done.stderr or done.stdout).strip().splitlines()[-1:]}")
    assert not failures, "\n".join(failures)
    assert (work / "report.html").exists() and (work / "trades.csv").exists()
