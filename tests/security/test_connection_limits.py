"""Issue 23 item 4: half-open connections cannot starve the API; logs stay bounded.

A real daemon with a small connection cap and a short idle deadline faces a flood of
connections whose headers never end; the owner still gets answers and the flood is closed.
"""

from __future__ import annotations

import asyncio
import configparser
import logging
import os
import shutil
import signal
import socket
import time
from pathlib import Path

from plutarc.logs import RepeatFilter, RotatingDaemonLog
from tests.daemon.conftest import HEARTBEAT_S, REPO, DaemonProcess, short_home

CAP = 16
FLOOD = 150


def _sockets(pid: int) -> int:
    fd_dir = Path(f"/proc/{pid}/fd")
    count = 0
    for fd in fd_dir.iterdir():
        try:
            count += os.readlink(fd).startswith("socket:")
        except OSError:
            continue
    return count


def _half_open(path: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)  # a full backlog blocks connect(): never hang the test on it
    for _ in range(200):  # with a timeout set, a momentarily full backlog says EAGAIN
        try:
            sock.connect(str(path))
            break
        except BlockingIOError:
            time.sleep(0.05)
    else:
        sock.close()
        raise TimeoutError(f"the daemon accepts no connection on {path}")
    sock.sendall(b"GET /v1/status HTTP/1.1\r\nHost: plutarc\r\nX-Slow: ")  # never finished
    return sock


def test_a_flood_of_unfinished_headers_leaves_the_api_answering():
    home = short_home()
    daemon = DaemonProcess(home)
    daemon.paths.config_file.write_text(
        f"[daemon]\nheartbeat_interval_s = {HEARTBEAT_S}\nmax_connections = {CAP}\n"
        "idle_timeout_s = 1.0\n")
    daemon.start()
    flood: list[socket.socket] = []
    try:
        assert daemon.proc is not None
        baseline = _sockets(daemon.proc.pid)
        flood = [_half_open(daemon.paths.socket) for _ in range(FLOOD)]

        async def owner_status() -> int:
            async with daemon.client() as client:
                return (await client.status()).pid

        assert asyncio.run(owner_status()) == daemon.proc.pid  # the owner gets in
        bound = baseline + CAP + 1
        deadline = time.monotonic() + 30  # evicted ones close on the daemon's next turns
        while (held := _sockets(daemon.proc.pid)) > bound and time.monotonic() < deadline:
            time.sleep(0.05)
        assert held <= bound, (held, bound)  # a flood of 150 holds at most the cap
        for sock in flood:  # every half-open connection is closed by the daemon
            sock.settimeout(30)
            try:
                answer = sock.recv(1024)
            except ConnectionResetError:
                answer = b""
            assert answer in (b"",) or answer.startswith(b"HTTP/1.1 4"), answer
        assert asyncio.run(owner_status()) == daemon.proc.pid
    finally:
        for sock in flood:
            sock.close()
        if daemon.proc is not None and daemon.proc.poll() is None:
            daemon.signal(signal.SIGTERM)
        shutil.rmtree(home, ignore_errors=True)


def test_repeated_log_lines_are_rate_limited_and_counted():
    now = [0.0]
    repeat = RepeatFilter(per_window=5, window_s=60, clock=lambda: now[0])

    def record(n: int) -> logging.LogRecord:
        return logging.LogRecord("asyncio", logging.ERROR, __file__, 1,
                                 "socket.accept() out of system resource: %s", (n,), None)

    passed = [repeat.filter(record(n)) for n in range(10_000)]
    assert sum(passed) == 5
    now[0] = 61.0
    late = record(1)
    assert repeat.filter(late)
    assert "9995 more like this" in late.getMessage()
    other = logging.LogRecord("plutarc", logging.INFO, __file__, 1, "something else", (), None)
    assert repeat.filter(other)


def test_the_daemon_log_file_rotates_by_size(tmp_path):
    path = tmp_path / "logs" / "daemon.log"
    handler = RotatingDaemonLog(path, max_bytes=64 * 1024, backups=2)
    logger = logging.getLogger("plutarc.test.rotation")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for n in range(20_000):
            logger.warning("line %d %s", n, "x" * 40)
    finally:
        logger.removeHandler(handler)
        handler.close()
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == ["daemon.log", "daemon.log.1", "daemon.log.2"]
    assert all(p.stat().st_size <= 64 * 1024 for p in path.parent.iterdir())


def test_the_systemd_unit_limits_and_sandboxes_the_daemon():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(REPO / "configs" / "systemd" / "plutarc.service")
    service = unit["Service"]
    assert int(service["LimitNOFILE"]) >= 1024
    assert service["LimitCORE"] == "0"
    assert service["MemoryMax"] and service["TasksMax"]
    assert service["ProtectSystem"] == "strict" and service["ProtectHome"] == "read-only"
    assert "%h/.local/share/plutarc" in service["ReadWritePaths"]
    assert service["UMask"] == "0077"


def test_under_a_128_file_limit_a_flood_neither_silences_the_api_nor_floods_the_log():
    import resource
    import subprocess
    import sys

    from plutarc.daemon.client import wait_until_answering
    from tests.daemon.conftest import daemon_env

    def limit_files() -> None:  # the report's setting: 128 descriptors, no way up
        resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))

    home = short_home()
    daemon = DaemonProcess(home)
    with open(home / "daemon.out", "ab") as out:
        daemon.proc = subprocess.Popen(
            [sys.executable, "-m", "plutarc", "daemon", "run"], env=daemon_env(home),
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, cwd=home,
            preexec_fn=limit_files)
    proc = daemon.proc
    flood: list[socket.socket] = []

    async def owner_status() -> int:
        await wait_until_answering(daemon.paths.socket, 20, lambda: proc.poll() is None)
        async with daemon.client() as client:
            return (await client.status()).pid

    try:
        assert asyncio.run(owner_status()) == proc.pid
        before = (home / "daemon.out").stat().st_size
        for _ in range(400):
            try:
                flood.append(_half_open(daemon.paths.socket))
            except OSError:  # the backlog is full: the kernel refuses, the daemon is fine
                break
        assert asyncio.run(owner_status()) == proc.pid
        assert (home / "daemon.out").stat().st_size - before < 64 * 1024
    finally:
        for sock in flood:
            sock.close()
        daemon.kill()
        shutil.rmtree(home, ignore_errors=True)
