"""BitMEX request signing: api-expires / api-key / api-signature, REST and websocket.

signature = hex(HMAC_SHA256(secret, VERB + path-with-query + expires + raw body)). The path
includes ``/api/v1`` and the query exactly as sent; the body is the exact bytes sent.
The secret lives only inside ``Credentials`` and never appears in a repr, str or error.
"""

from __future__ import annotations

import hashlib
import hmac

WS_SIGNATURE_PATH = "/realtime"


def signature(secret: bytes, verb: str, path: str, expires: int | str, body: bytes | str) -> str:
    """Lowercase hex HMAC-SHA256 of ``VERB + path + expires + body``."""
    raw = body.encode() if isinstance(body, str) else body
    message = verb.upper().encode() + path.encode() + str(expires).encode() + raw
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


class Credentials:
    """An API key id and its secret. ``repr``/``str`` show only the key's first characters."""

    __slots__ = ("_secret", "api_key")

    def __init__(self, api_key: str, api_secret: str) -> None:
        if not api_key or not api_secret:
            raise ValueError("BitMEX credentials need both an API key id and its secret")
        self.api_key = api_key
        self._secret = api_secret.encode()
        try:  # secrets never reach a log line, whoever logs
            from plutarc.logs import REDACTOR

            REDACTOR.add(api_secret)
        except ImportError:  # pragma: no cover - logging module not installed
            pass

    def __repr__(self) -> str:
        return f"Credentials(api_key='{self.api_key[:4]}…', api_secret=***)"

    __str__ = __repr__

    def __reduce__(self) -> tuple:
        raise TypeError("Credentials cannot be pickled or copied out of the process")

    def sign(self, verb: str, path: str, expires: int | str, body: bytes | str = b"") -> str:
        return signature(self._secret, verb, path, expires, body)

    def rest_headers(self, verb: str, path: str, body: bytes, expires: int) -> dict[str, str]:
        """Headers of a signed REST request; ``path`` includes /api/v1 and the query."""
        return {
            "api-expires": str(expires),
            "api-key": self.api_key,
            "api-signature": self.sign(verb, path, expires, body),
        }

    def ws_auth_op(self, expires: int) -> dict[str, object]:
        """The ``authKeyExpires`` command: the signed message is always ``GET/realtime``."""
        return {
            "op": "authKeyExpires",
            "args": [self.api_key, expires, self.sign("GET", WS_SIGNATURE_PATH, expires, b"")],
        }
