"""``plutarc template push`` and ``bot create`` storing the template a bot needs."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path

import pytest

from plutarc.cli.main import run
from tests.daemon.conftest import TEMPLATES, DaemonProcess


async def _versions(daemon: DaemonProcess, name: str) -> int | None:
    async with daemon.client() as c:
        return {t.name: t.version for t in await c.list_templates()}.get(name)


def test_push_stores_then_versions_and_refuses_a_bad_file_storing_nothing(
        home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    monkeypatch.setenv("PLUTARC_HOME", str(home))
    daemon = DaemonProcess(home).start()
    try:
        assert run(["template", "push", "trend_following"]) == 0
        assert "stored template trend_following v1" in capsys.readouterr().out
        mine = tmp_path / "fast_trend.toml"
        text = (TEMPLATES / "trend_following.toml").read_text()
        mine.write_text(text.replace('name = "trend_following"', 'name = "fast_trend"', 1))
        assert run(["template", "push", str(mine), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["version"] == 1
        assert run(["template", "push", str(mine)]) == 0
        assert "fast_trend v1 unchanged" in capsys.readouterr().out
        mine.write_text(mine.read_text().replace("\n", "\n# tuned\n", 1))
        assert run(["template", "push", str(mine)]) == 0
        assert "stored template fast_trend v2" in capsys.readouterr().out
        assert asyncio.run(_versions(daemon, "fast_trend")) == 2

        bad = tmp_path / "broken.toml"
        bad.write_text(text.replace('name = "trend_following"', 'name = "broken"', 1)
                       .replace("[[components]]", "[[components]]\nnonsense_key = 1", 1))
        assert run(["template", "push", str(bad)]) == 4
        assert "nonsense_key" in capsys.readouterr().err
        assert asyncio.run(_versions(daemon, "broken")) is None
    finally:
        daemon.signal(signal.SIGTERM)


def test_bot_create_stores_a_shipped_template_on_a_fresh_daemon(
        home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PLUTARC_HOME", str(home))
    daemon = DaemonProcess(home).start()
    try:
        assert asyncio.run(_versions(daemon, "mean_reversion")) is None
        assert run(["bot", "create", "mr", "--template", "mean_reversion", "--venue", "sim",
                    "--symbol", "BTCUSDT"]) == 0
        assert "stored template mean_reversion v1" in capsys.readouterr().err
        assert asyncio.run(_versions(daemon, "mean_reversion")) == 1
        # Already stored: used as it is (no new version that would hot-reload running bots).
        assert run(["bot", "create", "mr2", "--template", "mean_reversion", "--venue", "sim",
                    "--symbol", "BTCUSDT"]) == 0
        assert asyncio.run(_versions(daemon, "mean_reversion")) == 1
        assert run(["bot", "create", "x", "--template", "mean_reversoin", "--venue", "sim",
                    "--symbol", "BTCUSDT"]) == 4
        assert "did you mean 'mean_reversion'" in capsys.readouterr().err
    finally:
        daemon.signal(signal.SIGTERM)
