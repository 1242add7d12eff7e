"""Kill switch, operator holds, stop with a position choice, dust and health: a REAL daemon."""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

import tests.daemon.conftest as daemon_conftest
from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.client import DaemonClient
from plutarc.daemon.errors import InvalidTransition, NotFound
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.store import DaemonStore
from plutarc.errors import UsageError
from plutarc.models import Fill, Liquidity, OrderRequest, OrderStatus, OrderType, Position, Side
from plutarc.models.events import EventKind, Severity
from tests.daemon.conftest import TEMPLATE, TEMPLATE_NAME, DaemonProcess, short_home

PLUGINS = "tests.daemon.plugin_workers,tests.risk.plugin_workers"


def _env(home: Path) -> dict[str, str]:
    env = _plain_env(home)
    env["PLUTARC_WORKER_MODULES"] = PLUGINS
    return env


_plain_env = daemon_conftest.daemon_env


@pytest.fixture(scope="module")
def daemon() -> Iterator[DaemonProcess]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(daemon_conftest, "daemon_env", _env)
        home = short_home()
        proc = DaemonProcess(home).start()
        yield proc
        if proc.proc is not None and proc.proc.poll() is None:
            proc.signal(signal.SIGTERM)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def home() -> Iterator[Path]:
    path = short_home()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
async def client(daemon: DaemonProcess):
    async with daemon.client(timeout_s=60) as c:
        await c.put_template(TEMPLATE_NAME, TEMPLATE)
        yield c


def spec(name: str, venue: str = "idle", account: str = "") -> BotSpec:
    return BotSpec(name=name, template=TEMPLATE_NAME, venue=venue, mode="paper",
                   account=account, symbols=("BTCUSDT",))


async def settled(client: DaemonClient, ref: str, state: BotState, timeout_s: float = 10.0):
    deadline = time.monotonic() + timeout_s
    while (bot := await client.get_bot(ref)).state is not state:
        assert time.monotonic() < deadline, f"{ref} is {bot.state}, expected {state}"
        await asyncio.sleep(0.02)
    return bot


def put_position(daemon: DaemonProcess, bot_id: str, qty: str, with_fill: bool = True) -> None:
    """A position in the ledger, as a worker would have stored it (with its fill)."""
    store = DaemonStore.open(daemon.paths.database)
    try:
        cid = f"{bot_id}-BTCUSDT-0000009-entry"
        if with_fill:
            request = OrderRequest(cid, "BTCUSDT", Side.BUY, OrderType.MARKET, Decimal(qty),
                                   tag="entry")
            store.orders.journal(bot_id, request, 1_000)
            store.orders.mark_sent(cid, 1_000)
            store.orders.mark_acked(cid, "V9", OrderStatus.FILLED, 1_000)
            store.fills.record(bot_id, Fill(f"f-{bot_id}", cid, "V9", "BTCUSDT", Side.BUY,
                                            Decimal(qty), Decimal(42000), Decimal("0.01"),
                                            "USDT", Liquidity.TAKER, 1_000))
        store.positions.upsert(bot_id, Position("BTCUSDT", Decimal(qty), Decimal(42000)))
    finally:
        store.close()


def cli(daemon: DaemonProcess, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "plutarc", *args], input=stdin,
                          env=_plain_env(daemon.home), capture_output=True, text=True,
                          timeout=60)


# ----- operator holds -------------------------------------------------------------------
async def test_a_rejected_order_pauses_the_bot_until_an_operator_clears_it(
        daemon: DaemonProcess, client: DaemonClient) -> None:
    bot = await client.create_bot(spec("held", venue="rejecty"), start=True)
    held = await settled(client, bot.id, BotState.PAUSED)
    assert "OrderRejected" in (held.needs_operator or "")
    assert held.state_reason.startswith("needs operator: ")
    [order] = await client.orders(bot=bot.id)
    assert order.status.value == "rejected" and "below the minimum" in order.reason
    alerts = await client.events(bot=bot.id, kinds=[EventKind.ALERT])
    assert alerts[-1].severity is Severity.ERROR and alerts[-1].data["needs_operator"]

    with pytest.raises(InvalidTransition, match="needs an operator .*plutarc bot clear held"):
        await client.bot_action("held", "resume")
    assert (await client.get_bot("held")).state is BotState.PAUSED  # nothing changed

    cleared = await client.clear_bot("held")
    assert cleared.state is BotState.ONLINE and cleared.needs_operator is None
    audit = await client.audit(target=bot.id)
    assert audit[-1].action == "bot.clear" and audit[-1].before["needs_operator"]
    with pytest.raises(InvalidTransition, match="not waiting for an operator"):
        await client.clear_bot("held")
    with pytest.raises(NotFound):
        await client.clear_bot("nobody")
    assert len(await client.orders(bot=bot.id)) == 1  # never re-sent
    await client.stop_bot("held")


