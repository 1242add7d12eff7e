"""Notification channels: a name and a redacted address in SQLite, the URL in the key store.

The URL of a channel carries its credentials (a bot token, a webhook secret, a mail
password), so it is kept like a venue API key: in the OS keyring or the encrypted key file
(``plutarc/keys/backends.py``), under ``notify:NAME``. Nothing else ever holds it.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, ConfigDict

from plutarc.errors import ConfigError, NotFound, UsageError
from plutarc.keys.backends import SecretBackend
from plutarc.notify.redact import redact_url, scheme_of
from plutarc.storage.sqlite import Database
from plutarc.validation import check_name

SECRET_PREFIX = "notify:"
MAX_URL = 4096


class ChannelNotFound(NotFound):
    """No channel by that name."""


class ChannelInfo(BaseModel):
    """A channel as 'notify list' and GET /v1/notify show it: never its URL."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    address: str  # scheme and host only, e.g. "tgram://***" or "json://127.0.0.1:8099"
    backend: str
    created_ms: int
    created_by: str


def check_channel_name(name: str) -> str:
    try:
        return check_name(name, "channel name")
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def check_url(url: str, understood: Callable[[str], bool]) -> str:
    """``url`` stripped, if apprise understands it; errors never quote it (it is a secret)."""
    url = url.strip()
    if not url:
        raise UsageError("a channel needs its apprise URL (e.g. tgram://TOKEN/CHAT_ID)")
    if len(url) > MAX_URL:
        raise UsageError(f"a channel URL is at most {MAX_URL} characters")
    scheme = scheme_of(url)
    if not scheme:
        raise UsageError("a channel URL starts with its service, e.g. tgram://, discord://, "
                         "mailtos://, ntfys://, jsons://")
    if not understood(url):
        raise UsageError(f"apprise does not understand this {scheme}:// URL (an unknown "
                         "service or a missing part): see https://github.com/caronc/apprise/wiki")
    return url


class ChannelStore:
    def __init__(self, db: Database, backend: SecretBackend) -> None:
        self.db = db
        self.backend = backend

    def add(self, name: str, url: str, who: str, now_ms: int) -> ChannelInfo:
        name = check_channel_name(name)
        if self.get(name) is not None:
            raise UsageError(f"a channel named {name!r} exists already: remove it first "
                             f"('plutarc notify remove {name}')")
        info = ChannelInfo(name=name, address=redact_url(url), backend=self.backend.name,
                           created_ms=now_ms, created_by=who)
        self.backend.put(SECRET_PREFIX + name, {"url": url})
        try:
            with self.db.transaction():
                self.db.execute(
                    "INSERT INTO notify_channels (name, redacted, backend, created_ms, "
                    "created_by) VALUES (?,?,?,?,?)",
                    (info.name, info.address, info.backend, info.created_ms, info.created_by))
        except Exception:
            self.backend.delete(SECRET_PREFIX + name)  # no secret without its row
            raise
        return info

    def get(self, name: str) -> ChannelInfo | None:
        row = self.db.execute("SELECT * FROM notify_channels WHERE name = ?",
                              (name,)).fetchone()
        if row is None:
            return None
        return ChannelInfo(name=row["name"], address=row["redacted"], backend=row["backend"],
                           created_ms=row["created_ms"], created_by=row["created_by"])

    def require(self, name: str) -> ChannelInfo:
        info = self.get(name)
        if info is None:
            known = ", ".join(c.name for c in self.all()) or "none yet"
            raise ChannelNotFound(f"no notification channel named {name!r} (channels: {known}; "
                                  "add one with 'plutarc notify add NAME')")
        return info

    def all(self) -> list[ChannelInfo]:
        names = [r["name"] for r in self.db.execute(
            "SELECT name FROM notify_channels ORDER BY name")]
        return [c for c in (self.get(n) for n in names) if c is not None]

    def url(self, name: str) -> str:
        """The channel's URL, for the sender only."""
        info = self.require(name)
        if info.backend != self.backend.name:
            raise ConfigError(f"channel {name!r} was stored in the {info.backend}, but this "
                              f"daemon keeps secrets in the {self.backend.name}: add it again")
        parts = self.backend.get(SECRET_PREFIX + name)
        if parts is None or "url" not in parts:
            raise ConfigError(f"channel {name!r} is listed but its URL is missing from the "
                              f"{self.backend.name}: remove it and add it again")
        return parts["url"]

    def remove(self, name: str) -> ChannelInfo:
        info = self.require(name)
        if info.backend == self.backend.name:
            self.backend.delete(SECRET_PREFIX + name)
        with self.db.transaction():
            self.db.execute("DELETE FROM notify_channels WHERE name = ?", (name,))
            self.db.execute("DELETE FROM notify_routes WHERE channel = ?", (name,))
            self.db.execute("DELETE FROM notify_outbox WHERE channel = ?", (name,))
        return info
