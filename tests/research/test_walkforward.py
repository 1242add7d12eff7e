"""Walk-forward: windows, in-sample sweeps that never see out-of-sample bars, and a planted
look-ahead (a signal that reads the next bar) that must be caught."""

import numpy as np
import pytest

from plutarc.backtest.request import BacktestRequest
from plutarc.errors import UsageError
from plutarc.research.lookahead import LookAheadError
from plutarc.research.store import ResearchStore
from plutarc.research.sweep import SweepSpec
from plutarc.research.walkforward import run_walkforward
from plutarc.research.windows import duration_ms, make_windows
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from tests.helpers import BTC_1M

DAY = 86_400_000
REQ = BacktestRequest(template="trend_following", data=str(BTC_1M))
PARAMS = ("price_vs_ema.period=20:40:10", "stop.stop_pct=1,2")


class PeekNextClose(Component):
    """Planted look-ahead: +1 when the close ``lead`` bars LATER is higher. Never do this."""

    spec = ComponentSpec(id="test_peek_next_close", kind=Kind.SIGNAL, name="Peek (test)",
                         description="Reads future closes: a planted look-ahead.",
                         params=(Param("lead", int, 1, "Bars ahead.", min=1, max=10),))

    def update(self, bars, ctx) -> Output:
        lead = int(self.params["lead"])
        ahead = np.full(len(bars.close), np.nan)
        ahead[:-lead] = bars.close[lead:]
        return Output(value=ahead, score=np.sign(ahead - bars.close))

    def explain(self, value, direction) -> str:
        return f"close {self.params['lead']} bars ahead: {value}"


def test_windows_rolling_anchored_gap_and_too_short():
    rolling = make_windows(0, 20 * DAY, 5 * DAY, 2 * DAY, DAY // 4)
    assert [(w.is_start, w.oos_start) for w in rolling[:2]] == [
        (0, 5 * DAY + DAY // 4), (2 * DAY, 7 * DAY + DAY // 4)]
    assert all(w.is_end + DAY // 4 == w.oos_start and w.oos_end <= 20 * DAY for w in rolling)
    anchored = make_windows(0, 20 * DAY, 5 * DAY, 2 * DAY, 0, anchored=True)
    assert {w.is_start for w in anchored} == {0} and anchored[-1].is_end == 17 * DAY
    with pytest.raises(UsageError, match="too short"):
        make_windows(0, 6 * DAY, 5 * DAY, 2 * DAY, 0)
    with pytest.raises(UsageError, match="duration"):
        duration_ms("5 days", "train")


def test_in_sample_never_sees_out_of_sample_bars_and_oos_is_stitched(tmp_path):
    store = ResearchStore(tmp_path / "r.db")
    report = run_walkforward(SweepSpec(REQ, PARAMS, min_trades=1), store, train_ms=5 * DAY,
                             test_ms=2 * DAY, gap_ms=DAY // 6, workers=1)
    assert len(report.windows) == 4
    for res in report.windows:
        w = res.window
        rows = store.variants(res.sweep_id)
        assert rows and all(r.last_ms + 60_000 <= w.is_end for r in rows if r.status == "ok")
        assert res.chosen is not None and res.oos_equity[0][0] == w.oos_start
        assert all(w.oos_start <= ts < w.oos_end for ts, _ in res.oos_equity)
    ts = [t for t, _ in report.stitched]
    assert ts == sorted(ts) and report.stitched[0][1] == pytest.approx(10_000.0)
    assert set(report.stability) == {"price_vs_ema.period", "hard_stop_loss.stop_pct"}
    stored = store.walkforward(report.run_id)
    assert len(stored["report"]["windows"]) == 4


@pytest.fixture
def planted_look_ahead():
    """The planted component, in the catalog for this test only (other tests list the
    catalog and must not meet it)."""
    from plutarc.strategy.components import registry

    register(PeekNextClose)
    yield PeekNextClose
    registry._REGISTRY.pop(PeekNextClose.spec.id, None)


def test_planted_look_ahead_is_caught(tmp_path, planted_look_ahead):
    peek = tmp_path / "peek.toml"
    peek.write_text('name = "peek"\ntrigger_interval = "1h"\nexit_interval = "1h"\n'
                    'threshold = 0.5\n\n[[components]]\nid = "test_peek_next_close"\n\n'
                    '[[components]]\nid = "hard_stop_loss"\n')
    spec = SweepSpec(REQ.model_copy(update={"template": str(peek)}),
                     ("test_peek_next_close.lead=1,2",), min_trades=1)
    with pytest.raises(LookAheadError, match="look-ahead.*peeks at later bars"):
        run_walkforward(spec, ResearchStore(tmp_path / "r.db"), train_ms=5 * DAY,
                        test_ms=2 * DAY, gap_ms=0, workers=1)
