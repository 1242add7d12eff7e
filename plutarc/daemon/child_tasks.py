"""Stopping the child processes and tasks a daemon job runner started (backtests, sweeps)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable


async def stop_children(children: Iterable[asyncio.subprocess.Process],
                        tasks: Iterable[asyncio.Task[None]]) -> None:
    """Kill every child process, then cancel and await the tasks that watched them."""
    for child in list(children):
        with contextlib.suppress(ProcessLookupError):
            child.kill()
    for task in list(tasks):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
