"""Process hardening of the daemon: no core dumps, private files, secrets out of /proc.

The daemon holds API secrets in memory. A core dump would write them to disk, so dumps are
off (``RLIMIT_CORE`` 0, inherited by backtest children). Every file it creates is private
(umask 077): the journal, its WAL, logs, caches. A passphrase handed over in the environment
stays readable in ``/proc/<pid>/environ`` for the process's life even after ``unsetenv``
(that file shows the original block), so its bytes there are overwritten.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import resource

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
WANTED_OPEN_FILES = 8192
SECRET_ENV = ("PLUTARC_KEYS_PASSPHRASE",)


def no_core_dumps() -> None:
    """A crash leaves no memory image behind (children inherit the limit)."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def private_files() -> None:
    """Files and directories the process creates from now on are its user's alone."""
    os.umask(PRIVATE_UMASK)


def scrub_environ_block(name: str) -> bool:
    """Overwrite the value of ``name`` in the process's original environment block, which
    ``/proc/self/environ`` shows; ``os.environ`` keeps its own copy for whoever needs it.
    True when something was overwritten."""
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return False
    libc.getenv.restype = ctypes.c_void_p
    libc.getenv.argtypes = [ctypes.c_char_p]
    address = libc.getenv(name.encode())
    if not address:
        return False
    size = len(ctypes.string_at(address))
    ctypes.memset(address, 0, size)
    return size > 0


def more_open_files() -> None:
    """Raise the soft open-file limit toward the hard one: connections are capped below it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = WANTED_OPEN_FILES if hard == resource.RLIM_INFINITY else min(hard,
                                                                          WANTED_OPEN_FILES)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def harden_process() -> None:
    """Everything above, once, first thing in the daemon process."""
    private_files()
    with contextlib.suppress(ValueError, OSError):
        more_open_files()
    with contextlib.suppress(ValueError, OSError):  # a hard limit we may not lower: say so
        no_core_dumps()
    if resource.getrlimit(resource.RLIMIT_CORE)[0] != 0:
        log.warning("could not turn core dumps off: a crash may write secrets to disk")
    for name in SECRET_ENV:
        scrub_environ_block(name)
