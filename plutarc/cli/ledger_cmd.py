"""``plutarc positions|orders|trades|pnl|events``: the ledger and the event feed for scripts.

Every command has ``--json`` with the daemon's own field names (stable: they are the API's
records), and a table that puts the columns a trader reads first.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import typer

from plutarc.cli.api_client import call
from plutarc.cli.audit_cmd import parse_since
from plutarc.cli.output import emit_rows, fmt_ts, print_json, to_json_line
from plutarc.errors import UsageError
from plutarc.models.events import EventKind, Severity

BOT = typer.Option(None, "--bot", help="Only this bot (name or id).")
SINCE = typer.Option(None, "--since", help="30m, 2h, 7d, 2024-05-01 (UTC) or epoch ms.")
LIMIT = typer.Option(100, "--limit", min=1, max=10_000, help="At most this many rows.")
JSON = typer.Option(False, "--json", help="Machine-readable output.")
PAGE = 10_000


def _since_ms(since: str | None) -> int | None:
    return None if since is None else parse_since(since, int(time.time() * 1000))


async def _bot_names(client: Any) -> dict[str, str]:
    return {b.id: b.name for b in await client.list_bots()}


def _num(value: Decimal | None) -> str:
    return "-" if value is None else f"{value.normalize():f}"


def positions(bot: str | None = BOT, as_json: bool = JSON) -> None:
    """Open positions: size, entry, liquidation price, unrealised and realised PnL."""
    async def fetch(c: Any) -> tuple[Any, dict[str, str]]:
        return await c.positions(bot), await _bot_names(c)

    rows, names = call(fetch)
    rows = [p for p in rows if p.qty != 0]
    if as_json:
        print_json(rows)
        return
    emit_rows([{"bot": names.get(p.bot_id, p.bot_id), "symbol": p.symbol, "qty": _num(p.qty),
                "entry": _num(p.entry_price), "uPnL": _num(p.unrealised_pnl),
                "rPnL": _num(p.realised_pnl), "liq": _num(p.liquidation_price),
                "lev": _num(p.leverage)} for p in rows],
              ["bot", "symbol", "qty", "entry", "uPnL", "rPnL", "liq", "lev"], False,
              title="Positions", fit=True)


def orders(bot: str | None = BOT,
           open_only: bool = typer.Option(False, "--open", help="Only orders still working."),
           since: str | None = SINCE, limit: int = LIMIT, as_json: bool = JSON) -> None:
    """Orders from the journal: what was sent, what the venue made of it."""
    async def fetch(c: Any) -> tuple[Any, dict[str, str]]:
        return (await c.orders(bot, open_only=open_only, since_ms=_since_ms(since), limit=limit),
                await _bot_names(c))

    rows, names = call(fetch)
    if as_json:
        print_json(rows)
        return
    emit_rows([{"bot": names.get(o.bot_id, o.bot_id), "symbol": o.symbol,
                "side": o.side.value, "type": o.type.value, "qty": _num(o.qty),
                "price": _num(o.price if o.price is not None else o.stop_price),
                "status": o.status.value, "filled": _num(o.filled_qty),
                "updated": fmt_ts(o.updated_ms), "client id": o.client_id} for o in rows],
              ["bot", "symbol", "side", "type", "qty", "price", "status", "filled", "updated",
               "client id"], False, title="Open orders" if open_only else "Orders", fit=True)


def trades(bot: str | None = BOT, since: str | None = SINCE, limit: int = LIMIT,
           as_json: bool = JSON) -> None:
    """Closed trades: entry, exit, net PnL after fees and funding, and why it closed."""
    async def fetch(c: Any) -> tuple[Any, dict[str, str]]:
        return await c.trades(bot, since_ms=_since_ms(since), limit=limit), await _bot_names(c)

    rows, names = call(fetch)
    if as_json:
        print_json(rows)
        return
    emit_rows([{"bot": names.get(t.bot_id, t.bot_id), "symbol": t.symbol,
                "dir": t.direction.value, "qty": _num(t.qty), "net": _num(t.net_pnl),
                "entry": f"{fmt_ts(t.entry_ts_ms)} @ {_num(t.entry_price)}",
                "exit": f"{fmt_ts(t.exit_ts_ms)} @ {_num(t.exit_price)}",
                "reason": t.exit_reason} for t in rows],
              ["bot", "symbol", "dir", "qty", "net", "entry", "exit", "reason"], False,
              title="Trades", fit=True)


async def _all_trades(client: Any, bot: str | None, since_ms: int | None) -> list[Any]:
    """Every closed trade since ``since_ms``, page by page (the API returns 10,000 at most)."""
    seen: dict[int, Any] = {}
    cursor = since_ms or 0
    while True:
        page = await client.trades(bot, since_ms=cursor, limit=PAGE)
        new = [t for t in page if t.id not in seen]
        seen.update((t.id, t) for t in new)
        if len(page) < PAGE or not new:
            return sorted(seen.values(), key=lambda t: (t.exit_ts_ms, t.id))
        cursor = max(t.exit_ts_ms for t in page)


async def _currencies(client: Any, bot_ids: set[str]) -> dict[str, str]:
    """Each bot's money currency, from its latest equity snapshot ('?' before the first)."""
    async def one(bot_id: str) -> tuple[str, str]:
        latest = await client.equity(bot_id, limit=1)
        return bot_id, latest[-1].currency if latest else "?"

    return dict(await asyncio.gather(*(one(b) for b in sorted(bot_ids))))


