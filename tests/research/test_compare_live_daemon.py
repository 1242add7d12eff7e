"""compare-live against a real paper bot in a real daemon: a bot that matched its backtest
is reported identical, decision by decision."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from plutarc.cli.main import run
from plutarc.daemon.bot_config import BotSpec
from tests.daemon.conftest import TEMPLATES, DaemonProcess
from tests.daemon.test_paper_parity import wait_replayed

BARS = 3 * 1440


def test_paper_bot_that_matched_its_backtest_is_identical(tmp_path: Path, monkeypatch,
                                                          capsys) -> None:
    home = tmp_path / "home"
    daemon = DaemonProcess(home).start()

    async def scenario() -> None:
        async with daemon.client() as client:
            await client.put_template("trend_following",
                                      (TEMPLATES / "trend_following.toml").read_text())
            spec = BotSpec(name="trend", template="trend_following", venue="sim",
                           mode="paper", account=f"speed=max;bars={BARS}",
                           symbols=("BTCUSDT",))
            bot_id = (await client.create_bot(spec, start=True)).id
            await wait_replayed(client, [bot_id], 120)

    try:
        asyncio.run(scenario())
        monkeypatch.setenv("PLUTARC_HOME", str(home))
        code = run(["research", "compare-live", "trend", "--json"])
    finally:
        daemon.kill()
    captured = capsys.readouterr()
    assert code == 0, captured.err
    out = json.loads(captured.out)
    assert out["identical"], out["divergences"][:3]
    assert out["compared"] == out["matched"] >= 60
