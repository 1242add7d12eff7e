"""The simulated venue: one matching engine per symbol, shared by paper trading and backtests."""

from plutarc.exchanges.sim.account import SimAccount
from plutarc.exchanges.sim.config import SimConfig
from plutarc.exchanges.sim.engine import SimMatchingEngine
from plutarc.exchanges.sim.funding import FundingPayment
from plutarc.exchanges.sim.venue import SimVenue

__all__ = [
    "FundingPayment",
    "SimAccount",
    "SimConfig",
    "SimMatchingEngine",
    "SimVenue",
]
