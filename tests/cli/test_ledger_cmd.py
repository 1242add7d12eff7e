"""``plutarc positions|orders|trades|pnl|events`` against a real daemon with a trading paper bot."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from plutarc.cli.main import run
from tests.daemon.conftest import DaemonProcess, daemon_env
from tests.daemon.test_paper_parity import create_paper_bots, wait_replayed


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> object:
    assert run(argv) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_ledger_commands_answer_in_json_and_tables(
        home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PLUTARC_HOME", str(home))
    daemon = DaemonProcess(home).start()
    try:
        async def trade() -> str:
            async with daemon.client() as c:
                ids = await create_paper_bots(c, ["scalp_1m"], "speed=max;bars=900")
                await wait_replayed(c, list(ids.values()), 180)
                return ids["scalp_1m"]

        bot_id = asyncio.run(trade())
        trades = _json(capsys, ["trades", "--bot", "scalp-1m", "--limit", "10000", "--json"])
        assert isinstance(trades, list) and trades
        assert {"bot_id", "symbol", "direction", "net_pnl", "exit_reason"} <= set(trades[0])
        assert all(t["bot_id"] == bot_id for t in trades)

        by_bot = _json(capsys, ["pnl", "--json"])
        assert [r["bot"] for r in by_bot] == ["scalp-1m"]
        assert by_bot[0]["trades"] == len(trades)
        assert Decimal(by_bot[0]["net"]) == sum(Decimal(t["net_pnl"]) for t in trades)
        assert by_bot[0]["currency"] == "USDT"
        by_day = _json(capsys, ["pnl", "--by", "day", "--json"])
        assert sum(r["trades"] for r in by_day) == len(trades)
        assert all(len(r["day"]) == 10 for r in by_day)

        orders = _json(capsys, ["orders", "--bot", bot_id, "--limit", "10000", "--json"])
        assert orders and {"client_id", "status", "side", "qty"} <= set(orders[0])
        open_orders = _json(capsys, ["orders", "--open", "--json"])
        assert all(o["status"] in ("new", "partially_filled", "pending", "sent", "accepted")
                   or o["filled_qty"] != o["qty"] for o in open_orders)
        positions = _json(capsys, ["positions", "--json"])
        assert all(Decimal(p["qty"]) != 0 for p in positions)

        assert run(["trades", "--since", "2024-01-01", "--limit", "5"]) == 0
        table = capsys.readouterr().out
        assert "scalp-1m" in table and "Trades" in table
        assert run(["pnl", "--by", "week"]) == 2
        assert "--by 'week'" in capsys.readouterr().err
        assert run(["trades", "--since", "yesterday-ish"]) == 2

        events = _json(capsys, ["events", "--bot", "scalp-1m", "--severity", "info", "--json"])
        assert events and all(e["bot_id"] == bot_id for e in events)
    finally:
        daemon.signal(signal.SIGTERM)


def test_events_follow_tails_new_events_as_json_lines(home: Path) -> None:
    daemon = DaemonProcess(home).start()
    follower = subprocess.Popen(
        [sys.executable, "-X", "faulthandler", "-m", "plutarc", "events", "--follow", "--json",
         "--limit", "1"],
        env=daemon_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.0)  # attached

        async def act() -> None:
            async with daemon.client() as c:
                from plutarc.daemon.bot_config import BotSpec
                from tests.daemon.conftest import TEMPLATE, TEMPLATE_NAME

                await c.put_template(TEMPLATE_NAME, TEMPLATE)
                await c.create_bot(BotSpec(name="tailed", template=TEMPLATE_NAME, venue="idle",
                                           mode="paper", symbols=("BTCUSDT",)))

        asyncio.run(act())
        assert follower.stdout is not None
        deadline = time.monotonic() + 20
        seen = []
        while time.monotonic() < deadline:
            line = follower.stdout.readline()
            seen.append(json.loads(line))
            if any("tailed" in e["message"] for e in seen):
                break
        assert any("tailed: created" in e["message"] or "tailed" in e["message"] for e in seen)
    finally:
        follower.send_signal(signal.SIGINT)
        # communicate, not wait: it drains the pipe, so a follower still writing the events
        # that arrived meanwhile cannot block on a full pipe and look like a hang
        try:
            _, err = follower.communicate(timeout=30)
        except subprocess.TimeoutExpired:  # a hang: faulthandler prints where each thread is
            follower.send_signal(signal.SIGABRT)
            _, err = follower.communicate(timeout=30)
            err = f"still running 30 s after Ctrl-C; its threads then:\n{err}"
        daemon.signal(signal.SIGTERM)
    assert follower.returncode == 0, err  # Ctrl-C ends --follow quietly


def test_bot_list_carries_position_pnl_and_state_reason(
        home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PLUTARC_HOME", str(home))
    daemon = DaemonProcess(home).start()
    try:
        async def trade() -> None:
            async with daemon.client() as c:
                ids = await create_paper_bots(c, ["scalp_1m"], "speed=max;bars=900")
                await wait_replayed(c, list(ids.values()), 180)
                await c.bot_action("scalp-1m", "pause")

        asyncio.run(trade())
        trades = _json(capsys, ["trades", "--limit", "10000", "--json"])
        positions = _json(capsys, ["positions", "--json"])
        [row] = _json(capsys, ["bot", "list", "--json"])
        assert row["name"] == "scalp-1m" and row["state"] == "paused"
        assert "state_reason" in row
        [money] = row["pnl"]
        assert money["currency"] == "USDT" and money["trades"] == len(trades)
        assert Decimal(money["realised"]) == sum(Decimal(t["net_pnl"]) for t in trades)
        assert [(p["symbol"], p["qty"]) for p in row["positions"]] == [
            (p["symbol"], p["qty"]) for p in positions]
        assert run(["bot", "list"]) == 0
        table = capsys.readouterr().out
        assert all(len(line) <= 80 for line in table.splitlines())
        assert "scalp-1m" in table and "paused" in table and "USDT" in table
    finally:
        daemon.signal(signal.SIGTERM)
