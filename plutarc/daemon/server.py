"""The daemon process: assemble store, runtime and API; serve until SIGTERM; shut down cleanly."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
from pathlib import Path

from aiohttp import web

from plutarc import __version__
from plutarc.clock import Clock, WallClock
from plutarc.config import Settings, load_settings
from plutarc.daemon.api.app import make_app, mark_shutting_down
from plutarc.daemon.api.connections import CappedUnixSite, connection_cap
from plutarc.daemon.api.routes import ServerInfo
from plutarc.daemon.events import EventBus, EventSink
from plutarc.daemon.hardening import harden_process
from plutarc.daemon.process import PidLock
from plutarc.daemon.recording import PENDING
from plutarc.daemon.runtime.registry import WorkerRegistry, default_registry
from plutarc.daemon.runtime.supervisor import Supervisor
from plutarc.daemon.service import DaemonService
from plutarc.daemon.store import DaemonStore
from plutarc.daemon.store.retention import JournalRetention
from plutarc.daemon.templates import TemplateValidator, check_strategy_template
from plutarc.errors import ConfigError
from plutarc.logs import RepeatFilter, RotatingDaemonLog
from plutarc.models.events import EventKind, Severity
from plutarc.paths import Paths
from plutarc.storage.checkpoint import WAL_SIZE_LIMIT_BYTES, Checkpointer

log = logging.getLogger("plutarc.daemon")

MAX_SOCKET_PATH = 107  # sun_path is 108 bytes with its NUL


def check_socket_path(path: Path) -> None:
    if len(os.fsencode(path)) > MAX_SOCKET_PATH:
        raise ConfigError(
            f"socket path {path} is {len(os.fsencode(path))} bytes, over the {MAX_SOCKET_PATH}"
            "-byte limit of Unix sockets: set PLUTARC_HOME or XDG_RUNTIME_DIR to a shorter path"
        )


def sd_notify(message: str) -> None:
    """Tell systemd (Type=notify) we are ready or stopping; a no-op outside systemd."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return
    if address.startswith("@"):
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.connect(address)
        sock.sendall(message.encode())


class Daemon:
    def __init__(
        self,
        paths: Paths,
        settings: Settings,
        registry: WorkerRegistry | None = None,
        clock: Clock | None = None,
        validate_template: TemplateValidator = check_strategy_template,
    ) -> None:
        self.paths = paths
        self.settings = settings
        self.registry = registry or default_registry()
        self.clock = clock or WallClock()
        self.validate_template = validate_template
        self.stop_requested = asyncio.Event()

    async def serve(self) -> None:
        check_socket_path(self.paths.socket)
        store = DaemonStore.open(self.paths.database)
        store.db.fsync_durable = self.settings.daemon.journal_fsync
        store.db.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints run off the order path
        store.db.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT_BYTES}")
        checkpointer = Checkpointer(self.paths.database)
        checkpointer.start()
        daemon_settings = self.settings.daemon
        retention = JournalRetention(store.db, daemon_settings.events_keep,
                                     daemon_settings.decisions_keep_per_bot)
        retention.start(daemon_settings.retention_interval_s)
        PENDING.start()  # writes a full disk refused, retried until it has room
        sink = EventSink(store, EventBus(), self.clock)
        supervisor = Supervisor(
            store, sink, self.registry, self.clock, self.settings.daemon.heartbeat_interval_s,
            equity_snapshot_s=self.settings.daemon.equity_snapshot_interval_s,
            hung_after_s=self.settings.daemon.hung_after_s)
        service = DaemonService(store, sink, supervisor, self.clock, self.validate_template,
                                research=self.settings.research,
                                research_db=Path(self.paths.database).with_name("research.db"))
        app = make_app(service, ServerInfo(self.clock.now_ms(), str(self.paths.socket),
                                           str(self.paths.database)))
        # keepalive_timeout also runs from connect: no whole request by then, the connection
        # closes (half-open header floods), as does a client idle that long between requests
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=2.0,
                               keepalive_timeout=self.settings.daemon.idle_timeout_s)
        await runner.setup()
        try:
            await self._bind(runner)
            sink.emit(EventKind.HEALTH, f"daemon started (pid {os.getpid()}, plutarc "
                      f"{__version__})", data={"pid": os.getpid()})
            restored = await supervisor.restore()
            if restored:
                log.info("restored %d bots", len(restored))
            self._install_signals()
            sd_notify("READY=1")
            log.info("serving on %s", self.paths.socket)
            await self.stop_requested.wait()
            sd_notify("STOPPING=1")
            # The order matters: no new entries, no new changes, workers persist and stop,
            # then the socket goes away.
            supervisor.halt_entries()
            mark_shutting_down(app)
            sink.emit(EventKind.HEALTH, "daemon stopping: no new entries; bots keep their "
                      "state and resume at the next start", severity=Severity.WARNING)
            await supervisor.shutdown()
            sink.emit(EventKind.HEALTH, "daemon stopped")
        finally:
            await runner.cleanup()
            await retention.stop()
            await PENDING.stop()
            await checkpointer.stop()
            store.close()
            if self.paths.socket.is_socket():
                self.paths.socket.unlink()

    async def _bind(self, runner: web.AppRunner) -> None:
        path = self.paths.socket
        if path.is_socket():
            path.unlink()  # left by a killed daemon; we hold the pid lock, so nobody serves it
        previous = os.umask(0o177)  # the socket is born 0600: no window where others connect
        try:
            cap = connection_cap(self.settings.daemon.max_connections)
            await CappedUnixSite(runner, str(path), cap).start()
        finally:
            os.umask(previous)
        os.chmod(path, 0o600)

    def _install_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_signal, sig)

    def _on_signal(self, sig: signal.Signals) -> None:
        log.info("received %s: shutting down", sig.name)
        self.stop_requested.set()


def _log_handler(settings: Settings, log_file: Path | None) -> logging.Handler:
    """stderr (systemd's journal), or a size-rotated file; repeated lines rate-limited."""
    handler: logging.Handler = (
        logging.StreamHandler(sys.stderr) if log_file is None
        else RotatingDaemonLog(log_file, settings.daemon.log_max_bytes,
                               settings.daemon.log_backups))
    handler.addFilter(RepeatFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    return handler


def run_foreground(paths: Paths, log_file: Path | None = None) -> int:
    """``plutarc daemon run``: hold the pid lock and serve until SIGTERM; 0 on a clean stop;
    ``log_file``: log there, rotated, instead of to stderr."""
    harden_process()  # before any file or secret: no core dumps, private files, clean /proc
    paths.ensure()
    settings = load_settings(paths.config_file)
    logging.basicConfig(level=settings.daemon.log_level.upper(),
                        handlers=[_log_handler(settings, log_file)])
    check_socket_path(paths.socket)
    with PidLock(paths.pid_file) as lock:
        if lock.stale_pid is not None:
            log.warning("replaced a stale pid file: daemon pid %d is gone", lock.stale_pid)
        asyncio.run(Daemon(paths, settings).serve())
    return 0