def pnl(by: str = typer.Option("bot", "--by", help="bot or day (UTC)."),
        bot: str | None = BOT, since: str | None = SINCE, as_json: bool = JSON) -> None:
    """Realised PnL (net of fees and funding) by bot or by UTC day, in each bot's currency;
    by bot also the open positions' unrealised PnL."""
    if by not in ("bot", "day"):
        raise UsageError(f"--by {by!r}: use 'bot' or 'day'")

    async def fetch(c: Any) -> tuple[list[Any], list[Any], dict[str, str], dict[str, str]]:
        closed = await _all_trades(c, bot, _since_ms(since))
        open_positions = [p for p in await c.positions(bot) if p.qty != 0]
        names = await _bot_names(c)
        ids = {t.bot_id for t in closed} | {p.bot_id for p in open_positions}
        return closed, open_positions, names, await _currencies(c, ids)

    closed, open_positions, names, currency = call(fetch)
    groups: dict[tuple[str, str], dict[str, Any]] = defaultdict(lambda: {
        "trades": 0, "wins": 0, "net": Decimal(0), "fees": Decimal(0),
        "funding": Decimal(0), "unrealised": Decimal(0)})
    for t in closed:
        key = (names.get(t.bot_id, t.bot_id) if by == "bot" else
               datetime.fromtimestamp(t.exit_ts_ms / 1000, UTC).strftime("%Y-%m-%d"))
        row = groups[(key, currency.get(t.bot_id, "?"))]
        row["trades"] += 1
        row["wins"] += t.net_pnl > 0
        row["net"] += t.net_pnl
        row["fees"] += t.fees
        row["funding"] += t.funding
    if by == "bot":
        for p in open_positions:
            groups[(names.get(p.bot_id, p.bot_id), currency.get(p.bot_id, "?"))][
                "unrealised"] += p.unrealised_pnl
    rows = [{by: key, "currency": cur, **values} for (key, cur), values in sorted(groups.items())]
    if as_json:
        print_json(rows)
        return
    columns = [by, "currency", "trades", "wins", "net", "fees", "funding"]
    columns += ["unrealised"] if by == "bot" else []
    emit_rows([{**r, **{k: _num(r[k]) for k in ("net", "fees", "funding", "unrealised")}}
               for r in rows], columns, False, title=f"PnL by {by}", fit=True)


def _event_line(record: Any, names: dict[str, str]) -> str:
    who = names.get(record.bot_id or "", record.bot_id or "daemon")
    return (f"{fmt_ts(record.ts_ms)} {record.severity.value:<7} {record.kind.value:<9} "
            f"{who:<16} {record.message}")


def events(
    bot: str | None = BOT,
    severity: Severity | None = typer.Option(None, "--severity", help="At least this severity."),
    kind: list[EventKind] = typer.Option([], "--kind", help="Only these kinds (repeat)."),
    since: str | None = SINCE, limit: int = LIMIT,
    follow: bool = typer.Option(False, "--follow", "-f", help="Then stream new events."),
    as_json: bool = JSON,
) -> None:
    """The event feed (orders, fills, trades, risk, alerts, activity); --follow tails it.
    With --json --follow, one JSON object per line."""
    async def run(c: Any) -> None:
        names = await _bot_names(c)
        stored = await c.events(bot, kinds=kind, severity=severity,
                                since_ms=_since_ms(since), limit=limit)
        if as_json and not follow:
            print_json(stored)
            return
        for record in stored:
            typer.echo(to_json_line(record) if as_json else _event_line(record, names))
        if not follow:
            return
        after = stored[-1].id if stored else None
        order = list(Severity)
        async for record in c.stream(kinds=kind, bot=bot, after_id=after):
            if severity is not None and order.index(record.severity) < order.index(severity):
                continue
            if record.bot_id and record.bot_id not in names:
                names = await _bot_names(c)
            typer.echo(to_json_line(record) if as_json else _event_line(record, names))

    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends --follow
        call(run, timeout_s=30.0)
