"""Delivery through the courier process: the daemon never runs apprise itself.

The daemon's side is a few bytes written to a pipe and an answer read back on the event
loop; apprise's imports, URL parsing, HTTP and timeouts all happen in the courier
(``notify/courier.py``), a child process started on first use and again whenever it has
died. A request is bounded by a timeout here: a channel that never answers costs the
daemon nothing but a waiting future.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import sys
from typing import Any

log = logging.getLogger(__name__)

COURIER = (sys.executable, "-m", "plutarc.notify.courier")
UNDERSTOOD_S = 30.0
STOP_S = 1.0
LINE_LIMIT = 1 << 20
# the courier never needs the key store's passphrase: it is handed each URL it sends to
_WITHHELD = ("PLUTARC_KEYS_PASSPHRASE", "CREDENTIALS_DIRECTORY")


class Sender:
    """Asks the courier process to deliver; one process shared by every channel."""

    def __init__(self, argv: tuple[str, ...] = COURIER) -> None:
        self.argv = argv
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._lock: asyncio.Lock | None = None
        self._closed = False

    @property
    def pid(self) -> int | None:
        """The courier's process id while it runs."""
        proc = self._proc
        return proc.pid if proc is not None and proc.returncode is None else None

    async def send(self, url: str, title: str, body: str, severity: str,
                   timeout_s: float) -> str | None:
        """None when delivered, else why not (free of the URL's secrets)."""
        got = await self._ask({"op": "send", "url": url, "title": title, "body": body,
                               "severity": severity}, timeout_s)
        if got is None:
            return f"no answer within {timeout_s:g} s"
        reason = got.get("reason")
        return None if reason is None else str(reason)

    async def understood(self, url: str) -> bool:
        got = await self._ask({"op": "understood", "url": url}, UNDERSTOOD_S)
        return bool(got is not None and got.get("ok"))

    def warm(self) -> None:
        """Start the courier now (it imports apprise at once), not at the first alert."""
        task = asyncio.ensure_future(self._ensure())
        task.add_done_callback(_quiet)

    async def close(self) -> None:
        """Stop the courier: its stdin closes and it exits without waiting for deliveries
        in flight; killed if it has not gone within STOP_S."""
        self._closed = True
        proc, reader = self._proc, self._reader
        self._proc = self._reader = None
        if reader is not None:
            reader.cancel()
        self._fail_pending("notifications stopped")
        if proc is None or proc.returncode is not None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        waiter = asyncio.ensure_future(proc.wait())
        await asyncio.wait({waiter}, timeout=STOP_S)  # not wait_for: see daemon pump notes
        if not waiter.done():
            waiter.cancel()
            with contextlib.suppress(ProcessLookupError):
                proc.kill()

    # the pipe ---------------------------------------------------------------------------------
    async def _ask(self, request: dict[str, Any], timeout_s: float) -> dict[str, Any] | None:
        proc = await self._ensure()
        if proc is None or proc.stdin is None:
            return {"reason": "the notification courier could not be started", "ok": False}
        rid = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[rid] = future
        try:
            proc.stdin.write(json.dumps({**request, "id": rid}).encode() + b"\n")
            done, _ = await asyncio.wait({future}, timeout=timeout_s)
        finally:
            self._pending.pop(rid, None)
        return future.result() if done else None

    async def _ensure(self) -> asyncio.subprocess.Process | None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            proc = self._proc
            if self._closed:
                return None
            if proc is not None and proc.returncode is None:
                return proc
            env = {k: v for k, v in os.environ.items() if k not in _WITHHELD}
            try:
                proc = await asyncio.create_subprocess_exec(
                    *self.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.DEVNULL, env=env, limit=LINE_LIMIT)
            except OSError as exc:
                log.warning("the notification courier could not be started: %s", exc)
                return None
            if self._closed:  # closed while it started: it exits on its stdin's end
                assert proc.stdin is not None
                proc.stdin.close()
                return None
            self._proc = proc
            self._reader = asyncio.create_task(self._read(proc), name="notify-courier")
            return proc

    async def _read(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        try:
            async for line in proc.stdout:
                try:
                    answer = json.loads(line)
                    future = self._pending.get(int(answer["id"]))
                except (ValueError, KeyError, TypeError):
                    continue
                if future is not None and not future.done():
                    future.set_result(answer)
        finally:
            if self._proc is proc:  # it has died: the next message starts another
                self._proc = self._reader = None
                log.warning("the notification courier stopped; it starts again with the next "
                            "message")
                self._fail_pending("the notification courier stopped")

    def _fail_pending(self, reason: str) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_result({"reason": reason, "ok": False})


def _quiet(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # a start that failed was logged by _ensure
