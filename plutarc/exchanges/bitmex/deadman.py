"""The dead man's switch: cancelAllAfter kept armed by a task while the adapter runs.

If our process dies or loses the venue, BitMEX cancels every open order once the timeout
passes. The task re-arms well before that (every ``refresh_s``); stopping disarms it with
``timeout=0``. Arming is idempotent, so failures are retried by the HTTP layer.

cancelAllAfter also cancels resting stop orders, the protection of an open position. So
while any bot on the account holds a position guarded by an exchange-side stop, the switch
is *held*: every refresh sends ``timeout=0`` instead, and the stop outlives the daemon.
Flat again (every holder released), the switch arms again: stale entry orders are what it
is for.

BitMEX has one timer per account, so the switch is owned per account (switch_members.py):
every adapter and daemon on the account is a member and keeps it armed; holds are seen by
all of them; closing disarms only when the closer is the last member, so closing one
daemon never disarms another daemon's switch on the same account.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Any

from plutarc.errors import VenueError
from plutarc.exchanges.bitmex.http import BitmexHttp
from plutarc.exchanges.bitmex.ratelimit import Lane
from plutarc.exchanges.bitmex.switch_members import AccountMembers

log = logging.getLogger("plutarc.exchanges.bitmex.deadman")


class DeadMansSwitch:
    def __init__(self, http: BitmexHttp, timeout_ms: int, refresh_s: float,
                 account: str = "", state_dir: Path | None = None) -> None:
        if refresh_s * 1000 >= timeout_ms:
            raise ValueError("the dead man's switch must be refreshed before it fires")
        self._http = http
        self.account = account
        self.members = AccountMembers(account, state_dir)
        self.timeout_ms = timeout_ms
        self.refresh_s = refresh_s
        self.arms = 0
        self.last_reply: dict[str, Any] | None = None
        self.last_error: VenueError | None = None
        self._task: asyncio.Task | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def arm(self, timeout_ms: int | None = None) -> dict[str, Any]:
        reply = await self._http.request(
            "POST",
            "/order/cancelAllAfter",
            body={"timeout": self.timeout_ms if timeout_ms is None else timeout_ms},
            signed=True,
            idempotent=True,
            lane=Lane.PRIORITY,  # the switch must not lapse behind entries
        )
        self.last_reply = reply
        return reply

    @property
    def held(self) -> bool:
        """True while a position on this account (any daemon's) relies on resting stops."""
        return self.members.held()

    async def hold(self, holder: str) -> None:
        """``holder`` (a bot's symbol) has a position protected by a resting stop: disarm."""
        was_held = self.held
        self.members.add_hold(holder)
        if not was_held and self.running:
            await self._refresh()

    async def release(self, holder: str) -> None:
        """``holder`` is flat again; the switch arms once nobody on the account holds it."""
        if not self.members.remove_hold(holder):
            return
        if not self.held and self.running:
            await self._refresh()

    async def _refresh(self) -> None:
        await self.arm(0 if self.held else None)
        self.arms += 0 if self.held else 1

    async def start(self) -> None:
        """Arm now (errors raise: a switch that cannot arm must be noticed), then keep armed."""
        if self.running:
            return
        try:
            self.members.join()
        except OSError as exc:  # without the state dir we cannot see other members
            log.warning("BitMEX dead man's switch cannot record its membership (%s): "
                        "closing will disarm it even if another daemon uses the account", exc)
        await self._refresh()
        self._task = asyncio.create_task(self._keep_armed(), name="bitmex-dead-mans-switch")

    async def _keep_armed(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_s)
            try:
                await self._refresh()
                self.last_error = None
            except VenueError as exc:
                self.last_error = exc
                log.warning("BitMEX dead man's switch not re-armed: %s", exc)

    async def stop(self, disarm: bool = True) -> None:
        """Stop re-arming; with ``disarm``, send ``timeout=0`` unless another member (an
        adapter or daemon on the same account) still runs: that one keeps it armed."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        last = self.members.leave()
        if disarm and not last:
            log.info("BitMEX dead man's switch left armed: another adapter or daemon on "
                     "this account still runs it")
        elif disarm:
            try:
                await self.arm(0)
            except VenueError as exc:
                log.warning("BitMEX dead man's switch not disarmed: %s", exc)
