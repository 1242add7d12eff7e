"""Who shares one BitMEX account's dead man's switch, across adapters and daemons.

BitMEX keeps ONE cancelAllAfter timer per account: any client that sends ``timeout=0``
disarms it for everybody. So the switch is owned per account, not per daemon:

* every running switch on the account is a **member** (a shared ``flock`` on a file named by
  a hash of the account, so two daemons of the same user on one machine see each other and
  a crashed daemon leaves at once, the kernel drops its lock);
* every member re-arms while it runs, so the timer fires only when all of them are gone;
* closing disarms only when the closer is the **last** member; otherwise the others keep it
  armed and nothing lapses (they re-arm well within the timeout);
* **holds** (a position whose protective stop rests on the venue) are files, one per holder,
  seen by every member: while any exists, every member sends ``timeout=0``. A hold survives
  its daemon's crash on purpose (the stop must outlive it); the bot releases it when flat.

The files live in ``state_dir`` (default ``$XDG_RUNTIME_DIR`` or ``$TMPDIR``, then
``plutarc-<uid>``, mode 0700). They carry
no secret: the account key (URL and API key) appears only as a sha256 prefix. Daemons on
other machines, or with other state dirs, do not see each other: give each its own account
(or sub-account) there.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from pathlib import Path
from typing import IO


def default_state_dir() -> Path:
    """The user's runtime directory (shared by all of the user's daemons), else the temp dir."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) if runtime else Path(tempfile.gettempdir())
    return base / f"plutarc-{os.getuid()}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class AccountMembers:
    """This switch's membership of one account, and the account's holds."""

    def __init__(self, account: str, state_dir: Path | None = None) -> None:
        base = state_dir or default_state_dir()
        key = _digest(account)
        self._dir = base
        self._members_path = base / f"bitmex-switch-{key}.members"
        self.holds_dir = base / f"bitmex-switch-{key}.holds"
        self._member: IO[bytes] | None = None

    @property
    def joined(self) -> bool:
        return self._member is not None

    def _ensure_dirs(self) -> None:
        self._dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.holds_dir.mkdir(mode=0o700, exist_ok=True)

    def join(self) -> None:
        """Become a member (idempotent). OSError when the state dir cannot be used."""
        if self._member is not None:
            return
        self._ensure_dirs()
        member = open(self._members_path, "ab")  # noqa: SIM115 - held open while a member
        fcntl.flock(member, fcntl.LOCK_SH)
        self._member = member

    def leave(self) -> bool:
        """Stop being a member; True when no other member remains (the caller disarms)."""
        member, self._member = self._member, None
        if member is not None:
            member.close()  # drops our shared lock
        try:
            with open(self._members_path, "ab") as probe:
                try:
                    fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return False  # someone else still holds a shared lock
                fcntl.flock(probe, fcntl.LOCK_UN)
        except OSError:
            return True  # no state dir: we cannot know of others, behave as the only one
        return True

    # holds --------------------------------------------------------------------------------
    def add_hold(self, holder: str) -> None:
        self._ensure_dirs()
        (self.holds_dir / _digest(holder)).write_text(holder + "\n")

    def remove_hold(self, holder: str) -> bool:
        """True when ``holder`` held it."""
        try:
            (self.holds_dir / _digest(holder)).unlink()
        except FileNotFoundError:
            return False
        return True

    def holds(self) -> list[str]:
        """Who holds the switch off, by name (a file may vanish while we read: released)."""
        names = []
        with contextlib.suppress(FileNotFoundError):
            for path in self.holds_dir.iterdir():
                with contextlib.suppress(FileNotFoundError):
                    names.append(path.read_text().strip())
        return sorted(names)

    def held(self) -> bool:
        with contextlib.suppress(FileNotFoundError), os.scandir(self.holds_dir) as entries:
            return any(True for _ in entries)
        return False
