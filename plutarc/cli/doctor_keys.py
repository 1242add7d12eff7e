"""Doctor's venue-key check: for each stored key on a ccxt venue, three rows (reachable, clock
offset, key valid), measured by the daemon, which holds the secrets (the same check as
'plutarc keys test', made through the venue's ``CcxtVenue``).

Asked only when the daemon answered. A refused key is a failure (exit code 1); a venue that
cannot be reached is a warning (the network, not the setup, may be at fault); a clock further
from the venue's than ``MAX_SKEW_S`` is a failure, as for BitMEX.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import Any

from plutarc.cli.doctor_venues import MAX_SKEW_S, NTP_FIX
from plutarc.errors import PlutarcError
from plutarc.paths import Paths

TIMEOUT_S = 40.0  # per key: markets, a few clock samples and a private read


@dataclass(frozen=True)
class KeyRow:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    warn: bool = False


async def _probe_all(paths: Paths) -> list[Any]:
    from plutarc.daemon.client import DaemonClient  # aiohttp loads only when needed
    from plutarc.keys.ccxt_probe import is_ccxt_venue

    async with DaemonClient(paths.socket, timeout_s=TIMEOUT_S,
                            token=os.environ.get("PLUTARC_TOKEN") or None) as client:
        keys = (await client.list_keys()).keys
        results = []
        for key in sorted(keys, key=lambda k: k.label):
            if is_ccxt_venue(key.venue):
                try:
                    results.append(await client.test_key(key.label))
                except PlutarcError as exc:  # e.g. the key file is locked
                    results.append((key, exc))
        return results


def key_rows(paths: Paths) -> list[KeyRow]:
    """Rows for every ccxt key the daemon stores (none when it holds none)."""
    try:
        results = asyncio.run(_probe_all(paths))
    except (PlutarcError, OSError) as exc:  # no keys scope, a locked store, a daemon gone
        return [KeyRow("venue keys", True, f"not checked: {exc}", warn=True)]
    rows: list[KeyRow] = []
    for result in results:
        if isinstance(result, tuple):
            key, exc = result
            rows.append(KeyRow(f"{key.label} key", True, f"not checked: {exc}", warn=True))
            continue
        rows.extend(_rows(result))
    return rows


def _rows(r: Any) -> list[KeyRow]:
    where = f"{r.venue} at {r.endpoint}"
    if not r.reachable:
        return [KeyRow(f"{r.label} reachable", True, f"{where}: {r.message}",
                       "check the network, or PLUTARC_" + r.venue.upper() + "_URL", warn=True)]
    rows = [KeyRow(f"{r.label} reachable", True, where)]
    if r.clock_offset_ms is None:
        rows.append(KeyRow(f"{r.label} clock offset", True, "not measured: the venue signs "
                           "with this host's clock (no server-time endpoint)"))
    else:
        skew = r.clock_offset_ms / 1000
        ok = abs(skew) < MAX_SKEW_S
        rows.append(KeyRow(f"{r.label} clock offset", ok, f"{skew:+.2f} s (venue minus this "
                           "host)", "" if ok else NTP_FIX))
    if r.ok:
        rows.append(KeyRow(f"{r.label} key", True, f"key valid: {r.message}"))
    elif r.message.startswith("key refused"):
        rows.append(KeyRow(f"{r.label} key", False, r.message,
                           f"check the key at {r.venue} (its network, permissions and IP "
                           f"list), then store it again with 'plutarc keys add {r.venue}'"))
    else:
        rows.append(KeyRow(f"{r.label} key", True, r.message, "run 'plutarc keys test "
                           f"{r.label}' again later", warn=True))
    return rows
