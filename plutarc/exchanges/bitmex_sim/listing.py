"""One replayed symbol of the simulator: its recorded row, our Instrument, bars and engine."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from plutarc.exchanges.bitmex.parse_market import instrument_from_wire
from plutarc.exchanges.bitmex.schemas import WireInstrument
from plutarc.exchanges.bitmex_sim.config import SimServerConfig
from plutarc.exchanges.bitmex_sim.market import ReplayMarket
from plutarc.exchanges.sim import SimAccount, SimMatchingEngine
from plutarc.models import Candle, Instrument


class Listing:
    """One replayed symbol: its recorded row, our Instrument, its bars and its engine."""

    def __init__(self, row: dict[str, Any], inst: Instrument, market: ReplayMarket,
                 engine: SimMatchingEngine) -> None:
        self.row = row
        self.inst = inst
        self.market = market
        self.engine = engine
        self.fees = Decimal(0)
        self.cross = False
        self.funding_seen = 0


def engine_candle(market: ReplayMarket, i: int) -> Candle:
    """Bar ``i`` as the engine meters fills: volume in base units like every venue's candles
    (the engine converts it to contracts), high/low widened by the one OHLC rule."""
    return market.candle(i)


def make_listing(row: dict[str, Any], path: Path, config: SimServerConfig, account: SimAccount,
                 currencies: dict[str, tuple[str, int]]) -> Listing:
    """A listing whose engine has already seen the warm-up bars."""
    inst = instrument_from_wire(WireInstrument.of(row), currencies)
    market = ReplayMarket(path, config.warmup_bars)
    engine = SimMatchingEngine(inst, config.engine, account)
    for i in range(market.cursor):
        engine.append_bar(engine_candle(market, i))
        engine.process_bar(i)
    return Listing(row, inst, market, engine)
