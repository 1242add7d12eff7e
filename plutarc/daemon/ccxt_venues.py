"""Bots on the ccxt venues: which of them the daemon serves, and how a bot gets its venue.

Served (each passes the contract suite against a local server of that venue): binance
(Binance USD-M), bybit, okx, deribit, kraken (Kraken Futures), kucoin (KuCoin Futures),
phemex and woox (WOO X), in paper (public market data, orders on the local sim), testnet
and live mode. The gemini profile is a capabilities record and is not served yet.

Per venue NAME (upper case), all optional:

    PLUTARC_<NAME>_URL         base URL every REST endpoint of the venue is moved onto
                               (a local server in tests), e.g. http://127.0.0.1:8500
    PLUTARC_<NAME>_KEY, PLUTARC_<NAME>_SECRET, PLUTARC_<NAME>_PASSPHRASE
                               the API key when the key store does not hold the bot's label

A key from the key store must be for the bot's venue, and a testnet key is refused for a
live bot and the other way round. Secrets are never logged: errors name the label only.
ccxt itself is imported when a bot's venue is built, not when workers are registered.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from plutarc.errors import ConfigError, PlutarcError
from plutarc.exchanges.ccxt import CcxtCredentials
from plutarc.exchanges.ccxt.profile import CcxtProfile
from plutarc.exchanges.ccxt.venues import PROFILES, SERVED


def _env(profile: CcxtProfile, what: str, env: Mapping[str, str]) -> str:
    return env.get(f"PLUTARC_{profile.name.upper()}_{what}", "").strip()


def credentials(profile: CcxtProfile, label: str, mode: str,
                env: Mapping[str, str]) -> CcxtCredentials:
    """The key the bot's account ``label`` names: the key store first, then the env."""
    found = _from_key_store(label)
    if found is not None:
        if getattr(found, "venue", profile.name) != profile.name:
            raise ConfigError(f"key {label!r} is for {found.venue}, not {profile.name}")
        if bool(getattr(found, "testnet", False)) != (mode == "testnet"):
            kind = "testnet" if found.testnet else "live"
            raise ConfigError(f"key {label!r} is a {kind} key: a {mode} bot cannot use it")
        return CcxtCredentials(found.api_key, found.secret, found.passphrase or "")
    key, secret = _env(profile, "KEY", env), _env(profile, "SECRET", env)
    passphrase = _env(profile, "PASSPHRASE", env)
    if not key or not secret or (profile.needs_passphrase and not passphrase):
        parts = "KEY, SECRET and PASSPHRASE" if profile.needs_passphrase else "KEY and SECRET"
        raise ConfigError(f"no {profile.name} API key for account {label or '(unnamed)'!r}: "
                          f"store it with 'plutarc keys add', or set PLUTARC_"
                          f"{profile.name.upper()}_{{{parts}}} in the daemon's environment")
    return CcxtCredentials(key, secret, passphrase)


def _from_key_store(label: str) -> Any | None:
    if not label:
        return None
    try:
        from plutarc.keys import KeyStore
        store = KeyStore()
    except (ImportError, AttributeError, TypeError):
        return None  # no store, or one that needs the daemon's wiring to open
    try:
        return store.get(label)
    except PlutarcError:  # not held there: the env is asked next
        return None


def ccxt_venue(profile: CcxtProfile, mode: str, account: str | None,
               env: Mapping[str, str]) -> Any:
    """A CcxtVenue for a bot: public data only when ``account`` is None (paper bots)."""
    from plutarc.exchanges.ccxt.adapter import CcxtVenue

    keys = None if account is None else credentials(profile, account, mode, env)
    return CcxtVenue(profile, testnet=mode == "testnet", credentials=keys,
                     base_url=_env(profile, "URL", env) or None)


def register_workers(registry) -> None:  # noqa: ANN001 - WorkerRegistry (avoids an import cycle)
    """Serve paper, testnet and live bots on each venue in SERVED."""
    for name in SERVED:
        profile = PROFILES[name]
        registry.register(name, _paper(profile), modes=["paper"])
        registry.register(name, _live(profile), modes=["live", "testnet"])


def _paper(profile: CcxtProfile):  # noqa: ANN202 - BotRecord -> PaperOnVenueWorker
    def make(_bot):  # noqa: ANN001, ANN202
        from plutarc.daemon.paper_venue import PaperOnVenueWorker

        # the live endpoints' public data (or PLUTARC_<NAME>_URL); never a key
        return PaperOnVenueWorker(lambda bot: ccxt_venue(profile, "live", None, os.environ))
    return make


def _live(profile: CcxtProfile):  # noqa: ANN202 - BotRecord -> LiveWorker
    def make(_bot):  # noqa: ANN001, ANN202
        from plutarc.daemon.live import LiveWorker

        return LiveWorker(lambda bot: ccxt_venue(profile, bot.mode, bot.account, os.environ))
    return make
