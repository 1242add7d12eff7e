"""The api_keys table: what is known about each stored key, never any part of its secret."""

from __future__ import annotations

import sqlite3

from pydantic import BaseModel, ConfigDict

from plutarc.errors import NotFound
from plutarc.storage.sqlite import Database


class KeyInfo(BaseModel):
    """A stored key as shown by 'keys list' and GET /v1/keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    venue: str
    testnet: bool
    key_hint: str  # the first characters of the key id, to tell keys apart
    has_passphrase: bool
    backend: str  # "keyring" or "file"
    created_ms: int
    created_by: str
    last_used_ms: int | None = None


def _info(row: sqlite3.Row) -> KeyInfo:
    return KeyInfo(label=row["label"], venue=row["venue"], testnet=bool(row["testnet"]),
                   key_hint=row["key_hint"], has_passphrase=bool(row["has_passphrase"]),
                   backend=row["backend"], created_ms=row["created_ms"],
                   created_by=row["created_by"], last_used_ms=row["last_used_ms"])


class KeyTable:
    def __init__(self, db: Database) -> None:
        self._db = db

    def insert(self, info: KeyInfo) -> None:
        with self._db.transaction():
            self._db.execute(
                "INSERT INTO api_keys (label, venue, testnet, key_hint, has_passphrase, backend, "
                "created_ms, created_by, last_used_ms) VALUES (?,?,?,?,?,?,?,?,?)",
                (info.label, info.venue, int(info.testnet), info.key_hint,
                 int(info.has_passphrase), info.backend, info.created_ms, info.created_by,
                 info.last_used_ms))

    def get(self, label: str) -> KeyInfo | None:
        row = self._db.execute("SELECT * FROM api_keys WHERE label = ?", (label,)).fetchone()
        return None if row is None else _info(row)

    def require(self, label: str) -> KeyInfo:
        info = self.get(label)
        if info is None:
            known = ", ".join(k.label for k in self.all()) or "none stored"
            raise NotFound(f"no API key labelled {label!r} (keys: {known}; add one with "
                           "'plutarc keys add VENUE --label LABEL')")
        return info

    def all(self) -> list[KeyInfo]:
        return [_info(r) for r in self._db.execute("SELECT * FROM api_keys ORDER BY label")]

    def delete(self, label: str) -> None:
        with self._db.transaction():
            self._db.execute("DELETE FROM api_keys WHERE label = ?", (label,))

    def touch(self, label: str, now_ms: int) -> None:
        with self._db.transaction():
            self._db.execute("UPDATE api_keys SET last_used_ms = ? WHERE label = ?",
                             (now_ms, label))
