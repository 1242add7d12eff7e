"""What the risk gate sees of a sim venue and a bot's policy: one view for paper and backtest.

A paper bot and a backtest of the same template must put the same questions to the gate, so
both build the gate's MarketView here, from the sim engine's state at the moment of the check.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import TYPE_CHECKING

from plutarc.models import OrderRequest
from plutarc.risk.gate import MarketView
from plutarc.risk.gate_events import closing_qty, exit_on_its_way

if TYPE_CHECKING:
    from plutarc.exchanges.sim.engine import SimMatchingEngine
    from plutarc.strategy.policy import PositionPolicy


def sim_market_view(sim: SimMatchingEngine, policy: PositionPolicy | None,
                    request: OrderRequest) -> MarketView:
    """The position, open orders, mark, equity, the stop an entry would get, and how much of
    the position exits on their way close already."""
    position = sim.position.qty
    exiting = closing_qty(position, ((w.request, w.remaining) for w in sim.open.values()))
    planned = None
    if policy is not None:
        exiting = max(exiting, exit_on_its_way(policy))
        if sim.mark_f is not None:
            level = policy.planned_stop(request.side.sign, sim.mark_f)
            planned = None if math.isnan(level) else Decimal(repr(level))
    return MarketView(position, len(sim.open), sim.mark(), sim.account.equity(sim.settle),
                      planned, closing_qty=exiting)
