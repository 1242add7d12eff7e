"""The Research screen's form and lines: a sweep unless train/test/gap/step or anchored are
given; values go to the daemon as typed (numbers as numbers, anything else as text for the
daemon to name); a job's line says where it is."""

from __future__ import annotations

from plutarc.tui.research_view import form_spec, job_line, window_cells

BASE = {"template": "reference_ema_cross", "data": "candles.csv", "from": "", "to": "",
        "cash": "", "params": "ema_cross.fast=10,20  ema_cross.slow=40", "objective": "",
        "n": "", "min-trades": "", "train": "", "test": "", "gap": "", "step": ""}


def test_an_empty_walkforward_part_makes_a_sweep_with_the_daemon_defaults() -> None:
    kind, spec = form_spec(BASE, anchored=False)
    assert kind == "sweep"
    assert spec == {"request": {"template": "reference_ema_cross", "data": "candles.csv"},
                    "params": ["ema_cross.fast=10,20", "ema_cross.slow=40"],
                    "objective": "sharpe"}


def test_train_or_anchored_makes_a_walkforward_and_values_pass_as_typed() -> None:
    kind, spec = form_spec({**BASE, "train": "8h", "test": "4h", "cash": "100000",
                            "from": "2024-01-01", "n": "7", "min-trades": "x"}, anchored=False)
    assert kind == "walkforward"
    assert spec["train"] == "8h" and spec["test"] == "4h" and spec["anchored"] is False
    assert "gap" not in spec and "step" not in spec  # the daemon's defaults (1d, = test)
    assert spec["request"]["starting_cash"] == 100000.0 and spec["request"]["start"] == "2024-01-01"
    assert (spec["method"], spec["n"], spec["min_trades"]) == ("random", 7, "x")
    kind, spec = form_spec(BASE, anchored=True)
    assert kind == "walkforward" and spec["train"] == "" and spec["anchored"] is True


def test_job_lines() -> None:
    job = {"job_id": 4, "kind": "walkforward", "state": "running", "done": 6, "total": 36,
           "windows_done": 1, "windows_total": 9, "walkforward_id": None, "error": "",
           "spec": {}, "summary": {}, "run_id": None, "sweep_id": None}
    assert job_line(job) == "walk-forward job 4: window 1/9 scored, variants 6/36"
    assert job_line({**job, "state": "done", "walkforward_id": 2}) == (
        "walk-forward #2 done: 9 windows")
    assert job_line({**job, "state": "failed", "error": "look-ahead"}) == (
        "walkforward job 4 failed: look-ahead")
    rerun = {**job, "kind": "rerun", "spec": {"sweep_id": 3, "seq": 1}, "state": "done",
             "run_id": 12, "summary": {"matches": False}}
    assert "backtest #12" in job_line(rerun) and "DIFFER" in job_line(rerun)


def test_a_window_row_without_a_choice() -> None:
    row = {"index": 2, "is_start": 0, "is_end": 3_600_000, "oos_start": 3_600_000,
           "oos_end": 7_200_000, "chosen": None, "is_score": None, "oos_score": None,
           "is_metrics": {}, "oos_metrics": {}, "sweep_id": 5,
           "note": "no rankable in-sample variant: not scored"}
    cells = window_cells(row)
    assert cells[:3] == ("2", "01-01 00:00-01-01 01:00", "01-01 01:00-01-01 02:00")
    assert cells[3:9] == ("", "-", "-", "-", "-", "-") and cells[9].startswith("no rankable")
