"""Account-level risk (every bot on one venue account): daily target, drawdown, queue depth.

Pure: ``evaluate`` takes the limits, the last state and a fresh sample and returns the next
state plus what changed; the daemon applies the changes (pause or resume entries, alert).

The drawdown halt has hysteresis: entries stop at drawdown >= L and come back only once the
drawdown is <= L - H, so an account hovering around L does not flap on and off.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import Field, model_validator

from plutarc.validation import MAX_AMOUNT, CheckedModel

HUNDRED = Decimal(100)


class AccountLimits(CheckedModel):
    """Limits for all bots of one venue account; every one is off unless set."""

    currency: str | None = Field(
        None, min_length=1, max_length=16,
        description="Equity is counted in this currency; unset, the settlement currency of "
        "the account's bots (BTC for BitMEX's inverse contracts, USDT for linear ones).")
    daily_profit_target: Decimal | None = Field(
        None, gt=0, le=MAX_AMOUNT,
        description="Stop entering for the rest of the UTC day once the day's "
        "profit reaches this (off).")
    max_drawdown_pct: Decimal | None = Field(
        None, gt=0, lt=100, description="Halt entries at this drawdown from the peak, % (off).")
    drawdown_hysteresis_pct: Decimal = Field(
        Decimal(1), ge=0, lt=100,
        description="Re-enable entries only at max_drawdown_pct minus this (1).")
    max_pending_intents: int | None = Field(
        None, ge=1, le=1_000_000,
        description="Warn when more orders than this wait for the venue (off).")

    @model_validator(mode="after")
    def _hysteresis_below_limit(self) -> AccountLimits:
        if self.max_drawdown_pct is not None and (
                self.drawdown_hysteresis_pct >= self.max_drawdown_pct):
            raise ValueError(f"drawdown_hysteresis_pct {self.drawdown_hysteresis_pct} must be "
                             f"below max_drawdown_pct {self.max_drawdown_pct}")
        return self


class Change(StrEnum):
    DRAWDOWN_HALT = "drawdown_halt"
    DRAWDOWN_CLEAR = "drawdown_clear"
    TARGET_HALT = "target_halt"
    TARGET_CLEAR = "target_clear"  # a new UTC day
    QUEUE_WARN = "queue_warn"
    QUEUE_CLEAR = "queue_clear"


@dataclass(frozen=True, slots=True)
class AccountState:
    peak_equity: Decimal | None = None
    day: str = ""  # UTC date of day_start_equity, YYYY-MM-DD
    day_start_equity: Decimal | None = None
    drawdown_halted: bool = False
    target_halted: bool = False
    queue_warned: bool = False

    @property
    def entries_allowed(self) -> bool:
        return not (self.drawdown_halted or self.target_halted)

    def to_json(self) -> dict[str, object]:
        return {"peak_equity": _text(self.peak_equity), "day": self.day,
                "day_start_equity": _text(self.day_start_equity),
                "drawdown_halted": self.drawdown_halted, "target_halted": self.target_halted,
                "queue_warned": self.queue_warned}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> AccountState:
        return cls(_dec(data.get("peak_equity")), str(data.get("day", "")),
                   _dec(data.get("day_start_equity")), bool(data.get("drawdown_halted")),
                   bool(data.get("target_halted")), bool(data.get("queue_warned")))


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _dec(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def utc_day(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).strftime("%Y-%m-%d")


def drawdown_pct(peak: Decimal, equity: Decimal) -> Decimal:
    return Decimal(0) if peak <= 0 else (peak - equity) / peak * HUNDRED


def evaluate(limits: AccountLimits, state: AccountState, equity: Decimal, pending: int,
             now_ms: int) -> tuple[AccountState, list[Change]]:
    """The next state after one sample of account equity and pending order count."""
    changes: list[Change] = []
    day = utc_day(now_ms)
    if day != state.day:
        if state.target_halted:
            changes.append(Change.TARGET_CLEAR)
        state = replace(state, day=day, day_start_equity=equity, target_halted=False)
    peak = equity if state.peak_equity is None else max(state.peak_equity, equity)
    state = replace(state, peak_equity=peak)

    if limits.max_drawdown_pct is not None:
        dd = drawdown_pct(peak, equity)
        if not state.drawdown_halted and dd >= limits.max_drawdown_pct:
            state, changes = replace(state, drawdown_halted=True), [*changes, Change.DRAWDOWN_HALT]
        elif state.drawdown_halted and dd <= limits.max_drawdown_pct - (
                limits.drawdown_hysteresis_pct):
            state, changes = replace(state, drawdown_halted=False), [*changes,
                                                                     Change.DRAWDOWN_CLEAR]
    elif state.drawdown_halted:
        state, changes = replace(state, drawdown_halted=False), [*changes, Change.DRAWDOWN_CLEAR]

    target = limits.daily_profit_target
    start = state.day_start_equity
    if (target is not None and start is not None and not state.target_halted
            and equity - start >= target):
        state, changes = replace(state, target_halted=True), [*changes, Change.TARGET_HALT]

    cap = limits.max_pending_intents
    if cap is not None and not state.queue_warned and pending > cap:
        state, changes = replace(state, queue_warned=True), [*changes, Change.QUEUE_WARN]
    elif state.queue_warned and (cap is None or pending <= cap):
        state, changes = replace(state, queue_warned=False), [*changes, Change.QUEUE_CLEAR]
    return state, changes
