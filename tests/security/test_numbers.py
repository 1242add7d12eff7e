"""Issue 23.1: every number crossing a boundary is finite and in range, or refused in one line.

NaN passes every ``<``/``>`` bound, so before the fix ``stop_pct = nan`` counted as the
template's protective stop and a bot held a position with no stop order; ``max_bars = inf``
crashed with OverflowError (a 500 over the API); ``sizing.value = inf`` validated.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from plutarc.backtest.request import BacktestRequest
from plutarc.config import BacktestSettings, DaemonSettings, load_settings
from plutarc.daemon.api.backtest_routes import BacktestStartRequest
from plutarc.daemon.api.risk_routes import StopRequest
from plutarc.daemon.api.schemas import EventQuery, LedgerQuery
from plutarc.daemon.bot_config import RiskLimits
from plutarc.errors import ConfigError, TemplateError
from plutarc.risk.account import AccountLimits
from plutarc.strategy.components.registry import catalog
from plutarc.strategy.template import parse_template
from plutarc.strategy.template_validation import validate_template

BAD_NUMBERS = st.sampled_from([
    math.nan, math.inf, -math.inf, 1e300, -1e300, 1e308 * 10, True, False, 10**30, -(10**30),
    "1e999999", "nan", "inf",
])
NUMERIC_PARAMS = sorted(
    (cid, p.name) for cid, cls in catalog().items() for p in cls.spec.params
    if p.type in (int, float)
)


def _template(extra: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    components = [{"id": "rsi_divergence_regular"}, {"id": "hard_stop_loss"}]
    if extra is not None:
        components.append(extra)
    return {"name": "t", "components": components, **top}


def _problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(TemplateError) as caught:
        validate_template(parse_template(raw, "t"))
    return caught.value.problems


def test_nan_stop_is_no_protective_stop() -> None:
    raw = _template()
    raw["components"][1]["params"] = {"stop_pct": math.nan}
    assert _problems(raw) == [
        "component hard_stop_loss: parameter 'stop_pct': must be a finite number, got nan"]


def test_infinite_max_bars_is_refused_not_an_overflow() -> None:
    problems = _problems(_template({"id": "time_stop", "params": {"max_bars": math.inf}}))
    assert problems == ["component time_stop: parameter 'max_bars': must be a finite number, "
                        "got inf"]


@settings(max_examples=100, deadline=None)
@given(param=st.sampled_from(NUMERIC_PARAMS), value=BAD_NUMBERS)
def test_every_component_parameter_refuses_bad_numbers(param: tuple[str, str],
                                                       value: Any) -> None:
    component, name = param
    problems = _problems(_template({"id": component, "params": {name: value}}))
    mine = [p for p in problems if f"parameter {name!r}" in p]
    assert len(mine) == 1 and "\n" not in mine[0], problems


TEMPLATE_NUMBERS = ["threshold", "entry_cooldown_min", "leverage", "sizing.value", "weight"]


@settings(max_examples=60, deadline=None)
@given(field=st.sampled_from(TEMPLATE_NUMBERS), value=BAD_NUMBERS)
def test_template_numbers_refuse_bad_numbers(field: str, value: Any) -> None:
    raw = _template()
    if field == "sizing.value":
        raw["sizing"] = {"mode": "fixed_quote", "value": value}
    elif field == "weight":
        raw["components"][0]["weight"] = value
    else:
        raw[field] = value
    with pytest.raises(TemplateError) as caught:
        parse_template(raw, "t")
    assert len(caught.value.problems) == 1 and "\n" not in caught.value.problems[0]


def test_sizing_value_is_bounded_by_mode() -> None:
    with pytest.raises(TemplateError, match="risk_pct value 150.0 is above 100"):
        parse_template(_template(sizing={"mode": "risk_pct", "value": 150}), "t")
    with pytest.raises(TemplateError, match="less than or equal to 1000000000000"):
        parse_template(_template(sizing={"mode": "fixed_quote", "value": 1e300}), "t")


def _numeric_fields(model: type[BaseModel]) -> list[str]:
    return [name for name, field in model.model_fields.items()
            if any(t in str(field.annotation) for t in ("int", "float", "Decimal"))]


BOUNDARY_MODELS: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (RiskLimits, {}), (AccountLimits, {}), (BacktestRequest, {"template": "t"}),
    (BacktestStartRequest, {}), (StopRequest, {}), (LedgerQuery, {}), (EventQuery, {}),
    (DaemonSettings, {}), (BacktestSettings, {}),
]
FIELDS = [(model, base, name) for model, base in BOUNDARY_MODELS
          for name in _numeric_fields(model)]


def test_the_boundary_models_have_numbers_to_check() -> None:
    assert len(FIELDS) >= 25


@settings(max_examples=100, deadline=None)
@given(target=st.sampled_from(FIELDS), value=BAD_NUMBERS)
def test_risk_limits_and_requests_refuse_bad_numbers(
        target: tuple[type[BaseModel], dict[str, Any], str], value: Any) -> None:
    model, base, name = target
    with pytest.raises(ValidationError) as caught:
        model.model_validate({**base, name: value})
    assert caught.value.error_count() == 1


def test_true_is_not_a_number_but_stays_a_boolean() -> None:
    with pytest.raises(ValidationError, match="must be a number, not true"):
        RiskLimits.model_validate({"max_open_orders": True})
    assert BacktestRequest.model_validate({"template": "t", "enforce_margin": False})


@pytest.mark.parametrize(("text", "message"), [
    ("[daemon]\nheartbeat_interval_s = nan\n",
     "daemon.heartbeat_interval_s: Input should be a finite number"),
    ("[backtest]\nstarting_cash = inf\n", "backtest.starting_cash: Input should be a finite"),
    ("[daemon]\nequity_snapshot_interval_s = true\n", "must be a number, not true"),
    ("x = " + "[" * 2000 + "]" * 2000 + "\n", "is nested more than 32 levels deep"),
])
def test_the_settings_file_refuses_bad_numbers_and_deep_nesting(tmp_path, text: str,
                                                                message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert message in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("argv", [
    ["bot", "start", "x", "--wait", "nan"],
    ["bot", "stop", "x", "--wait", "inf"],
    ["daemon", "stop", "--timeout", "-inf"],
    ["backtest", "run", "t", "--cash", "nan"],
    ["bot", "create", "b", "-t", "t", "-s", "BTCUSDT", "--venue", "sim",
     "--replay-bars", "9" * 30],
])
def test_cli_number_options_refuse_non_finite_and_huge_values(
        argv: list[str], tmp_path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from plutarc.cli.main import EXIT_USAGE, run

    monkeypatch.setenv("PLUTARC_HOME", str(tmp_path))
    assert run(argv) == EXIT_USAGE
    err = " ".join(capsys.readouterr().err.split())
    assert err.startswith("plutarc: error: ") and err.count("plutarc: error") == 1
    assert "is not a finite number" in err or "too large" in err
