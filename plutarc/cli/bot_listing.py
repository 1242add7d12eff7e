"""``plutarc bot list``: each bot with its positions and PnL beside its state and reason."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from plutarc.cli.output import emit_rows

COLUMNS = ["name", "state", "position", "pnl", "reason", "template", "venue", "mode",
           "symbols", "heartbeat", "id"]


@dataclass
class Listed:
    bot: Any
    positions: list[Any] = field(default_factory=list)  # non-zero PositionRecords
    # currency -> [trades, realised, unrealised]
    pnl: dict[str, list[Any]] = field(default_factory=dict)
    template_latest: int | None = None  # newest stored version of the bot's template

    @property
    def template_version(self) -> int | None:
        """The version the bot runs (a bot from before pinning runs the latest)."""
        pinned = getattr(self.bot, "template_version", None)
        return self.template_latest if pinned is None else pinned

    @property
    def outdated(self) -> bool:
        """It runs an older version than the latest saved ('plutarc bot update' moves it)."""
        return None not in (self.template_version, self.template_latest) and (
            self.template_version < self.template_latest)


def with_book(bots: list[Any], positions: list[Any], pnl_rows: list[Any],
              templates: list[Any] = ()) -> list[Listed]:
    held: dict[str, list[Any]] = defaultdict(list)
    for p in positions:
        if p.qty != 0:
            held[p.bot_id].append(p)
    money: dict[str, dict[str, list[Any]]] = defaultdict(dict)
    for r in pnl_rows:
        entry = money[r.bot_id].setdefault(r.currency, [0, Decimal(0), Decimal(0)])
        entry[0] += r.trades
        entry[1] += r.realised
        entry[2] += r.unrealised
    latest = {t.name: t.version for t in templates}
    return [Listed(b, held.get(b.id, []), money.get(b.id, {}), latest.get(b.template))
            for b in bots]


def listing_rows(rows: list[Listed]) -> list[dict[str, Any]]:
    """The bot's own record plus ``positions`` and ``pnl`` (per currency): stable fields."""
    out = []
    for row in rows:
        data = row.bot.model_dump(mode="json")
        data["template_version"] = row.template_version
        data["template_latest"] = row.template_latest
        data["template_outdated"] = row.outdated
        data["positions"] = [{"symbol": p.symbol, "qty": str(p.qty),
                              "entry_price": None if p.entry_price is None else str(
                                  p.entry_price),
                              "unrealised_pnl": str(p.unrealised_pnl)} for p in row.positions]
        data["pnl"] = [{"currency": cur, "trades": trades, "realised": str(realised),
                        "unrealised": str(unrealised), "total": str(realised + unrealised)}
                       for cur, (trades, realised, unrealised) in sorted(row.pnl.items())]
        out.append(data)
    return out


def _position_text(row: Listed) -> str:
    if not row.positions:
        return "flat"
    return ", ".join(f"{p.qty.normalize():f} {p.symbol}" for p in row.positions)


def _pnl_text(row: Listed) -> str:
    parts = [f"{(realised + unrealised).quantize(Decimal('0.01')):f} {cur}"
             for cur, (_, realised, unrealised) in sorted(row.pnl.items())]
    return ", ".join(parts) or "-"


def _template_text(row: Listed) -> str:
    if row.template_version is None:
        return row.bot.template
    text = f"{row.bot.template} v{row.template_version}"
    return f"{text} (v{row.template_latest} saved)" if row.outdated else text


def listing_table(rows: list[Listed]) -> None:
    from plutarc.cli.bot_cmd import _age

    emit_rows([{"name": r.bot.name, "state": r.bot.state.value, "position": _position_text(r),
                "pnl": _pnl_text(r), "reason": r.bot.state_reason, "template": _template_text(r),
                "venue": r.bot.venue, "mode": r.bot.mode, "symbols": ",".join(r.bot.symbols),
                "heartbeat": _age(r.bot.last_heartbeat_ms), "id": r.bot.id} for r in rows],
              COLUMNS, False, title="Bots", fit=True)
