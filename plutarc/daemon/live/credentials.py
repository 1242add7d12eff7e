"""Where a live or testnet BitMEX bot gets its API key, its endpoints and its adapter settings.

Credentials: the bot's ``account`` label names the key. When ``plutarc.keys`` is installed and
its ``KeyStore()`` opens on its own and holds the label, it answers (a testnet key is refused
for a live bot and the other way round); otherwise the environment does:

    PLUTARC_BITMEX_KEY, PLUTARC_BITMEX_SECRET   the API key id and secret (one key per daemon)

Endpoints and settings (all optional):

    PLUTARC_BITMEX_URL       base URL of the venue, e.g. http://127.0.0.1:8400 for the local
                             BitMEX server; REST is <base>/api/v1, the websocket <base>/realtime
    PLUTARC_BITMEX_CONFIG    JSON object of BitmexConfig fields (e.g. {"order_timeout_s": 3})

Secrets are never logged, stored or put in an event: errors name the label only.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from plutarc.errors import ConfigError, PlutarcError
from plutarc.exchanges.bitmex import BitmexAdapter, BitmexConfig, Credentials

ENV_KEY = "PLUTARC_BITMEX_KEY"
ENV_SECRET = "PLUTARC_BITMEX_SECRET"
ENV_URL = "PLUTARC_BITMEX_URL"
ENV_CONFIG = "PLUTARC_BITMEX_CONFIG"


def resolve_credentials(label: str, env: Mapping[str, str], mode: str = "live") -> Credentials:
    """The API key the bot's account ``label`` names: the key store first, then the env."""
    found = _from_key_store(label)
    if found is not None:
        stored_testnet = getattr(found, "testnet", None)
        if stored_testnet is not None and bool(stored_testnet) != (mode == "testnet"):
            kind = "testnet" if stored_testnet else "live"
            raise ConfigError(f"key {label!r} is a {kind} key: a {mode} bot cannot use it")
        to_bitmex = getattr(found, "bitmex", None)
        if callable(to_bitmex):
            return to_bitmex()
        return Credentials(*_pair(found))
    key, secret = env.get(ENV_KEY, ""), env.get(ENV_SECRET, "")
    if not key or not secret:
        raise ConfigError(
            f"no BitMEX API key for account {label or '(unnamed)'!r}: store it in the key "
            f"store, or set {ENV_KEY} and {ENV_SECRET} in the daemon's environment")
    return Credentials(key, secret)


def _from_key_store(label: str) -> Any | None:
    """``plutarc.keys.KeyStore().get(label)`` when that store is installed, can be opened
    on its own and holds ``label``; None otherwise (the environment is asked next)."""
    try:
        keys = importlib.import_module("plutarc.keys")
        store = keys.KeyStore()
    except (ImportError, AttributeError, TypeError):
        return None  # not installed, or it needs the daemon's wiring to open
    try:
        return store.get(label)
    except PlutarcError:
        return None


def _pair(found: Any) -> tuple[str, str]:
    """A key store answer as (key, secret): a pair, or an object with key/secret fields."""
    if isinstance(found, tuple | list) and len(found) == 2:
        return str(found[0]), str(found[1])
    key = getattr(found, "api_key", None) or getattr(found, "key", None)
    secret = getattr(found, "secret", None) or getattr(found, "api_secret", None)
    if not key or not secret:
        raise ConfigError("the key store answered without a key id and secret")
    return str(key), str(secret)


def bitmex_config(mode: str, env: Mapping[str, str]) -> BitmexConfig:
    """Adapter settings for a bot in ``mode`` (live or testnet), overridden from the env."""
    settings: dict[str, Any] = {"testnet": mode == "testnet"}
    raw = env.get(ENV_CONFIG, "").strip()
    if raw:
        try:
            extra = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{ENV_CONFIG} is not valid JSON: {exc}") from None
        if not isinstance(extra, dict):
            raise ConfigError(f"{ENV_CONFIG} must be a JSON object of BitMEX adapter settings")
        settings.update(extra)
    base = env.get(ENV_URL, "").strip().rstrip("/")
    if base:
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"{ENV_URL}={base!r} must look like https://host[:port]")
        ws_scheme = "wss" if parts.scheme == "https" else "ws"
        settings.setdefault("rest_url", f"{base}/api/v1")
        settings.setdefault("ws_url", f"{ws_scheme}://{parts.netloc}/realtime")
    try:
        return BitmexConfig(**settings)
    except ValidationError as exc:
        raise ConfigError(f"BitMEX adapter settings: {exc.errors()[0]['loc']}: "
                          f"{exc.errors()[0]['msg']}") from None


def bitmex_venue(mode: str, account: str, env: Mapping[str, str]) -> BitmexAdapter:
    """A BitMEX adapter for a bot: its key, endpoints and settings resolved as above."""
    return BitmexAdapter(bitmex_config(mode, env), resolve_credentials(account, env, mode))
