"""A position still open when the data ends is reported (issue 15, item 7): marked to the last
close and labelled open, in the metrics, the JSON, the CSV and the HTML report."""

import csv
import json

import pytest

from plutarc.cli.main import run
from tests.helpers import BTC_1M, real_bars


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("PLUTARC_HOME", str(tmp_path / "home"))
    return tmp_path


def test_run_ending_in_a_position_reports_it_marked_and_labelled_open(home, capsys):
    # trend_following goes long at 2024-01-03 02:00 on the bundled data and still holds at 05:00
    html, trades_csv = home / "report.html", home / "trades.csv"
    code = run(["backtest", "run", "trend_following", "--data", str(BTC_1M), "--to",
                "2024-01-03T05:00", "--html", str(html), "--csv", str(trades_csv), "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    m = result["metrics"]
    with trades_csv.open() as fh:
        rows = list(csv.DictReader(fh))
    assert m["open_trades"] == 1 and result["trades"] == m["trades"] == len(rows) >= 1
    held = rows[-1]
    assert held["exit_reason"] == "open" and held["direction"] == "long"
    last_close = float(real_bars(2 * 1440 + 5 * 60).close[-1])  # the 04:59 candle
    assert float(held["exit_price"]) == pytest.approx(last_close, rel=1e-12)
    assert result["open_position"] == m["open_position"]
    assert m["open_position"]["mark_price"] == held["exit_price"]
    # its hold counts as exposure; the equity is marked to the same close (no exit fee)
    assert m["exposure_pct"] > 0
    assert sum(float(r["net_pnl"]) for r in rows) == pytest.approx(m["net_pnl"], abs=1e-6)
    report = html.read_text()
    assert "Open at the end" in report and held["entry_price"] in report
