"""Building the ccxt exchange object for a profile: lazy import, sandbox, local URLs, keys.

ccxt is imported here only, when a ccxt venue is first used, so ``plutarc --help``, the TUI
and bots on other venues never load it. ``base_url`` points every REST endpoint of the
venue at one server (a local replay server in tests): the scheme and host of each URL in
ccxt's ``urls['api']`` are replaced and the path is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from plutarc.errors import ConfigError
from plutarc.exchanges.ccxt.profile import CcxtProfile

_ORIGIN = re.compile(r"^(https?|wss?)://[^/]+")


@dataclass(frozen=True)
class CcxtCredentials:
    """An API key; ``passphrase`` for venues that sign with three parts (OKX, KuCoin)."""

    key: str
    secret: str
    passphrase: str = ""

    def __repr__(self) -> str:  # never show a secret, even in a traceback
        return f"CcxtCredentials(key={self.key[:4]}…)"


def rewrite_urls(obj: Any, base: str) -> Any:
    """Every http(s) URL in ccxt's nested ``urls['api']`` moved onto ``base``, and every
    ws(s) URL (ccxt.pro's ``urls['api']['ws']``) onto ``base`` as ws(s)."""
    if isinstance(obj, str):
        if obj.startswith("ws"):
            return _ORIGIN.sub(re.sub(r"^http", "ws", base), obj)
        return _ORIGIN.sub(base, obj) if obj.startswith("http") else obj
    if isinstance(obj, dict):
        return {k: rewrite_urls(v, base) for k, v in obj.items()}
    return obj


def check_base_url(base: str) -> str:
    base = base.strip().rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path:
        raise ConfigError(f"venue URL {base!r} must look like https://host[:port]")
    return base


def build_exchange(profile: CcxtProfile, *, testnet: bool, credentials: CcxtCredentials | None,
                   base_url: str | None, timeout_s: float, pro: bool = False) -> Any:
    """A ccxt async exchange for ``profile`` (ccxt.async_support, imported now); ``pro``:
    its ccxt.pro class (the same REST calls plus the WebSocket ``watch_*`` ones)."""
    import ccxt.async_support as ccxt_async  # lazy: only ccxt venues pay for it

    if pro:
        import ccxt.pro as ccxt_async  # noqa: F811 - the WebSocket classes, same signing

    cls = getattr(ccxt_async, profile.ccxt_id, None)
    if cls is None:
        raise ConfigError(f"the installed ccxt has no exchange {profile.ccxt_id!r}")
    config: dict[str, Any] = {
        "enableRateLimit": True,
        "timeout": int(timeout_s * 1000),
        "options": {k: v for k, v in profile.options.items()},
    }
    if credentials is not None:
        config.update(apiKey=credentials.key, secret=credentials.secret)
        if credentials.passphrase:
            config["password"] = credentials.passphrase
    exchange = cls(config)
    exchange.has["fetchCurrencies"] = False  # wallets' coin lists: private calls we never need
    if profile.error_codes:  # per instance: ccxt copies its exception table for each object
        exact = exchange.exceptions.setdefault("exact", {})
        for code, name in profile.error_codes.items():
            exact[code] = getattr(ccxt_async, name)
    if testnet:
        if not profile.sandbox:
            raise ConfigError(f"{profile.name} has no testnet")
        exchange.set_sandbox_mode(True)
    if base_url:
        exchange.urls["api"] = rewrite_urls(exchange.urls["api"], check_base_url(base_url))
    missing = [m for m in profile.required_methods if not exchange.has.get(m)]
    if missing:
        raise ConfigError(f"ccxt's {profile.ccxt_id} lacks {', '.join(missing)}")
    _send_each_request_once(exchange)
    return exchange


def _send_each_request_once(exchange: Any) -> None:
    """aiohttp sends an "idempotent" request (GET, PUT, DELETE) a second time, silently, when
    a reused connection drops before the answer. Deribit places and edits orders with GET,
    so a venue that accepted an order and then lost the connection got it twice. Every
    request goes out once here: a lost answer is OrderStatusUnknown, looked up by client id
    (tests/exchanges/contract/test_faults.py, the dropped connection)."""
    opened = exchange.open

    def open_once(*args: Any, **kwargs: Any) -> Any:
        result = opened(*args, **kwargs)
        session = exchange.session
        if session is not None and hasattr(session, "_retry_connection"):
            session._retry_connection = False  # aiohttp's switch for that resend
        return result
    exchange.open = open_once
