"""The shipped rsi_divergence template does what its design says (issue 24): 1h regular and
hidden RSI divergence, taken only while the 4h consolidates, vetoed only by a hard 4h
counter-trend, break-even and trailing stops, no take-profit; checked on the bundled 14 days
of BTCUSDT 1m."""

from __future__ import annotations

import numpy as np

from plutarc.strategy.components.base import Kind
from plutarc.strategy.engine import StrategyEngine
from plutarc.strategy.template_catalog import load_template
from tests.helpers import real_bars


def test_the_template_is_built_as_designed():
    template = load_template("rsi_divergence")
    uses = {c.id: c for c in template.components}
    assert {"rsi_divergence_regular", "rsi_divergence_hidden"} <= set(uses)
    assert uses["rsi_divergence_regular"].interval == uses["rsi_divergence_hidden"].interval
    assert uses["rsi_divergence_regular"].interval == "1h"
    assert uses["choppiness_regime"].interval == "4h"
    assert uses["choppiness_regime"].params["mode"] == "range"
    assert uses["counter_trend_veto"].interval == "4h"
    assert uses["counter_trend_veto"].params["strength"] != "any"
    assert {"break_even_stop", "trailing_stop"} <= set(uses)
    assert not any("take_profit" in cid or "target" in cid for cid in uses)


def test_entries_only_while_the_4h_consolidates_and_no_hard_counter_trend():
    decisions = StrategyEngine(load_template("rsi_divergence"), 60_000).update(
        real_bars()).decisions
    keys = [slot.key for slot in decisions.slots]
    ci_row = keys.index("choppiness_regime")
    veto_row = keys.index("counter_trend_veto")
    entries = np.flatnonzero(decisions.allowed & (decisions.direction != 0))
    signals = np.flatnonzero(decisions.ready & (decisions.direction != 0))
    assert entries.size and entries.size < signals.size
    assert (decisions.values[ci_row, entries] >= 55.0).all()
    for i in entries:
        adx = decisions.values[veto_row, i]  # signed: the 4h trend's side times its ADX
        assert abs(adx) < 25.0 or np.sign(adx) == decisions.direction[i]
    reasons = [r for i in signals for r in decisions.blocked_by(int(i))]
    chop = [r for r in reasons if r.startswith("filter choppiness_regime: ")]
    assert chop and all(" < 55.0" in r for r in chop)
    kinds = {slot.key: slot.kind for slot in decisions.slots}
    assert kinds["counter_trend_veto"] is Kind.GUARD
