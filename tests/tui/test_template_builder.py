"""The template editor builds, not only tunes: components added, removed, moved, switched off
and weighted, sessions added, every setting editable, and the protective-stop rule checked as
you go. Pure parts first, then Pilot against a real daemon."""

from __future__ import annotations

import tomllib

from textual.widgets import Button, Select

from plutarc.tui import template_builder as build
from plutarc.tui.screens.template_editor import TemplateEditorScreen
from plutarc.tui.template_form import TemplateDoc, renamed_toml, session_fields
from tests.tui.conftest import TEMPLATE, Daemon
from tests.tui.test_fleet import app_for, until
from tests.tui.test_templates import field, has_field, open_editor, status, type_into


def test_building_operations_and_the_rules_checked_locally() -> None:
    raw = TemplateDoc("t", TEMPLATE).raw
    assert build.check_rules(raw, "t").ok
    stop = build.remove_component(raw, 1)
    assert stop["id"] == "hard_stop_loss"
    check = build.check_rules(raw, "t")
    assert check.no_stop and not check.rest
    assert build.add_component(raw, "atr_trailing_stop") == 1
    assert build.check_rules(raw, "t").ok
    assert build.move_component(raw, 1, -1) == 0 and raw["components"][0]["id"] == (
        "atr_trailing_stop")
    assert build.move_component(raw, 0, -1) == 0  # already first
    raw["components"][1]["enabled"] = False  # the only signal
    assert "at least one enabled signal" in "; ".join(build.check_rules(raw, "t").rest)
    raw["components"][1]["enabled"] = True
    assert build.add_session(raw) == 0 and raw["sessions"][0]["end"] == "24:00"
    build.remove_session(raw, 0)
    assert "sessions" not in raw


def test_session_fields_check_days_and_times_at_the_field() -> None:
    days, start, end, _tz = session_fields(0)
    assert days.parse("mon, tue") == ["mon", "tue"] and days.show(["mon", "tue"]) == "mon tue"
    for spec, text, message in ((days, "mon funday", "'funday' is not any of mon"),
                                (end, "25:00", "must look like HH:MM"),
                                (start, "8am", "must look like HH:MM")):
        try:
            spec.parse(text)
        except ValueError as exc:
            assert message in str(exc)
        else:
            raise AssertionError(f"{text!r} was accepted")
    assert end.parse("24:00") == "24:00"


async def press(app, pilot, button_id: str) -> None:  # noqa: ANN001
    button = app.screen.query_one(f"#{button_id}", Button)
    button.focus()
    await pilot.press("enter")
    await until(pilot, lambda: not app.screen.rebuilding, what="the form laid out")


async def test_build_a_template_in_the_editor_and_save_it(daemon: Daemon) -> None:
    async with daemon.client() as api:
        await api.put_template("built", renamed_toml(TEMPLATE, "built"))
        before = await api.get_template("built")
    app = app_for(daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_editor(app, pilot, "built")
        screen = app.screen
        assert isinstance(screen, TemplateEditorScreen)
        await until(pilot, lambda: screen.rules_text.startswith("rules: ok"), what="rules ok")
        assert has_field(app, "exit_atr_interval") and has_field(app, "components.0.weight")

        await press(app, pilot, "comp-rm-1")  # the hard stop goes: the rule says so at once
        await until(pilot, lambda: "NO PROTECTIVE STOP" in screen.rules_text, what="stop rule")
        assert not has_field(app, "components.1.params.stop_pct")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: status(app).startswith("not saved, the daemon refused"),
                    what="the daemon's refusal")
        async with daemon.client() as api:
            assert (await api.get_template("built")).version == before.version

        await pilot.press("ctrl+n")
        screen.query_one("#add-component", Select).value = "atr_trailing_stop"
        await press(app, pilot, "comp-add")
        await until(pilot, lambda: has_field(app, "components.1.params.multiplier")
                    or has_field(app, "components.1.interval"), what="the new component")
        await until(pilot, lambda: screen.rules_text.startswith("rules: ok"), what="ok again")

        await press(app, pilot, "session-add")
        await until(pilot, lambda: has_field(app, "sessions.0.days"), what="a session")
        await type_into(pilot, field(app, "sessions.0.end"), "25:00")
        assert "must look like HH:MM" in str(field(app, "sessions.0.end").error)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: status(app).startswith("not saved: 1 field"), what="refused")
        await type_into(pilot, field(app, "sessions.0.end"), "17:00")
        await type_into(pilot, field(app, "sessions.0.days"), "mon tue")
        await type_into(pilot, field(app, "components.0.weight"), "2")
        field(app, "exit_atr_interval").set_text("5m")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await until(pilot, lambda: f"-> v{before.version + 1}" in status(app), what="saved")
    async with daemon.client() as api:
        saved = tomllib.loads((await api.get_template("built")).toml)
    assert [c["id"] for c in saved["components"]] == ["ema_cross", "atr_trailing_stop"]
    assert saved["components"][0]["weight"] == 2.0
    assert saved["sessions"] == [{"days": ["mon", "tue"], "start": "00:00", "end": "17:00",
                                  "timezone": "UTC"}]
    assert saved["exit_atr_interval"] == "5m"
