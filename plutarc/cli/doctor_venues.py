"""Doctor's clock check: this host's clock against the venues the user has configured.

A venue counts as configured when a bot of the daemon trades on it, a stored key is for it, or
its endpoint variable is set (``PLUTARC_BITMEX_URL`` points at a local BitMEX server too). Its
clock is read the way its adapter reads it (``GET`` the REST root: the JSON ``timestamp`` when
it agrees with the ``Date`` header, else ``Date``), as the median of a few round trips.
Unreachable is a finding (WARN), never a crash.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from plutarc.errors import PlutarcError
from plutarc.exchanges.bitmex.skew import median_offset, server_ms

MAX_SKEW_S = 2.0  # BitMEX refuses a signature whose api-expires its clock has passed
SAMPLES = 3
TIMEOUT_S = 3.0
NTP_FIX = "enable NTP (timedatectl set-ntp true): signatures expire and candles close late"


@dataclass(frozen=True)
class ClockSource:
    """Where a venue says what time it is, for a network ("live", "testnet" or "paper")."""

    url: Callable[[str, Mapping[str, str]], str]
    env_var: str = ""  # setting it configures the venue


def _bitmex_root(network: str, env: Mapping[str, str]) -> str:
    from plutarc.daemon.live.credentials import bitmex_config

    mode = "testnet" if network == "testnet" else "live"  # paper reads the live venue's data
    return bitmex_config(mode, env).rest_base


CLOCK_SOURCES: dict[str, ClockSource] = {
    "bitmex": ClockSource(_bitmex_root, env_var="PLUTARC_BITMEX_URL"),
}


@dataclass(frozen=True)
class ClockReading:
    venue: str
    url: str
    skew_s: float | None  # venue minus this host; None when it could not be measured
    problem: str = ""


def configured_urls(uses: Iterable[tuple[str, str]], env: Mapping[str, str]
                    ) -> dict[str, str]:
    """{url: venue} for every (venue, network) in use that has a clock source, and every venue
    whose endpoint variable is set; one entry per URL."""
    wanted = set(uses)
    wanted |= {(venue, "live") for venue, source in CLOCK_SOURCES.items()
               if source.env_var and env.get(source.env_var, "").strip()}
    urls: dict[str, str] = {}
    for venue, network in sorted(wanted):
        source = CLOCK_SOURCES.get(venue)
        if source is None:
            continue  # a local venue (sim, idle) or one plutarc trades nowhere: no clock to ask
        try:
            urls.setdefault(source.url(network, env), venue)
        except PlutarcError as exc:  # e.g. a malformed PLUTARC_BITMEX_URL
            urls.setdefault(f"({exc})", venue)
    return urls


def measure(venue: str, url: str, samples: int = SAMPLES,
            timeout_s: float = TIMEOUT_S) -> ClockReading:
    """The venue's clock minus this host's, median of ``samples`` GETs of ``url``."""
    if not url.startswith(("http://", "https://")):
        return ClockReading(venue, url, None, f"no usable endpoint {url}")
    found: list[tuple[float, float, float]] = []
    for _ in range(samples):
        sent = time.time() * 1000
        try:
            with urllib.request.urlopen(url, timeout=timeout_s) as resp:  # noqa: S310 - http(s)
                body, date = resp.read(), resp.headers.get("Date")
        except urllib.error.HTTPError as exc:  # an error answer still carries Date
            body, date = b"", exc.headers.get("Date")
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc
            return ClockReading(venue, url, None, f"unreachable ({reason})")
        received = time.time() * 1000
        try:
            answer = json.loads(body) if body else None
        except ValueError:
            answer = None
        server = server_ms(answer, date)
        if server is not None:
            found.append((sent, server, received))
    if not found:
        return ClockReading(venue, url, None, "the answer carried no time (no Date header)")
    return ClockReading(venue, url, median_offset(found) / 1000)
