"""BitMEX timestamps: ISO-8601 UTC strings <-> epoch ms, fast on the websocket hot path.

BitMEX sends ``2020-10-12T16:46:20.255Z``; some captures carry 6-digit fractions
(``…02.570000Z``), which are parsed leniently. Timespans such as ``fundingInterval`` are
encoded as a datetime after 2000-01-01 (``2000-01-01T08:00:00.000Z`` = 8 h).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from plutarc.errors import DataError

_EPOCH_2000_MS = 946_684_800_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)
_parse = datetime.fromisoformat


def iso_to_ms(text: str) -> int:
    """Epoch milliseconds of a BitMEX timestamp string (exact integer arithmetic, fractions
    beyond the millisecond truncated); a clear error for anything else."""
    try:
        moment = _parse(text)
    except (ValueError, TypeError):
        raise DataError(f"unrecognised BitMEX timestamp: {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _ONE_MS


def ms_to_iso(ts_ms: int) -> str:
    """The BitMEX form of an epoch-ms time: ``2024-01-01T00:01:00.000Z``."""
    moment = datetime.fromtimestamp(ts_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts_ms % 1000:03d}Z"


def timespan_to_ms(text: str) -> int:
    """A BitMEX timespan (a datetime after 2000-01-01) in milliseconds."""
    return iso_to_ms(text) - _EPOCH_2000_MS
