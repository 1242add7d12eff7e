"""The ccxt venues plutarc knows, by plutarc venue name (each profile lives in its folder)."""

from __future__ import annotations

from plutarc.errors import UsageError
from plutarc.exchanges.binance import PROFILE as BINANCE
from plutarc.exchanges.bybit import PROFILE as BYBIT
from plutarc.exchanges.ccxt.profile import CcxtProfile
from plutarc.exchanges.deribit import PROFILE as DERIBIT
from plutarc.exchanges.gemini import PROFILE as GEMINI
from plutarc.exchanges.kraken import PROFILE as KRAKEN
from plutarc.exchanges.kucoin import PROFILE as KUCOIN
from plutarc.exchanges.okx import PROFILE as OKX
from plutarc.exchanges.phemex import PROFILE as PHEMEX
from plutarc.exchanges.woox import PROFILE as WOOX

PROFILES: dict[str, CcxtProfile] = {p.name: p for p in (
    BINANCE, BYBIT, OKX, KRAKEN, KUCOIN, DERIBIT, GEMINI, PHEMEX, WOOX)}

SERVED: tuple[str, ...] = ("binance", "bybit", "okx", "deribit", "kraken", "kucoin",
                           "phemex", "woox", "gemini")
"""The venues bots and backtests may use: each passes the contract suite
(tests/exchanges/contract/, with BitMEX) against a local server of that venue. The
other profiles are capability records until theirs exist."""


def profile(name: str) -> CcxtProfile:
    found = PROFILES.get(name)
    if found is None:
        raise UsageError(f"no ccxt venue {name!r}; known: {', '.join(sorted(PROFILES))}")
    return found