def test_a_held_bot_stays_paused_across_a_daemon_restart(home: Path) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(daemon_conftest, "daemon_env", _env)
        first = DaemonProcess(home).start()

        async def hold() -> str:
            async with first.client() as c:
                await c.put_template(TEMPLATE_NAME, TEMPLATE)
                bot = await c.create_bot(spec("held-restart", venue="rejecty"), start=True)
                await settled(c, bot.id, BotState.PAUSED)
                return bot.id

        bot_id = asyncio.run(hold())
        first.signal(signal.SIGTERM)
        second = DaemonProcess(home).start()

    async def after() -> None:
        async with second.client() as c:
            await asyncio.sleep(1.0)  # long enough for a wrongly resumed bot to come online
            bot = await settled(c, bot_id, BotState.PAUSED)
            assert bot.needs_operator is not None
            with pytest.raises(InvalidTransition, match="needs an operator"):
                await c.bot_action(bot_id, "resume")
            assert len(await c.orders(bot=bot_id)) == 1
            assert (await c.clear_bot(bot_id)).state is BotState.ONLINE

    try:
        asyncio.run(after())
    finally:
        second.kill()


# ----- stop with a position --------------------------------------------------------------
async def test_stopping_a_bot_with_a_position_needs_flatten_or_leave(
        daemon: DaemonProcess, client: DaemonClient) -> None:
    bot = await client.create_bot(spec("holder"), start=True)
    await settled(client, bot.id, BotState.ONLINE)
    put_position(daemon, bot.id, "0.25")
    audit_before = await client.audit(target=bot.id)

    with pytest.raises(UsageError, match=r"open positions \(BTCUSDT 0.25\): say what to do"):
        await client.stop_bot("holder")
    result = cli(daemon, "bot", "stop", "holder")
    assert result.returncode == 2 and "use --flatten or --leave" in result.stderr
    result = cli(daemon, "bot", "stop", "holder", "--flatten", "--leave")
    assert result.returncode == 2 and "exclude each other" in result.stderr
    assert (await client.get_bot("holder")).state is BotState.ONLINE
    assert await client.audit(target=bot.id) == audit_before  # nothing changed

    result = cli(daemon, "bot", "stop", "holder", "--leave", "--json")
    assert result.returncode == 0, result.stderr
    assert (await client.get_bot("holder")).state is BotState.STOPPED
    assert [p.qty for p in await client.positions(bot=bot.id)] == [Decimal("0.25")]
    actions = [a.action for a in await client.audit(target=bot.id)]
    assert actions[-2:] == ["bot.stop", "bot.stop.leave"]

    report = await client.health()
    retired = [f for f in report.findings if f.check == "retired" and f.bot_id == bot.id]
    assert retired and "left open by an operator" in retired[0].message
    assert not report.ok


