"""Settings: ``config.toml`` validated by pydantic, every field documented with its default."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from plutarc.errors import ConfigError, UsageError
from plutarc.untrusted import load_toml
from plutarc.validation import MAX_AMOUNT, CheckedModel, describe_validation_error


class Strict(CheckedModel):
    """Unknown keys refused, frozen, numbers finite and never booleans."""


class DaemonSettings(Strict):
    equity_snapshot_interval_s: int = Field(60, ge=5, le=86_400,
                                            description="Equity snapshot period.")
    heartbeat_interval_s: float = Field(5.0, gt=0, le=3600, description="Bot heartbeat period.")
    hung_after_s: float = Field(
        60.0, ge=0, le=86_400, description="A running bot silent this long (and for 3 "
        "heartbeat looks) is hung: ALERT, errored, restarted (60 s). Longer than the slowest "
        "venue call a worker waits on, so an order timeout is not a hang.")
    log_level: Literal["debug", "info", "warning", "error"] = Field("info")
    journal_fsync: bool = Field(
        False, description="fsync each order intent before sending it (survives power loss, "
        "adds the disk's fsync time to every order); off: the intent is in the OS before the "
        "order leaves, which survives any crash of the daemon, and the venue is asked by "
        "client id after a power loss.")
    max_connections: int = Field(
        256, ge=4, le=100_000, description="Open API connections at most (256); lowered to "
        "half the open-file limit. Over it, the oldest connection that has not sent a request "
        "yet makes room.")
    idle_timeout_s: float = Field(
        15.0, gt=0, le=3600, description="Close an API connection that has not sent a whole "
        "request this long after connecting or after its last answer (15 s).")
    log_max_bytes: int = Field(
        20 * 1024 * 1024, ge=64 * 1024, description="Rotate the daemon's log file at this "
        "size (20 MiB); under systemd the journal keeps the log instead.")
    log_backups: int = Field(5, ge=1, le=100, description="Rotated log files kept (5).")
    events_keep: int = Field(
        500_000, ge=1_000, description="Events kept in the journal, newest first (500,000); "
        "older ones are pruned in small batches every retention_interval_s.")
    decisions_keep_per_bot: int = Field(
        100_000, ge=1_000, description="Decisions kept per bot, newest first (100,000). "
        "Orders, fills, trades, positions, equity and the audit log are never pruned.")
    retention_interval_s: float = Field(60.0, ge=1, le=86_400,
                                        description="Pruning period (60 s).")
    data_dirs: tuple[Path, ...] = Field(
        (), description="Directories whose candle files API callers may name (backtest 'data', "
        "a paper bot's replay 'file'), besides the bundled data and <data dir>/data (none).")
    venue_urls: tuple[str, ...] = Field(
        (), description="REST bases, besides each venue's own live and testnet endpoints, that "
        "backtests and key tests may be pointed at, e.g. a local simulator (none). Read when "
        "used: adding one needs no restart.")


class BacktestSettings(Strict):
    starting_cash: float = Field(10_000.0, gt=0, le=MAX_AMOUNT,
                                 description="Starting equity in quote currency.")
    fee_maker: float = Field(0.0002, ge=-0.01, le=0.01, description="Maker fee as a fraction.")
    fee_taker: float = Field(0.00075, ge=0, le=0.01, description="Taker fee as a fraction.")
    slippage_bps: float = Field(0.0, ge=0, le=500, description="Market-order slippage in bps.")


class PromotionThresholds(Strict):
    """What a walk-forward's out-of-sample figures must reach for a template version to be
    marked validated. Defaults are a sceptic's: a handful of lucky out-of-sample trades, one
    good window or an in-sample edge that halves out of sample proves nothing."""

    min_oos_profit_factor: float = Field(1.3, ge=0, le=100, description="Pooled out-of-sample "
                                         "gross profit / gross loss, at least (1.3).")
    min_oos_trades: int = Field(30, ge=0, le=1_000_000, description="Out-of-sample trades over "
                                "all windows, at least (30).")
    min_oos_expectancy: float = Field(0.0, ge=-MAX_AMOUNT, le=MAX_AMOUNT, description="Out-of-"
                                      "sample net PnL per trade, at least (0: above nothing).")
    min_oos_net_pnl: float = Field(0.0, ge=-MAX_AMOUNT, le=MAX_AMOUNT, description="Out-of-"
                                   "sample net PnL over all windows, at least (0).")
    max_oos_drawdown_pct: float = Field(20.0, ge=0, le=100, description="Deepest drawdown of "
                                        "the stitched out-of-sample equity, % at most (20).")
    min_positive_windows: float = Field(0.6, ge=0, le=1, description="Share of windows whose "
                                        "out-of-sample net PnL is positive, at least (0.6); "
                                        "an unscored window counts as not positive.")
    max_degradation: float = Field(0.5, ge=0, le=10, description="In-sample to out-of-sample "
                                   "loss of expectancy per trade, 1 - OOS/IS, at most (0.5).")
    min_windows: int = Field(3, ge=1, le=10_000, description="Walk-forward windows, at least "
                             "(3): one window is one draw.")


class ResearchSettings(PromotionThresholds):
    """[research]: the promotion gate's thresholds, and what a live bot on an unvalidated
    template version gets."""

    require_validated: bool = Field(False, description="Refuse a live bot (bot create, bot "
                                    "update) on a template version not validated; off: warn "
                                    "(testnet and paper are never held).")


class Settings(Strict):
    """The whole settings file; every section is optional."""

    daemon: DaemonSettings = DaemonSettings()
    backtest: BacktestSettings = BacktestSettings()
    research: ResearchSettings = ResearchSettings()


def load_settings(path: Path) -> Settings:
    """Read and validate ``path``; defaults when the file does not exist."""
    if not path.exists():
        return Settings()
    try:
        raw = load_toml(path.read_text(), str(path))
    except UsageError as exc:
        raise ConfigError(str(exc)) from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError("; ".join(describe_validation_error(exc, Settings, str(path)))) from None
