"""Stored template versions and bot pins (issue 24): migration 8 backfills both from an
existing database, every saved version stays readable, and a bot's worker configuration is
the text of the version it is pinned to."""

from __future__ import annotations

from pathlib import Path

import pytest

from plutarc.daemon.errors import NotFound
from plutarc.daemon.runtime.supervisor import config_of
from plutarc.daemon.store import MIGRATIONS, DaemonStore


def test_migration_8_pins_existing_bots_to_their_templates_current_version(tmp_path: Path):
    path = tmp_path / "plutarc.db"
    old = DaemonStore.open(path, MIGRATIONS[:7])
    old.db.execute("INSERT INTO templates (name, toml, version, updated_ms) "
                   "VALUES ('trend', 'name = ''trend'' # v2', 2, 2)")  # as saved before v8
    old.db.execute(
        "INSERT INTO bots (id, name, template, venue, mode, symbols, risk, state, "
        "plutarc_version, created_ms, updated_ms) VALUES ('b9', 'old-bot', 'trend', 'sim', "
        "'paper', '[\"ETHUSDT\"]', '{}', 'stopped', '0.0.9', 5, 6)")
    old.close()

    store = DaemonStore.open(path)
    assert store.bots.resolve("old-bot").template_version == 2
    assert store.templates.versions("trend") == [2]  # older texts were never kept before
    assert store.templates.version("trend", 2).toml.endswith("# v2")

    store.templates.put("trend", "name = 'trend' # v3", 7)
    assert store.templates.versions("trend") == [2, 3]
    bot = store.bots.resolve("old-bot")
    assert config_of(store, bot).template_toml.endswith("# v2")  # still pinned
    store.bots.pin_template(bot.id, 3, 8)
    moved = store.bots.resolve("old-bot")
    assert (moved.template_version, moved.config_version) == (3, bot.config_version + 1)
    assert config_of(store, moved).template_version == 3


def test_a_pin_to_a_version_never_stored_is_refused(tmp_path: Path):
    store = DaemonStore.open(tmp_path / "plutarc.db")
    store.templates.put("trend", "name = 'trend'", 1)
    store.db.execute(
        "INSERT INTO bots (id, name, template, venue, mode, symbols, risk, state, "
        "plutarc_version, created_ms, updated_ms, template_version) VALUES ('b1', 'b', "
        "'trend', 'sim', 'paper', '[\"ETHUSDT\"]', '{}', 'stopped', '1', 5, 6, 4)")
    with pytest.raises(NotFound, match="pinned to template 'trend' v4, which is not stored"):
        config_of(store, store.bots.resolve("b"))
