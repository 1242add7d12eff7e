"""The editor's fields: parsing typed text, bounds in words, and the TOML written back."""

from __future__ import annotations

import tomllib

import pytest

from plutarc.daemon.api.catalog_routes import component_views
from plutarc.tui.dialogs.new_template import name_problem
from plutarc.tui.screens.template_editor import component_problems
from plutarc.tui.template_form import (
    FieldError,
    FieldSpec,
    TemplateDoc,
    param_field,
    renamed_toml,
    template_fields,
)
from tests.tui.conftest import TEMPLATE

EMA = next(c for c in component_views() if c.id == "ema_cross")
FAST = param_field(0, EMA.params[0])


def test_int_parameter_takes_whole_numbers_within_its_bounds() -> None:
    assert FAST.parse(" 25 ") == 25 and isinstance(FAST.parse("25.0"), int)
    with pytest.raises(FieldError, match=r"^1 is out of bounds \[2, 500\]$"):
        FAST.parse("1")
    with pytest.raises(FieldError, match="not a whole number"):
        FAST.parse("2.5")
    with pytest.raises(FieldError, match="'abc' is not a number"):
        FAST.parse("abc")
    with pytest.raises(FieldError, match="not a finite number"):
        FAST.parse("nan")
    with pytest.raises(FieldError, match="a value is needed"):
        FAST.parse("")


def test_template_settings_read_their_bounds_from_the_schema() -> None:
    fields = {f.key: f for f in template_fields()}
    threshold = fields["threshold"]
    assert threshold.bounds == "(0, 1]"
    assert threshold.parse("1") == 1.0
    with pytest.raises(FieldError, match=r"0 is out of bounds \(0, 1\]"):
        threshold.parse("0")
    assert fields["sizing.value"].bounds == "> 0"
    assert fields["direction"].choices == ("long", "short", "both")
    with pytest.raises(FieldError, match="'up' is not one of long, short, both"):
        fields["direction"].parse("up")


def test_bool_and_optional_fields() -> None:
    flag = FieldSpec(("x",), "x", "bool", False)
    assert flag.parse("True") is True and flag.show(False) == "false"
    with pytest.raises(FieldError, match="not true or false"):
        flag.parse("yes")
    interval = FieldSpec(("components", 0, "interval"), "interval", "str", None,
                         choices=("1m", "5m"), optional=True)
    assert interval.parse("") is None


def test_written_template_keeps_untouched_defaults_out_and_drops_blank_intervals() -> None:
    doc = TemplateDoc("reference_ema_cross", TEMPLATE)
    slow = param_field(0, EMA.params[1])
    interval = FieldSpec(("components", 0, "interval"), "interval", "str", None,
                         choices=("1m",), optional=True)
    raw = doc.with_values({FAST: 30, slow: 50, interval: None})
    written = tomllib.loads(doc.to_toml(raw))
    assert written["components"][0]["params"] == {"fast": 30, "slow": 50}
    assert "interval" not in written["components"][0]
    assert doc.value(FAST) == 20  # the document itself is unchanged
    assert doc.to_toml(doc.with_values({FAST: 20})) == doc.to_toml()


def test_renamed_copy_and_new_names() -> None:
    assert tomllib.loads(renamed_toml(TEMPLATE, "copy"))["name"] == "copy"
    assert name_problem("ok-name", ["taken"]) is None
    assert "already stored" in (name_problem("taken", ["taken"]) or "")
    assert "must be 1-40 characters" in (name_problem("Bad Name", []) or "")


def test_daemon_refusals_are_split_by_component() -> None:
    message = ("component ema_cross: fast (60) must be below slow (50); "
               "component hard_stop_loss: unknown parameter 'stop'; did you mean 'stop_pct'? "
               "(parameters: stop_pct); "
               "a template needs at least one enabled signal component")
    by_id, rest = component_problems(message, ["ema_cross", "hard_stop_loss"])
    assert by_id["ema_cross"] == ["component ema_cross: fast (60) must be below slow (50)"]
    assert by_id["hard_stop_loss"] == ["component hard_stop_loss: unknown parameter 'stop'; "
                                       "did you mean 'stop_pct'? (parameters: stop_pct)"]
    assert rest == ["a template needs at least one enabled signal component"]
