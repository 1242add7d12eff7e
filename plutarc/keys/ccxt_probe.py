"""'keys test' and doctor for a key on a ccxt venue: reachable, clock offset, key valid.

Through the same ``CcxtVenue`` a bot uses: the venue's markets (public: is it reachable), its
server time (the median of a few ``fetch_time`` samples, where the venue has that endpoint)
and one private read (the balances: does it take the key). The endpoint is the one a bot of
the daemon would use: ``url`` if given, else ``PLUTARC_<NAME>_URL``, else ccxt's own (live or
sandbox by the key's network).
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass

from plutarc.errors import AuthenticationError, PlutarcError
from plutarc.exchanges.ccxt.venues import PROFILES, SERVED
from plutarc.keys.credentials import Credentials

SAMPLES = 3


@dataclass
class CcxtCheck:
    endpoint: str
    reachable: bool = False
    clock_offset_ms: int | None = None  # venue minus this host; None when not measured
    key_ok: bool = False
    message: str = ""


def is_ccxt_venue(venue: str) -> bool:
    return venue in SERVED


async def check_ccxt_key(creds: Credentials, url: str | None, timeout_s: float) -> CcxtCheck:
    """Each step only when the one before passed; errors become the message, never raised."""
    from plutarc.exchanges.ccxt import CcxtCredentials, CcxtVenue
    from plutarc.exchanges.ccxt.profile import ClockSource

    profile = PROFILES[creds.venue]
    base = url or os.environ.get(f"PLUTARC_{profile.name.upper()}_URL", "").strip() or None
    network = "testnet" if creds.testnet else "live"
    found = CcxtCheck(endpoint=base or f"{profile.ccxt_id} {network} endpoint")
    venue = CcxtVenue(profile, testnet=creds.testnet, base_url=base, timeout_s=timeout_s,
                      credentials=CcxtCredentials(creds.api_key, creds.secret,
                                                  creds.passphrase or ""))
    try:
        try:
            count = len(await venue.instruments())
        except (PlutarcError, OSError) as exc:
            found.message = f"unreachable: {type(exc).__name__}: {exc}"
            return found
        found.reachable = True
        clock = ""
        if profile.clock is ClockSource.SERVER:
            try:
                found.clock_offset_ms = await _offset_ms(venue)
            except (PlutarcError, OSError) as exc:
                clock = f"; clock not measured ({type(exc).__name__}: {exc})"
            venue.exchange.options["adjustForTimeDifference"] = True  # sign on the venue's clock
            venue.exchange.options["timeDifference"] = -(found.clock_offset_ms or 0)
        try:
            balances = await venue.balances()
        except AuthenticationError as exc:
            found.message = f"key refused: {exc}"
            return found
        except (PlutarcError, OSError) as exc:
            found.message = f"key not checked: {type(exc).__name__}: {exc}{clock}"
            return found
        found.key_ok = True
        held = ", ".join(f"{b.total} {b.currency}" for b in balances) or "no balances"
        found.message = f"authenticated: wallet {held} ({count} contracts listed){clock}"
        return found
    finally:
        await venue.close()


async def _offset_ms(venue: object) -> int:
    """The venue's clock minus ours: median of ``SAMPLES`` (server - round-trip midpoint)."""
    samples = []
    for _ in range(SAMPLES):
        before = time.time() * 1000
        server = await venue.call("fetch_time")  # type: ignore[attr-defined]
        samples.append(float(server) - (before + time.time() * 1000) / 2)
    return int(statistics.median(samples))
