"""BitMEX timestamps: ISO-8601 UTC strings <-> epoch ms, fast on the websocket hot path.

BitMEX sends ``2020-10-12T16:46:20.255Z``; some captures carry 6-digit fractions
(``…02.570000Z``), which are parsed leniently. Timespans such as ``fundingInterval`` are
encoded as a datetime after 2000-01-01 (``2000-01-01T08:00:00.000Z`` = 8 h).
"""

from __future__ import annotations

from datetime import UTC, datetime

from plutarc.errors import DataError

_EPOCH_2000_MS = 946_684_800_000
_day_ms: dict[str, int] = {}


def _day_start_ms(date: str) -> int:
    cached = _day_ms.get(date)
    if cached is None:
        try:
            day = datetime.strptime(date, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            raise DataError(f"unrecognised BitMEX timestamp date: {date!r}") from None
        cached = int(day.timestamp()) * 1000
        if len(_day_ms) > 4096:  # a long-running process sees a few dates a day
            _day_ms.clear()
        _day_ms[date] = cached
    return cached


def iso_to_ms(text: str) -> int:
    """Epoch milliseconds of a BitMEX timestamp string; a clear error for anything else."""
    try:
        if len(text) >= 20 and text[10] == "T" and text[-1] == "Z":
            ms = (
                int(text[11:13]) * 3_600_000
                + int(text[14:16]) * 60_000
                + int(text[17:19]) * 1000
            )
            if len(text) > 21 and text[19] == ".":
                ms += int((text[20:23] + "00")[:3])
            return _day_start_ms(text[:10]) + ms
        parsed = datetime.fromisoformat(text)
    except (ValueError, TypeError, IndexError):
        raise DataError(f"unrecognised BitMEX timestamp: {text!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


def ms_to_iso(ts_ms: int) -> str:
    """The BitMEX form of an epoch-ms time: ``2024-01-01T00:01:00.000Z``."""
    moment = datetime.fromtimestamp(ts_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts_ms % 1000:03d}Z"


def timespan_to_ms(text: str) -> int:
    """A BitMEX timespan (a datetime after 2000-01-01) in milliseconds."""
    return iso_to_ms(text) - _EPOCH_2000_MS
