"""Credentials: one venue API key with its secret (and passphrase), impossible to print."""

from __future__ import annotations

from typing import TYPE_CHECKING

from plutarc.logs import REDACTOR

if TYPE_CHECKING:
    from plutarc.exchanges.bitmex import Credentials as BitmexCredentials


def key_hint(api_key: str) -> str:
    """Enough of a key id to tell keys apart on screen: its first 4 characters."""
    return f"{api_key[:4]}…" if len(api_key) >= 12 else "…"


class Credentials:
    """A key id, its secret and, for venues that need one, a passphrase.

    ``repr``/``str`` show the label, venue and a hint of the key id only; the object cannot be
    pickled; the secret and passphrase are registered with the log redactor on creation.
    """

    __slots__ = ("_passphrase", "_secret", "api_key", "label", "testnet", "venue")

    def __init__(self, label: str, venue: str, testnet: bool, api_key: str, secret: str,
                 passphrase: str | None = None) -> None:
        if not api_key or not secret:
            raise ValueError(f"key {label!r} needs both an API key id and its secret")
        self.label = label
        self.venue = venue
        self.testnet = testnet
        self.api_key = api_key
        self._secret = secret
        self._passphrase = passphrase or None
        REDACTOR.add(secret, *([passphrase] if passphrase else []))

    @property
    def secret(self) -> str:
        return self._secret

    @property
    def passphrase(self) -> str | None:
        return self._passphrase

    def __repr__(self) -> str:
        phrase = "***" if self._passphrase else "None"
        return (f"Credentials(label={self.label!r}, venue={self.venue!r}, testnet={self.testnet},"
                f" api_key='{key_hint(self.api_key)}', secret=***, passphrase={phrase})")

    __str__ = __repr__

    def __reduce__(self) -> tuple:
        raise TypeError("Credentials cannot be pickled or copied out of the process")

    def bitmex(self) -> BitmexCredentials:
        """The BitMEX adapter's signing credentials for this key."""
        from plutarc.exchanges.bitmex import Credentials as BitmexCredentials

        return BitmexCredentials(self.api_key, self._secret)
