"""'keys test': prove a stored key works with one authenticated read against its venue."""

from __future__ import annotations

from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict

from plutarc.errors import AuthenticationError, PlutarcError, UsageError, VenueError
from plutarc.keys.credentials import Credentials
from plutarc.logs import REDACTOR

PROBE_TIMEOUT_S = 10.0


class NotTheVenue(VenueError):
    """The endpoint answered, but not as the venue does: the key is not proven to work."""


class KeyProbeResult(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    venue: str
    ok: bool
    message: str
    endpoint: str
    # ccxt venues (doctor's rows): None where not measured or not applicable
    reachable: bool | None = None
    clock_offset_ms: int | None = None


def check_url(url: str | None) -> str | None:
    if url is None:
        return None
    parts = urlparse(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"--url must be an http(s) URL such as "
                         f"http://127.0.0.1:8787/api/v1, got {url!r}")
    return url.rstrip("/")


async def _bitmex(creds: Credentials, url: str | None) -> tuple[str, str]:
    from plutarc.exchanges.bitmex import BitmexAdapter, BitmexConfig

    config = BitmexConfig(testnet=creds.testnet, rest_url=url, request_timeout_s=PROBE_TIMEOUT_S,
                          max_retries=1)
    from plutarc.exchanges.bitmex.parse import balance_from_wire
    from plutarc.exchanges.bitmex.schemas import WireMargin

    adapter = BitmexAdapter(config, creds.bitmex())
    try:
        rows = await adapter.rest_get("/user/margin", {"currency": "all"}, signed=True)
    finally:
        await adapter.close()
    # Any server can answer 200 with "[]": BitMEX always lists at least one margin row, each
    # naming the account the key belongs to.
    if not (isinstance(rows, list) and rows and all(
            isinstance(r, dict) and isinstance(r.get("account"), int)
            and isinstance(r.get("currency"), str) for r in rows)):
        raise NotTheVenue(f"the answer from {config.rest_base} is not a BitMEX wallet (BitMEX "
                          "lists one margin row per currency, each with the key's account)")
    balances = [balance_from_wire(WireMargin.of(r), config.currencies) for r in rows]
    held = ", ".join(f"{b.total} {b.currency}" for b in balances) or "no balances"
    return config.rest_base, f"authenticated: wallet {held}"


PROBES = {"bitmex": _bitmex}


async def probe_key(creds: Credentials, url: str | None = None) -> KeyProbeResult:
    """ok=True when the venue accepted the key; a refusal or network failure is ok=False."""
    from plutarc.keys.ccxt_probe import SERVED, check_ccxt_key, is_ccxt_venue

    if is_ccxt_venue(creds.venue):
        found = await check_ccxt_key(creds, check_url(url), PROBE_TIMEOUT_S)
        return KeyProbeResult(label=creds.label, venue=creds.venue, ok=found.key_ok,
                              message=REDACTOR.redact(found.message), endpoint=found.endpoint,
                              reachable=found.reachable, clock_offset_ms=found.clock_offset_ms)
    probe = PROBES.get(creds.venue)
    if probe is None:
        raise UsageError(f"testing {creds.venue} keys is not supported yet (supported: "
                         f"{', '.join(sorted({*PROBES, *SERVED}))})")
    endpoint = check_url(url) or "(default)"
    try:
        endpoint, message = await probe(creds, check_url(url))
        ok = True
    except AuthenticationError as exc:
        ok, message = False, f"the venue refused the key: {exc}"
    except (VenueError, PlutarcError, OSError) as exc:
        ok, message = False, f"could not complete the check: {type(exc).__name__}: {exc}"
    return KeyProbeResult(label=creds.label, venue=creds.venue, ok=ok,
                          message=REDACTOR.redact(message), endpoint=endpoint)
