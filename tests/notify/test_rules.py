"""The notifier's pure rules: which event is which kind, folding repeats, the hourly cap,
redacting a channel URL and when the daily summary is due."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from plutarc.clock import WallClock
from plutarc.daemon.store import DaemonStore
from plutarc.keys.backends import FileBackend
from plutarc.keys.filebox import EncryptedKeyFile
from plutarc.notify.kinds import NotifyKind, classify, passes
from plutarc.notify.message import compose
from plutarc.notify.notifier import Notifier
from plutarc.notify.redact import redact_url, scrub
from plutarc.notify.schedule import DAY_MS, next_at
from plutarc.notify.throttle import HOUR_MS, Throttle


@dataclass
class Ev:
    kind: str
    message: str = ""
    severity: str = "warning"
    bot_id: str | None = "b1"
    data: dict[str, Any] = field(default_factory=dict)


@pytest.mark.parametrize(("event", "expected"), [
    (Ev("bot_state", data={"from": "online", "to": "errored"}), NotifyKind.BOT_ERRORED),
    (Ev("bot_state", data={"from": "online", "to": "paused"}), None),
    (Ev("alert", data={"needs_operator": True, "reason": "x"}), NotifyKind.BOT_HELD),
    (Ev("alert", data={"needs_operator": True, "rule": "daily_loss"}), None),
    (Ev("alert", data={"error": "reset", "outage": True}), NotifyKind.VENUE_OUTAGE),
    (Ev("activity", "connected to bitmex again after 3 failed attempts", data={"attempts": 3}),
     NotifyKind.VENUE_RECOVERED),
    (Ev("risk", data={"rule": "daily_loss", "action": "halted"}), NotifyKind.RISK_DAILY_LOSS),
    (Ev("risk", data={"rule": "max_position", "action": "blocked"}), None),
    (Ev("risk", data={"change": "drawdown_halt"}), NotifyKind.RISK_DRAWDOWN),
    (Ev("risk", data={"change": "target_halt"}), NotifyKind.DAILY_TARGET),
    (Ev("alert", data={"kill_switch": True}), NotifyKind.KILL_SWITCH),
    (Ev("alert", data={"symbol": "XBTUSD", "venue_qty": "1", "bot_qty": "0"}),
     NotifyKind.RECONCILE_MISMATCH),
    (Ev("order", data={"client_id": "c", "status": "in_doubt"}), NotifyKind.IN_DOUBT_ORDER),
    (Ev("alert", data={"fill_ids": [], "cancelled_by_venue": []}), NotifyKind.LIQUIDATION),
    (Ev("fill"), NotifyKind.FILLS),
    (Ev("alert", "dead man's switch is NOT armed"), NotifyKind.OTHER_ALERT),
    (Ev("health", "daemon started (pid 42, plutarc 0.1)", data={"pid": 42}),
     NotifyKind.DAEMON_STARTED),
    (Ev("health", "daemon stopped"), None),
    (Ev("health", data={"notify_channel": "phone"}), None),
    (Ev("alert", data={"notify_channel": "phone"}), None),  # never feeds itself
    (Ev("decision"), None),
])
def test_events_are_classified_by_their_data(event: Ev, expected: NotifyKind | None):
    assert classify(event) == expected


def test_a_route_passes_its_minimum_severity_and_above():
    assert passes("warning", "info") and passes("critical", "error")
    assert not passes("info", "warning") and not passes("critical", "off")


def test_repeats_of_one_story_fold_into_one_digest_per_window():
    throttle = Throttle()
    key = ("phone", "venue", "b1")
    assert not throttle.fold(key, "venue_outage", "warning", "lost", 0, 60)
    for i in range(99):
        assert throttle.fold(key, "venue_recovered", "info", f"back {i}", 10 + i, 60)
    assert throttle.due_digests(59_999, 60) == []
    [(got_key, story)] = throttle.due_digests(60_000, 60)
    assert got_key == key and story.folded == 99 and story.latest == ("venue_recovered",
                                                                       "info", "back 98")
    # a quiet window closes the story: the next event is news again
    assert throttle.due_digests(120_000, 60) == []
    assert not throttle.fold(key, "venue_outage", "warning", "lost", 120_001, 60)


def test_the_hourly_cap_holds_messages_but_never_urgent_ones():
    throttle = Throttle()
    assert [throttle.take_slot("p", "bot_errored", t, 2, False) for t in (0, 1, 2)] == [
        True, True, False]
    assert throttle.take_slot("p", "kill_switch", 3, 2, urgent=True)
    assert throttle.release_held("p", 4, 2) is None  # no slot yet
    held = throttle.release_held("p", HOUR_MS + 1, 2)
    assert held is not None and held.count == 1 and dict(held.kinds) == {"bot_errored": 1}
    assert throttle.held_channels() == []


@pytest.mark.parametrize(("url", "shown"), [
    ("tgram://123456789:AAE-secretTOKEN/987654", "tgram://***"),
    ("discord://112233/webhooktokenABC", "discord://***"),
    ("pover://userkey@apptokenXYZ", "pover://***"),
    ("mailtos://me:hunter22@mail.example.com?to=a@b.c", "mailtos://mail.example.com"),
    ("jsons://user:pw@hooks.example.org:8443/path/s3cret?token=abc", "jsons://hooks.example.org:8443"),
    ("json://127.0.0.1:9000/x", "json://127.0.0.1:9000"),
    ("not a url", "***"),
])
def test_a_channel_url_is_shown_as_scheme_and_host_only(url: str, shown: str):
    assert redact_url(url) == shown


def test_scrub_removes_every_secret_piece_of_the_url():
    url = "jsons://user:pw99@hooks.example.org/path/s3cretTOKEN?token=abcdef"
    text = (f"POST to {url} failed; host hooks.example.org said no; abcdef and s3cretTOKEN "
            "leaked; pw99")
    out = scrub(text, url)
    for piece in ("s3cretTOKEN", "abcdef", "pw99", url):
        assert piece not in out
    assert "hooks.example.org" in out


def test_the_daily_summary_is_due_at_the_next_chosen_utc_time():
    day = 20_000 * DAY_MS
    assert next_at("07:30", day) == day + (7 * 60 + 30) * 60_000
    assert next_at("07:30", day + 8 * 3_600_000) == day + DAY_MS + (7 * 60 + 30) * 60_000
    assert next_at("00:00", day) == day + DAY_MS  # strictly after
    assert next_at(None, day) is None


def test_a_message_names_the_bot_what_happened_and_the_command_that_helps():
    msg = compose(NotifyKind.BOT_HELD, "error", "alpha: paused until an operator clears it: "
                  "rejected", "alpha")
    assert msg.title == "plutarc ERROR: alpha: bot held until cleared"
    assert msg.body.startswith("paused until an operator clears it")
    assert "'plutarc bot clear alpha'" in msg.body


def test_the_kill_switch_and_its_verification_are_both_sent_at_once(tmp_path: Path):
    db = DaemonStore.open(":memory:").db
    box = EncryptedKeyFile(tmp_path / "keys.enc", 2**10)
    box.unlock("a test passphrase")
    notifier = Notifier.open(db, FileBackend(box), WallClock(), lambda *_: None,
                             lambda _id: None, lambda _a, _b: "")  # routing only: not started
    notifier.channels.add("phone", "json://127.0.0.1:9/hook", "test", 0)
    notifier.reload()

    notifier.route(Ev("alert", "KILL SWITCH by alice: 3 bots paused", "critical", None,
                      {"kill_switch": True}))
    notifier.route(Ev("alert", "kill switch NOT verified: 1 left: XBTUSD", "critical", None,
                      {"kill_switch": True, "verified": False}))

    bodies = [r[0].splitlines()[0] for r in db.execute("SELECT body FROM notify_outbox "
                                                        "ORDER BY id")]
    assert bodies == ["KILL SWITCH by alice: 3 bots paused",
                      "kill switch NOT verified: 1 left: XBTUSD"]
