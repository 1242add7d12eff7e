"""The stream watch turns a venue's socket counters into events: a drop is a WARNING with its
reason, a return is told, and a socket flapping a hundred times writes a few rows with counts.
Driven through the real ccxt ``Link`` (the counters ccxt venues keep) and a real context's
event sink."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from plutarc.daemon.live import stream_watch
from plutarc.daemon.live.stream_watch import StreamWatch
from plutarc.exchanges.ccxt.merge import Link
from plutarc.models.events import Severity


class Sink:
    def __init__(self) -> None:
        self.rows: list[tuple[str, Severity, dict]] = []

    def emit(self, kind, message, *, severity=Severity.INFO, data=None):  # noqa: ANN001, ANN201
        self.rows.append((message, severity, data or {}))


def venue_with(public: Link, private: Link | None = None) -> SimpleNamespace:
    return SimpleNamespace(name="binance", live=SimpleNamespace(public=public, private=private))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(stream_watch.time, "monotonic", lambda: now[0])
    return now


def test_a_drop_is_a_warning_with_its_reason_and_the_return_is_told(clock: list[float]) -> None:
    link, ctx, watch = Link("market"), Sink(), StreamWatch()
    link.went_up("candles")
    venue = venue_with(link)
    watch.check(ctx, venue)  # first look: history before the bot is not news
    watch.check(ctx, venue)
    assert ctx.rows == []
    link.went_down("candles", ConnectionResetError("peer closed"), True, 2.0)
    watch.check(ctx, venue)
    message, severity, data = ctx.rows[-1]
    assert severity is Severity.WARNING and "binance market socket down" in message
    assert "ConnectionResetError: peer closed" in message and "polling" in message
    assert data == {"venue": "binance", "stream": "market", "drops": 1, "up": False}
    clock[0] += 61
    link.went_up("candles")
    watch.check(ctx, venue)
    assert ctx.rows[-1][0] == "binance market socket reconnected (socket #2)"
    assert ctx.rows[-1][1] is Severity.INFO and len(ctx.rows) == 2


def test_a_drop_and_return_between_two_looks_is_still_told(clock: list[float]) -> None:
    link, ctx, watch = Link("account"), Sink(), StreamWatch()
    link.went_up("fills")
    venue = venue_with(SimpleNamespace(connects=0, drops=0, up=True), link)
    watch.check(ctx, venue)
    link.went_down("fills", TimeoutError("no pong"), True, 2.0)
    link.went_up("fills")
    watch.check(ctx, venue)
    [(message, severity, _)] = ctx.rows
    assert severity is Severity.WARNING
    assert message.startswith("binance account socket dropped (TimeoutError: no pong) and "
                              "reconnected (socket #2)")


def test_a_flapping_socket_writes_a_few_rows_with_counts(clock: list[float]) -> None:
    link, ctx, watch = Link("market"), Sink(), StreamWatch(report_every_s=60)
    link.went_up("candles")
    venue = venue_with(link)
    watch.check(ctx, venue)
    for _ in range(100):  # down and up every 3 s for 5 minutes, looked at every 1.5 s
        link.went_down("candles", OSError("reset"), True, 2.0)
        clock[0] += 1.5
        watch.check(ctx, venue)
        link.went_up("candles")
        clock[0] += 1.5
        watch.check(ctx, venue)
    assert 3 <= len(ctx.rows) <= 7
    assert sum(data["drops"] for _, _, data in ctx.rows) <= 100
    assert any("drops since the last report" in message for message, _, _ in ctx.rows)
    clock[0] += 61
    watch.check(ctx, venue)  # settled up: the last word is that it is back
    assert ctx.rows[-1][2]["up"] is True


def test_a_drop_soon_after_the_first_connect_and_its_return_are_told_at_once(
        clock: list[float]) -> None:
    """The account socket connects after the bot's first look (told, INFO) and drops ten
    seconds later: the drop is told then, not held back a minute by the connect's report,
    and so is its return two seconds later; a second drop in that minute is a flap."""
    link, ctx, watch = Link("account"), Sink(), StreamWatch(report_every_s=60)
    venue = venue_with(SimpleNamespace(connects=0, drops=0, up=True), link)
    watch.check(ctx, venue)  # first look: not up yet
    link.went_up("fills")
    watch.check(ctx, venue)
    assert ctx.rows[-1][0] == "binance account socket connected (socket #1)"
    clock[0] += 10
    link.went_down("fills", ConnectionError("closing code 1001"), True, 2.0)
    watch.check(ctx, venue)
    message, severity, data = ctx.rows[-1]
    assert severity is Severity.WARNING and "binance account socket down" in message
    assert data["drops"] == 1 and len(ctx.rows) == 2
    clock[0] += 2  # back two seconds later: told at once, not a minute later
    link.went_up("fills")
    watch.check(ctx, venue)
    assert ctx.rows[-1][:2] == ("binance account socket reconnected (socket #2)",
                                Severity.INFO)
    clock[0] += 5  # a second drop within the minute is a flap: held for the next report
    link.went_down("fills", ConnectionError("closing code 1001"), True, 2.0)
    watch.check(ctx, venue)
    link.went_up("fills")
    watch.check(ctx, venue)
    assert len(ctx.rows) == 3
    clock[0] += 60
    watch.check(ctx, venue)
    assert "account socket dropped (ConnectionError" in ctx.rows[-1][0]
    assert "(socket #3)" in ctx.rows[-1][0] and len(ctx.rows) == 4
