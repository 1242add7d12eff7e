"""TuiSettings: where the daemon is and how patiently the TUI reconnects to it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from plutarc.tui.link import Tunnel


@dataclass(frozen=True)
class TuiSettings:
    socket_path: Path
    """The daemon's Unix socket (a local forward of a remote one with --ssh)."""
    reconnect_initial_s: float = 0.5
    """First wait after the daemon goes away; doubles on every failed attempt."""
    reconnect_max_s: float = 10.0
    """Longest wait between two reconnection attempts."""
    heartbeat_refresh_s: float = 5.0
    """Heartbeats are not events, so the fleet re-reads the bots this often (one GET)."""
    where: str = ""
    """Shown in the title: '' for this machine, 'user@host' through ssh."""
    tunnel: Tunnel | None = None
    """Through ssh: the tunnel the link worker brings back after a drop, and asks for words."""

    def __post_init__(self) -> None:
        if not 0 < self.reconnect_initial_s <= self.reconnect_max_s:
            raise ValueError("reconnect_initial_s must be > 0 and <= reconnect_max_s, got "
                             f"{self.reconnect_initial_s} and {self.reconnect_max_s}")
        if self.heartbeat_refresh_s <= 0:
            raise ValueError(f"heartbeat_refresh_s must be > 0, got {self.heartbeat_refresh_s}")
