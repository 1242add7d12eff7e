"""Read-only API routes a trader's screen needs: each bot's contract specs (to write prices to
the tick and quantities to the lot) and the desk's PnL per bot, symbol and currency."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from aiohttp import web

from plutarc.daemon.api.http import parse_query, respond
from plutarc.daemon.api.routes import SERVICE
from plutarc.daemon.api.schemas import ApiModel, Empty, Envelope
from plutarc.daemon.ops.dust import instrument_for
from plutarc.daemon.service import DaemonService
from plutarc.daemon.store import BotRecord

routes = web.RouteTableDef()
UNKNOWN_CURRENCY = "?"


class InstrumentView(ApiModel):
    bot_id: str
    symbol: str
    known: bool  # False: no spec loaded for it (the venue was not asked since the start)
    tick: Decimal | None  # price increment; None when unknown
    lot: Decimal | None  # quantity increment; None when unknown
    quote: str
    settle: str  # the currency its PnL and margin are in


class InstrumentListResponse(Envelope):
    bot_id: str
    instruments: list[InstrumentView]


class DeskInstrumentsResponse(Envelope):
    instruments: list[InstrumentView]  # every bot's symbols, in bot order


class PnlRow(ApiModel):
    bot_id: str
    symbol: str
    currency: str  # settle currency, '?' when neither a spec nor an equity row says
    trades: int
    realised: Decimal  # sum of the closed trades' net PnL
    unrealised: Decimal  # of the open position, 0 when flat


class PnlResponse(Envelope):
    rows: list[PnlRow]


def _equity_currency(svc: DaemonService, bot_id: str) -> str:
    latest = svc.store.equity.query(bot_id, limit=1)
    return latest[-1].currency if latest else UNKNOWN_CURRENCY


def instrument_views(svc: DaemonService, bot: BotRecord) -> list[InstrumentView]:
    views, fallback = [], None
    for symbol in bot.symbols:
        inst = instrument_for(bot.venue, symbol)
        if inst is not None:
            views.append(InstrumentView(bot_id=bot.id, symbol=symbol, known=True,
                                        tick=inst.tick_size, lot=inst.lot_size,
                                        quote=inst.quote, settle=inst.settle))
            continue
        fallback = fallback or _equity_currency(svc, bot.id)
        views.append(InstrumentView(bot_id=bot.id, symbol=symbol, known=False, tick=None,
                                    lot=None, quote=UNKNOWN_CURRENCY, settle=fallback))
    return views


@routes.get("/v1/bots/{ref}/instruments")
async def instruments(request: web.Request) -> web.Response:
    parse_query(request, Empty)
    svc = request.app[SERVICE]
    bot = svc.get_bot(request.match_info["ref"])
    return respond(InstrumentListResponse(bot_id=bot.id, instruments=instrument_views(svc, bot)))


@routes.get("/v1/instruments")
async def all_instruments(request: web.Request) -> web.Response:
    parse_query(request, Empty)
    svc = request.app[SERVICE]
    return respond(DeskInstrumentsResponse(instruments=[
        view for bot in svc.list_bots() for view in instrument_views(svc, bot)]))


class RealisedSums:
    """Closed trades' net PnL summed per (bot, symbol) as Decimal (SQLite would sum floats).
    Trades are only appended, so each read adds the rows past the last one seen; fewer rows
    than before (a store pruned or replaced) starts the sums again."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.last_id = 0
        self.count = 0
        self.sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        self.counts: dict[tuple[str, str], int] = defaultdict(int)

    def update(self, svc: DaemonService) -> None:
        count, last_id = svc.store.db.execute("SELECT COUNT(*), MAX(id) FROM trades").fetchone()
        if count < self.count or (last_id or 0) < self.last_id:
            self.reset()
        for row_id, bot_id, symbol, net in svc.store.db.execute(
                "SELECT id, bot_id, symbol, net_pnl FROM trades WHERE id > ? ORDER BY id",
                (self.last_id,)):
            self.sums[(bot_id, symbol)] += Decimal(net)
            self.counts[(bot_id, symbol)] += 1
            self.last_id = row_id
        self.count = count


REALISED = web.AppKey("realised_sums", RealisedSums)


def pnl_rows(svc: DaemonService, realised: RealisedSums) -> list[PnlRow]:
    """Realised from every closed trade plus the open positions' unrealised, per bot and
    symbol, in the symbol's settle currency."""
    realised.update(svc)
    unrealised = {(p.bot_id, p.symbol): p.unrealised_pnl for p in svc.store.positions.query()}
    currency: dict[tuple[str, str], str] = {}
    for bot in svc.list_bots():
        for view in instrument_views(svc, bot):
            currency[(bot.id, view.symbol)] = view.settle
    rows = []
    for key in sorted(set(realised.sums) | set(unrealised)):
        cur = currency.get(key) or _equity_currency(svc, key[0])
        rows.append(PnlRow(bot_id=key[0], symbol=key[1], currency=cur,
                           trades=realised.counts.get(key, 0),
                           realised=realised.sums.get(key, Decimal(0)),
                           unrealised=unrealised.get(key, Decimal(0))))
    return rows


@routes.get("/v1/pnl")
async def pnl(request: web.Request) -> web.Response:
    parse_query(request, Empty)
    return respond(PnlResponse(rows=pnl_rows(request.app[SERVICE], request.app[REALISED])))


def install(app: web.Application) -> None:
    app[REALISED] = RealisedSums()
    app.add_routes(routes)
