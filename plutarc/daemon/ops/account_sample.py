"""One sample of a venue account's equity: each wallet once, each bot's open PnL once.

Bots on one venue account (same venue, account label and mode) share one wallet: summing
each bot's equity counted it once per bot. The wallet is asked of the venue (through one
running bot of the account) and counted once; each bot adds its own positions' open PnL,
a symbol shared by two bots of one account once. A paper bot trades on its own sim, so its
wallet is its own. A bot that is not running counts with its last stored snapshot.

The currency is the account limits' ``currency`` when set, else the settlement currency of
the account's bots (BTC for BitMEX's inverse XBTUSD, USDT for a linear contract); bots that
settle in several currencies need it set.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from plutarc.daemon.runtime.protocol import AccountView

if TYPE_CHECKING:
    from plutarc.daemon.service import DaemonService
    from plutarc.daemon.store import BotRecord


@dataclass(frozen=True, slots=True)
class Sample:
    currency: str | None
    equity: Decimal | None  # None: nothing to sample (see ``why``)
    pending: int
    wallets: int = 0  # distinct wallets counted
    why: str = ""


def wallet_key(bot: BotRecord) -> str:
    """Bots on one venue account in one mode share a wallet; a paper bot's sim is its own."""
    return f"bot:{bot.id}" if bot.mode == "paper" else f"{bot.venue}/{bot.account}/{bot.mode}"


def stored_view(service: DaemonService, bot: BotRecord) -> AccountView | None:
    """The bot's last equity snapshot per currency, as an AccountView (not running)."""
    rows = service.store.db.execute(
        "SELECT currency, balance, unrealised_pnl FROM equity WHERE id IN (SELECT MAX(id) "
        "FROM equity WHERE bot_id = ? GROUP BY currency)", (bot.id,)).fetchall()
    if not rows:
        return None
    return AccountView({r["currency"]: Decimal(r["balance"]) for r in rows},
                       tuple(("", r["currency"], Decimal(r["unrealised_pnl"])) for r in rows),
                       tuple(sorted(r["currency"] for r in rows)))


async def sample(service: DaemonService, bots: list[BotRecord], currency: str | None) -> Sample:
    sup = service.supervisor
    wallets: dict[str, dict[str, Decimal]] = {}
    open_pnl: dict[tuple[str, str], tuple[str, Decimal]] = {}
    settles: set[str] = set()
    for bot in sorted(bots, key=lambda b: not sup.is_running(b.id)):  # fresh views first
        view = await sup.account_view(bot.id) if sup.is_running(bot.id) else None
        view = view or stored_view(service, bot)
        if view is None:
            continue
        key = wallet_key(bot)
        wallets.setdefault(key, view.wallet)
        for symbol, settle, pnl in view.unrealised:
            open_pnl.setdefault((key, symbol or bot.id), (settle, pnl))
        settles.update(view.settles)
    pending = _pending(service, bots)
    if not wallets:
        return Sample(currency, None, pending, why="no bot of the account has reported yet")
    if currency is None:
        if len(settles) != 1:
            return Sample(None, None, pending, why=f"its bots settle in "
                          f"{', '.join(sorted(settles)) or 'nothing yet'}: set the currency")
        currency = next(iter(settles))
    equity = sum((w.get(currency, Decimal(0)) for w in wallets.values()), Decimal(0))
    equity += sum((pnl for settle, pnl in open_pnl.values() if settle == currency), Decimal(0))
    return Sample(currency, equity, pending, len(wallets))


def _pending(service: DaemonService, bots: list[BotRecord]) -> int:
    ids = [b.id for b in bots]
    if not ids:
        return 0
    return int(service.store.db.execute(
        f"SELECT COUNT(*) FROM orders WHERE status = 'pending' AND bot_id IN "
        f"({','.join('?' * len(ids))})", ids).fetchone()[0])
