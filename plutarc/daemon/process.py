"""The daemon's pid file, locked (fcntl) for the daemon's whole life: one daemon per home.

The lock, not the pid written in the file, says whether a daemon runs: the kernel drops it
when the process dies however it dies, so a pid file left by a killed daemon is simply
taken over by the next one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from plutarc.daemon.errors import DaemonAlreadyRunning


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def lock_holder(path: Path) -> int | None:
    """The pid of the daemon holding ``path``'s lock, or None when no daemon runs."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return read_pid(path) or -1
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


class PidLock:
    """Held from ``acquire()`` to ``release()`` (or to the process's death)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stale_pid: int | None = None
        self._fd: int | None = None

    def acquire(self) -> PidLock:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        while True:
            fd = self._lock_once()
            # The file we locked may have been unlinked by a daemon exiting meanwhile: then
            # our lock guards nothing. Only a lock on the file still at ``path`` counts.
            try:
                if os.fstat(fd).st_ino == os.stat(self.path).st_ino:
                    break
            except FileNotFoundError:
                pass
            os.close(fd)
        previous = read_pid(self.path)
        if previous is not None and previous != os.getpid():
            self.stale_pid = previous  # its process is gone: it would still hold the lock
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        os.fsync(fd)
        self._fd = fd
        return self

    def _lock_once(self) -> int:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            pid = read_pid(self.path)
            raise DaemonAlreadyRunning(
                f"a daemon is already running for this plutarc home (pid {pid}, pid file "
                f"{self.path}); stop it with 'plutarc daemon stop'", pid,
            ) from None
        return fd

    def release(self) -> None:
        if self._fd is None:
            return
        # Unlink while still locked, so a starting daemon never locks a file about to vanish.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> PidLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
