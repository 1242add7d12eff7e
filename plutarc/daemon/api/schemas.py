"""Request, response and stream-frame models of the API; every one forbids unknown fields."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from plutarc.daemon.api.protocol import PROTOCOL_VERSION
from plutarc.daemon.bot_config import BotSpec, Mode, RiskLimits
from plutarc.daemon.store import (
    AuditRecord,
    BotRecord,
    DecisionRecord,
    EquityRecord,
    EventRecord,
    FillRecord,
    OrderRecord,
    PositionRecord,
    TemplateRecord,
    TradeRecord,
)
from plutarc.models.events import EventKind, Severity
from plutarc.validation import CheckedModel

LIMIT = Field(100, ge=1, le=10_000, description="At most this many rows (100).")


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class RequestModel(ApiModel, CheckedModel):
    """What a caller sends: besides ApiModel's rules, ``true`` is not a number and integers
    fit in 64 bits (responses skip these per-field checks: they are ours, and many)."""


# ----- requests ---------------------------------------------------------------------------
class CreateBotRequest(BotSpec):
    start: bool = Field(False, description="Start the bot right after creating it.")


class Empty(RequestModel):
    """No parameters: bot actions take an empty body or {}, GET /v1/bots no query."""


class ModeRequest(RequestModel):
    mode: Mode = Field(description="live, testnet or paper.")


class TemplatePutRequest(RequestModel):
    toml: str = Field(description="The template's TOML text.")


# ----- query strings ----------------------------------------------------------------------
class BotFilter(RequestModel):
    bot: str | None = Field(None, description="Bot name or id.")


class LedgerQuery(BotFilter):
    since_ms: int | None = Field(None, ge=0, description="Only rows at or after this time.")
    limit: int = LIMIT


class OrderQuery(LedgerQuery):
    open: bool = Field(False, description="Only open orders.")


class DecisionQuery(LedgerQuery):
    symbol: str | None = None


class EquityQuery(LedgerQuery):
    limit: int = Field(1000, ge=1, le=10_000)


class EventQuery(LedgerQuery):
    kind: tuple[EventKind, ...] = Field((), description="Repeat to allow several kinds.")
    severity: Severity | None = Field(None, description="Minimum severity.")
    after_id: int | None = Field(None, ge=0, description="Only events after this id.")


class CandleQuery(RequestModel):
    symbol: str = Field(description="One of the bot's symbols.")
    limit: int = Field(300, ge=1, le=5000, description="How many of the latest candles.")


class AuditQuery(RequestModel):
    target: str | None = None
    who: str | None = Field(None, description="Unix user name, or token:NAME.")
    since_ms: int | None = Field(None, ge=0)
    limit: int = LIMIT


class StreamQuery(RequestModel):
    kind: tuple[EventKind, ...] = ()
    bot: str | None = None
    after_id: int | None = Field(None, ge=0, description="Replay stored events after this id.")


# ----- responses --------------------------------------------------------------------------
class Envelope(ApiModel):
    api_version: int = PROTOCOL_VERSION


class ErrorBody(ApiModel):
    type: str
    message: str


class ErrorResponse(Envelope):
    error: ErrorBody


class StatusResponse(Envelope):
    plutarc_version: str
    pid: int
    started_ms: int
    uptime_s: float
    socket: str
    database: str
    schema_version: int
    bots: dict[str, int]
    running_workers: int
    stream_subscribers: int
    last_event_id: int
    shutting_down: bool
    host: str = ""  # the daemon's host name, for clients attached over SSH


class BotResponse(Envelope):
    bot: BotRecord
    warnings: list[str] = Field(default_factory=list, description="What the caller must be "
                                "told, e.g. a live bot on a template version not validated.")


class BotListResponse(Envelope):
    bots: list[BotRecord]


class RiskResponse(Envelope):
    bot_id: str
    risk: RiskLimits


class TemplateResponse(Envelope):
    template: TemplateRecord


class TemplateListResponse(Envelope):
    templates: list[TemplateRecord]


class PositionListResponse(Envelope):
    positions: list[PositionRecord]


class OrderListResponse(Envelope):
    orders: list[OrderRecord]


class FillListResponse(Envelope):
    fills: list[FillRecord]


class TradeListResponse(Envelope):
    trades: list[TradeRecord]


class EquityListResponse(Envelope):
    equity: list[EquityRecord]


class DecisionListResponse(Envelope):
    decisions: list[DecisionRecord]


class EventListResponse(Envelope):
    events: list[EventRecord]


class CandleOut(ApiModel):
    ts_ms: int = Field(description="Candle open time.")
    open: float
    high: float
    low: float
    close: float
    volume: float


class CandleListResponse(Envelope):
    bot_id: str
    symbol: str
    candles: list[CandleOut]


class AuditListResponse(Envelope):
    audit: list[AuditRecord]


# ----- stream frames ----------------------------------------------------------------------
class HelloFrame(Envelope):
    type: Literal["hello"] = "hello"
    last_event_id: int


class EventFrame(Envelope):
    type: Literal["event"] = "event"
    event: EventRecord


class ErrorFrame(Envelope):
    type: Literal["error"] = "error"
    error: ErrorBody


StreamFrame = HelloFrame | EventFrame | ErrorFrame
