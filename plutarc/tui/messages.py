"""Messages the stream worker sends up to the app, and the app hands down to its screens.

None bubbles: the app re-posts them to the screen on top, which must not send them back.
"""

from __future__ import annotations

from textual.message import Message

from plutarc.daemon.api.schemas import StatusResponse
from plutarc.daemon.store import EventRecord


class DaemonUp(Message, bubble=False):
    """The daemon answers and the event stream is open (again)."""

    def __init__(self, status: StatusResponse) -> None:
        super().__init__()
        self.status = status


class DaemonDown(Message, bubble=False):
    """The daemon went away (or never came); the next attempt is in ``retry_in_s``.

    ``reason`` is the banner's whole sentence ("daemon unreachable: ...", or the ssh tunnel's).
    """

    def __init__(self, reason: str, retry_in_s: float) -> None:
        super().__init__()
        self.reason = reason
        self.retry_in_s = retry_in_s


class DaemonEvent(Message, bubble=False):
    """One event from /v1/stream; never coalesced: every event is shown."""

    def __init__(self, record: EventRecord) -> None:
        super().__init__()
        self.record = record
