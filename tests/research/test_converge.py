"""Convergence: plateau vs isolated peak vs no edge, agreement across windows and regimes,
and the command on a real walk-forward with its HTML heatmap."""

import json
from html import escape

from plutarc.cli.main import run
from plutarc.research.converge import converge
from plutarc.research.store import VariantRow
from tests.helpers import BTC_1M

PERIODS = (10, 20, 30, 40, 50, 60)


def _row(seq, period, net, win_rate=0.5, pf=1.5, regimes=None):
    metrics = {"trades": 20, "net_pnl": net, "win_rate": win_rate, "profit_factor": pf,
               "expectancy": net / 20, "regimes": regimes or {}}
    return VariantRow(seq, {"p.period": period}, "ok", "", "h", "f", metrics, None, 0.0)


def _windows(nets_per_window, **kw):
    return [[_row(i, p, n, **kw) for i, (p, n) in enumerate(zip(PERIODS, nets, strict=True))]
            for nets in nets_per_window]


def test_a_broad_hill_is_a_stable_plateau():
    hill = [100, 280, 300, 290, 120, 50]
    result = converge(_windows([hill, [n * 0.9 for n in hill]]), "net", 5)
    assert result.verdict == "stable plateau around p.period 20-40"
    assert result.plateau == {"p.period": (20, 40)}


def test_a_lone_spike_is_an_isolated_peak():
    spike = [10, 20, 400, 15, 10, 5]
    result = converge(_windows([spike, spike]), "net", 5)
    assert result.verdict.startswith("isolated peak at p.period=30: likely overfit")


def test_all_losing_is_no_edge_and_disagreement_is_named():
    assert converge(_windows([[-5] * 6, [-3] * 6]), "net", 5).verdict.startswith("no edge")
    wins = [[_row(0, 10, 50, win_rate=0.2)], [_row(0, 10, 50, win_rate=0.7)]]
    v = converge(wins, "net", 5).variants[0]
    assert not v.agrees_windows and "win rate 0.20..0.70" in v.reasons[0]
    regimes = {"trend": {"trades": 10, "profit_factor": 3.0},
               "range": {"trades": 10, "profit_factor": 0.4}}
    v = converge([[_row(0, 10, 50, regimes=regimes)]], "net", 5).variants[0]
    assert not v.agrees_regimes and "in range" in v.reasons[0]


def test_converge_command_on_a_walkforward_writes_the_heatmap(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PLUTARC_HOME", str(tmp_path / "home"))
    assert run(["research", "walkforward", "trend_following", "--param",
                "price_vs_ema.period=20:40:10", "--param", "stop.stop_pct=1,2", "--train",
                "5d", "--test", "2d", "--gap", "0", "--data", str(BTC_1M), "--min-trades",
                "1", "--workers", "1", "--objective", "net", "--json"]) == 0
    wf = json.loads(capsys.readouterr().out)
    html = tmp_path / "heat.html"
    assert run(["research", "converge", str(wf["run_id"]), "--html", str(html),
                "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["variants"]) == 6 and out["verdict"]
    assert "<table>" in html.read_text() and escape(out["verdict"]) in html.read_text()
