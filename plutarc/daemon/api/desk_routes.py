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


# A bot's money currency from its equity rows, once known (it changes only with its venue and
# symbols, which are known from the spec when there is one): bot id -> currency.
_EQUITY_CURRENCY: dict[str, str] = {}


def _equity_currency(svc: DaemonService, bot_id: str) -> str:
    if bot_id in _EQUITY_CURRENCY:
        return _EQUITY_CURRENCY[bot_id]
    latest = svc.store.equity.query(bot_id, limit=1)
    if not latest:
        return UNKNOWN_CURRENCY  # asked again next time: the first snapshot may come
    _EQUITY_CURRENCY[bot_id] = latest[-1].currency
    return latest[-1].currency


def instrument_views(svc: DaemonService, bot: BotRecord) -> list[InstrumentView]:
    views: list[InstrumentView] = []
    fallback: str | None = None
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
    Trades are only appended, so each read adds the rows past the last one seen; when the
    oldest row is gone or the newest is older than before (the store pruned or replaced),
    the sums start again."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.first_id = 0
        self.last_id = 0
        self.sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        self.counts: dict[tuple[str, str], int] = defaultdict(int)

    def update(self, svc: DaemonService) -> None:
        # MIN and MAX of the rowid are O(1); COUNT(*) would read 100k rows on every call
        first, last = svc.store.db.execute("SELECT MIN(id), MAX(id) FROM trades").fetchone()
        if (first or 0) != self.first_id or (last or 0) < self.last_id:
            self.reset()
            self.first_id = first or 0
        for row_id, bot_id, symbol, net in svc.store.db.execute(
                "SELECT id, bot_id, symbol, net_pnl FROM trades WHERE id > ? ORDER BY id",
                (self.last_id,)):
            self.sums[(bot_id, symbol)] += Decimal(net)
            self.counts[(bot_id, symbol)] += 1
            self.last_id = row_id


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
        if key not in currency:  # a symbol the bot no longer trades, or a deleted bot
            currency[key] = _equity_currency(svc, key[0])
        cur = currency[key]
        rows.append(PnlRow(bot_id=key[0], symbol=key[1], currency=cur,
                           trades=realised.counts.get(key, 0),
                           realised=realised.sums.get(key, Decimal(0)),
                           unrealised=unrealised.get(key, Decimal(0))))
    return rows


@routes.get("/v1/pnl")
async def pnl(request: web.Request) -> web.Response:
    parse_query(request, Empty)
    return respond(PnlResponse(rows=pnl_rows(request.app[SERVICE], request.app[REALISED])))


async def _warm(app: web.Application) -> None:
    """Sum the stored trades at start, so the first TUI to attach does not wait for it."""
    app[REALISED].update(app[SERVICE])


def install(app: web.Application) -> None:
    app[REALISED] = RealisedSums()
    app.add_routes(routes)
    app.on_startup.append(_warm)
