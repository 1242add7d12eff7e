"""Safety actions first, their record when the disk allows.

A full disk must not take the kill switch away: the kill switch, flatten and pause act on
the bots in memory whatever happens, then write their state, audit rows and events; a write
the disk refuses is named in ``notes`` (and in the daemon log) instead of failing the action.
Any other error still propagates.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from plutarc.storage.sqlite import is_disk_full

log = logging.getLogger(__name__)


@contextmanager
def if_recordable(notes: list[str], what: str) -> Iterator[None]:
    """Run the block; when the disk is full, add ``what`` to ``notes`` and carry on."""
    try:
        yield
    except Exception as exc:
        if not is_disk_full(exc):
            raise
        notes.append(what)
        log.critical("not recorded, the disk is full: %s (%s)", what, exc)


def not_recorded_message(action: str, notes: list[str]) -> str:
    return (f"{action} done, but the disk is full and this was not recorded: "
            f"{'; '.join(notes)}; free some space (the journal resumes by itself)")
