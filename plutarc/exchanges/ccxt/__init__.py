"""The generic ccxt venue: ``CcxtVenue`` over a per-venue ``CcxtProfile``.

Importing this package does not import ccxt; the first use of a venue does.
"""

from plutarc.exchanges.ccxt.client import CcxtCredentials
from plutarc.exchanges.ccxt.profile import AmendStyle, CcxtProfile, ClockSource, MarketOrderStyle

__all__ = ["AmendStyle", "CcxtCredentials", "CcxtProfile", "ClockSource", "MarketOrderStyle",
           "CcxtVenue"]


def __getattr__(name: str):  # noqa: ANN202 - lazy: the adapter pulls in the order path
    if name == "CcxtVenue":
        from plutarc.exchanges.ccxt.adapter import CcxtVenue
        return CcxtVenue
    raise AttributeError(name)
