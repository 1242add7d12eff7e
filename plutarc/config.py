"""Settings: ``config.toml`` validated by pydantic, every field documented with its default."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from plutarc.errors import ConfigError
from plutarc.validation import describe_validation_error


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DaemonSettings(Strict):
    equity_snapshot_interval_s: int = Field(60, ge=5, description="Equity snapshot period.")
    heartbeat_interval_s: float = Field(5.0, gt=0, description="Bot heartbeat period.")
    log_level: Literal["debug", "info", "warning", "error"] = Field("info")
    journal_fsync: bool = Field(
        False, description="fsync each order intent before sending it (survives power loss, "
        "adds the disk's fsync time to every order); off: the intent is in the OS before the "
        "order leaves, which survives any crash of the daemon, and the venue is asked by "
        "client id after a power loss.")
    data_dirs: tuple[Path, ...] = Field(
        (), description="Directories whose candle files API callers may name (backtest 'data', "
        "a paper bot's replay 'file'), besides the bundled data and <data dir>/data (none).")
    venue_urls: tuple[str, ...] = Field(
        (), description="REST bases, besides each venue's own live and testnet endpoints, that "
        "backtests and key tests may be pointed at, e.g. a local simulator (none). Read when "
        "used: adding one needs no restart.")


class BacktestSettings(Strict):
    starting_cash: float = Field(10_000.0, gt=0, description="Starting equity in quote currency.")
    fee_maker: float = Field(0.0002, ge=-0.01, le=0.01, description="Maker fee as a fraction.")
    fee_taker: float = Field(0.00075, ge=0, le=0.01, description="Taker fee as a fraction.")
    slippage_bps: float = Field(0.0, ge=0, le=500, description="Market-order slippage in bps.")


class Settings(Strict):
    """The whole settings file; every section is optional."""

    daemon: DaemonSettings = DaemonSettings()
    backtest: BacktestSettings = BacktestSettings()


def load_settings(path: Path) -> Settings:
    """Read and validate ``path``; defaults when the file does not exist."""
    if not path.exists():
        return Settings()
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError("; ".join(describe_validation_error(exc, Settings, str(path)))) from None
