"""Where a bot's risk limit binds, the backtest still trades like the paper bot (issue 15, 6).

scalp_1m sized at 25,000 USDT a trade on the paper account's 10,000: 2.5x at first, and over
the max_leverage of 3 (a bot's default) once losses take the equity under 8,333. From then
on the bot's risk gate refuses its entries; a backtest without the gate kept trading (295
trades against the bot's 49 on these three days)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from plutarc.backtest.data import load_candles
from plutarc.backtest.instruments import generic_instrument
from plutarc.backtest.runner import run_backtest
from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.paper.legs import PAPER_CASH, PAPER_SIM_CONFIG
from plutarc.daemon.paper.replay import DEFAULT_FILES
from plutarc.strategy.template import parse_template
from plutarc.strategy.template_catalog import load_template
from tests.daemon.conftest import TEMPLATES, DaemonProcess
from tests.daemon.test_paper_parity import BARS, trade_key, wait_replayed

NAME = "scalp_big"


def _toml() -> str:
    text = (TEMPLATES / "scalp_1m.toml").read_text()
    assert 'name = "scalp_1m"' in text and "value = 2000.0" in text
    return text.replace('name = "scalp_1m"', f'name = "{NAME}"').replace(
        "value = 2000.0", "value = 25000.0")


def test_a_binding_leverage_limit_refuses_the_same_entries_in_bot_and_backtest(
        home: Path) -> None:
    daemon = DaemonProcess(home).start()

    async def scenario() -> list:
        async with daemon.client() as client:
            await client.put_template(NAME, _toml())
            spec = BotSpec(name="scalp-big", template=NAME, venue="sim", mode="paper",
                           account=f"speed=max;bars={BARS}", symbols=("BTCUSDT",))
            bot_id = (await client.create_bot(spec, start=True)).id
            await wait_replayed(client, [bot_id], 120)
            return await client.trades(bot=bot_id, limit=1000)

    try:
        paper = asyncio.run(scenario())
    finally:
        daemon.kill()
    bars = load_candles(DEFAULT_FILES["BTCUSDT"], use_cache=False).bars.slice(0, BARS)
    raw = load_template("scalp_1m").model_dump(mode="json")
    raw["name"], raw["sizing"]["value"] = NAME, 25000.0
    outcome = run_backtest(parse_template(raw, f"{NAME}.toml"), bars,
                           generic_instrument("BTCUSDT"), PAPER_SIM_CONFIG, PAPER_CASH)
    assert [trade_key(t) for t in paper] == [trade_key(t) for t in outcome.trades]
    assert len(outcome.trades) > 10 and outcome.risk_refusals["max_leverage"] > 0
    reasons = [r for rs in outcome.overrides.values() for r in rs]
    assert any(r.startswith("risk: entry refused: max_leverage") for r in reasons)
