"""SimConfig: the sim venue's cost and risk rules (fees, slippage, volume, funding, margin)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class SimConfig(BaseModel):
    """How the simulated venue charges, slips, limits and margins fills. Frozen and strict."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fee_maker: Decimal | None = Field(
        None,
        ge=Decimal("-0.01"),
        le=Decimal("0.01"),
        description="Maker fee rate as a fraction (negative = rebate); None = the instrument's.",
    )
    fee_taker: Decimal | None = Field(
        None,
        ge=Decimal("-0.01"),
        le=Decimal("0.01"),
        description="Taker fee rate as a fraction; None = the instrument's.",
    )
    slippage_bps: float = Field(
        0.0,
        ge=0,
        le=1000,
        description="Taker fills move this many basis points against the order. Default 0.",
    )
    slippage_atr_fraction: float = Field(
        0.0,
        ge=0,
        le=10,
        description=(
            "Taker fills move this fraction of the ATR against the order; needs an ATR array "
            "from set_bars(..., atr=...). Excludes slippage_bps. Default 0."
        ),
    )
    max_volume_fraction: float | None = Field(
        None,
        gt=0,
        le=1,
        description=(
            "Our fills in one bar add up to at most this fraction of the bar's volume (bar "
            "volume is in base units, converted to contracts with the instrument's contract "
            "maths); the rest waits for later bars. None = unlimited (default)."
        ),
    )
    funding_rate_constant: float | None = Field(
        None,
        ge=-0.1,
        le=0.1,
        description=(
            "Funding rate per funding time (long pays a positive rate). None = no constant "
            "funding; a funding TimeSeries given to the engine is used instead, if any."
        ),
    )
    funding_interval_h: int = Field(
        8,
        ge=1,
        le=24,
        description="Hours between funding times, aligned to 00:00 UTC; must divide 24. Default 8.",
    )
    funding_offset_h: int = Field(
        0,
        ge=0,
        le=23,
        description="Hours after 00:00 UTC of the first funding time; less than the interval. "
        "0 (default): 00:00/08:00/16:00; BitMEX pays at 04:00/12:00/20:00 (4).",
    )
    trail_min_move: float = Field(
        0.0,
        ge=0,
        lt=0.1,
        description="A trailing stop follows a new best price only once the price has moved "
        "this fraction past the best it last followed (BitMEX: 0.001, 'only if the price moved "
        "by at least 0.1%'); 0 (default) = every new best.",
    )
    enforce_margin: bool = Field(
        True,
        description=(
            "Check margin when orders are placed and liquidate positions that cross their "
            "liquidation price. False: no margin checks, no liquidation, cash may go negative."
        ),
    )
    leverage: Decimal = Field(
        Decimal(1),
        gt=0,
        le=200,
        description="Isolated-margin leverage (at most the instrument's maximum). Default 1.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> SimConfig:
        if self.slippage_bps and self.slippage_atr_fraction:
            raise ValueError("choose slippage_bps or slippage_atr_fraction, not both")
        if 24 % self.funding_interval_h:
            raise ValueError(
                f"funding_interval_h={self.funding_interval_h} does not divide 24 hours; "
                "funding times must repeat daily from 00:00 UTC"
            )
        if self.funding_offset_h >= self.funding_interval_h:
            raise ValueError(
                f"funding_offset_h={self.funding_offset_h} must be less than "
                f"funding_interval_h={self.funding_interval_h}"
            )
        return self

    @property
    def funding_interval_ms(self) -> int:
        return self.funding_interval_h * 3_600_000
