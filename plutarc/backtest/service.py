"""One backtest from a request: load data, run, measure, store. Used by the CLI and the daemon."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from plutarc.backtest.data import describe_gaps, load_candles
from plutarc.backtest.data.loader import LoadedCandles, read_raw, source_interval_ms
from plutarc.backtest.equity import equity_curve
from plutarc.backtest.instruments import generic_instrument
from plutarc.backtest.market_inputs import NO_FUNDING_NOTE, MarketInputs, load_inputs
from plutarc.backtest.metrics import Metrics, compute_metrics
from plutarc.backtest.regimes import classify_entries
from plutarc.backtest.request import BacktestRequest
from plutarc.backtest.runner import BacktestOutcome, BacktestRun
from plutarc.backtest.store import ResultsStore
from plutarc.backtest.venue_data import fetch_venue_candles, stored_series, venue_funding_file
from plutarc.errors import UsageError
from plutarc.exchanges.sim.config import SimConfig
from plutarc.intervals import interval_ms
from plutarc.models import Instrument, Trade
from plutarc.paths import resolve_paths
from plutarc.risk.gate import GateLimits
from plutarc.risk.limits import RiskLimits
from plutarc.strategy.engine import StrategyEngine
from plutarc.strategy.series import Bars
from plutarc.strategy.template import Template, template_to_toml
from plutarc.strategy.template_catalog import load_template
from plutarc.strategy.template_validation import validate_template


@dataclass
class BacktestResult:
    run_id: int
    outcome: BacktestOutcome
    metrics: Metrics
    duration_s: float
    notes: list[str]

    def summary(self) -> dict[str, Any]:
        o = self.outcome
        return {
            "id": self.run_id,
            "template": o.template.name,
            "symbol": o.instrument.symbol,
            "bars": len(o.bars) - o.start_index,
            "trades": len(o.trades) + (o.open_trade is not None),
            "open_position": self.metrics.open_position,
            "final_equity": float(o.final_equity),
            "duration_s": round(self.duration_s, 3),
            "metrics": self.metrics.to_dict(),
            "notes": self.notes,
        }


def _symbol_from(path: Path) -> str:
    stem = path.name.split(".")[0]
    for token in stem.replace("-", "_").split("_"):
        if token.upper().endswith(("USDT", "USD", "USDC", "BTC")) and len(token) > 4:
            return token.upper()
    return "BTCUSDT"


def _utc(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def refusal_summary(outcome: BacktestOutcome) -> tuple[dict[str, int], int | None, list[str]]:
    """Orders the venue refused, by kind; when the account was ruined (the first margin
    refusal after which no position opened again); and the notes that say so."""
    counts: dict[str, int] = {}
    for refusal in outcome.refusals:
        counts[refusal.kind] = counts.get(refusal.kind, 0) + 1
    margin = [r for r in outcome.refusals if r.kind == "margin"]
    last_entry = outcome.last_entry_ms
    ruined = next((r.ts_ms for r in margin if last_entry is None or r.ts_ms > last_entry), None)
    notes = []
    if margin:
        note = (f"{len(margin)} orders refused for margin (first at {_utc(margin[0].ts_ms)}: "
                f"{margin[0].message})")
        if ruined is not None:
            note += (f"; account ruined at {_utc(ruined)}: no position opened after it, "
                     f"final equity {outcome.final_equity:.2f}")
        notes.append(note)
    if counts.get("venue"):
        notes.append(f"{counts['venue']} orders refused by the venue")
    return counts, ruined, notes


def funding_note(inputs: MarketInputs, outcome: BacktestOutcome, source: str | None,
                 config: SimConfig) -> str:
    """Where the funding came from and what it came to, or that none was charged."""
    if inputs.funding is None:
        return NO_FUNDING_NOTE
    times = ", ".join(f"{h:02d}:00" for h in range(config.funding_offset_h, 24,
                                                 config.funding_interval_h))
    origin = inputs.origin or (Path(source).name if source else "the market-data store")
    said = (f"funding from {origin} charged at {times} UTC on the position "
            f"held: {outcome.funding_payments} payments, {outcome.funding_total:.6f} "
            f"{outcome.instrument.settle} paid (negative: received)")
    if outcome.funding_missing:
        said += (f"; {outcome.funding_missing} funding times in a position had no rate in the "
                 "series and were not charged")
    return said


def risk_note(limits: RiskLimits | None, refused: dict[str, int]) -> str:
    """The risk gate the run applied, and what it refused, in one line."""
    if limits is None:
        return "risk gate off: no bot risk limit applied"
    on = ", ".join(f"{k} {v}" for k, v in limits.model_dump(mode="json").items()
                   if v is not None)
    said = f"risk gate as a bot's: {on}"
    if refused:
        said += (f"; {sum(refused.values())} orders refused or cut (" +
                 ", ".join(f"{k} {n}" for k, n in sorted(refused.items())) + ")")
    return said


@dataclass
class Prepared:
    """A request's data, contract and venue settings, loaded once: a sweep runs many template
    variants over one Prepared (``execute``), exactly as ``run_request`` runs one."""

    request: BacktestRequest
    template: Template
    path: Path
    loaded: LoadedCandles
    symbol: str
    inst: Instrument
    inputs: MarketInputs
    config: SimConfig
    cash: Decimal
    limits: RiskLimits | None


@dataclass
class Executed:
    """One template run over a Prepared, measured: what ``run_request`` stores."""

    template: Template
    outcome: BacktestOutcome
    metrics: Metrics
    window: Bars
    equity: np.ndarray
    trades: list[Trade]
    regimes: list[tuple[str, str]]
    notes: list[str]


def prepare(request: BacktestRequest, warmup_bars: int | None = None) -> Prepared:
    """Load what ``request`` names. ``warmup_bars`` overrides the template's own warm-up (a
    sweep loads the largest warm-up of its variants so that all score the same window)."""
    template = load_template(request.template)
    resolved = validate_template(template)
    venue_inst = None
    if request.venue:
        if not request.symbol:
            raise UsageError("a venue backtest needs --symbol")
        warmup = StrategyEngine(template, 60_000, resolved).warmup_base_bars
        path, venue_inst = fetch_venue_candles(
            request.venue, request.venue_url, request.symbol, request.start, request.end,
            max(warmup, warmup_bars or 0) * 60_000, resolve_paths().data_dir / "cache" / "venue")
    elif request.data:
        path = Path(request.data)
    else:
        raise UsageError("give the candles with --data FILE, or --venue V --symbol S")
    raw = read_raw(path)  # once: the warm-up below needs the file's interval first
    if warmup_bars is None:
        base_ms = (source_interval_ms(raw, path) if request.interval is None
                   else interval_ms(request.interval))
        warmup_bars = StrategyEngine(template, base_ms, resolved).warmup_base_bars
    loaded = load_candles(path, interval=request.interval, start=request.start, end=request.end,
                          warmup_bars=warmup_bars, raw=raw)
    if len(loaded.bars) - loaded.warmup_start_index <= 0:
        raise UsageError(f"{path}: no bars in the requested range")
    symbol = request.symbol or _symbol_from(path)
    inst = venue_inst or generic_instrument(
        symbol,
        fee_maker=request.fee_maker if request.fee_maker is not None else 0.0002,
        fee_taker=request.fee_taker if request.fee_taker is not None else 0.00075)
    funding, oi = request.funding, request.open_interest
    if request.venue and request.symbol:  # series downloaded with 'plutarc data download'
        cache = resolve_paths().data_dir / "cache" / "venue"
        funding = funding or stored_series(request.venue, request.symbol, "funding",
                                           request.start, request.end, cache)
        oi = oi or stored_series(request.venue, request.symbol, "oi", request.start,
                                 request.end, cache)
        fetched = venue_funding_file(path)  # fetched with the candles, when not stored
        funding = funding or (str(fetched) if fetched.exists() else None)
    origin = (Path(request.funding).name if request.funding else
              f"{request.venue} (fetched with the candles)" if funding and
              Path(funding) == venue_funding_file(path) else "the market-data store")
    inputs = dataclasses.replace(load_inputs(funding, oi), origin=origin)
    config = inputs.sim_config(SimConfig(slippage_bps=request.slippage_bps,
                                         enforce_margin=request.enforce_margin))
    limits = request.risk_limits
    if limits is not None and limits.max_daily_loss is not None:
        raise UsageError("risk limit max_daily_loss: backtests do not model the daily-loss "
                         "pause yet; leave it unset")
    return Prepared(request, template, path, loaded, symbol, inst, inputs, config,
                    Decimal(repr(request.starting_cash)), limits)


def execute(prep: Prepared, template: Template | None = None,
            progress: Callable[[int, int], None] | None = None) -> Executed:
    """Run ``template`` (default: the request's) over the prepared data and measure it."""
    template = template or prep.template
    loaded, inst, cash, limits = prep.loaded, prep.inst, prep.cash, prep.limits
    bars = loaded.bars
    notes = list(loaded.notes)
    if loaded.gaps:
        notes.append(describe_gaps(loaded.gaps))
    run = BacktestRun(template, bars, inst, prep.config, cash,
                      start_index=loaded.warmup_start_index, ctx=prep.inputs.context(),
                      funding=prep.inputs.charged,
                      progress=progress, risk=GateLimits.from_risk(limits) if limits else None)
    outcome = run.run()
    start = loaded.warmup_start_index
    window = bars.slice(start, len(bars))
    open_trade = run.policy.tracker.open
    marker = None
    if open_trade is not None:
        marker = (open_trade.entry_ts_ms, open_trade.direction.sign, float(open_trade.qty),
                  float(open_trade.entry_price), float(open_trade.fees))
    equity = equity_curve(window, outcome.trades, inst, float(cash), marker)
    trades = outcome.trades + ([outcome.open_trade] if outcome.open_trade else [])
    regimes = classify_entries(bars, trades, template.trigger_interval)
    skip = outcome.decisions.skip_counts()
    for reasons in outcome.overrides.values():
        for reason in reasons:
            key = reason.split(":")[0]
            skip[key] = skip.get(key, 0) + 1
    end_ms = int(window.ts_ms[-1]) + bars.interval_ms
    in_pos = sum(min(t.exit_ts_ms, end_ms) - max(t.entry_ts_ms, int(window.ts_ms[0]))
                 for t in trades) // bars.interval_ms
    metrics = compute_metrics(trades, equity, window.ts_ms, float(cash),
                              float(outcome.fees_total), float(outcome.funding_total),
                              int(in_pos), skip, regimes)
    metrics.orders_refused, metrics.ruined_at_ms, refusal_notes = refusal_summary(outcome)
    notes += refusal_notes
    metrics.funding_payments = outcome.funding_payments
    metrics.funding_note = funding_note(prep.inputs, outcome, prep.request.funding, prep.config)
    notes.append(metrics.funding_note)
    notes += prep.inputs.notes() if prep.inputs.funding is not None else []
    metrics.risk_limits = None if limits is None else limits.model_dump(mode="json")
    metrics.risk_refusals = dict(outcome.risk_refusals)
    notes.append(risk_note(limits, outcome.risk_refusals))
    return Executed(template, outcome, metrics, window, equity, trades, regimes, notes)


def run_request(request: BacktestRequest, store: ResultsStore,
                progress: Callable[[int, int], None] | None = None) -> BacktestResult:
    started = time.perf_counter()
    prep = prepare(request)
    done = execute(prep, progress=progress)
    template, outcome, window, equity = done.template, done.outcome, done.window, done.equity
    duration = time.perf_counter() - started
    step = max(1, len(equity) // 4000)
    dec = outcome.decisions
    run_id = store.save(
        {"template_name": template.name, "template_toml": template_to_toml(template),
         "symbol": prep.symbol, "data_source": str(prep.path.resolve()),
         "data_fingerprint": prep.loaded.fingerprint,
         "interval": f"{prep.loaded.bars.interval_ms // 60_000}m",
         "start_ms": int(window.ts_ms[0]),
         "end_ms": int(window.ts_ms[-1]) + prep.loaded.bars.interval_ms, "bars": len(window),
         "settings": request.model_dump(mode="json"), "starting_cash": prep.cash,
         "final_equity": outcome.final_equity, "metrics": done.metrics.to_dict(),
         "duration_s": duration},
        done.trades, done.regimes,
        {"equity": {"ts_ms": window.ts_ms[::step], "equity": equity[::step]},
         "price": {"ts_ms": window.ts_ms[::step], "close": window.close[::step]},
         "decisions": {"ts_ms": dec.ts_ms, "score": dec.score.astype(np.float32),
                       "direction": dec.direction, "allowed": dec.allowed,
                       "acted": outcome.actions}})
    return BacktestResult(run_id, outcome, done.metrics, duration, done.notes)
