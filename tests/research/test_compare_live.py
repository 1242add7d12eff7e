"""compare-live: identical decisions report identical; a parameter changed mid-run and a
missing trigger candle are found at the right close with the right cause class.

The "live" decisions are produced by the real engine over real candles (the bot's side of
each scenario: the changed template from its change on, the candles with an hour missing).
"""

import gzip

from plutarc.backtest.request import BacktestRequest
from plutarc.research.compare_live import LiveDecision, TemplateChange, compare_live, replay
from plutarc.research.space import apply_variant
from plutarc.strategy.template_catalog import load_template
from tests.helpers import BTC_1M

HOUR = 3_600_000
START, END = 1704240000000, 1704672000000  # 2024-01-03 .. 2024-01-08
REQ = BacktestRequest(template="trend_following", data=str(BTC_1M))
BASE = load_template("trend_following")


def _as_live(rows) -> list[LiveDecision]:
    return [LiveDecision(r.ts_ms, "enter_long" if r.acted else "none", r.score)
            for r in rows.values()]


def test_identical_bot_reports_identical():
    live, _, _ = replay(REQ, BASE, START, END)
    report = compare_live(REQ, [TemplateChange(0, BASE)], _as_live(live), START, END)
    assert report.identical and report.compared == report.matched > 100


def test_parameter_changed_mid_run_is_found_and_named():
    changed = apply_variant(BASE, {"price_vs_ema.period": 20, "threshold": 0.6})
    switch = START + 48 * HOUR
    before, _, _ = replay(REQ, BASE, START, END)
    after, _, _ = replay(REQ, changed, switch, END)
    live = [d for d in _as_live(before) if d.ts_ms < switch] + _as_live(after)
    report = compare_live(REQ, [TemplateChange(0, BASE), TemplateChange(switch, changed)],
                          live, START, END)
    first = report.first
    assert first is not None and first.ts_ms >= switch
    assert first.cause == "config change mid-run"
    assert report.matched >= 48


def test_missing_candle_is_a_data_gap(tmp_path):
    hole = START + 30 * HOUR  # the bot never received the minutes of this hour
    gapped = tmp_path / "gapped.csv.gz"
    with gzip.open(BTC_1M, "rt") as src, gzip.open(gapped, "wt") as dst:
        for line in src:
            if not hole <= int(line.split(",", 1)[0]) < hole + HOUR:
                dst.write(line)
    bot_req = REQ.model_copy(update={"data": str(gapped)})
    live, _, _ = replay(bot_req, BASE, START, END)
    report = compare_live(REQ, [TemplateChange(0, BASE)], _as_live(live), START, END)
    first = report.first
    assert first is not None and first.ts_ms == hole + HOUR
    assert first.cause == "data gap" and first.live is None