async def test_stop_flatten_closes_a_paper_position_before_stopping(
        client: DaemonClient) -> None:
    await client.put_template("scalp_1m", (daemon_conftest.TEMPLATES / "scalp_1m.toml")
                              .read_text())
    bot = await client.create_bot(BotSpec(
        name="flattener", template="scalp_1m", venue="sim", mode="paper",
        account="speed=300;bars=4000", symbols=("BTCUSDT",)), start=True)
    for _attempt in range(5):
        deadline = time.monotonic() + 60
        while not await client.positions(bot=bot.id):
            assert time.monotonic() < deadline, "the paper bot opened no position"
            await asyncio.sleep(0.02)
        stopped = await client.stop_bot(bot.id, "flatten", wait_s=20)
        if any(a.action == "bot.stop.flatten" for a in await client.audit(target=bot.id)):
            break  # else the position closed by itself just before: try the next one
        await client.bot_action(bot.id, "start")
    assert stopped.state is BotState.STOPPED
    assert await client.positions(bot=bot.id) == []
    row = next(a for a in await client.audit(target=bot.id) if a.action == "bot.stop.flatten")
    assert row.before["positions"] and row.after["positions"] == []
    trades = await client.trades(bot=bot.id, limit=1000)
    assert trades[-1].exit_reason == "flatten requested"


# ----- kill switch ---------------------------------------------------------------------
async def test_panic_pauses_every_running_bot_and_reports_what_it_cannot_close(
        daemon: DaemonProcess, client: DaemonClient) -> None:
    a = await client.create_bot(spec("panic-a"), start=True)
    b = await client.create_bot(spec("panic-b"), start=True)
    await settled(client, a.id, BotState.ONLINE)
    await settled(client, b.id, BotState.ONLINE)
    await client.bot_action("panic-b", "pause")
    idle = await client.create_bot(spec("panic-stopped"))
    put_position(daemon, idle.id, "0.5", with_fill=False)

    result = cli(daemon, "panic", stdin="n\n")
    assert result.returncode == 1 and "aborted" in result.stderr
    assert (await client.get_bot("panic-a")).state is BotState.ONLINE  # nothing changed

    report = await client.panic("test drill")
    assert {"panic-a", "panic-b"} <= set(report.halted)
    assert [(x.bot, x.qty) for x in report.left_open if x.bot == "panic-stopped"] == [
        ("panic-stopped", "0.5")]
    for ref in ("panic-a", "panic-b"):
        bot = await client.get_bot(ref)
        assert bot.state is BotState.PAUSED and bot.state_reason == "kill switch"
        assert (await client.audit(target=bot.id))[-1].action == "bot.kill_switch"
    summary = [r for r in await client.audit(target="*") if r.action == "kill_switch"]
    assert summary[-1].before == {"note": "test drill"}
    alert = (await client.events(kinds=[EventKind.ALERT]))[-1]
    assert alert.severity is Severity.CRITICAL and alert.data["kill_switch"]
    activity = await client.events(bot=a.id, kinds=[EventKind.ACTIVITY])
    assert any("flatten requested" in e.message for e in activity)

    result = cli(daemon, "panic", "--yes", "--json")  # panic-stopped still holds 0.5
    assert result.returncode == 1 and '"halted"' in result.stdout
    assert '"verified": false' in result.stdout and "panic-stopped (stopped) holds 0.5" in (
        result.stdout)


# ----- dust and health -----------------------------------------------------------------
async def test_dust_is_listed_and_closed_only_when_asked(
        daemon: DaemonProcess, client: DaemonClient) -> None:
    bot = await client.create_bot(spec("dusty", venue="sim"))
    put_position(daemon, bot.id, "0.000000001", with_fill=False)  # under the 1e-8 lot
    big = await client.create_bot(spec("not-dust", venue="sim"))
    put_position(daemon, big.id, "0.1", with_fill=False)

    dust = await client.dust()
    assert [(d.bot, d.qty, d.min_qty) for d in dust] == [
        ("dusty", Decimal("1E-9"), Decimal("1E-8"))]
    listed = cli(daemon, "ops", "dust", "--json")
    assert listed.returncode == 0 and '"bot": "dusty"' in listed.stdout
    refused = cli(daemon, "ops", "close-dust", "--bot", "dusty", stdin="n\n")
    assert refused.returncode == 1 and await client.dust() == dust  # nothing changed
    bad = cli(daemon, "ops", "dust", "--bot", "nobody")
    assert bad.returncode == 2 and "no bot named or with id 'nobody'" in bad.stderr

    closed = cli(daemon, "ops", "close-dust", "--bot", "dusty", "--yes")
    assert closed.returncode == 0, closed.stderr
    assert await client.dust() == []
    assert [p.qty for p in await client.positions(bot=big.id)] == [Decimal("0.1")]
    assert (await client.audit(target=bot.id))[-1].action == "ops.close_dust"


