"""Template updates are opt-in per bot (issue 24), through a real daemon and the CLI: saving
a template moves no bot, ``bot list`` shows who runs an older version, ``bot update`` moves
one bot (or rolls it back with --to-version), a bad version changes nothing; and ``bot show``
gives uptime since the last start and the state history, and 'bot set --margin' the margin
mode."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path

import pytest

from plutarc.cli import output
from plutarc.cli.main import run
from plutarc.daemon.bot_config import BotSpec
from plutarc.models.events import EventKind
from tests.daemon.conftest import TEMPLATE, TEMPLATE_NAME, DaemonProcess

EDITED = TEMPLATE.replace("threshold = 1.0", "threshold = 0.9")


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> object:
    capsys.readouterr()
    assert run([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_template_updates_are_opt_in_per_bot(
        home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PLUTARC_HOME", str(home))
    daemon = DaemonProcess(home).start()

    async def setup() -> None:
        async with daemon.client() as c:
            await c.put_template(TEMPLATE_NAME, TEMPLATE)
            for name in ("mover", "stayer"):
                await c.create_bot(BotSpec(name=name, template=TEMPLATE_NAME, venue="idle",
                                           mode="paper", symbols=("BTCUSDT",)), start=True)
            await c.put_template(TEMPLATE_NAME, EDITED)  # v2: nobody moves

    async def applied(name: str) -> list[dict]:
        async with daemon.client() as c:
            events = await c.events(bot=name, kinds=[EventKind.ACTIVITY], limit=100)
            return [e.data for e in events if e.message.startswith("applied configuration")]

    try:
        asyncio.run(setup())
        listed = {b["name"]: b for b in _json(capsys, ["bot", "list"])}
        for name in ("mover", "stayer"):
            assert (listed[name]["template_version"], listed[name]["template_latest"]) == (1, 2)
            assert listed[name]["template_outdated"] is True
        assert asyncio.run(applied("mover")) == []
        capsys.readouterr()
        # room for the template column: the console's width is set, not $COLUMNS, which rich
        # reads once when the console is made (an earlier test in this process may have)
        was = output.console._width
        output.console.width = 250
        try:
            assert run(["bot", "list"]) == 0
        finally:
            output.console._width = was
        assert f"{TEMPLATE_NAME} v1 (v2 saved)" in capsys.readouterr().out

        assert run(["bot", "update", "mover"]) == 0
        assert f"template {TEMPLATE_NAME} v1 -> v2" in capsys.readouterr().out
        listed = {b["name"]: b for b in _json(capsys, ["bot", "list"])}
        assert listed["mover"]["template_version"] == 2
        assert listed["mover"]["template_outdated"] is False
        assert listed["stayer"]["template_version"] == 1  # the other bot is untouched
        [change] = asyncio.run(applied("mover"))  # the worker got v2
        assert change["template_version"] == 2
        assert asyncio.run(applied("stayer")) == []

        assert run(["bot", "update", "mover", "--to-version", "1"]) == 0  # a rollback
        assert "v2 -> v1 (latest v2)" in capsys.readouterr().out
        assert [c["template_version"] for c in asyncio.run(applied("mover"))] == [2, 1]

        assert run(["bot", "update", "mover", "--to-version", "7"]) != 0
        assert "has no version 7 (stored versions: v1, v2)" in capsys.readouterr().err
        assert run(["bot", "update", "mover", "--to-version", "0"]) != 0
        capsys.readouterr()
        assert len(asyncio.run(applied("mover"))) == 2  # refused: nothing moved
        shown = _json(capsys, ["bot", "show", "mover"])
        assert shown["template_version"] == 1 and shown["detail"]["template_latest"] == 2

        # A restarted daemon starts each bot on its pinned version.
        assert daemon.signal(signal.SIGTERM) == 0
        daemon.start()
        listed = {b["name"]: b for b in _json(capsys, ["bot", "list"])}
        assert (listed["mover"]["template_version"], listed["stayer"]["template_version"]) == (
            1, 1)
    finally:
        daemon.signal(signal.SIGTERM)


def test_bot_show_gives_uptime_and_state_history(
        home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PLUTARC_HOME", str(home))
    daemon = DaemonProcess(home).start()

    async def setup() -> None:
        async with daemon.client() as c:
            await c.put_template(TEMPLATE_NAME, TEMPLATE)
            await c.create_bot(BotSpec(name="up", template=TEMPLATE_NAME, venue="idle",
                                       mode="paper", symbols=("BTCUSDT",)), start=True)

    try:
        asyncio.run(setup())
        assert run(["bot", "pause", "up"]) == 0
        detail = _json(capsys, ["bot", "show", "up"])["detail"]
        moves = [(c["from_state"], c["to_state"]) for c in detail["history"]]
        assert moves == [(None, "stopped"), ("stopped", "deploying"), ("deploying", "online"),
                         ("online", "paused")]
        started = detail["history"][1]["ts_ms"]
        assert detail["running_since_ms"] == started
        assert detail["uptime_s"] >= 0 and detail["heartbeat_age_s"] is not None
        assert detail["template_version"] == detail["template_latest"] == 1
        capsys.readouterr()
        assert run(["bot", "show", "up"]) == 0
        out = capsys.readouterr().out
        assert "uptime" in out and "State history" in out and "paused" in out

        # Margin mode from the CLI: bad input changes nothing; a flat bot takes it.
        assert run(["bot", "set", "up", "--margin", "crossed"]) == 2
        assert "--margin must be cross or isolated" in capsys.readouterr().err
        assert run(["bot", "set", "up", "--margin", "isolated"]) == 0
        assert "up: set margin isolated" in capsys.readouterr().out
        assert _json(capsys, ["bot", "show", "up"])["margin_mode"] == "isolated"

        assert run(["bot", "stop", "up"]) == 0
        detail = _json(capsys, ["bot", "show", "up"])["detail"]
        assert detail["uptime_s"] is None and detail["running_since_ms"] is None
        assert detail["history"][-1]["to_state"] == "stopped"
        assert run(["bot", "start", "up"]) == 0
        detail = _json(capsys, ["bot", "show", "up"])["detail"]
        assert detail["running_since_ms"] > started  # counted from the last start
        assert _json(capsys, ["bot", "show", "up"])["detail"]["history"][-1]["to_state"] in (
            "online", "deploying")
    finally:
        daemon.signal(signal.SIGTERM)
