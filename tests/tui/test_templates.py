"""The template editor against a real daemon: checks at the field, saves, hot reloads, creates."""

from __future__ import annotations

import tomllib

from textual.widgets import DataTable, Input, Select, Static

from plutarc.daemon.bot_config import BotSpec
from plutarc.tui.app import PlutarcApp
from plutarc.tui.dialogs.confirm import TypedConfirm
from plutarc.tui.dialogs.new_template import NewTemplate
from plutarc.tui.screens.fleet import FleetScreen
from plutarc.tui.screens.template_editor import TemplateEditorScreen
from plutarc.tui.screens.templates import TemplatesScreen
from plutarc.tui.template_form import renamed_toml
from plutarc.tui.widgets.field_row import FieldRow
from tests.tui.conftest import TEMPLATE, Daemon
from tests.tui.test_fleet import app_for, until


def field(app: PlutarcApp, key: str) -> FieldRow:
    return next(r for r in app.screen.query(FieldRow) if r.spec.key == key)


def has_field(app: PlutarcApp, key: str) -> bool:
    return isinstance(app.screen, TemplateEditorScreen) and any(
        r.spec.key == key for r in app.screen.query(FieldRow))


def status(app: PlutarcApp) -> str:
    screen = app.screen
    return screen.status_text if isinstance(screen, TemplateEditorScreen) else ""


async def open_editor(app: PlutarcApp, pilot, name: str) -> None:  # noqa: ANN001
    await until(pilot, lambda: not app.link and isinstance(app.screen, FleetScreen))
    await pilot.press("e")
    await until(pilot, lambda: isinstance(app.screen, TemplatesScreen)
                and name in app.screen.query_one("#templates", DataTable).rows, what="listed")
    table = app.screen.query_one("#templates", DataTable)
    table.move_cursor(row=table.get_row_index(name), animate=False)
    await pilot.press("enter")
    await until(pilot, lambda: has_field(app, "components.0.params.fast"), what="the form")


async def type_into(pilot, row: FieldRow, text: str) -> None:  # noqa: ANN001
    editor = row.query_one(Input)
    editor.focus()
    editor.value = ""
    await pilot.press(*text)


async def test_out_of_bounds_is_refused_at_the_field_in_bounds_saves_and_the_bot_reloads(
        daemon: Daemon) -> None:
    async with daemon.client() as api:
        await api.put_template("edit-me", renamed_toml(TEMPLATE, "edit-me"))
        await api.create_bot(BotSpec(name="reloader", template="edit-me", venue="sim",
                                     mode="paper", symbols=("BTCUSDT",),
                                     account="speed=max;bars=200"), start=True)
        before = await api.get_template("edit-me")
    app = app_for(daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(app, pilot, "edit-me")
        fast = field(app, "components.0.params.fast")
        assert fast.text == "20"

        await type_into(pilot, fast, "1")
        assert fast.error == "1 is out of bounds [2, 500]"
        hint = fast.query_one(".field-hint", Static)
        assert hint.has_class("-invalid") and "out of bounds [2, 500]" in str(hint.render())
        await pilot.press("ctrl+s")
        await until(pilot, lambda: status(app).startswith("not saved: 1 field"), what="refusal")
        async with daemon.client() as api:
            assert (await api.get_template("edit-me")).version == before.version

        await type_into(pilot, fast, "30")
        assert fast.error is None
        await pilot.press("ctrl+s")
        await until(pilot, lambda: f"v{before.version} -> v{before.version + 1}" in status(app),
                    what="saved")
        await until(pilot, lambda: "reloader: " in status(app), timeout_s=15,
                    what="the bot's reload report")
        assert "template 'edit-me'" in status(app)
        async with daemon.client() as api:
            saved = await api.get_template("edit-me")
        assert tomllib.loads(saved.toml)["components"][0]["params"]["fast"] == 30


async def test_daemon_refusal_is_shown_at_the_component_and_nothing_is_saved(
        daemon: Daemon) -> None:
    async with daemon.client() as api:
        await api.put_template("cross-rule", renamed_toml(TEMPLATE, "cross-rule"))
        before = await api.get_template("cross-rule")
    app = app_for(daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(app, pilot, "cross-rule")
        # Each is within its own bounds, but fast must stay below slow: only the daemon knows.
        await type_into(pilot, field(app, "components.0.params.fast"), "60")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: status(app).startswith("not saved, the daemon refused"),
                    what="refusal")
        problem = app.screen.query_one("#problem-0", Static)
        assert "ema_cross" in str(problem.render())
        async with daemon.client() as api:
            assert (await api.get_template("cross-rule")).version == before.version


async def test_a_live_bot_on_the_template_needs_its_name_typed_before_saving(
        daemon: Daemon) -> None:
    async with daemon.client() as api:
        await api.put_template("live-one", renamed_toml(TEMPLATE, "live-one"))
        await api.create_bot(BotSpec(name="money", template="live-one", venue="idle",
                                     mode="live", symbols=("BTCUSDT",)))
        before = await api.get_template("live-one")
    app = app_for(daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(app, pilot, "live-one")
        await type_into(pilot, field(app, "components.1.params.stop_pct"), "1.5")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, TypedConfirm), what="confirmation")
        assert "LIVE bot(s) money" in app.screen.question
        await pilot.press("escape")
        await until(pilot, lambda: status(app) == "not saved (cancelled)", what="cancelled")
        async with daemon.client() as api:
            assert (await api.get_template("live-one")).version == before.version

        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, TypedConfirm), what="asked again")
        await pilot.press(*"live-one", "enter")
        await until(pilot, lambda: "-> v" in status(app), what="saved")
        async with daemon.client() as api:
            saved = await api.get_template("live-one")
        assert saved.version == before.version + 1
        assert tomllib.loads(saved.toml)["components"][1]["params"]["stop_pct"] == 1.5


async def test_new_template_from_a_system_template_is_stored_and_opened(daemon: Daemon) -> None:
    app = app_for(daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: not app.link and isinstance(app.screen, FleetScreen))
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, TemplatesScreen))
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, NewTemplate), what="the dialog")
        await pilot.press(*"Bad Name", "enter")
        problem = app.screen.query_one("#new-problem", Static)
        assert "must be 1-40 characters" in str(problem.render())
        app.screen.query_one("#source", Select).value = "reference_ema_cross"
        app.screen.query_one("#new-name", Input).value = ""
        await pilot.press(*"my-copy", "enter")
        await until(pilot, lambda: has_field(app, "components.0.params.fast"), what="editor")
        assert app.screen.template_name == "my-copy"  # type: ignore[attr-defined]
        async with daemon.client() as api:
            stored = await api.get_template("my-copy")
        assert stored.version == 1 and tomllib.loads(stored.toml)["name"] == "my-copy"


def test_the_templates_list_marks_validated_versions() -> None:
    from plutarc.daemon.store import TemplateRecord
    from plutarc.tui.screens.templates import template_rows

    stored = [TemplateRecord(name="a", toml="", version=3, updated_ms=0),
              TemplateRecord(name="b", toml="", version=2, updated_ms=0)]
    rows = dict(template_rows(stored, [], {"a": {1, 3}, "b": {1}}))
    assert rows["a"][1:3] == ("v3 ✓", "v1 v3")  # the latest version passed the gate
    assert rows["b"][1:3] == ("v2", "v1")  # bots on v2 run an unvalidated version
    assert dict(template_rows(stored, []))["a"][1:3] == ("v3", "-")
