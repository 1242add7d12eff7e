"""The templates shipped before the counter-trend strength and choppiness range options were
added decide exactly as they did then, bit for bit, on the bundled 14 days of BTCUSDT 1m.

``golden_templates/*.toml`` are the shipped templates as of that change; ``decisions.json``
holds digests of their decisions computed with the code from before it (regenerate only on
purpose: ``python -m tests.strategy.test_shipped_templates_unchanged > .../decisions.json``
with the old code first on PYTHONPATH).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from plutarc.strategy.engine import StrategyEngine
from plutarc.strategy.template import load_template_file
from tests.helpers import real_bars

GOLDEN = Path(__file__).parent / "golden_templates"
FIELDS = ("ts_ms", "score", "direction", "allowed", "ready", "in_session", "values", "scores",
          "allow_long", "allow_short")


def decision_digest(path: Path) -> str:
    decisions = StrategyEngine(load_template_file(path), 60_000).update(real_bars()).decisions
    digest = hashlib.sha256()
    for field in FIELDS:
        digest.update(np.ascontiguousarray(getattr(decisions, field)).tobytes())
    return digest.hexdigest()


@pytest.mark.parametrize("name", sorted(p.stem for p in GOLDEN.glob("*.toml")))
def test_shipped_template_decides_as_before(name):
    golden = json.loads((GOLDEN / "decisions.json").read_text())
    assert decision_digest(GOLDEN / f"{name}.toml") == golden[name]


if __name__ == "__main__":
    json.dump({p.stem: decision_digest(p) for p in sorted(GOLDEN.glob("*.toml"))}, sys.stdout,
              indent=1)
