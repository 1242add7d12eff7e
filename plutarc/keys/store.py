"""KeyStore: add, list, fetch and remove venue API keys; secrets in a backend, facts in SQLite.

The daemon opens one at start and makes it this process's active store; live workers then
fetch a bot's credentials with ``KeyStore().get(bot.account)`` (or ``active_keystore()``).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from plutarc.clock import Clock
from plutarc.errors import AlreadyExists, ConfigError, UsageError
from plutarc.keys.backends import FileBackend, SecretBackend
from plutarc.keys.credentials import Credentials, key_hint
from plutarc.keys.table import KeyInfo, KeyTable
from plutarc.keys.venues import check_parts, key_shape
from plutarc.validation import check_name


class KeystoreStatus(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: str
    locked: bool
    location: str


def check_label(label: str) -> str:
    try:
        return check_name(label, "key label")
    except ValueError as exc:
        raise UsageError(str(exc)) from None


_ACTIVE: list[KeyStore] = []  # the daemon's store, once it has opened one


def active_keystore() -> KeyStore:
    """The key store the daemon opened in this process."""
    if not _ACTIVE:
        raise ConfigError("no key store is open in this process: keys are served by the daemon")
    return _ACTIVE[-1]


class KeyStore:
    def __init__(self, backend: SecretBackend | None = None, table: KeyTable | None = None,
                 clock: Clock | None = None) -> None:
        """With no arguments: a view of the daemon's active store (TypeError when none is
        open, as outside a daemon there is nothing to open it with)."""
        if backend is None and table is None and clock is None:
            if not _ACTIVE:
                raise TypeError("KeyStore() without arguments needs the daemon's key store, "
                                "which is not open in this process")
            backend, table, clock = _ACTIVE[-1].backend, _ACTIVE[-1].table, _ACTIVE[-1].clock
        if backend is None or table is None or clock is None:
            raise TypeError("KeyStore needs a backend, a table and a clock")
        self.backend = backend
        self.table = table
        self.clock = clock

    def activate(self) -> None:
        """Make this the process's active store (the daemon does, once, at start)."""
        _ACTIVE.append(self)

    def deactivate(self) -> None:
        if self in _ACTIVE:
            _ACTIVE.remove(self)

    def status(self) -> KeystoreStatus:
        return KeystoreStatus(backend=self.backend.name, locked=self.backend.locked,
                              location=self.backend.location)

    def unlock(self, passphrase: str) -> KeystoreStatus:
        if not isinstance(self.backend, FileBackend):
            raise UsageError(f"keys are kept in the {self.backend.name}, which needs no unlock")
        self.backend.unlock(passphrase)
        return self.status()

    def add(self, label: str, venue: str, testnet: bool, api_key: str, secret: str,
            passphrase: str | None, who: str) -> KeyInfo:
        label = check_label(label)
        shape = key_shape(venue)
        check_parts(shape, passphrase)
        if not api_key.strip() or not secret.strip():
            raise UsageError("an API key needs both its key id and its secret")
        if self.table.get(label) is not None:
            raise AlreadyExists(f"a key labelled {label!r} exists already: remove it first "
                                f"('plutarc keys remove {label}')")
        parts = {"api_key": api_key.strip(), "secret": secret.strip()}
        if passphrase:
            parts["passphrase"] = passphrase
        info = KeyInfo(label=label, venue=shape.venue, testnet=testnet,
                       key_hint=key_hint(parts["api_key"]), has_passphrase=bool(passphrase),
                       backend=self.backend.name, created_ms=self.clock.now_ms(),
                       created_by=who)
        self.backend.put(label, parts)
        try:
            self.table.insert(info)
        except Exception:
            self.backend.delete(label)  # no secret without its row
            raise
        return info

    def list(self) -> list[KeyInfo]:
        return self.table.all()

    def info(self, label: str) -> KeyInfo:
        return self.table.require(label)

    def get(self, label: str) -> Credentials:
        """The credentials of key ``label``; marks it used."""
        info = self.table.require(label)
        if info.backend != self.backend.name:
            raise ConfigError(f"key {label!r} was stored in the {info.backend}, but this daemon "
                              f"keeps keys in the {self.backend.name}: add it again")
        parts = self.backend.get(label)
        if parts is None:
            raise ConfigError(f"key {label!r} is listed but its secret is missing from the "
                              f"{self.backend.name} ({self.backend.location}): remove it and "
                              "add it again")
        self.table.touch(label, self.clock.now_ms())
        return Credentials(label, info.venue, info.testnet, parts["api_key"], parts["secret"],
                           parts.get("passphrase"))

    def remove(self, label: str) -> KeyInfo:
        info = self.table.require(label)
        if info.backend == self.backend.name:
            self.backend.delete(label)
        self.table.delete(label)
        return info
