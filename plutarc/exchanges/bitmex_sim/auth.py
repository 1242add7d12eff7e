"""Request authentication as BitMEX does it: api-key, api-expires, api-signature.

The signature is recomputed here, independently of the adapter's signing code, over
``VERB + raw path with query + api-expires + raw body`` exactly as received.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass


@dataclass(frozen=True)
class AuthFailure(Exception):
    status: int
    message: str


def expected_signature(secret: str, verb: str, raw_path: str, expires: str, body: bytes) -> str:
    message = verb.upper().encode() + raw_path.encode() + expires.encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class Authenticator:
    def __init__(
        self,
        keys: dict[str, str],
        *,
        max_ahead_s: int,
        expired_status: int,
    ) -> None:
        self._keys = dict(keys)
        self._max_ahead_s = max_ahead_s
        self._expired_status = expired_status

    def check_expires(self, expires: str | None, now_s: float) -> int:
        if expires is None:
            raise AuthFailure(401, "Missing API expires header.")
        try:
            value = int(expires)
        except ValueError:
            raise AuthFailure(400, "api-expires must be an integer UNIX timestamp.") from None
        if value < int(now_s):
            raise AuthFailure(
                self._expired_status,
                f"This request has expired - `expires` is in the past. Current time: {int(now_s)}",
            )
        if value > now_s + self._max_ahead_s:
            raise AuthFailure(400, "api-expires is too far in the future.")
        return value

    def verify(
        self,
        *,
        key: str | None,
        expires: str | None,
        signature: str | None,
        verb: str,
        raw_path: str,
        body: bytes,
        now_s: float,
    ) -> str:
        """The key id when the request is authentic; AuthFailure otherwise."""
        if not key:
            raise AuthFailure(401, "Missing API key.")
        secret = self._keys.get(key)
        if secret is None:
            raise AuthFailure(401, "Invalid API Key.")
        self.check_expires(expires, now_s)
        wanted = expected_signature(secret, verb, raw_path, expires or "", body)
        if not signature or not hmac.compare_digest(wanted, signature):
            raise AuthFailure(401, "Signature not valid.")
        return key

    def verify_ws(self, args: list, now_s: float) -> str:
        """``authKeyExpires`` args: [key, expires, signature of GET/realtime + expires]."""
        if not isinstance(args, list) or len(args) != 3:
            raise AuthFailure(400, "authKeyExpires needs [apiKey, expires, signature].")
        key, expires, signature = args
        return self.verify(key=str(key), expires=str(expires), signature=str(signature),
                           verb="GET", raw_path="/realtime", body=b"", now_s=now_s)
