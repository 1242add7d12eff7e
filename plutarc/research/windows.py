"""Walk-forward windows: in-sample, a purge/embargo gap, then out-of-sample; rolling or
anchored. Pure arithmetic on epoch ms."""

from __future__ import annotations

import re
from dataclasses import dataclass

from plutarc.errors import UsageError

_UNITS = {"m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 7 * 86_400_000}
_DURATION = re.compile(r"^(\d+)([mhdw])$")


def duration_ms(text: str, what: str) -> int:
    """``90m``, ``12h``, ``30d``, ``2w`` in ms (``0`` is zero)."""
    text = text.strip()
    if text == "0":
        return 0
    match = _DURATION.match(text)
    if not match:
        raise UsageError(f"--{what} {text!r}: give a duration like 12h, 30d or 2w")
    return int(match.group(1)) * _UNITS[match.group(2)]


@dataclass(frozen=True)
class Window:
    index: int
    is_start: int
    is_end: int  # exclusive
    oos_start: int  # is_end + gap: bars in the gap belong to neither side
    oos_end: int  # exclusive

    def check(self) -> None:
        """The invariant every window keeps: in-sample ends, the gap passes, then OOS."""
        if not self.is_start < self.is_end <= self.oos_start < self.oos_end:
            raise AssertionError(f"window {self.index} overlaps: {self}")


def make_windows(first_ms: int, end_ms: int, train_ms: int, test_ms: int, gap_ms: int,
                 step_ms: int | None = None, anchored: bool = False) -> list[Window]:
    """Windows over [first_ms, end_ms): each in-sample span ``train_ms`` long (anchored: from
    ``first_ms`` and growing), then ``gap_ms``, then ``test_ms`` out of sample; each next
    window ``step_ms`` (default ``test_ms``) later, so the OOS spans tile without overlap."""
    if train_ms <= 0 or test_ms <= 0 or gap_ms < 0:
        raise UsageError("--train and --test must be positive, --gap 0 or more")
    step = step_ms or test_ms
    if step < test_ms:
        raise UsageError("--step shorter than --test: out-of-sample spans would overlap")
    out: list[Window] = []
    k = 0
    while True:
        is_start = first_ms if anchored else first_ms + k * step
        is_end = first_ms + train_ms + k * step
        oos_start = is_end + gap_ms
        oos_end = oos_start + test_ms
        if oos_end > end_ms:
            break
        window = Window(k, is_start, is_end, oos_start, oos_end)
        window.check()
        out.append(window)
        k += 1
    if not out:
        raise UsageError("the data is too short for one window: it needs --train + --gap + "
                         "--test")
    return out
