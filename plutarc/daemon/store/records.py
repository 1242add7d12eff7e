"""Typed rows of the daemon store; the API serves these same models (money as Decimal strings)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from plutarc.daemon.bot_config import Mode, RiskLimits
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.replay_spec import ReplaySpec
from plutarc.models.enums import Direction, Liquidity, OrderStatus, OrderType, Side, TimeInForce
from plutarc.models.events import EventKind, Severity


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BotRecord(Record):
    id: str
    name: str
    template: str
    venue: str
    account: str
    mode: Mode
    symbols: tuple[str, ...]
    risk: RiskLimits
    state: BotState
    state_reason: str
    plutarc_version: str
    created_ms: int
    updated_ms: int
    last_heartbeat_ms: int | None
    config_version: int
    needs_operator: str | None = None  # why a final error paused it; cleared by an operator
    template_version: int | None = None  # the pinned version; None: the latest (older rows)
    margin_mode: str | None = None  # cross or isolated at the venue; None: the venue's own
    replay: ReplaySpec | None = None  # a sim paper bot's replay settings


class TemplateRecord(Record):
    name: str
    toml: str
    version: int
    updated_ms: int


class OrderRecord(Record):
    """One order intent and what became of it: journaled, sent, acknowledged, filled ..."""

    client_id: str
    bot_id: str
    symbol: str
    side: Side
    type: OrderType
    qty: Decimal
    price: Decimal | None
    stop_price: Decimal | None
    trail_offset: Decimal | None
    reduce_only: bool
    post_only: bool
    time_in_force: TimeInForce
    status: OrderStatus
    venue_id: str | None
    filled_qty: Decimal
    avg_price: Decimal | None
    journaled_ms: int
    sent_ms: int | None
    acked_ms: int | None
    updated_ms: int
    tag: str
    reason: str


class FillRecord(Record):
    fill_id: str
    client_id: str
    bot_id: str
    venue_order_id: str
    symbol: str
    side: Side
    qty: Decimal
    price: Decimal
    fee: Decimal
    fee_currency: str
    liquidity: Liquidity
    ts_ms: int
    tag: str


class TradeRecord(Record):
    id: int
    bot_id: str
    symbol: str
    direction: Direction
    qty: Decimal
    entry_ts_ms: int
    entry_price: Decimal
    exit_ts_ms: int
    exit_price: Decimal
    gross_pnl: Decimal
    fees: Decimal
    funding: Decimal
    net_pnl: Decimal
    exit_reason: str
    mfe: float
    mae: float
    entry_snapshot: dict[str, float | None]


class PositionRecord(Record):
    bot_id: str
    symbol: str
    qty: Decimal
    entry_price: Decimal | None
    leverage: Decimal
    liquidation_price: Decimal | None
    realised_pnl: Decimal
    unrealised_pnl: Decimal
    ts_ms: int


class EquityRecord(Record):
    id: int
    bot_id: str
    ts_ms: int
    currency: str
    equity: Decimal
    balance: Decimal
    unrealised_pnl: Decimal


class DecisionRecord(Record):
    """What the engine decided on one candle close, with every component's output and why not."""

    id: int
    bot_id: str
    symbol: str
    ts_ms: int
    action: str
    score: float | None
    components: dict[str, float | None]
    skip_reasons: tuple[str, ...]


class EventRecord(Record):
    id: int
    ts_ms: int
    kind: EventKind
    severity: Severity
    bot_id: str | None
    message: str
    data: dict[str, Any]


class AuditRecord(Record):
    id: int
    ts_ms: int
    who: str
    action: str
    target: str
    before: Any
    after: Any
