"""``plutarc backtest`` end to end on real data, with metrics checked independently."""

import csv
import json

import pytest

from plutarc.cli.main import run
from tests.helpers import BTC_1M


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("PLUTARC_HOME", str(tmp_path / "home"))
    return tmp_path


def _json_out(capsys):
    return json.loads(capsys.readouterr().out)


def test_run_writes_report_and_metrics_match_the_csv(home, capsys):
    html, trades_csv = home / "report.html", home / "trades.csv"
    code = run(["backtest", "run", "scalp_1m", "--data", str(BTC_1M), "--to", "2024-01-06",
                "--html", str(html), "--csv", str(trades_csv), "--json"])
    assert code == 0
    result = _json_out(capsys)
    m = result["metrics"]
    assert html.read_text().startswith("<!doctype html>") and "Regime breakdown" in html.read_text()
    with trades_csv.open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == m["trades"] == result["trades"] > 10
    pnls = [float(r["net_pnl"]) for r in rows]
    gains = sum(p for p in pnls if p > 0)
    losses = -sum(p for p in pnls if p < 0)
    assert m["profit_factor"] == pytest.approx(gains / losses, rel=1e-9)
    equity, peak, worst = 10_000.0, 10_000.0, 0.0
    for p in pnls:
        equity += p
        peak = max(peak, equity)
        worst = max(worst, peak - equity)
    assert m["max_drawdown_closed"] == pytest.approx(worst, rel=1e-9)
    assert m["max_drawdown"] >= worst - 1e-6  # marked every bar, never smaller
    assert m["win_rate"] == pytest.approx(sum(p > 0 for p in pnls) / len(pnls))
    assert sum(m["regimes"][k]["trades"] for k in ("trend", "range", "transition", "unknown_trend")
               if k in m["regimes"]) == len(rows)
    assert "threshold" in m["skip_reasons"]
    # the stored run can be reopened, listed, exported again and compared
    run_id = result["id"]
    assert run(["backtest", "show", str(run_id), "--json"]) == 0
    assert _json_out(capsys)["metrics"]["trades"] == m["trades"]
    assert run(["backtest", "list", "--json"]) == 0
    assert [r["id"] for r in _json_out(capsys)] == [run_id]
    assert run(["backtest", "compare", str(run_id), str(run_id), "--json"]) == 0
    assert run(["backtest", "report", str(run_id), "--html", str(home / "again.html")]) == 0


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--data", "/nonexistent/candles.csv"], 1, "/nonexistent/candles.csv"),
    (["--data", str(BTC_1M), "--from", "2030-01-01"], 1, "2030"),
    (["--data", str(BTC_1M), "--fee-taker", "0.5"], 2, "--fee-taker"),
    ([], 2, "--data FILE"),
    (["--data", str(BTC_1M), "--venue", "bitmex"], 2, "not both"),
])
def test_bad_input_gives_one_clear_line(home, capsys, args, code, message):
    assert run(["backtest", "run", "scalp_1m", *args]) == code
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("plutarc: error:") and message in err


def test_unknown_template_and_bad_layout(home, capsys, tmp_path):
    assert run(["backtest", "run", "scalp_1n", "--data", str(BTC_1M)]) == 4
    assert "did you mean 'scalp_1m'" in capsys.readouterr().err
    weird = tmp_path / "weird.csv"
    weird.write_text("a,b,c\n1,2,3\n")
    assert run(["backtest", "run", "scalp_1m", "--data", str(weird)]) == 1
    assert "weird.csv" in capsys.readouterr().err


def test_missing_run_id(home, capsys):
    assert run(["backtest", "show", "999"]) == 2
    assert "no backtest with id 999" in capsys.readouterr().err


async def test_backtest_on_candles_from_a_venue(home, capsys):
    """--venue bitmex against the local BitMEX server: its candles, its inverse XBTUSD spec."""
    import asyncio

    from plutarc.exchanges.bitmex_sim import SimServer, SimServerConfig

    async with SimServer(SimServerConfig(warmup_bars=2880)) as srv:
        args = ["backtest", "run", "scalp_1m", "--venue", "bitmex", "--venue-url",
                srv.rest_url, "--symbol", "XBTUSD", "--from", "2024-01-01T06:00",
                "--to", "2024-01-02T00:00", "--json"]
        code = await asyncio.to_thread(run, args)
    out = capsys.readouterr()
    assert code == 0, out.err
    result = json.loads(out.out)
    assert result["bars"] == 18 * 60
    assert result["symbol"] != "BTCUSDT"  # the venue's instrument, not the generic one


def test_unsupported_venue(home, capsys):
    code = run(["backtest", "run", "scalp_1m", "--venue", "ftx", "--symbol", "XBTUSD",
                "--from", "2024-01-01", "--to", "2024-01-02"])
    assert code == 2 and "--venue ftx" in capsys.readouterr().err


def test_data_too_coarse_for_the_template_is_one_clear_line(home, capsys):
    from pathlib import Path

    hourly = Path(__file__).resolve().parents[2] / "plutarc/data/BTCUSDT-perp1h.csv.gz"
    code = run(["backtest", "run", "trend_following", "--data", str(hourly)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and "unexpected" not in err
    assert "needs 5m candles, which cannot be built from 1h data" in err
