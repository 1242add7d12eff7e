"""What the chaos tests share: a daemon life that may end in a SIGKILL, and the figures."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from plutarc.daemon import chaos
from tests.daemon.conftest import DaemonProcess


@dataclass
class Figures:
    """What a chaos run did and found; printed and written as JSON for the record."""

    name: str
    lives: int = 0
    failpoint_kills: Counter[str] = field(default_factory=Counter)
    external_kills: int = 0
    faults_armed: Counter[str] = field(default_factory=Counter)
    faults_fired: Counter[str] = field(default_factory=Counter)
    found: dict[str, int] = field(default_factory=dict)  # duplicates, lost fills, ...
    seconds: float = 0.0

    @property
    def kills(self) -> int:
        return sum(self.failpoint_kills.values()) + self.external_kills

    def points_never_killed(self) -> list[str]:
        """Failpoints that have not yet killed a daemon in this run."""
        return [p for p in chaos.POINTS if not self.failpoint_kills[p]]

    def kinds_never_armed(self, kinds: list[str]) -> list[str]:
        return [k for k in kinds if not self.faults_armed[k]]

    def write(self, directory: Path) -> Path:
        data = {k: dict(v) if isinstance(v, Counter) else v for k, v in vars(self).items()}
        data["kills"] = self.kills
        path = directory / f"chaos_{self.name}.json"
        path.write_text(json.dumps(data, indent=2, sort_keys=True))
        print(f"\nchaos {self.name}: {self.kills} SIGKILLs over {self.lives} daemon lives "
              f"(external {self.external_kills}); {self.found}; {self.seconds:.1f} s -> {path}")
        print(f"  {'kind':<24} {'count':>6}")
        for point in chaos.POINTS:
            print(f"  {'failpoint ' + point:<24} {self.failpoint_kills[point]:>6}")
        for kind in sorted(self.faults_armed):
            print(f"  {'armed ' + kind:<24} {self.faults_armed[kind]:>6}")
        for kind in sorted(self.faults_fired):  # the server's own names for what it did
            print(f"  {'fired ' + kind:<24} {self.faults_fired[kind]:>6}")
        return path


class FaultDeck:
    """Fault kinds drawn like cards: every kind once, in a shuffled order, before any repeats,
    so a run of at least len(kinds) draws injects every kind (random.choice once missed one)."""

    def __init__(self, kinds: list[str], rng: random.Random) -> None:
        self.kinds = list(kinds)
        self.rng = rng
        self._left: list[str] = []

    def draw(self) -> str:
        if not self._left:
            self._left = self.kinds[:]
            self.rng.shuffle(self._left)
        return self._left.pop()


class Lives:
    """Start daemons on one home, one after another, with or without failpoints on."""

    def __init__(self, home: Path, figures: Figures) -> None:
        self.home = home
        self.figures = figures
        self._marks_seen = 0

    def start(self, failpoints: str | None) -> DaemonProcess | None:
        """A daemon answering on the home, or None when a failpoint killed it on the way up
        (restored bots trade before the socket answers)."""
        if failpoints:
            os.environ[chaos.ENV] = failpoints
        else:
            os.environ.pop(chaos.ENV, None)
        self.figures.lives += 1
        daemon = DaemonProcess(self.home)
        # Faults hang order calls for seconds (order timeouts): that is not a hung worker.
        settings = daemon.paths.config_file
        settings.write_text(re.sub(r"(?m)^hung_after_s = .*$", "hung_after_s = 30.0",
                                   settings.read_text()))
        try:
            return daemon.start(timeout_s=30)
        except AssertionError:
            if self.count_failpoint_deaths() == 0:
                raise
            return None
        finally:
            os.environ.pop(chaos.ENV, None)

    def died(self, daemon: DaemonProcess) -> bool:
        """True (and counted) when the daemon is gone by its own failpoint."""
        assert daemon.proc is not None
        if daemon.proc.poll() is None:
            return False
        assert daemon.proc.returncode == -signal.SIGKILL, daemon.output[-3000:]
        if self.count_failpoint_deaths() == 0:
            raise AssertionError(f"the daemon died on its own:\n{daemon.output[-3000:]}")
        return True

    def kill(self, daemon: DaemonProcess) -> None:
        """An external SIGKILL (unless a failpoint was quicker)."""
        assert daemon.proc is not None
        if daemon.proc.poll() is None:
            daemon.proc.send_signal(signal.SIGKILL)
            daemon.proc.wait(15)
            if self.count_failpoint_deaths() == 0:  # it may have died by itself meanwhile
                self.figures.external_kills += 1
            return
        self.died(daemon)

    def count_failpoint_deaths(self) -> int:
        out = self.home / "daemon.out"
        lines = out.read_text(errors="replace").splitlines() if out.exists() else []
        marks = [ln[len(chaos.MARK):].strip() for ln in lines if ln.startswith(chaos.MARK)]
        new = marks[self._marks_seen:]
        self._marks_seen = len(marks)
        self.figures.failpoint_kills.update(new)
        return len(new)


def deadline_in(seconds: float) -> float:
    return time.monotonic() + seconds
