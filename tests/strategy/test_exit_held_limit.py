"""An exit rule's ``held_limit`` stands in for its path in the position policy (a time stop
is compared with the bars held, no view built): it must say exactly what the path says."""

from __future__ import annotations

import numpy as np
import pytest

from plutarc.strategy.components.base import Kind, Output
from plutarc.strategy.components.exits.base import ExitRule, ExitView, RuleState
from plutarc.strategy.components.registry import by_kind

EXIT_RULES = [c for c in by_kind(Kind.EXIT) if issubclass(c, ExitRule)]


def _defaults(cls: type[ExitRule]) -> dict:
    return {p.name: p.default for p in cls.spec.params}


def test_the_time_stop_declares_its_limit() -> None:
    limited = {c.spec.id for c in EXIT_RULES if c(_defaults(c)).held_limit() is not None}
    assert limited == {"time_stop"}


@pytest.mark.parametrize("cls", [c for c in EXIT_RULES if c(_defaults(c)).held_limit()
                                 is not None], ids=lambda c: c.spec.id)
@pytest.mark.parametrize("limit", [1, 7, 30, 240])
def test_held_limit_is_the_whole_path(cls: type[ExitRule], limit: int) -> None:
    rule = cls({**_defaults(cls), "max_bars": limit})
    assert rule.held_limit() == limit
    rng = np.random.default_rng(limit)
    for start in (0, limit - 5, limit - 1, limit, limit + 3):
        n = int(rng.integers(1, 40))
        held = np.arange(max(start, 0) + 1, max(start, 0) + n + 1)
        close = 100 + rng.standard_normal(n).cumsum()
        view = ExitView(close + 1, close - 1, close, np.full(n, 2.0),
                        Output(close.copy(), None), held)
        state = RuleState(1, 100.0, 2.0, 100.0, 98.0)
        res = rule.path(state, view)
        assert res.stop is None and res.state is state
        np.testing.assert_array_equal(np.asarray(res.close_now, dtype=bool), held >= limit)
