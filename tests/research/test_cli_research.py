"""``plutarc research sweep/list/show`` end to end on the bundled candles."""

import json

from plutarc.cli.main import run
from tests.helpers import BTC_1M

SWEEP = ["research", "sweep", "trend_following", "--param", "price_vs_ema.period=20,40",
         "--param", "threshold=0.3,2", "--data", str(BTC_1M), "--to", "2024-01-08",
         "--min-trades", "1", "--workers", "1", "--objective", "net", "--json"]


def test_sweep_then_list_and_show(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PLUTARC_HOME", str(tmp_path / "home"))
    assert run(SWEEP) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["total"] == 4 and out["computed"] == 2 and not out["resumed"]
    assert len(out["variants"]) == 2 and out["best"]["threshold"] == 0.3
    nets = [v["net_pnl"] for v in out["variants"]]
    assert nets == sorted(nets, reverse=True)  # best first by the objective
    assert run(["research", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["id"] == out["sweep_id"] and listed[0]["stored"] == 4
    assert run(["research", "show", str(out["sweep_id"]), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert len(shown["skipped"]) == 2
    assert all("threshold" in s["message"] for s in shown["skipped"])
    best = out["variants"][0]["seq"]
    assert run(["research", "rerun", str(out["sweep_id"]), str(best), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["matches_sweep"]
    assert round(again["metrics"]["net_pnl"], 4) == out["variants"][0]["net_pnl"]
    assert run(["backtest", "show", str(again["run_id"]), "--json"]) == 0
    skipped = shown["skipped"][0]["seq"]
    assert run(["research", "rerun", str(out["sweep_id"]), str(skipped)]) == 2
    assert "was not run" in capsys.readouterr().err


def test_bad_sweep_arguments_exit_with_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PLUTARC_HOME", str(tmp_path / "home"))
    assert run([*SWEEP[:-1], "--random", "2", "--optuna", "2"]) == 2
    assert "--random and --optuna" in capsys.readouterr().err
    assert run(["research", "show", "99"]) == 2
    assert "no sweep with id 99" in capsys.readouterr().err
