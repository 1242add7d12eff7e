"""A backtest that runs out of margin refuses the order and goes on (issue 15, item 5).

It used to stop with exit 1 at the first order the margin could not cover, losing the run
(``backtest run scalp_1m`` on the 2024 year of 1m stopped on 2024-01-27). Reproduced on the
bundled 14 days with a starting cash the scalp's 2,000 USDT orders soon outgrow."""

import json

import pytest

from plutarc.cli.main import run
from tests.helpers import BTC_1M


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("PLUTARC_HOME", str(tmp_path / "home"))
    return tmp_path


def test_orders_margin_cannot_cover_are_refused_counted_and_the_run_is_stored(home, capsys):
    code = run(["backtest", "run", "scalp_1m", "--data", str(BTC_1M), "--cash", "2050",
                "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    m = result["metrics"]
    refused = m["orders_refused"]["margin"]
    assert refused > 0
    # every refused order was an entry: each is a skip reason of its decision
    assert m["skip_reasons"]["margin"] == refused
    assert m["trades"] > 0  # it traded until the money ran out
    assert m["ruined_at_ms"] is not None
    note = next(n for n in result["notes"] if "refused for margin" in n)
    assert note.startswith(f"{refused} orders refused for margin") and "account ruined at" in note
    # the run is stored: it can be reopened
    assert run(["backtest", "show", str(result["id"]), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["metrics"]["orders_refused"] == {"margin": refused}


def test_without_margin_checks_nothing_is_refused(home, capsys):
    code = run(["backtest", "run", "scalp_1m", "--data", str(BTC_1M), "--cash", "2050",
                "--no-margin", "--to", "2024-01-03", "--json"])
    assert code == 0
    m = json.loads(capsys.readouterr().out)["metrics"]
    assert m["orders_refused"] == {} and m["ruined_at_ms"] is None and "margin" not in (
        m["skip_reasons"])
