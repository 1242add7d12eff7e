"""The exit inputs a position policy reads at one moment (the latest exit close)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from plutarc.strategy.engine import ExitInputs


@dataclass(frozen=True)
class ExitSnapshot:
    """The exit inputs visible at one moment (the latest exit close)."""

    atr: float
    own: dict[str, tuple[float, float]]  # rule key -> (value, score) of its streamed outputs


def exit_snapshot(exits: ExitInputs, row: int) -> ExitSnapshot:
    if row < 0:
        return ExitSnapshot(np.nan, {k: (np.nan, np.nan) for k in exits.extras})
    own = {k: (float(o.value[row]), float(o.score[row]) if o.score is not None else np.nan)
           for k, o in exits.extras.items()}
    return ExitSnapshot(float(exits.atr[row]), own)
