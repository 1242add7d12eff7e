"""What access control writes to: an append-only audit trail (the daemon's store provides it)."""

from __future__ import annotations

from typing import Any, Protocol


class AuditTrail(Protocol):
    """Who did what to which target, when, with the before and after of the change."""

    def append(self, who: str, ts_ms: int, action: str, target: str = "",
               before: Any = None, after: Any = None) -> Any: ...
