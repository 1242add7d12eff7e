"""The routing matrix and settings on a real (in-memory) daemon database: defaults, changes,
and bad input refused with one clear sentence, changing nothing."""

from __future__ import annotations

import pytest

from plutarc.daemon.store import DaemonStore
from plutarc.errors import UsageError
from plutarc.notify.kinds import DEFAULT_LEVELS, NotifyKind
from plutarc.notify.matrix import Matrix


@pytest.fixture
def matrix() -> Matrix:
    return Matrix(DaemonStore.open(":memory:").db)


def test_defaults_apply_until_changed_and_a_default_level_is_not_stored(matrix: Matrix):
    assert matrix.level("phone", NotifyKind.FILLS) == "off"
    changed = matrix.set(["phone", "mail"], "*", "fills", "info")
    assert [(r.channel, r.level, r.default) for r in changed] == [
        ("phone", "info", False), ("mail", "info", False)]
    matrix.set(["phone", "mail"], "phone", "fills", DEFAULT_LEVELS[NotifyKind.FILLS])
    assert matrix.level("phone", NotifyKind.FILLS) == "off"
    rows = matrix.db.execute("SELECT channel, kind FROM notify_routes").fetchall()
    assert [tuple(r) for r in rows] == [("mail", "fills")]


@pytest.mark.parametrize(("channel", "kind", "level", "says"), [
    ("phone", "filz", "info", "unknown notification kind 'filz'"),
    ("phone", "fills", "loud", "unknown level 'loud'; choose one of: off, info"),
    ("pager", "fills", "info", "no notification channel named 'pager' (channels: phone)"),
])
def test_a_bad_route_is_refused_and_changes_nothing(matrix: Matrix, channel: str, kind: str,
                                                    level: str, says: str):
    with pytest.raises(UsageError) as refused:
        matrix.set(["phone"], channel, kind, level)
    assert says in str(refused.value)
    assert matrix.db.execute("SELECT COUNT(*) FROM notify_routes").fetchone()[0] == 0


@pytest.mark.parametrize(("changes", "says"), [
    ({"summary_at": "25:00"}, "summary_at: Value error, summary_at must be HH:MM in UTC"),
    ({"max_per_hour": 0}, "max_per_hour: Input should be greater than or equal to 1"),
    ({"dedup_windw_s": 5}, "dedup_windw_s: Extra inputs are not permitted"),
])
def test_bad_settings_are_refused_and_change_nothing(matrix: Matrix, changes: dict,
                                                     says: str):
    before = matrix.settings()
    with pytest.raises(UsageError) as refused:
        matrix.update_settings(changes)
    assert says in str(refused.value)
    assert matrix.settings() == before


def test_settings_keep_what_is_not_changed(matrix: Matrix):
    after = matrix.update_settings({"summary_at": "7:05", "max_per_hour": 5})
    assert (after.summary_at, after.max_per_hour, after.dedup_window_s) == ("07:05", 5, 600)
    assert matrix.update_settings({"summary_at": None}).max_per_hour == 5
