"""The backtest child process's protocol: progress lines, then one result line."""

import io
import json

from plutarc.backtest.child import main
from plutarc.backtest.store import ResultsStore
from tests.helpers import BTC_1M


def _run(tmp_path, request) -> tuple[int, list[dict]]:
    out = io.StringIO()
    code = main([str(tmp_path / "runs.db")], io.StringIO(json.dumps(request)), out)
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_run_reports_progress_then_its_summary_and_is_stored(tmp_path):
    code, lines = _run(tmp_path, {"template": "scalp_1m", "data": str(BTC_1M),
                                  "end": "2024-01-02"})
    assert code == 0
    progress = [m["progress"] for m in lines[:-1]]  # the runner reports every 50k bars
    assert progress == sorted(progress) and all(0 <= p <= 1 for p in progress)
    summary = lines[-1]["summary"]
    store = ResultsStore(tmp_path / "runs.db")
    try:
        assert len(store.trades(summary["id"])) == summary["trades"] > 0
    finally:
        store.close()


def test_a_clear_error_is_reported_as_failed_and_nothing_is_stored(tmp_path):
    code, lines = _run(tmp_path, {"template": "scalp_1m", "data": "/nonexistent.csv"})
    assert code == 1 and "/nonexistent.csv" in lines[-1]["failed"]
    store = ResultsStore(tmp_path / "runs.db")
    try:
        assert store.list(10) == []
    finally:
        store.close()


def test_a_request_the_model_refuses_is_a_failure_not_a_crash(tmp_path):
    code, lines = _run(tmp_path, {"template": "scalp_1m", "slippage_bps": -1})
    assert code == 1 and "slippage_bps" in lines[-1]["failed"]


def test_wrong_arguments_say_how_to_call_it(tmp_path):
    out = io.StringIO()
    assert main([], io.StringIO("{}"), out) == 2
    assert "usage" in json.loads(out.getvalue())["crashed"]
