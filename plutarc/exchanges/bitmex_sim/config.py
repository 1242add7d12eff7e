"""Settings of the local BitMEX server: where it listens, whose keys it knows, what it replays.

Behaviours the fact sheet leaves unverified ([U]) are settings with a stated default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from plutarc.exchanges.sim import SimConfig

BUNDLED_BTC_1M = Path(__file__).resolve().parents[2] / "data" / "BTCUSDT-1m-2024-01-01_14d.csv.gz"
RECORDED_INSTRUMENTS = Path(__file__).resolve().parent / "data" / "instruments_active.json"

# The key pair of BitMEX's own signing example (bitmex.com/app/apiKeysUsage): public, so
# harmless as the simulator's default account.
EXAMPLE_API_KEY = "LAqUlngMIQkIUjXMUreyu3qn"
EXAMPLE_API_SECRET = "chNOOS4KvNXR_Xq4k4c9qsfoKWvnDecLATCRlcBwyKDYnWgO"


class SimServerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = Field("127.0.0.1", description="Listen address (local only by default).")
    port: int = Field(0, ge=0, le=65535, description="Port; 0 picks a free one.")
    api_keys: dict[str, str] = Field(
        default_factory=lambda: {EXAMPLE_API_KEY: EXAMPLE_API_SECRET},
        description="Known API key ids and their secrets.",
    )
    account_id: int = Field(100001, description="The account number rows carry.")
    starting_balances: dict[str, int] = Field(
        default_factory=lambda: {"XBt": 100_000_000, "USDt": 100_000_000_000},
        description="Wallet per wire currency in minor units (1 XBT; 100,000 USDT).",
    )
    instruments_file: Path = Field(RECORDED_INSTRUMENTS, description="Recorded /instrument rows.")
    replay: dict[str, Path] = Field(
        default_factory=lambda: {"XBTUSD": BUNDLED_BTC_1M},
        description="Venue symbol -> Binance Vision 1m candle file driving its trades. All "
        "files must share timestamps (one replay clock).",
    )
    warmup_bars: int = Field(
        2880, ge=1, description="1m bars already closed when the server starts (history)."
    )
    bars_per_second: float = Field(
        0.0, ge=0, description="Replay speed in 1m bars per wall second; 0 = only on request."
    )
    engine: SimConfig = Field(
        default_factory=lambda: SimConfig(leverage=10, funding_rate_constant=0.0001,
                                          funding_offset_h=4, trail_min_move=0.001),
        description="Fees, slippage, margin and funding rules of the matching engine "
        "(funding at 04:00, 12:00 and 20:00 UTC, as BitMEX pays it; trailing stops move at "
        "most once per 1m bar, so at most once per second, and only by 0.1% or more).",
    )

    expires_max_ahead_s: int = Field(
        86_400, ge=1, description="Reject api-expires further ahead than this. [U] no doc'd cap."
    )
    expired_status: Literal[400, 401] = Field(
        400, description="HTTP status of an expired request. [U] 400 per sample-market-maker#179."
    )
    count_max: int = Field(1000, ge=1, description="Largest table count; above it -> 400. [U]")
    rate_limit_per_minute: int = Field(120, ge=1, description="Authenticated token bucket.")
    rate_limit_unauth_per_minute: int = Field(30, ge=1, description="Unauthenticated bucket.")
    order_limit_per_second: int = Field(10, ge=1, description="Second layer on order routes.")
    ban_after_429s: int = Field(
        0, ge=0, description="403 ban after this many 429s in a minute (0 = never)."
    )
    hang_s: float = Field(30.0, gt=0, description="How long a 'timeout after accept' hangs.")
