"""Account limits count a shared wallet once (issue 15, item 8), on the local BitMEX server.

Two live bots on one BitMEX account see one wallet. The account's equity used to be the sum
of each bot's latest equity snapshot (wallet + open PnL), so the wallet counted twice, and
in USDT, a currency an inverse XBTUSD account does not hold.
"""

from __future__ import annotations

from decimal import Decimal

from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.ops.account_sample import sample
from plutarc.daemon.ops.accounts import evaluate_accounts, get_all, put_limits
from plutarc.risk.account import AccountLimits
from tests.daemon.live.conftest import LiveRig, until
from tests.exchanges.bitmex.conftest import adapter_for


async def _wallet_btc(rig: LiveRig) -> Decimal:
    venue = adapter_for(rig.server)
    try:
        return {b.currency: b.total for b in await venue.balances()}["BTC"]
    finally:
        await venue.close()


async def test_two_bots_on_one_account_count_its_wallet_once_in_btc(rig: LiveRig) -> None:
    ids = [await rig.bot("wallet-a"), await rig.bot("wallet-b")]
    await until(lambda: all(rig.service.get_bot(i).state is BotState.ONLINE for i in ids))
    await until(lambda: all(rig.store.equity.query(bot_id=i) for i in ids))  # snapshots
    wallet = await _wallet_btc(rig)
    assert wallet > 0
    snapshots = [rig.store.equity.query(bot_id=i)[-1] for i in ids]
    assert {s.currency for s in snapshots} == {"BTC"}  # what each bot stored: the wallet
    assert sum(s.equity for s in snapshots) == 2 * wallet  # the sum counted it twice

    put_limits(rig.service, "bitmex", "main", AccountLimits(max_drawdown_pct=Decimal(20)),
               "tester")  # no currency given: the bots' settlement currency
    bots = [rig.service.get_bot(i) for i in ids]
    taken = await sample(rig.service, bots, None)
    assert (taken.currency, taken.wallets, taken.equity) == ("BTC", 1, wallet)  # flat: no PnL
    await evaluate_accounts(rig.service)
    [entry] = [a for a in get_all(rig.service) if (a.venue, a.account) == ("bitmex", "main")]
    assert Decimal(str(entry.state["peak_equity"])) == wallet
    assert entry.limits.currency is None


async def test_an_explicit_currency_counts_that_wallet_once(rig: LiveRig) -> None:
    ids = [await rig.bot("usdt-a"), await rig.bot("usdt-b")]
    await until(lambda: all(rig.service.get_bot(i).state is BotState.ONLINE for i in ids))
    venue = adapter_for(rig.server)
    try:
        usdt = {b.currency: b.total for b in await venue.balances()}.get("USDT", Decimal(0))
    finally:
        await venue.close()
    taken = await sample(rig.service, [rig.service.get_bot(i) for i in ids], "USDT")
    assert (taken.currency, taken.wallets, taken.equity) == ("USDT", 1, usdt)
