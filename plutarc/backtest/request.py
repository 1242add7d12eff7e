"""BacktestRequest and the checks on its dates: light enough for the daemon to import.

The daemon validates a request before it starts a backtest process; doing that must not
load pandas into the long-running daemon, so nothing here imports the backtest machinery.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import Field

from plutarc.errors import UsageError
from plutarc.exchanges.ccxt.venues import SERVED as CCXT_VENUES
from plutarc.risk.limits import RiskLimits
from plutarc.validation import MAX_AMOUNT, CheckedModel

VENUES_WITH_CANDLES = ("bitmex", *CCXT_VENUES)
"""Venues a backtest can fetch candles and the contract from."""
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class BacktestRequest(CheckedModel):
    template: str = Field(description="Template name or TOML path.")
    data: str | None = Field(None, description="Candle file (CSV, Parquet, Feather, JSON; gzip "
                                               "ok); or give venue and symbol.")
    venue: str | None = Field(None, description="Fetch candles and the contract from a venue.")
    venue_url: str | None = Field(None, description="The venue's REST base (e.g. a local "
                                                    "simulator); default its live endpoint.")
    symbol: str | None = Field(None, description="Symbol; default: from the file name.")
    start: str | None = Field(None, description="ISO date/time (UTC) or epoch ms.")
    end: str | None = Field(None, description="Exclusive end.")
    funding: str | None = Field(None, description="Funding-rate file (gravestone CSV, freqtrade "
                                                  "feather, ...): charged at its funding times "
                                                  "and given to strategies.")
    open_interest: str | None = Field(None, description="Open-interest file, given to "
                                                        "strategies.")
    interval: str | None = Field(None, description="Matching timeline interval (default: the "
                                                   "file's); finer resolves intrabar order.")
    fee_maker: float | None = Field(None, ge=-0.01, le=0.01)
    fee_taker: float | None = Field(None, ge=0.0, le=0.01)
    slippage_bps: float = Field(0.0, ge=0.0, le=500.0)
    starting_cash: float = Field(10_000.0, gt=0, le=MAX_AMOUNT)
    enforce_margin: bool = Field(True, description="False: no margin checks nor liquidation.")
    risk_limits: RiskLimits | None = Field(
        default_factory=RiskLimits, description="The risk gate every order passes, as in a bot "
        "(a bot's defaults unless given: max_leverage 3, ...); null: no gate.")


def to_ms(value: str | None, what: str) -> int:
    """Epoch ms from epoch ms or an ISO date/time; a time without a zone is UTC."""
    if value is None:
        raise UsageError(f"a venue backtest needs --{what}")
    if value.isdigit():
        return int(value)
    try:
        stamp = datetime.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"--{what}: not a date/time: {value!r}") from None
    stamp = stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)
    return (stamp - EPOCH) // timedelta(milliseconds=1)
