"""Named API tokens: issued once, kept only as a sha256, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3

from pydantic import BaseModel, ConfigDict

from plutarc.access.roles import Role, grantable_role
from plutarc.errors import AlreadyExists, NotFound, UsageError
from plutarc.storage.sqlite import Database
from plutarc.validation import check_name

TOKEN_PREFIX = "plt_"
# Writing last_used on every request would turn reads into writes; minute precision is plenty.
LAST_USED_RESOLUTION_MS = 60_000
MAX_LIFETIME_S = 10 * 365 * 86_400


class TokenInfo(BaseModel):
    """What is shown about a token: never the token, never its hash."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    role: Role
    created_ms: int
    created_by: str
    last_used_ms: int | None = None
    expires_ms: int | None = None  # None: never


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def check_token_name(name: str) -> str:
    try:
        return check_name(name, "token name")
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _info(row: sqlite3.Row) -> TokenInfo:
    return TokenInfo(name=row["name"], role=Role(row["role"]), created_ms=row["created_ms"],
                     created_by=row["created_by"], last_used_ms=row["last_used_ms"],
                     expires_ms=row["expires_ms"])


class TokenStore:
    """The access_tokens table plus an in-memory copy of the digests for each request."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._digests: dict[str, tuple[str, Role]] = {}  # name -> (sha256, role)
        self._expires: dict[str, int] = {}  # name -> expiry, for tokens that expire
        self._last_used: dict[str, int] = {}
        self._reload()

    def _reload(self) -> None:
        rows = self._db.execute("SELECT name, role, token_sha256, last_used_ms, expires_ms "
                                "FROM access_tokens").fetchall()
        self._digests = {r["name"]: (r["token_sha256"], Role(r["role"])) for r in rows}
        self._expires = {r["name"]: r["expires_ms"] for r in rows if r["expires_ms"] is not None}
        self._last_used = {r["name"]: r["last_used_ms"] or 0 for r in rows}

    def grant(self, name: str, role: str, created_by: str, now_ms: int,
              expires_in_s: int | None = None) -> tuple[TokenInfo, str]:
        """A new token for ``name``: its info and the token itself, which is never kept;
        ``expires_in_s``: it stops working that long from now (None: never)."""
        name = check_token_name(name)
        granted = grantable_role(role)
        if expires_in_s is not None and not 0 < expires_in_s <= MAX_LIFETIME_S:
            raise UsageError(f"a token's lifetime must be 1 s to {MAX_LIFETIME_S // 86_400} "
                             f"days, got {expires_in_s} s")
        expires_ms = None if expires_in_s is None else now_ms + expires_in_s * 1000
        if name in self._digests:
            raise AlreadyExists(f"a token named {name!r} exists already: revoke it first "
                                f"('plutarc access revoke {name}')")
        token = new_token()
        with self._db.transaction():
            self._db.execute(
                "INSERT INTO access_tokens (name, role, token_sha256, created_ms, created_by, "
                "expires_ms) VALUES (?, ?, ?, ?, ?, ?)",
                (name, granted.value, token_digest(token), now_ms, created_by, expires_ms))
        self._reload()
        return self.get(name), token

    def revoke(self, name: str) -> TokenInfo:
        info = self.get(name)
        with self._db.transaction():
            self._db.execute("DELETE FROM access_tokens WHERE name = ?", (name,))
        self._reload()
        return info

    def expires_ms(self, name: str) -> int | None:
        """When the token ``name`` stops working; None: never (or no such token)."""
        return self._expires.get(name)

    def get(self, name: str) -> TokenInfo:
        row = self._db.execute("SELECT * FROM access_tokens WHERE name = ?", (name,)).fetchone()
        if row is None:
            known = ", ".join(sorted(self._digests)) or "none granted"
            raise NotFound(f"no token named {name!r} (tokens: {known})")
        return _info(row)

    def all(self) -> list[TokenInfo]:
        return [_info(r) for r in self._db.execute("SELECT * FROM access_tokens ORDER BY name")]

    def verify(self, token: str, now_ms: int) -> tuple[str, Role] | None:
        """(name, role) of a valid token, else None; every stored digest is compared."""
        presented = token_digest(token)
        found: tuple[str, Role] | None = None
        for name, (digest, role) in self._digests.items():
            # no early exit: the time taken does not depend on which token matched
            if hmac.compare_digest(presented, digest):
                found = (name, role)
        if found is None:
            return None
        if found[0] in self._expires and now_ms >= self._expires[found[0]]:
            return None  # expired: as good as revoked
        self._touch(found[0], now_ms)
        return found

    def _touch(self, name: str, now_ms: int) -> None:
        if now_ms - self._last_used.get(name, 0) < LAST_USED_RESOLUTION_MS:
            return
        self._last_used[name] = now_ms
        with self._db.transaction():
            self._db.execute("UPDATE access_tokens SET last_used_ms = ? WHERE name = ?",
                             (now_ms, name))
