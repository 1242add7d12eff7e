"""BitMEX adapter settings: endpoints, timeouts, retry and watchdog policy, unverified defaults.

Items the fact sheet marks unverified ([U] in /work/shared/venues/bitmex.md) are settings here,
each with the default we chose and why, so nothing venue-specific is guessed silently in code.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

LIVE_REST = "https://www.bitmex.com/api/v1"
LIVE_WS = "wss://ws.bitmex.com/realtime"
TESTNET_REST = "https://testnet.bitmex.com/api/v1"
TESTNET_WS = "wss://ws.testnet.bitmex.com/realtime"

# Wire currency code -> (our currency code, minor units per major unit). XBt and USDt are
# verified; Gwei follows ccxt/hummingbot. Anything else fails loudly until configured.
DEFAULT_CURRENCIES: dict[str, tuple[str, int]] = {
    "XBt": ("BTC", 100_000_000),
    "XBT": ("BTC", 100_000_000),  # seen in some fixtures' settlCurrency
    "USDt": ("USDT", 1_000_000),
    "Gwei": ("ETH", 1_000_000_000),
}


class BitmexConfig(BaseModel):
    """How the adapter talks to BitMEX. Defaults are for the live venue."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    testnet: bool = Field(False, description="Use the testnet endpoints.")
    rest_url: str | None = Field(None, description="Override the REST base (ends in /api/v1).")
    ws_url: str | None = Field(None, description="Override the websocket URL (ends in /realtime).")

    expires_window_s: int = Field(
        10, ge=1, le=3600, description="api-expires = now + this. [U] no documented maximum."
    )
    request_timeout_s: float = Field(10.0, gt=0, description="Timeout of one REST request.")
    order_timeout_s: float = Field(
        10.0, gt=0, description="Timeout of an order placement before we look it up by clOrdID."
    )
    lookup_attempts: int = Field(
        3, ge=1, description="Lookups by clOrdID after a placement timeout before giving up."
    )
    lookup_interval_s: float = Field(0.5, ge=0, description="Pause between those lookups.")
    max_retries: int = Field(4, ge=0, description="Retries of an idempotent request.")
    backoff_initial_s: float = Field(0.5, gt=0, description="First retry pause; doubles.")
    backoff_max_s: float = Field(30.0, gt=0, description="Longest retry pause.")
    overload_backoff_s: float = Field(
        0.5, ge=0, description="Minimum pause after a 503 overload (BitMEX asks for >= 500 ms)."
    )
    rate_limit_reserve: int = Field(
        0, ge=0, description="Tokens entries and reads leave in the bucket for cancels, Close "
        "orders and stops (at least ratelimit.PRIORITY_RESERVE = 2); they wait for the next "
        "token above it, never for x-ratelimit-reset.",
    )

    page_size: int = Field(1000, ge=1, le=1000, description="Rows per table request (max 1000).")
    bucket_page_size: int = Field(
        500, ge=1, le=1000, description="Rows per /trade/bucketed request. [U] 500 vs 1000."
    )
    stop_trigger: Literal["LastPrice", "MarkPrice", "IndexPrice"] = Field(
        "LastPrice",
        description="Trigger reference sent on every stop. [U] the venue default is disputed "
        "(swagger MarkPrice, nautilus LastPrice), so we always send it; LastPrice matches "
        "our backtests, which trigger on traded candles.",
    )
    fill_exec_types: tuple[str, ...] = Field(
        ("Trade", "Liquidation", "Bankruptcy"),
        description="execType values that are fills: trades, and the liquidation engine "
        "closing a position (Liquidation, Bankruptcy), which move the position like any trade.",
    )
    instrument_types: tuple[str, ...] = Field(
        ("FFWCSX", "FFWCSF", "FFCCSX"),
        description="Instrument typ codes we trade: perpetuals and futures.",
    )
    currencies: dict[str, tuple[str, int]] = Field(
        default_factory=lambda: dict(DEFAULT_CURRENCIES),
        description="Wire currency -> (our code, minor units per unit).",
    )

    ws_reconnect_initial_s: float = Field(1.0, gt=0, description="First reconnect pause.")
    ws_reconnect_max_s: float = Field(60.0, gt=0, description="Longest reconnect pause.")
    ws_ping_idle_s: float = Field(
        5.0, gt=0, description="Send a text ping after this much silence. [U] docs suggest 5 s."
    )
    ws_pong_timeout_s: float = Field(
        5.0, gt=0, description="Replace the socket when no pong comes back within this."
    )
    ws_open_timeout_s: float = Field(10.0, gt=0, description="Connect + auth + subscribe budget.")
    watchdog_max_age_s: dict[str, float] = Field(
        default_factory=lambda: {
            "tradeBin1m": 90.0,
            "tradeBin5m": 330.0,
            "tradeBin1h": 3630.0,
            "tradeBin1d": 86430.0,
            "instrument": 60.0,
        },
        description="Per topic: replace the socket when its newest message is older than this. "
        "Topics not listed (private tables, quiet by nature) rely on the ping/pong heartbeat.",
    )
    watchdog_check_s: float = Field(1.0, gt=0, description="How often the watchdog looks.")
    rest_fallback_poll_s: float = Field(
        5.0, gt=0, description="While a socket is down, poll REST this often for what it misses."
    )

    dead_man_switch: bool = Field(True, description="Keep cancelAllAfter armed while running.")
    dead_man_timeout_ms: int = Field(60_000, ge=1000, description="cancelAllAfter timeout.")
    dead_man_refresh_s: float = Field(15.0, gt=0, description="Re-arm period.")

    instrument_refresh_s: float = Field(
        900.0, ge=0, description="Reload /instrument/active this often while running (tick, "
        "lot, fees and risk limits change; working orders are re-rounded). 0 = never.")

    latency_window: int = Field(1024, ge=16, description="Samples kept per latency statistic.")
    table_max_rows: int = Field(2000, ge=10, description="Rows kept per keyed websocket table.")

    @property
    def rest_base(self) -> str:
        if self.rest_url:
            return self.rest_url.rstrip("/")
        return TESTNET_REST if self.testnet else LIVE_REST

    @property
    def ws_base(self) -> str:
        if self.ws_url:
            return self.ws_url
        return TESTNET_WS if self.testnet else LIVE_WS
