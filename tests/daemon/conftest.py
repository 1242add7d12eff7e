"""A real daemon process on a temporary home, for the daemon tests."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from plutarc.daemon.client import DaemonClient, wait_until_answering
from plutarc.paths import Paths, resolve_paths

REPO = Path(__file__).resolve().parents[2]
HEARTBEAT_S = 0.2
HUNG_AFTER_S = 1.0
TEMPLATES = REPO / "configs" / "templates"
TEMPLATE_NAME = "reference_ema_cross"  # a real shipped template: the daemon validates it fully
TEMPLATE = (TEMPLATES / f"{TEMPLATE_NAME}.toml").read_text()


def short_home() -> Path:
    # Unix socket paths are limited to 107 bytes: pytest's tmp_path is often longer.
    return Path(tempfile.mkdtemp(prefix="pd", dir="/tmp"))


def daemon_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PLUTARC_HOME"] = str(home)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["PLUTARC_WORKER_MODULES"] = "tests.daemon.plugin_workers"
    return env


class DaemonProcess:
    """``python -m plutarc daemon run`` on ``home``; its output goes to ``home/daemon.out``."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.paths: Paths = resolve_paths({"PLUTARC_HOME": str(home)})
        self.proc: subprocess.Popen[bytes] | None = None
        self.paths.config_dir.mkdir(parents=True, exist_ok=True)
        # hung_after_s: test workers are declared hung after 3 silent looks (the watchdog tests)
        self.paths.config_file.write_text(f"[daemon]\nheartbeat_interval_s = {HEARTBEAT_S}\n"
                                          f"hung_after_s = {HUNG_AFTER_S}\n")

    @property
    def output(self) -> str:
        path = self.home / "daemon.out"
        return path.read_text() if path.exists() else ""

    def start(self, timeout_s: float = 20.0) -> DaemonProcess:
        with open(self.home / "daemon.out", "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "plutarc", "daemon", "run"], env=daemon_env(self.home),
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, cwd=self.home,
            )
        proc = self.proc
        try:
            asyncio.run(wait_until_answering(self.paths.socket, timeout_s,
                                             lambda: proc.poll() is None))
        except Exception:
            self.kill()
            raise AssertionError(f"daemon did not come up:\n{self.output}") from None
        return self

    def client(self, **kwargs: object) -> DaemonClient:
        return DaemonClient(self.paths.socket, **kwargs)  # type: ignore[arg-type]

    def signal(self, sig: signal.Signals, timeout_s: float = 15.0) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        return self.proc.wait(timeout_s)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def home() -> Iterator[Path]:
    path = short_home()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def daemon() -> Iterator[DaemonProcess]:
    """One real daemon shared by a module's tests (each test uses its own bot names)."""
    path = short_home()
    proc = DaemonProcess(path).start()
    yield proc
    if proc.proc is not None and proc.proc.poll() is None:
        proc.signal(signal.SIGTERM)
    shutil.rmtree(path, ignore_errors=True)


def wait_for(predicate, timeout_s: float = 5.0, interval_s: float = 0.02):  # noqa: ANN001, ANN201
    """Poll a synchronous predicate until it returns something truthy."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s} s")
        time.sleep(interval_s)
