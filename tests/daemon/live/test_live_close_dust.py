"""Dust closed at BitMEX: a real daemon process, its testnet bot and the local BitMEX server.

How the dust is made: the bot enters a position at the server with its ordinary orders,
then the server raises the contract's lot size (BitMEX raised XBTUSD's from 1 to 100 in
2021) so the position it holds is below the minimum order. Journal and venue agree on it
throughout; nothing is written into either by hand.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.errors import InvalidTransition
from plutarc.daemon.ops.dust import DustRow, _refusal
from plutarc.daemon.ops.dust_venue import close_order_of
from plutarc.daemon.store import DaemonStore
from plutarc.errors import VenueError
from plutarc.exchanges.bitmex_sim import SimServer
from plutarc.exchanges.bitmex_sim.config import EXAMPLE_API_KEY, EXAMPLE_API_SECRET
from plutarc.exchanges.ccxt.venues import PROFILES
from plutarc.models.events import EventKind
from tests.daemon.conftest import DaemonProcess, daemon_env, short_home
from tests.daemon.live.conftest import QUICK_TEMPLATE
from tests.exchanges.bitmex.conftest import adapter_for, sim_config
from tests.exchanges.bitmex.test_daemon_e2e import ADAPTER_SETTINGS, Scenario, ServerThread, run

DUST_LOT = Decimal(1_000_000)  # far above the quick template's 1000-USD positions


@pytest.fixture
def venue(monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerThread]:
    srv = ServerThread()
    monkeypatch.setenv("PLUTARC_BITMEX_URL", srv.server.base_url)
    monkeypatch.setenv("PLUTARC_BITMEX_KEY", EXAMPLE_API_KEY)
    monkeypatch.setenv("PLUTARC_BITMEX_SECRET", EXAMPLE_API_SECRET)
    monkeypatch.setenv("PLUTARC_BITMEX_CONFIG", json.dumps(ADAPTER_SETTINGS))
    yield srv
    srv.close()


@pytest.fixture
def daemon_home() -> Iterator[Path]:
    path = short_home()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def cli(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "plutarc", *args], input=stdin,
                          env=daemon_env(home), capture_output=True, text=True, timeout=120)


def test_a_stopped_testnet_bots_dust_is_closed_at_bitmex_with_a_close_order(
        venue: ServerThread, daemon_home: Path) -> None:
    s = Scenario(venue, daemon_home)
    exchange = venue.server.exchange
    try:
        async def create(client) -> str:  # noqa: ANN001
            await client.put_template("quick_cross", QUICK_TEMPLATE)
            spec = BotSpec(name="dusty", template="quick_cross", venue="bitmex",
                           mode="testnet", account="main", symbols=("BTCUSD",))
            return (await client.create_bot(spec, start=True)).id

        s.bot_id = run(create, s.daemon)
        s.until_online()
        s.step_until(lambda: s.position() != 0)
        held = s.position()
        assert venue.call(lambda: exchange.venues["XBTUSD"].engine.position.qty) == held
        venue.call(lambda: exchange.set_lot_size("XBTUSD", DUST_LOT))

        async def running_refused(client) -> list:  # noqa: ANN001
            with pytest.raises(InvalidTransition, match=r"running bots \(dusty\): stop them"):
                await client.close_dust("dusty")
            return await client.dust("dusty")

        listed = run(running_refused, s.daemon)
        assert [(d.qty, d.min_qty) for d in listed] == [(held, DUST_LOT)]
        assert "execInst=Close without a quantity" in listed[0].close
        assert venue.call(lambda: exchange.venues["XBTUSD"].engine.position.qty) == held

        run(lambda c: c.stop_bot(s.bot_id, "leave"), s.daemon)
        # a new daemon: no worker of this venue has run in it, the spec comes from BitMEX
        s.daemon.signal(signal.SIGTERM)
        s.daemon = DaemonProcess(daemon_home).start()
        listed = run(lambda c: c.dust("dusty"), s.daemon)
        assert [(d.state, d.qty, d.min_qty) for d in listed] == [("stopped", held, DUST_LOT)]
        asked = cli(daemon_home, "ops", "close-dust", "--bot", "dusty", stdin="n\n")
        assert asked.returncode == 1 and "execInst=Close" in asked.stdout
        assert venue.call(lambda: exchange.venues["XBTUSD"].engine.position.qty) == held

        # BitMEX executes the close but its answer is lost (a gateway 504): the adapter
        # looks the order up by clOrdID and never sends it again
        venue.call(lambda: venue.server.faults.arm({
            "kind": "error_after_accept", "status": 504, "path": "/api/v1/order",
            "exact": True, "method": "POST"}))
        closed = cli(daemon_home, "ops", "close-dust", "--bot", "dusty", "--yes")
        assert closed.returncode == 0, closed.stderr + closed.stdout
        assert "closed at bitmex by the order" in closed.stdout
        assert not venue.call(lambda: list(venue.server.faults.armed))  # the fault fired

        assert venue.call(lambda: exchange.venues["XBTUSD"].engine.position.qty) == 0
        sent = venue.call(lambda: [dict(r) for r in exchange.orders.values()
                                   if r["clOrdID"].endswith("-dust")])
        assert len(sent) == 1 and sent[0]["execInst"] == "Close"
        assert venue.call(lambda: exchange.accepted_orders[sent[0]["clOrdID"]]) == 1
        assert sent[0]["ordStatus"] == "Filled"

        async def ledger(client):  # noqa: ANN001, ANN202
            return (await client.orders(bot=s.bot_id, limit=100),
                    await client.fills(bot=s.bot_id, limit=100),
                    await client.positions(bot=s.bot_id),
                    await client.audit(target=s.bot_id),
                    await client.events(bot=s.bot_id, kinds=[EventKind.ACTIVITY], limit=50),
                    await client.dust("dusty"))

        orders, fills, positions, audit, activity, dust = run(ledger, s.daemon)
        order = next(o for o in orders if o.tag == "dust")
        assert order.client_id == sent[0]["clOrdID"] and order.status == "filled"
        assert order.reduce_only and order.qty == abs(held) and order.filled_qty == abs(held)
        assert order.sent_ms is not None and order.journaled_ms <= order.sent_ms
        assert order.client_id.startswith(f"{s.bot_id}-BTCUSD-")
        closing = [f for f in fills if f.client_id == order.client_id]
        assert sum(f.qty for f in closing) == abs(held)
        assert positions == []  # listed positions are the open ones
        store = DaemonStore.open(s.daemon.paths.database)
        try:
            row = store.positions.get(s.bot_id, "BTCUSD")
        finally:
            store.close()
        assert row is not None and row.qty == 0
        assert audit[-1].action == "ops.close_dust"
        assert audit[-1].after["client_id"] == order.client_id
        assert any("dust" in e.message and "closed at bitmex" in e.message for e in activity)
        assert dust == []

        # the bot starts again on its journal, dust close included: flat, ledger consistent
        run(lambda c: c.bot_action(s.bot_id, "start"), s.daemon)
        s.until_online()
        findings = run(lambda c: c.health(), s.daemon).findings
        assert not [f for f in findings if f.bot_id == s.bot_id and f.check == "positions"]
        assert s.position() == 0
    finally:
        s.daemon.kill()


def test_venues_without_a_whole_position_close_are_refused_saying_why() -> None:
    from plutarc.daemon.ccxt_venues import ccxt_venue

    bybit = ccxt_venue(PROFILES["bybit"], "testnet", None, {})  # built, never connected
    assert close_order_of(bybit) is None
    row = DustRow(bot_id="b1", bot="bybot", state="stopped", venue="bybit", symbol="BTCUSDT",
                  qty=Decimal("0.0004"), min_qty=Decimal("0.001"), mode="testnet")
    text = _refusal(row, bybit)
    assert text.startswith("bybot: cannot close on bybit (testnet): its adapter declares no "
                           "close order that takes a position below the minimum order (0.001)")
    assert "an order of 0.0004 would be refused there" in text
    paper = row.model_copy(update={"venue": "bitmex", "mode": "paper"})
    assert "closing dust of a paper bot on bitmex is not supported" in _refusal(paper, None)


async def test_the_simulator_takes_a_qtyless_order_only_as_a_whole_position_close() -> None:
    async with SimServer(sim_config(warmup_bars=300)) as server:
        venue = adapter_for(server)
        try:
            with pytest.raises(VenueError, match="Invalid orderQty"):
                await venue.rest.private("POST", "/order", body={
                    "symbol": "XBTUSD", "side": "Buy", "ordType": "Market"})
            with pytest.raises(VenueError, match="multiple of lot size"):
                await venue.rest.private("POST", "/order", body={
                    "symbol": "XBTUSD", "side": "Buy", "ordType": "Market", "orderQty": 150})
            await venue.rest.private("POST", "/order", body={
                "symbol": "XBTUSD", "side": "Buy", "ordType": "Market", "orderQty": 200})
            server.exchange.set_lot_size("XBTUSD", Decimal(1000))
            with pytest.raises(VenueError, match="multiple of lot size"):
                await venue.rest.private("POST", "/order", body={
                    "symbol": "XBTUSD", "side": "Sell", "ordType": "Market",
                    "orderQty": 200, "execInst": "ReduceOnly"})
            row = await venue.rest.private("POST", "/order", body={
                "symbol": "XBTUSD", "side": "Sell", "ordType": "Market", "execInst": "Close"})
            assert (row["ordStatus"], row["cumQty"]) == ("Filled", 200)
            assert server.exchange.venues["XBTUSD"].engine.position.qty == 0
        finally:
            await venue.close()
