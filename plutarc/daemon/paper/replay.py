"""Replay settings of a paper bot and the merged candle timeline it replays."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from plutarc.backtest.market_inputs import MarketInputs, load_inputs
from plutarc.daemon.replay_spec import ReplaySpec
from plutarc.errors import ConfigError
from plutarc.strategy.series import Bars

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
DEFAULT_FILES = {
    "BTCUSDT": DATA_DIR / "BTCUSDT-1m-2024-01-01_14d.csv.gz",
    "ETHUSDT": DATA_DIR / "ETHUSDT_1m_2024-05_14d.csv.gz",
}
KEYS = ("speed", "file", "bars", "funding", "oi")


@dataclass(frozen=True, slots=True)
class ReplaySettings:
    """How a paper bot on the sim venue replays candles (from the bot's ``replay`` fields,
    plutarc.daemon.replay_spec): ``speed`` is a multiple of real time (math.inf: as fast as the
    machine goes); ``file`` a candle file for a one-symbol bot (default: the bundled real data
    for BTCUSDT and ETHUSDT); ``bars`` replays only the first N candles of each file;
    ``funding`` and ``oi`` name a funding-rate and an open-interest file for a one-symbol bot:
    funding is charged and both reach the strategy, exactly as ``backtest run --funding --oi``.
    """

    speed: float = 60.0  # math.inf = max
    file: Path | None = None
    bars: int | None = None
    funding: Path | None = None
    oi: Path | None = None

    @classmethod
    def from_spec(cls, spec: ReplaySpec | None) -> ReplaySettings:
        spec = spec or ReplaySpec()

        def path(text: str | None) -> Path | None:
            return Path(text).expanduser() if text else None

        return cls(spec.speed_multiple, path(spec.file), spec.bars, path(spec.funding),
                   path(spec.oi))

    @classmethod
    def parse(cls, label: str) -> ReplaySettings:
        """The old account-label form, ``speed=60;bars=5760;file=/data/btc.csv.gz``."""
        try:
            return cls.from_spec(ReplaySpec.from_label(label))
        except ValueError as exc:
            raise ConfigError(_first_message(exc)) from None

    def series_files(self, symbols: tuple[str, ...]) -> tuple[Path | None, Path | None]:
        """The funding and open-interest files, checked against what the owner allows."""
        if self.funding is None and self.oi is None:
            return None, None
        if len(symbols) > 1:
            raise ConfigError("funding=... and oi=... name one symbol's series: give a "
                              "one-symbol bot")
        from plutarc.access.allowlist import allowed_data_file

        return (allowed_data_file(self.funding, "funding file") if self.funding else None,
                allowed_data_file(self.oi, "open-interest file") if self.oi else None)

    def file_for(self, symbol: str, symbols: tuple[str, ...]) -> Path:
        if self.file is not None:
            if len(symbols) > 1:
                raise ConfigError("file=... names one candle file: give a one-symbol bot")
            from plutarc.access.allowlist import allowed_data_file

            # the label comes from an API caller: only directories the owner allows
            return allowed_data_file(self.file, "replay file")
        if symbol not in DEFAULT_FILES:
            raise ConfigError(f"no bundled candles for {symbol!r} (bundled: "
                              f"{', '.join(DEFAULT_FILES)}): give file=<candle file>")
        return DEFAULT_FILES[symbol]


def check_replay(spec: ReplaySpec | None, symbols: tuple[str, ...]) -> ReplaySettings:
    """The replay settings of a new sim bot, refused before the bot exists when they are
    wrong or name a candle file that is not there."""
    settings = ReplaySettings.from_spec(spec)
    for symbol in symbols:
        path = settings.file_for(symbol, symbols)
        if not path.is_file():
            raise ConfigError(f"replay file {path} for {symbol} does not exist")
    for path in settings.series_files(symbols):
        if path is not None and not path.is_file():
            raise ConfigError(f"replay series file {path} does not exist")
    return settings


def load_replay_inputs(settings: ReplaySettings, symbols: tuple[str, ...]
                       ) -> dict[str, MarketInputs]:
    """Each symbol's funding and open-interest series (empty unless the label names them)."""
    funding, oi = settings.series_files(symbols)
    inputs = load_inputs(funding, oi)
    return {symbol: inputs for symbol in symbols}


def replay_spec(speed: str | None, file: Path | None, bars: int | None,
                funding: Path | None = None, oi: Path | None = None) -> ReplaySpec:
    """A sim bot's replay fields from its ``bot create --replay-*`` options; files become
    absolute paths (a bare name is kept: it is looked up in the allowed data directories)."""
    def where(path: Path | None) -> str | None:
        if path is None:
            return None
        return str(path) if path.name == str(path) else str(path.expanduser().resolve())

    values = {"speed": speed, "file": where(file), "bars": bars, "funding": where(funding),
              "oi": where(oi)}
    try:
        return ReplaySpec.model_validate({k: v for k, v in values.items() if v is not None})
    except ValueError as exc:
        raise ConfigError(_first_message(exc)) from None


def _first_message(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        message = str(first.get("msg", exc)).removeprefix("Value error, ")
        return f"replay {where}: {message}" if where else message
    return str(exc)


def _speed(text: str) -> float:
    if text == "max":
        return math.inf
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 < value <= 1_000_000):
        raise ConfigError(f"replay speed {text!r} must be 'max' or a multiple of real time "
                          "above 0 (e.g. 60)")
    return value


def _bars(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"bars={text!r} must be a positive whole number of candles")
    return int(text)


async def load_replay_bars(settings: ReplaySettings, symbols: tuple[str, ...]) -> dict[str, Bars]:
    """Each symbol's candles; all must share one interval. Files are parsed once, by a child
    process, into the data cache; the daemon itself only ever reads the cache."""
    from plutarc.backtest.data import load_candles
    from plutarc.backtest.data.cache import default_cache_dir, prepare_dir
    from plutarc.backtest.data.prewarm import ensure_cached

    files = {}
    for symbol in symbols:
        path = settings.file_for(symbol, symbols)
        if not path.exists():
            raise ConfigError(f"replay file {path} for {symbol} does not exist")
        files[symbol] = path
    cache_dir = prepare_dir(default_cache_dir())
    await ensure_cached(list(files.values()), cache_dir)
    out: dict[str, Bars] = {}
    for symbol, path in files.items():
        bars = load_candles(path, cache_dir=cache_dir).bars
        out[symbol] = bars if settings.bars is None else bars.slice(0, settings.bars)
    intervals = {b.interval_ms for b in out.values()}
    if len(intervals) != 1:
        raise ConfigError("the replay files of one bot must share one candle interval")
    return out


def timeline(bars: dict[str, Bars]) -> np.ndarray:
    """Every candle open time of any symbol, ascending: the replay steps through these."""
    return np.unique(np.concatenate([b.ts_ms for b in bars.values()]))
