"""Account-level risk: drawdown with hysteresis, the daily profit target, queue depth."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from plutarc.risk.account import AccountLimits, AccountState, Change, evaluate

D = Decimal
DAY1 = 1_704_067_200_000  # 2024-01-01 00:00 UTC
DAY2 = DAY1 + 86_400_000
DD = AccountLimits(max_drawdown_pct=D(10), drawdown_hysteresis_pct=D(3))


def run(limits: AccountLimits, equities: list[str], ts_ms: int = DAY1,
        state: AccountState | None = None) -> tuple[AccountState, list[list[Change]]]:
    state = state or AccountState()
    seen = []
    for equity in equities:
        state, changes = evaluate(limits, state, D(equity), 0, ts_ms)
        seen.append(changes)
    return state, seen


def test_drawdown_halts_at_the_limit_from_the_peak() -> None:
    state, seen = run(DD, ["1000", "1200", "1081", "1080"])
    assert seen == [[], [], [], [Change.DRAWDOWN_HALT]]  # 1080 is 10% under the 1200 peak
    assert not state.entries_allowed and state.peak_equity == D(1200)


@pytest.mark.parametrize("equity", ["1080", "1100", "1115", "1115.99"])
def test_no_reentry_between_l_minus_h_and_l(equity: str) -> None:
    halted, _ = run(DD, ["1200", "1000"])
    state, seen = run(DD, [equity, "1090"], state=halted)
    assert seen == [[], []] and state.drawdown_halted  # 7..10% down: still halted


def test_entries_come_back_once_recovered_to_l_minus_h() -> None:
    halted, _ = run(DD, ["1200", "1000"])
    state, seen = run(DD, ["1116", "1100", "1080"], state=halted)  # 1116 = 7% down
    assert seen == [[Change.DRAWDOWN_CLEAR], [], [Change.DRAWDOWN_HALT]]
    assert state.drawdown_halted


def test_daily_target_stops_entries_for_the_rest_of_the_utc_day_only() -> None:
    limits = AccountLimits(daily_profit_target=D(100))
    state, seen = run(limits, ["1000", "1099.99", "1100", "1050"])
    assert seen == [[], [], [Change.TARGET_HALT], []] and not state.entries_allowed
    state, seen = run(limits, ["1050"], ts_ms=DAY2 - 1, state=state)
    assert seen == [[]] and state.target_halted
    state, seen = run(limits, ["1050", "1149"], ts_ms=DAY2, state=state)
    assert seen == [[Change.TARGET_CLEAR], []] and state.entries_allowed
    assert state.day == "2024-01-02" and state.day_start_equity == D(1050)


def test_queue_depth_warns_once_and_clears() -> None:
    limits = AccountLimits(max_pending_intents=3)
    state, out = AccountState(), []
    for pending in (3, 4, 9, 3, 5):
        state, changes = evaluate(limits, state, D(1000), pending, DAY1)
        out.append(changes)
    assert out == [[], [Change.QUEUE_WARN], [], [Change.QUEUE_CLEAR], [Change.QUEUE_WARN]]


def test_state_survives_a_round_trip_through_json() -> None:
    state, _ = run(DD, ["1200", "1000"])
    assert AccountState.from_json(state.to_json()) == state


def test_hysteresis_must_be_below_the_limit_and_unknown_keys_are_refused() -> None:
    with pytest.raises(ValidationError, match="must be below max_drawdown_pct 5"):
        AccountLimits(max_drawdown_pct=D(5), drawdown_hysteresis_pct=D(5))
    with pytest.raises(ValidationError, match="extra"):
        AccountLimits.model_validate({"max_drawdown": 5})
