"""``plutarc bot set``: risk limits, symbols and parameters changed hot, audited, validated."""

from __future__ import annotations

import asyncio
import signal
import tomllib
from pathlib import Path

import pytest

from plutarc.cli.main import run
from plutarc.daemon.bot_config import BotSpec
from tests.daemon.conftest import TEMPLATE, TEMPLATE_NAME, DaemonProcess


def test_bot_set_changes_risk_symbols_and_params_and_refuses_bad_input(
        home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PLUTARC_HOME", str(home))
    daemon = DaemonProcess(home).start()

    async def setup() -> str:
        async with daemon.client() as c:
            await c.put_template(TEMPLATE_NAME, TEMPLATE)
            for name in ("tuned", "other"):
                bot = await c.create_bot(BotSpec(name=name, template=TEMPLATE_NAME,
                                                 venue="idle", mode="paper",
                                                 symbols=("BTCUSDT",)), start=True)
            return bot.id

    async def state() -> tuple:
        async with daemon.client() as c:
            bot = await c.get_bot("tuned")
            other = await c.get_bot("other")
            risk = await c.get_risk("tuned")
            template = await c.get_template(bot.template)
            shared = await c.get_template(TEMPLATE_NAME)
            audit = await c.audit(limit=50)
            return bot, other, risk, template, shared, audit

    try:
        asyncio.run(setup())
        assert run(["bot", "set", "tuned", "--risk", "max_leverage=2",
                    "--risk", "max_daily_loss=150"]) == 0
        assert "tuned: set risk max_leverage, max_daily_loss" in capsys.readouterr().out
        assert run(["bot", "set", "tuned", "--symbols", "BTCUSDT,ETHUSDT"]) == 0
        assert run(["bot", "set", "tuned", "--param", "hard_stop_loss.stop_pct=2.5",
                    "--param", "threshold=0.4"]) == 0
        capsys.readouterr()
        bot, other, risk, template, shared, audit = asyncio.run(state())
        assert str(risk.max_leverage) == "2" and str(risk.max_daily_loss) == "150"
        assert bot.symbols == ("BTCUSDT", "ETHUSDT")
        assert bot.template == f"bot_{bot.id}" and other.template == TEMPLATE_NAME
        own = tomllib.loads(template.toml)
        stop = next(c for c in own["components"] if c["id"] == "hard_stop_loss")
        assert stop["params"]["stop_pct"] == 2.5 and own["threshold"] == 0.4
        assert shared.toml == TEMPLATE and shared.version == 1  # other bots untouched
        actions = [f"{a.action} {a.target}" for a in audit]
        assert f"template.put bot_{bot.id}" in actions  # risk, symbols, template switch:
        assert actions.count(f"bot.config {bot.id}") == 3, actions

        assert run(["bot", "set", "tuned", "--param", "hard_stop_loss.stop_pct=1.5"]) == 0
        assert f"template bot_{bot.id} v2" in capsys.readouterr().out
        assert asyncio.run(state())[0].template == f"bot_{bot.id}"

        for argv, said in (
                (["--risk", "max_levrage=2"], "did you mean 'max_leverage'"),
                (["--risk", "max_leverage=nan"], "max_leverage"),
                (["--risk", "max_leverage"], "give key=value"),
                (["--param", "hard_stop_los.stop_pct=2"], "did you mean 'hard_stop_loss'"),
                (["--param", "hard_stop_loss.stop_pct=-1"], "stop_pct"),
                (["--symbols", "btc usd"], "symbol"),
                ([], "nothing to set")):
            code = run(["bot", "set", "tuned", *argv])
            err = capsys.readouterr().err
            assert code in (2, 4), (argv, code, err)
            assert said in err, (argv, err)
        bot_after, _, risk_after, template_after, _, _ = asyncio.run(state())
        assert risk_after == risk and bot_after.symbols == ("BTCUSDT", "ETHUSDT")
        assert template_after.version == 2  # the refused changes stored nothing
    finally:
        daemon.signal(signal.SIGTERM)
