"""What the screens write for records: rows, summaries, filters, ages and amounts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plutarc.daemon.api.desk_routes import InstrumentView, PnlRow
from plutarc.daemon.bot_config import RiskLimits
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.store import (
    BotRecord,
    DecisionRecord,
    EquityRecord,
    EventRecord,
    PositionRecord,
)
from plutarc.models.events import EventKind, Severity
from plutarc.tui.format import fmt_age, fmt_dec, fmt_pnl
from plutarc.tui.screens.activity import EventFilter
from plutarc.tui.screens.bot_detail import decision_summary
from plutarc.tui.screens.fleet import fleet_rows
from plutarc.tui.specs import SpecBook
from plutarc.tui.widgets.equity_chart import equity_series


def bot(bot_id: str, name: str, state: BotState, heartbeat_ms: int | None) -> BotRecord:
    return BotRecord(id=bot_id, name=name, template="t", venue="sim", account="", mode="paper",
                     symbols=("BTCUSDT", "ETHUSDT"), risk=RiskLimits(), state=state,
                     state_reason="", plutarc_version="0.1.0", created_ms=0, updated_ms=0,
                     last_heartbeat_ms=heartbeat_ms, config_version=1)


def position(bot_id: str, symbol: str, qty: str, realised: str, unrealised: str) -> PositionRecord:
    return PositionRecord(bot_id=bot_id, symbol=symbol, qty=Decimal(qty),
                          entry_price=Decimal("42000.5"), leverage=Decimal(1),
                          liquidation_price=None, realised_pnl=Decimal(realised),
                          unrealised_pnl=Decimal(unrealised), ts_ms=0)


def test_fleet_rows_sum_pnl_per_bot_and_currency_and_show_only_held_positions() -> None:
    bots = [bot("b1", "alpha", BotState.ONLINE, 95_000), bot("b2", "beta", BotState.STOPPED, None)]
    positions = [position("b1", "BTCUSDT", "0.010", "12.5", "-2.25"),
                 position("b1", "ETHUSDT", "0", "-1", "0")]
    pnl = [PnlRow(bot_id="b1", symbol="BTCUSDT", currency="USDT", trades=3,
                  realised=Decimal("12.5"), unrealised=Decimal("-2.25")),
           PnlRow(bot_id="b1", symbol="ETHUSDT", currency="USDT", trades=1,
                  realised=Decimal("-1"), unrealised=Decimal(0))]
    specs = SpecBook()
    specs.fill([InstrumentView(bot_id="b1", symbol="BTCUSDT", known=True, tick=Decimal("0.5"),
                               lot=Decimal("0.001"), quote="USDT", settle="USDT")])
    rows = fleet_rows(bots, positions, pnl, specs, now_ms=100_000)
    assert [(row.key, [str(c) for c in row.cells]) for row in rows] == [
        ("b1", ["alpha", "online", "sim", "BTCUSDT ETHUSDT", "paper", "BTCUSDT 0.010",
                "+9.25 USDT", "5s ago"]),
        ("b2", ["beta", "stopped", "sim", "BTCUSDT ETHUSDT", "paper", "flat", "0", "-"]),
    ]
    before_pnl = fleet_rows(bots, positions, None, specs, now_ms=100_000)  # not read yet
    assert [str(row.cells[6]) for row in before_pnl] == ["…", "…"]


@pytest.mark.parametrize(("value", "text"), [
    (Decimal("1E+3"), "1000"), (Decimal("0.000100"), "0.0001"), (Decimal("-0"), "0"),
    (Decimal("-3.50"), "-3.5"), (None, "-"),
])
def test_amounts_are_written_exactly_without_exponents(value: Decimal | None, text: str) -> None:
    assert fmt_dec(value) == text


def test_pnl_sign_and_ages() -> None:
    assert (fmt_pnl(Decimal("2")), fmt_pnl(Decimal("-2")), fmt_pnl(Decimal(0))) == ("+2", "-2", "0")
    assert [fmt_age(0, ms) for ms in (1_000, 300_000, 10_800_000)] == ["1s ago", "5m ago",
                                                                       "3h ago"]


def test_decision_summary_lists_skip_reasons() -> None:
    decision = DecisionRecord(id=1, bot_id="b1", symbol="BTCUSDT", ts_ms=0, action="skip",
                              score=0.41234, components={"ema_cross": 1.0},
                              skip_reasons=("session closed", "spread too wide"))
    assert decision_summary(decision) == ("1970-01-01 00:00:00 UTC BTCUSDT: skip, score 0.4123\n"
                                          "skipped: session closed; spread too wide")
    assert decision_summary(None) == "No decision yet."


def event(kind: EventKind, severity: Severity, bot_id: str | None) -> EventRecord:
    return EventRecord(id=1, ts_ms=0, kind=kind, severity=severity, bot_id=bot_id,
                       message="m", data={})


def test_event_filter_by_bot_name_or_id_kind_and_minimum_severity() -> None:
    names = {"b1": "alpha"}
    warning = event(EventKind.RISK, Severity.WARNING, "b1")
    assert EventFilter(bot="alpha").matches(warning, names)
    assert EventFilter(bot="b1").matches(warning, names)
    assert not EventFilter(bot="beta").matches(warning, names)
    assert not EventFilter(kind=EventKind.FILL).matches(warning, names)
    assert EventFilter(min_severity=Severity.WARNING).matches(warning, names)
    assert not EventFilter(min_severity=Severity.ERROR).matches(warning, names)
    assert not EventFilter(bot="alpha").matches(event(EventKind.HEALTH, Severity.INFO, None),
                                                names)


def test_equity_series_keeps_one_currency_in_hours() -> None:
    rows = [EquityRecord(id=i, bot_id="b1", ts_ms=i * 1_800_000, currency=c,
                         equity=Decimal(1000 + i), balance=Decimal(1000), unrealised_pnl=Decimal(i))
            for i, c in enumerate(["USDT", "BTC", "USDT"])]
    assert equity_series(rows) == ("USDT", [0.0, 1.0], [1000.0, 1002.0])
    assert equity_series([]) == ("", [], [])
