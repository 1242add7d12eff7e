"""``plutarc daemon run|start|stop|status``: the daemon process from the terminal."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import typer

from plutarc.cli.output import console, fmt_ts, print_json, print_table
from plutarc.errors import DaemonNotRunning, OperationTimeout, PlutarcError
from plutarc.paths import Paths, resolve_paths

app = typer.Typer(no_args_is_help=True)


def _key_file_passphrase_needed(paths: Paths) -> bool:
    """An encrypted key file exists and neither the environment nor systemd unlocks it."""
    from plutarc.keys.backends import KEY_FILE_NAME, PASSPHRASE_ENV, SYSTEMD_CREDENTIAL

    if not (paths.data_dir / KEY_FILE_NAME).exists() or os.environ.get(PASSPHRASE_ENV):
        return False
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    return not (credentials and os.path.exists(os.path.join(credentials, SYSTEMD_CREDENTIAL)))


def _ask_passphrase() -> str:
    import getpass

    return getpass.getpass("passphrase of the API key file: ")


@app.command("run")
def run_daemon(
    passphrase_stdin: bool = typer.Option(
        False, "--passphrase-stdin", help="Read the key file's passphrase from the first line "
        "of stdin (what 'daemon start' hands its child)."),
    log_file: Path | None = typer.Option(
        None, "--log-file", help="Log to this file, rotated by size ([daemon] log_max_bytes, "
        "log_backups), instead of stderr (what 'daemon start' does)."),
    data_dirs: list[Path] = typer.Option(
        [], "--data-dir", help="A directory whose candle files API callers may name "
        "(repeatable), besides the bundled data, <data dir>/data and [daemon] data_dirs."),
) -> None:
    """Run the daemon in the foreground (what systemd runs); SIGTERM stops it cleanly.

    An encrypted key file is unlocked from PLUTARC_KEYS_PASSPHRASE, the systemd credential
    'plutarc-keys-passphrase', stdin (--passphrase-stdin) or a prompt on a terminal; without
    any, the daemon runs with its keys locked until 'plutarc keys unlock'."""
    from plutarc.access.allowlist import add_cli_data_dirs
    from plutarc.daemon.server import run_foreground
    from plutarc.keys.backends import PASSPHRASE_ENV

    paths = resolve_paths()
    add_cli_data_dirs(data_dirs)
    passphrase = ""
    if passphrase_stdin:  # 'daemon start' sends exactly one line whenever it gives the flag
        passphrase = sys.stdin.readline().rstrip("\r\n")
    elif _key_file_passphrase_needed(paths) and sys.stdin.isatty():
        passphrase = _ask_passphrase()
    if passphrase:
        # a heap copy for the key store, taken out again when the keys open; never part of
        # the environment block /proc/<pid>/environ shows
        os.environ[PASSPHRASE_ENV] = passphrase
    raise typer.Exit(run_foreground(paths, log_file))


def _log_tail(path: os.PathLike[str], lines: int = 5) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            tail = f.read().strip().splitlines()[-lines:]
    except OSError:
        return ""
    return " | ".join(tail)


@app.command("start")
def start(
    timeout_s: float = typer.Option(15.0, "--timeout", help="Seconds to wait for the socket."),
    data_dirs: list[Path] = typer.Option(
        [], "--data-dir", help="Passed to 'daemon run': a directory of candle files API "
        "callers may name (repeatable)."),
) -> None:
    """Start the daemon in the background and wait until it answers on its socket."""
    import asyncio

    from plutarc.config import load_settings
    from plutarc.daemon.client import wait_until_answering
    from plutarc.daemon.process import lock_holder

    paths = resolve_paths().ensure()
    pid = lock_holder(paths.pid_file)
    if pid is not None:
        # Idempotent: a script that makes sure a daemon runs is satisfied by the one running.
        console.print(f"a daemon is already running for this plutarc home (pid {pid}), "
                      f"socket {paths.socket}")
        return
    # Same refusal, exit code and line as 'daemon run' before anything is spawned.
    load_settings(paths.config_file)
    paths.log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    log_path = paths.log_dir / "daemon.log"
    argv = [sys.executable, "-m", "plutarc", "daemon", "run", "--log-file", str(log_path)]
    for directory in data_dirs:
        argv += ["--data-dir", str(directory.expanduser().resolve())]
    # The child gets our environment minus secrets: a passphrase in it goes through the pipe
    # below, and the daemon has no use for a client token.
    from plutarc.access.identity import TOKEN_ENV
    from plutarc.keys.backends import PASSPHRASE_ENV

    child_env = {k: v for k, v in os.environ.items() if k not in (PASSPHRASE_ENV, TOKEN_ENV)}
    passphrase = os.environ.get(PASSPHRASE_ENV) or None
    if passphrase is None and _key_file_passphrase_needed(paths) and sys.stdin.isatty():
        passphrase = _ask_passphrase()
    if passphrase is not None:
        argv.append("--passphrase-stdin")
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    # The passphrase goes through a pipe, never the child's environment or arguments.
    stdin_r, stdin_w = os.pipe() if passphrase is not None else (None, None)
    stdin_action = ((os.POSIX_SPAWN_DUP2, stdin_r, 0) if stdin_r is not None
                    else (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0))
    try:
        # posix_spawn in a new session: the daemon outlives this command and its terminal.
        child = os.posix_spawn(
            sys.executable, argv, child_env,
            file_actions=[stdin_action, (os.POSIX_SPAWN_DUP2, log_fd, 1),
                          (os.POSIX_SPAWN_DUP2, log_fd, 2)],
            setsid=True,
        )
        if stdin_w is not None:
            os.write(stdin_w, (passphrase or "").encode() + b"\n")
    finally:
        os.close(log_fd)
        for fd in (stdin_r, stdin_w):
            if fd is not None:
                os.close(fd)

    exited: list[int] = []

    def alive() -> bool:
        done, wait_status = os.waitpid(child, os.WNOHANG)
        if done:
            exited.append(os.waitstatus_to_exitcode(wait_status))
        return done == 0

    try:
        status = asyncio.run(wait_until_answering(paths.socket, timeout_s, alive))
    except DaemonNotRunning:
        error = PlutarcError(f"the daemon exited during start-up: {_log_tail(log_path)} "
                             f"(full log: {log_path})")
        if exited and exited[0] > 0:
            error.exit_code = exited[0]  # the child's own code: 4 for a configuration error
        raise error from None
    except OperationTimeout:
        raise OperationTimeout(f"the daemon (pid {child}) did not answer within {timeout_s:g} s;"
                               f" see {log_path}") from None
    console.print(f"daemon started (pid {status.pid}), socket {paths.socket}, log {log_path}")


@app.command("stop")
def stop(
    timeout_s: float = typer.Option(30.0, "--timeout", help="Seconds to wait for it to exit."),
) -> None:
    """Send SIGTERM and wait until the daemon has exited."""
    from plutarc.daemon.process import lock_holder

    paths = resolve_paths()
    pid = lock_holder(paths.pid_file)
    if pid is None:
        raise DaemonNotRunning(f"no daemon is running for this plutarc home ({paths.pid_file} "
                               "is not locked); start one with 'plutarc daemon start'")
    if pid <= 0:
        raise PlutarcError(f"a daemon holds {paths.pid_file} but its pid is unreadable; "
                           f"find it with 'fuser {paths.pid_file}'")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while lock_holder(paths.pid_file) is not None:
        if time.monotonic() > deadline:
            raise OperationTimeout(f"daemon pid {pid} did not exit within {timeout_s:g} s; it "
                                   f"may be stuck (kill -9 {pid} is safe: bots resume on start)")
        time.sleep(0.05)
    console.print(f"daemon stopped (pid {pid})")


@app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Is the daemon running, since when, with how many bots in which state."""
    from plutarc.cli.api_client import call

    info = call(lambda c: c.status(), timeout_s=5.0)
    if as_json:
        print_json(info)
        return
    bots = ", ".join(f"{n} {state}" for state, n in info.bots.items() if n) or "none"
    rows = [
        {"field": "daemon", "value": f"running, pid {info.pid}, plutarc {info.plutarc_version}, "
                                     f"API {info.api_version}"},
        {"field": "since", "value": f"{fmt_ts(info.started_ms)} UTC ({info.uptime_s:.0f} s)"},
        {"field": "bots", "value": f"{bots}; {info.running_workers} workers running"},
        {"field": "socket", "value": info.socket},
        {"field": "database", "value": f"{info.database} (schema v{info.schema_version})"},
        {"field": "streams", "value": str(info.stream_subscribers)},
    ]
    print_table(rows, ["field", "value"], title="Daemon")
