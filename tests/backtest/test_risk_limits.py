"""Backtests run a bot's risk gate with a bot's defaults, or as told (issue 15, item 6).

reference_ema_cross trades a fixed 1 BTC (about 42,000 USDT in January 2024): on 10,000 of
cash that is over the default max_leverage of 3, so a bot refuses every entry; the backtest
now says so, and runs ungated only when asked. The paper-bot comparison is
tests/daemon/test_risk_parity.py."""

import json

import pytest

from plutarc.cli.main import run
from tests.helpers import BTC_1M

ARGS = ["backtest", "run", "reference_ema_cross", "--data", str(BTC_1M), "--to", "2024-01-03",
        "--no-margin", "--json"]


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("PLUTARC_HOME", str(tmp_path / "home"))
    return tmp_path


def _run(capsys, *extra: str) -> dict:
    assert run([*ARGS, *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_bots_default_limits_refuse_what_a_bot_would_refuse(home, capsys):
    result = _run(capsys)
    m = result["metrics"]
    assert m["trades"] == 0 and m["risk_refusals"]["max_leverage"] > 0
    assert m["skip_reasons"]["risk"] == m["risk_refusals"]["max_leverage"]
    assert m["risk_limits"]["max_leverage"] == "3"  # stated with the result
    assert any(n.startswith("risk gate as a bot's: max_leverage 3") for n in result["notes"])


def test_limits_can_be_changed_or_turned_off(home, capsys):
    loose = _run(capsys, "--risk", "max_leverage=100")["metrics"]
    assert loose["risk_limits"]["max_leverage"] == "100" and loose["trades"] > 5
    assert loose["risk_refusals"] == {}
    off = _run(capsys, "--no-risk-limits")
    assert off["metrics"]["risk_limits"] is None and off["metrics"]["trades"] == loose["trades"]
    assert "risk gate off: no bot risk limit applied" in off["notes"]


@pytest.mark.parametrize(("extra", "message"), [
    (["--risk", "max_levrage=5"], "did you mean 'max_leverage'"),
    (["--risk", "max_leverage"], "KEY=VALUE"),
    (["--risk", "max_leverage=0"], "--risk max_leverage"),
    (["--risk", "max_daily_loss=100"], "max_daily_loss"),
    (["--risk", "max_leverage=5", "--no-risk-limits"], "one or the other"),
])
def test_bad_risk_options_give_one_clear_line(home, capsys, extra, message):
    assert run([*ARGS, *extra]) != 0
    assert message in capsys.readouterr().err
