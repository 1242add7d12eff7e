"""Templates: system ones validate; each invalid case gives its precise message."""

import pytest

from plutarc.cli.main import run
from plutarc.errors import TemplateError
from plutarc.strategy.template import parse_template
from plutarc.strategy.template_catalog import available, load_template
from plutarc.strategy.template_validation import (
    NO_STOP_MESSAGE,
    PROTECTIVE_STOPS,
    validate_template,
)

SYSTEM = ["rsi_divergence", "trend_following", "mean_reversion", "momentum_breakout",
          "scalp_1m", "reference_ema_cross"]


def _template(**overrides):
    raw = {
        "name": "t", "trigger_interval": "1h",
        "components": [{"id": "ema_cross"}, {"id": "hard_stop_loss"}],
    }
    raw.update(overrides)
    return parse_template(raw, "t.toml")


def _problems(**overrides):
    with pytest.raises(TemplateError) as info:
        validate_template(_template(**overrides))
    return info.value.problems


@pytest.mark.parametrize("name", SYSTEM)
def test_system_templates_validate(name):
    assert name in available()
    resolved = validate_template(load_template(name))
    assert any(r.cls.protects_from_entry(r.params) for r in resolved
               if r.use.id in PROTECTIVE_STOPS)  # a stop from the entry fill on


def test_unknown_component_suggests_the_closest_id():
    problems = _problems(components=[{"id": "ema_crosss"}, {"id": "hard_stop_loss"}])
    assert problems == ["component #1: unknown component 'ema_crosss'; did you mean 'ema_cross'?"]


def test_parameter_out_of_bounds_names_the_bounds():
    problems = _problems(components=[{"id": "ema_cross", "params": {"fast": 1}},
                                     {"id": "hard_stop_loss"}])
    assert problems == ["component ema_cross: parameter 'fast': 1 is out of bounds [2, 500]"]


def test_unknown_parameter_suggests_closest():
    problems = _problems(components=[{"id": "ema_cross", "params": {"fats": 10}},
                                     {"id": "hard_stop_loss"}])
    assert "unknown parameter 'fats'; did you mean 'fast'?" in problems[0]


def test_interval_the_component_does_not_support():
    problems = _problems(components=[{"id": "ema_cross"},
                                     {"id": "funding_guard", "interval": "5m"},
                                     {"id": "hard_stop_loss"}])
    assert problems == ["component funding_guard: interval 5m is not supported (supported: 1h)"]


def test_higher_timeframe_component_below_trigger():
    problems = _problems(components=[{"id": "ema_cross"},
                                     {"id": "counter_trend_veto", "interval": "15m"},
                                     {"id": "hard_stop_loss"}])
    assert problems == ["component counter_trend_veto: a higher-timeframe component cannot run "
                        "at 15m, below the trigger interval 1h"]


def test_no_protective_stop():
    problems = _problems(components=[{"id": "ema_cross"}, {"id": "take_profit"}])
    assert problems == [NO_STOP_MESSAGE]
    assert NO_STOP_MESSAGE.startswith("a template needs a protective stop in place from the "
                                      "entry: hard_stop_loss")


@pytest.mark.parametrize("stops", [
    [{"id": "break_even_stop"}],  # no stop until price has moved 1 % in favour
    [{"id": "break_even_stop"}, {"id": "trailing_stop", "params": {"activation_pct": 1.0}}],
])
def test_a_stop_that_arms_later_is_not_a_protective_stop(stops):
    """Issue 15 item 3b: break_even_stop alone passed the rule, with no stop from entry."""
    assert _problems(components=[{"id": "ema_cross"}, *stops]) == [NO_STOP_MESSAGE]


@pytest.mark.parametrize("stop", ["hard_stop_loss", "chandelier_exit", "atr_trailing_stop",
                                  "trailing_stop"])
def test_stops_in_place_from_entry_satisfy_the_rule(stop):
    validate_template(_template(components=[{"id": "ema_cross"}, {"id": "break_even_stop"},
                                            {"id": stop}]))


def test_unknown_template_key_suggests_closest():
    with pytest.raises(TemplateError) as info:
        parse_template({"name": "t", "treshold": 0.5, "components": []}, "t.toml")
    assert "unknown key 'treshold'; did you mean 'threshold'?" in str(info.value)


def test_cli_validate_reports_and_exits_4(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[[components]]\nid = "ema_cross"\n')
    assert run(["template", "validate", str(bad)]) == 4
    assert NO_STOP_MESSAGE in capsys.readouterr().err
    good = tmp_path / "good.toml"
    good.write_text('name = "good"\n[[components]]\nid = "ema_cross"\n'
                    '[[components]]\nid = "hard_stop_loss"\n')
    assert run(["template", "validate", str(good)]) == 0


def test_cli_new_from_system_template(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PLUTARC_HOME", str(tmp_path))
    assert run(["template", "new", "my_scalp", "--from", "scalp_1m"]) == 0
    assert (tmp_path / "config/templates/my_scalp.toml").exists()
    assert run(["template", "new", "my_scalp", "--from", "scalp_1m"]) == 2
    assert run(["template", "new", "x", "--from", "scalp_1n"]) == 4
    assert "did you mean 'scalp_1m'" in capsys.readouterr().err