async def test_dust_of_a_running_bot_is_not_closed(daemon: DaemonProcess,
                                                   client: DaemonClient) -> None:
    bot = await client.create_bot(spec("dusty-running", venue="sim",
                                       account="speed=1;bars=10"), start=True)
    await settled(client, bot.id, BotState.ONLINE)
    put_position(daemon, bot.id, "0.000000002", with_fill=False)
    with pytest.raises(InvalidTransition, match="running bots \\(dusty-running\\): stop them"):
        await client.close_dust("dusty-running")
    assert [d.bot for d in await client.dust("dusty-running")] == ["dusty-running"]
    await client.stop_bot(bot.id, "leave")


async def test_health_reports_a_position_its_fills_do_not_explain(
        daemon: DaemonProcess, client: DaemonClient) -> None:
    bot = await client.create_bot(spec("mismatch"))
    put_position(daemon, bot.id, "0.3")  # filled 0.3: consistent
    assert not [f for f in (await client.health()).findings
                if f.check == "positions" and f.bot_id == bot.id]
    put_position(daemon, bot.id, "0.4", with_fill=False)  # the fill for 0.1 is missing
    findings = [f for f in (await client.health()).findings
                if f.check == "positions" and f.bot_id == bot.id]
    assert findings and "position 0.4 but its fills sum to 0.3" in findings[0].message
    result = cli(daemon, "ops", "health", "--json")
    assert result.returncode == 1 and "fills sum to 0.3" in result.stdout


# ----- account limits -------------------------------------------------------------------
async def test_account_limits_refuse_bad_input_and_are_audited(
        daemon: DaemonProcess, client: DaemonClient) -> None:
    before = await client.account_risk()
    with pytest.raises(UsageError, match="must be below max_drawdown_pct 5"):
        await client.put_account_risk("sim", "", {"max_drawdown_pct": "5",
                                                  "drawdown_hysteresis_pct": "6"})
    with pytest.raises(UsageError, match="max_drawdown"):
        await client.put_account_risk("sim", "", {"max_drawdown": "5"})
    assert await client.account_risk() == before
    entry = await client.put_account_risk("sim", "acct-x", {"max_drawdown_pct": "10"})
    assert entry.limits.max_drawdown_pct == Decimal(10)
    assert (await client.audit(target="sim/acct-x"))[-1].action == "risk.account"


# ----- the gate on the paper order path ---------------------------------------------------
async def test_a_paper_bot_over_its_limits_journals_no_entry_and_says_why(
        client: DaemonClient) -> None:
    from plutarc.daemon.bot_config import RiskLimits

    await client.put_template("scalp_1m", (daemon_conftest.TEMPLATES / "scalp_1m.toml")
                              .read_text())
    bot = await client.create_bot(BotSpec(
        name="capped", template="scalp_1m", venue="sim", mode="paper",
        account="speed=max;bars=600", symbols=("BTCUSDT",),
        risk=RiskLimits(max_position_notional=Decimal(1000))), start=True)  # entries are 2000
    deadline = time.monotonic() + 60
    while not any(e.message.startswith("replay finished") for e in await client.events(
            bot=bot.id, kinds=[EventKind.ACTIVITY])):
        assert time.monotonic() < deadline, "the replay did not finish"
        await asyncio.sleep(0.1)
    blocked = await client.events(bot=bot.id, kinds=[EventKind.RISK], limit=1000)
    assert blocked and all(e.data["rule"] == "max_position_notional" for e in blocked)
    assert blocked[0].severity is Severity.WARNING and blocked[0].data["limit"] == "1000"
    assert await client.orders(bot=bot.id) == [] and await client.trades(bot=bot.id) == []
    decisions = await client.decisions(bot=bot.id, limit=1000)
    entries = [d for d in decisions if d.action.startswith("enter")]
    assert len(entries) == len(blocked)  # each entry decision met the gate once, no retry
    await client.stop_bot(bot.id)
