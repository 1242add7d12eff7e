"""What a bot is told to do: its identity fields, risk limits and hot-swappable configuration."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from plutarc.daemon.replay_spec import ReplaySpec, looks_like_label
from plutarc.risk.limits import RiskLimits
from plutarc.validation import CheckedModel, check_name

SYMBOL_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,39}$")
VENUE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_SYMBOLS = 50

Mode = Literal["live", "testnet", "paper"]
MarginMode = Literal["cross", "isolated"]


class Strict(CheckedModel):
    """Unknown keys refused, frozen, numbers finite and never booleans."""




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
    margin_mode: MarginMode | None = Field(
        None, description="cross or isolated margin, set at the venue at start (left out: the "
        "venue's own setting is kept).")
    replay: ReplaySpec | None = Field(
        None, description="A sim paper bot's replay: speed, candle file, bars, funding and "
        "open-interest files (left out: the bundled candles at 60x).")

    @model_validator(mode="before")
    @classmethod
    def _replay_from_account_label(cls, data: object) -> object:
        """Older clients sent the replay as the account label ('speed=60;bars=100')."""
        if not (isinstance(data, dict) and isinstance(data.get("account"), str)
                and looks_like_label(data["account"])):
            return data
        if data.get("replay") is not None:
            raise ValueError("give the replay as replay settings (--replay-* options) or as "
                             "the old account label, not both")
        return {**data, "replay": ReplaySpec.from_label(data["account"]), "account": ""}

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
    margin_mode: MarginMode | None = None  # None: the venue's own setting is kept


class ConfigPatch(Strict):
    """A change to a bot's hot configuration; fields left out stay as they are."""

    template: str | None = Field(None, description="Switch to another stored template.")
    symbols: tuple[str, ...] | None = Field(None, description="Replace the symbol list.")
    risk: RiskLimits | None = Field(None, description="Replace the risk limits (whole).")
    margin_mode: MarginMode | None = Field(
        None, description="cross or isolated; changed only while the bot is flat.")

    @field_validator("template")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        return None if value is None else check_name(value, "template name")

    @field_validator("symbols")
    @classmethod
    def _symbols(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if value is None else check_symbols(value)
