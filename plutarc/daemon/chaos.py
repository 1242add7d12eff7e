"""Failpoints for the chaos suite: SIGKILL this process at named points of the order path.

Off unless the environment says otherwise (read once, at import):

    PLUTARC_FAILPOINTS="after_journal:0.05,after_send:0.05;seed=7"

Each ``name:p`` kills the process with probability ``p`` every time ``failpoint(name)`` runs;
``seed`` makes the draws repeatable per process (the pid is mixed in, so a restarted
process does not die at the very same point forever). Disabled, a failpoint costs one global
bool check. The points used by the workers:

    after_journal   the order is journaled, not yet handed to the venue
    after_send      the venue has the order, its answer is not yet recorded
    after_fill      a fill has arrived, it is not yet stored
"""

from __future__ import annotations

import os
import random
import signal

ENV = "PLUTARC_FAILPOINTS"
POINTS = ("after_journal", "after_send", "after_fill")
MARK = "plutarc failpoint: SIGKILL at "


def parse(spec: str) -> tuple[dict[str, float], int | None]:
    """``name:p,...;seed=N`` -> ({name: p}, seed); a malformed spec raises ValueError."""
    points: dict[str, float] = {}
    seed: int | None = None
    for part in spec.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if part.startswith("seed="):
            seed = int(part[len("seed="):])
            continue
        name, sep, value = part.partition(":")
        if not sep or name not in POINTS:
            raise ValueError(f"{ENV}: {part!r} is not name:probability with name one of "
                             f"{', '.join(POINTS)}")
        chance = float(value)
        if not 0.0 <= chance <= 1.0:
            raise ValueError(f"{ENV}: probability of {name} must be within [0, 1], got {value}")
        points[name] = chance
    return points, seed


_POINTS, _SEED = parse(os.environ.get(ENV, ""))
ENABLED = bool(_POINTS)
_draw = random.Random(f"{_SEED}:{os.getpid()}").random


def failpoint(name: str) -> None:
    """Maybe die here, as a power cut would: no cleanup, no flush; one line on stderr says
    where (the chaos suite counts kills by point from it)."""
    if not ENABLED:
        return
    chance = _POINTS.get(name, 0.0)
    if chance > 0.0 and _draw() < chance:
        os.write(2, f"{MARK}{name}\n".encode())
        os.kill(os.getpid(), signal.SIGKILL)
