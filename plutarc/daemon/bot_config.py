"""What a bot is told to do: its identity fields, risk limits and hot-swappable configuration."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator

from plutarc.validation import MAX_AMOUNT, CheckedModel

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
SYMBOL_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,39}$")
VENUE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_SYMBOLS = 50

Mode = Literal["live", "testnet", "paper"]


class Strict(CheckedModel):
    """Unknown keys refused, frozen, numbers finite and never booleans."""


class RiskLimits(Strict):
    """Per-bot risk limits, checked by the risk gate before any order intent is journaled."""

    max_position_notional: Decimal | None = Field(
        None, gt=0, le=MAX_AMOUNT,
        description="Largest position per symbol in quote currency; null = no cap."
    )
    max_leverage: Decimal = Field(Decimal("3"), gt=0, le=100, description="Leverage cap (3).")
    max_daily_loss: Decimal | None = Field(
        None, gt=0, le=MAX_AMOUNT,
        description="Pause the bot after losing this much quote in a UTC day (off)."
    )
    max_open_orders: int = Field(10, ge=1, le=1000, description="Open orders at once (10).")
    max_orders_per_minute: int = Field(30, ge=1, le=6000, description="Order rate cap (30/min).")
    max_loss_per_trade: Decimal | None = Field(
        None, gt=0, le=MAX_AMOUNT,
        description="Largest loss one entry may risk in quote currency, stop "
        "distance x quantity; an entry with no planned stop is refused while set (off)."
    )
    price_band_bps: Decimal | None = Field(
        Decimal(1000), gt=0, le=10000, description="Never send a limit price further than this "
        "from the last price, in basis points (1000 = 10%); null = no band."
    )
    price_band_action: Literal["clamp", "block"] = Field(
        "clamp", description="An entry priced outside the band is moved to its edge (clamp) or "
        "refused (block); closing orders are always clamped, never refused."
    )


def check_name(value: str, what: str = "name") -> str:
    if not NAME_PATTERN.fullmatch(value):
        raise ValueError(
            f"{what} {value!r} must be 1-40 characters: lowercase letters, digits, '-' or '_', "
            "starting with a letter or digit"
        )
    return value


def check_symbols(symbols: tuple[str, ...]) -> tuple[str, ...]:
    if not symbols:
        raise ValueError("a bot needs at least one symbol")
    if len(symbols) > MAX_SYMBOLS:
        raise ValueError(f"a bot trades at most {MAX_SYMBOLS} symbols, got {len(symbols)}")
    for symbol in symbols:
        if not SYMBOL_PATTERN.fullmatch(symbol):
            raise ValueError(f"symbol {symbol!r} is not a valid symbol (letters, digits, ._:/-)")
    duplicates = sorted({s for s in symbols if symbols.count(s) > 1})
    if duplicates:
        raise ValueError(f"symbol listed twice: {', '.join(duplicates)}")
    return symbols


class BotSpec(Strict):
    """Everything needed to create a bot."""

    name: str = Field(description="Unique name, e.g. 'btc-trend'.")
    template: str = Field(description="Name of a stored template.")
    venue: str = Field(description="Venue name, e.g. 'sim', 'bitmex'.")
    mode: Mode = Field(description="live, testnet or paper.")
    account: str = Field("", max_length=64, description="Key/account label at the venue ('').")
    symbols: tuple[str, ...] = Field(description="Symbols traded, at least one.")
    risk: RiskLimits = Field(default_factory=RiskLimits, description="Risk limits (defaults).")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_name(value, "bot name")

    @field_validator("template")
    @classmethod
    def _template(cls, value: str) -> str:
        return check_name(value, "template name")

    @field_validator("venue")
    @classmethod
    def _venue(cls, value: str) -> str:
        if not VENUE_PATTERN.fullmatch(value):
            raise ValueError(f"venue {value!r} must be a lowercase identifier such as 'sim'")
        return value

    @field_validator("symbols")
    @classmethod
    def _symbols(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return check_symbols(value)


class BotConfig(Strict):
    """The hot part of a bot, as its worker sees it; replaced whole on every change."""

    version: int = Field(description="Increments on every accepted change.")
    template: str
    template_version: int
    template_toml: str
    symbols: tuple[str, ...]
    risk: RiskLimits


class ConfigPatch(Strict):
    """A change to a bot's hot configuration; fields left out stay as they are."""

    template: str | None = Field(None, description="Switch to another stored template.")
    symbols: tuple[str, ...] | None = Field(None, description="Replace the symbol list.")
    risk: RiskLimits | None = Field(None, description="Replace the risk limits (whole).")

    @field_validator("template")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        return None if value is None else check_name(value, "template name")

    @field_validator("symbols")
    @classmethod
    def _symbols(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if value is None else check_symbols(value)
