"""Doctor's daemon check: does the daemon answer on its socket, and which venues does it use.

Asked only when a pid file or the socket is there (a daemon that was never started is no
finding). A daemon that answers names its version, pid and bots, and tells doctor the
(venue, network) pairs its bots and stored keys use, for the clock check.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field

from plutarc import __version__
from plutarc.errors import PlutarcError
from plutarc.paths import Paths

TIMEOUT_S = 5.0


@dataclass
class DaemonFacts:
    answered: bool = False
    detail: str = ""
    version: str = ""
    uses: set[tuple[str, str]] = field(default_factory=set)  # (venue, live|testnet|paper)
    problem: str = ""


async def _ask(paths: Paths) -> DaemonFacts:
    from plutarc.daemon.client import DaemonClient  # aiohttp loads only when needed

    async with DaemonClient(paths.socket, timeout_s=TIMEOUT_S,
                            token=os.environ.get("PLUTARC_TOKEN") or None) as client:
        status = await client.status()
        bots = await client.list_bots()
        uses = {(bot.venue, str(getattr(bot.mode, "value", bot.mode))) for bot in bots}
        try:
            keys = (await client.list_keys()).keys
        except PlutarcError:  # an access token without the keys scope: bots are enough
            keys = []
        uses |= {(key.venue, "testnet" if key.testnet else "live") for key in keys}
    counts = ", ".join(f"{n} {state}" for state, n in sorted(status.bots.items()) if n)
    return DaemonFacts(True, f"plutarc {status.plutarc_version}, pid {status.pid}, up "
                       f"{status.uptime_s:.0f} s, bots: {counts or 'none'}",
                       status.plutarc_version, uses)


def ask_daemon(paths: Paths) -> DaemonFacts | None:
    """None when there is no sign of a daemon; else what it answered or why it did not."""
    if not paths.pid_file.exists() and not paths.socket.exists():
        return None
    try:
        return asyncio.run(_ask(paths))
    except (PlutarcError, OSError) as exc:
        return DaemonFacts(problem=str(exc) or type(exc).__name__)


def daemon_row(facts: DaemonFacts | None, paths: Paths) -> tuple[bool, str, str]:
    """(ok, detail, fix) for doctor's 'daemon' row."""
    if facts is None:
        return True, "not running (no pid file, no socket)", ""
    if not facts.answered:
        return (False, f"no answer on {paths.socket}: {facts.problem}",
                "see 'plutarc daemon status' and the daemon's log; restart it with "
                "'plutarc daemon stop' then 'plutarc daemon start'")
    if facts.version != __version__:
        return (False, f"{facts.detail}; this CLI is plutarc {__version__}",
                "restart the daemon ('plutarc daemon stop', 'plutarc daemon start') so it "
                "runs the installed version")
    return True, f"answers on {paths.socket}: {facts.detail}", ""
