"""Issue 23 item 9: secrets out of the daemon's environment, no core dumps, private files.

Real daemons: one run directly with the passphrase in its environment (as systemd's
Environment= would), one through 'daemon start' from a shell holding it. /proc shows what
anyone with the user's rights (or a crash reporter) could read.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

from plutarc.daemon.client import DaemonClient
from plutarc.storage.sqlite import open_database
from tests.daemon.conftest import REPO, DaemonProcess, daemon_env, short_home

PASSPHRASE = "proc-environ-passphrase-" + os.urandom(6).hex()
TOKEN = "plt_client-token-" + os.urandom(6).hex()


def _environ(pid: int) -> bytes:
    return Path(f"/proc/{pid}/environ").read_bytes()


def _core_limit(pid: int) -> str:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max core file size"):
            return line.split()[4]
    raise AssertionError("no core limit in /proc/limits")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def _keys_locked(socket: Path) -> bool:
    async with DaemonClient(socket) as client:
        await client.add_key("proc-check", "bitmex", True, "PROCKEYID00000001", "proc-secret-1")
        return (await client.list_keys()).keystore.locked


def test_the_daemon_drops_the_passphrase_from_proc_and_dumps_no_core(monkeypatch):
    home = short_home()
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("PLUTARC_KEYS_PASSPHRASE", PASSPHRASE)
    daemon = DaemonProcess(home).start()
    try:
        assert daemon.proc is not None
        pid = daemon.proc.pid
        assert not asyncio.run(_keys_locked(daemon.paths.socket))  # it did get the passphrase
        assert PASSPHRASE.encode() not in _environ(pid)
        assert _core_limit(pid) == "0"
        database = daemon.paths.database
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            assert _mode(path) == 0o600, path
        assert _mode(home / "data" / "keys.enc") == 0o600
    finally:
        daemon.kill()
        shutil.rmtree(home, ignore_errors=True)


def test_daemon_start_hands_the_passphrase_over_a_pipe_not_the_environment():
    home = short_home()
    env = daemon_env(home)
    env.update(PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
               PLUTARC_KEYS_PASSPHRASE=PASSPHRASE, PLUTARC_TOKEN=TOKEN)
    DaemonProcess(home)  # writes the test settings
    started = subprocess.run([sys.executable, "-m", "plutarc", "daemon", "start"], env=env,
                             cwd=REPO, capture_output=True, text=True, timeout=60,
                             stdin=subprocess.DEVNULL)
    paths = DaemonProcess(home).paths
    try:
        assert started.returncode == 0, started.stderr
        pid = int(paths.pid_file.read_text().split()[0])
        environ = _environ(pid)
        assert PASSPHRASE.encode() not in environ and TOKEN.encode() not in environ
        assert not asyncio.run(_keys_locked(paths.socket))
    finally:
        no_token = {k: v for k, v in env.items() if k != "PLUTARC_TOKEN"}
        stopped = subprocess.run([sys.executable, "-m", "plutarc", "daemon", "stop"],
                                 env=no_token, cwd=REPO, capture_output=True, timeout=60)
        if stopped.returncode != 0 and paths.pid_file.exists():
            os.kill(int(paths.pid_file.read_text().split()[0]), signal.SIGKILL)
        shutil.rmtree(home, ignore_errors=True)


def test_an_existing_world_readable_database_is_made_private(tmp_path):
    path = tmp_path / "plutarc.db"
    open_database(path, []).close()
    os.chmod(path, 0o644)
    db = open_database(path, [])
    try:
        db.execute("CREATE TABLE t (x)")  # the WAL and shared memory exist while it is open
        for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            assert _mode(name) == 0o600, name
    finally:
        db.close()
