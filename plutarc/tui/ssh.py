"""Attach through the user's own ssh: one connection forwards the daemon's remote Unix socket.

One OpenSSH master connection (ControlMaster, its control socket in a fresh 0700 directory)
carries everything: the remote shell is asked where the daemon's socket is, then the master is
told to forward a local socket to it (``ssh -O forward -L local.sock:remote.sock``). Nothing
listens on a TCP port on either side. When the connection drops (a network change, a laptop
sleep: ServerAliveInterval notices) the master exits; ``ensure()`` starts a new one and adds the
forward again, and ``explain()`` says whether ssh or the daemon is what is missing.
"""

from __future__ import annotations

import contextlib
import shlex
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

from plutarc.errors import OperationTimeout, PlutarcError, UsageError
from plutarc.paths import resolve_paths

# What the daemon's socket path depends on, read on the remote host (see plutarc.paths).
REMOTE_ENV = ("PLUTARC_HOME", "XDG_RUNTIME_DIR", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "HOME")
PROBE_SCRIPT = "printf '%s\\n' " + " ".join(f'"${name}"' for name in REMOTE_ENV)
# ssh's options that take a value (ssh(1) SYNOPSIS): the word after them is that value.
VALUE_OPTIONS = frozenset("BbcDEeFIiJLlmOoPpQRSWw")
# Ours that must hold whatever the user passes (ssh keeps the first value it reads) ...
MASTER_FIXED = ("-M", "-N", "-T", "-o", "ControlPersist=no", "-o", "ExitOnForwardFailure=yes",
                "-o", "StreamLocalBindUnlink=yes")
# ... and defaults the user may override: notice a dead link (sleep, roaming) within ~45 s.
MASTER_DEFAULTS = ("-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3",
                   "-o", "ConnectTimeout=15")


def check_target(target: str) -> str:
    """user@host or host (or an ssh_config alias); never something ssh would read as an option."""
    if not target or target.startswith("-") or any(c.isspace() for c in target):
        raise UsageError(f"--ssh needs a destination such as user@host, got {target!r}")
    return target


def check_socket_path(path: str, where: str) -> str:
    # ':' separates the two sides of -L, so it cannot appear in either path.
    if not path.startswith("/") or ":" in path:
        raise UsageError(f"the {where} socket path must be absolute and contain no ':', "
                         f"got {path!r}")
    return path


def check_ssh_options(options: Sequence[str]) -> tuple[str, ...]:
    """Options passed through to ssh (``-p 2222 -i key -o X=y``); a stray word is refused, since
    ssh would take it for the destination and run ours as a command there."""
    words = list(options)
    i = 0
    while i < len(words):
        word = words[i]
        if not word.startswith("-") or word in ("-", "--"):
            raise UsageError(f"ssh options must be options such as -p 2222 or -o Name=value, "
                             f"got {word!r}")
        letters = word[1:]
        for j, letter in enumerate(letters):
            if letter in VALUE_OPTIONS:
                if j == len(letters) - 1:  # the value is the next word
                    if i + 1 >= len(words):
                        raise UsageError(f"the ssh option {word} needs a value")
                    i += 1
                break
        i += 1
    return tuple(words)


def remote_socket_from_probe(output: str) -> str:
    values = output.split("\n")
    if len(values) < len(REMOTE_ENV):
        raise PlutarcError(f"unexpected answer from the remote shell: {output[:200]!r}")
    env = {name: value for name, value in zip(REMOTE_ENV, values, strict=False) if value}
    if "HOME" not in env and "PLUTARC_HOME" not in env:
        raise PlutarcError("the remote shell has no HOME: pass the daemon's socket with "
                           "--remote-socket")
    return check_socket_path(str(resolve_paths(env).socket), "remote")


class SshTunnel:
    """``with SshTunnel("me@box", options=("-p", "2222")) as t: ... t.local_socket ...``."""

    def __init__(self, target: str, remote_socket: str | None = None, ssh: str = "ssh",
                 timeout_s: float = 30.0, options: Sequence[str] = ()) -> None:
        self.target = check_target(target)
        self.remote_socket = (check_socket_path(remote_socket, "remote")
                              if remote_socket is not None else None)
        self.ssh = ssh
        self.timeout_s = timeout_s
        self.options = check_ssh_options(options)
        self._dir = Path(tempfile.mkdtemp(prefix="plutarc-ssh-"))  # 0700 by mkdtemp
        self.local_socket = self._dir / "plutarc.sock"
        self.control_socket = self._dir / "ssh.ctl"
        self._proc: subprocess.Popen[bytes] | None = None
        self._errors: IO[bytes] | None = None
        self._forwarding = False
        self._was_up = False
        self._closed = False
        self._lock = threading.Lock()  # close() (the CLI) against a reconnect (a worker thread)
        self.last_error = ""
        """The end of what ssh said when the connection last failed or dropped."""

    # ----- the command lines -----------------------------------------------------------------
    def master_command(self) -> list[str]:
        """The one connection: no shell, no forward yet; its control socket says it is up.
        The first login may ask for a passphrase or a host key on the terminal; a reconnect,
        made while the TUI owns the terminal, never asks (BatchMode) and says why it failed."""
        batch = ("-o", "BatchMode=yes") if self._was_up else ()
        return [self.ssh, *MASTER_FIXED, "-S", str(self.control_socket), *batch, *self.options,
                *MASTER_DEFAULTS, "--", self.target]

    def _through_master(self, *args: str) -> list[str]:
        # A client of the master, never a second connection: were the master gone, ssh would
        # connect by itself, and ProxyCommand=false makes that fail at once, without a prompt.
        return [self.ssh, "-S", str(self.control_socket), "-o", "ControlMaster=no",
                "-o", "ProxyCommand=false", "-o", "BatchMode=yes", *self.options, *args]

    def remote_command(self, script: str) -> list[str]:
        return self._through_master("-T", "--", self.target, script)

    def forward_command(self, remote_socket: str) -> list[str]:
        local = check_socket_path(str(self.local_socket), "local")
        remote = check_socket_path(remote_socket, "remote")
        return self._through_master("-O", "forward", "-L", f"{local}:{remote}", "--",
                                    self.target)

    # ----- bringing the link up --------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _run(self, command: list[str]) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(command, capture_output=True, text=True,
                                  timeout=self.timeout_s, check=False, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise OperationTimeout(f"ssh {self.target} did not answer within "
                                   f"{self.timeout_s:g} s") from None
        except FileNotFoundError:
            raise PlutarcError(f"cannot run {self.ssh!r}: is OpenSSH installed?") from None

    def _start_master(self) -> None:
        self._stop_master()
        self.control_socket.unlink(missing_ok=True)
        with self._lock:  # never a master started after close(): it would outlive the TUI
            if self._closed:
                raise PlutarcError(f"the ssh tunnel to {self.target} is closed")
            self._errors = errors = open(self._dir / "ssh.err", "w+b")  # noqa: SIM115
            try:
                self._proc = proc = subprocess.Popen(
                    self.master_command(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=errors)
            except FileNotFoundError:
                raise PlutarcError(f"cannot run {self.ssh!r}: is OpenSSH installed?") from None
        deadline = time.monotonic() + self.timeout_s
        while not self.control_socket.exists():  # made once logged in
            if proc.poll() is not None:
                self.last_error = self._ssh_said() or f"ssh exited with {proc.returncode}"
                raise PlutarcError(f"ssh {self.target} failed: {self.last_error}")
            if time.monotonic() > deadline:
                self._stop_master()
                self.last_error = f"no connection within {self.timeout_s:g} s"
                raise OperationTimeout(f"ssh {self.target}: {self.last_error}")
            time.sleep(0.05)

    def _ssh_said(self) -> str:
        if self._errors is None or self._errors.closed:
            return ""
        self._errors.seek(0)
        lines = self._errors.read().decode(errors="replace").strip().splitlines()
        return lines[-1][-300:] if lines else ""  # the last line says why it ended

    def _discover(self) -> str:
        done = self._run(self.remote_command(PROBE_SCRIPT))
        if done.returncode != 0:
            raise PlutarcError(f"ssh {self.target} failed (exit {done.returncode}): "
                               f"{done.stderr.strip()[-300:]}")
        return remote_socket_from_probe(done.stdout)

    def ensure(self) -> None:
        """Connect and forward unless that is already so; raise saying why it cannot be."""
        if self.connected and self._forwarding:
            return
        self._forwarding = False
        self._start_master()
        if self.remote_socket is None:
            self.remote_socket = self._discover()
        done = self._run(self.forward_command(self.remote_socket))
        if done.returncode != 0:
            raise PlutarcError(f"ssh could not forward {self.target}:{self.remote_socket}: "
                               f"{done.stderr.strip()[-300:]}")
        self._forwarding = True
        self._was_up = True

    def open(self) -> SshTunnel:
        try:
            self.ensure()
        except BaseException:
            self.close()
            raise
        return self

    # ----- saying what is wrong ----------------------------------------------------------------
    def remote_socket_exists(self) -> bool | None:
        """Whether the daemon's socket is there on the host; None when ssh cannot tell."""
        if not self.connected or self.remote_socket is None:
            return None
        try:
            done = self._run(self.remote_command(f"test -S {shlex.quote(self.remote_socket)}"))
        except PlutarcError:
            return None
        return {0: True, 1: False}.get(done.returncode)

    def explain(self, reason: str) -> str:
        """The banner's words for a daemon that did not answer through this tunnel."""
        remote = f"{self.target}:{self.remote_socket or '(socket not found yet)'}"
        exists = self.remote_socket_exists()
        if exists is None and self._proc is not None:
            # a dropped master may be exiting just now: let it say why
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(2)
        if not self.connected:
            said = self._ssh_said() or self.last_error or reason
            return f"ssh to {self.target} is down ({said}): reconnecting to forward {remote}"
        if exists is False:
            return (f"no daemon socket at {remote}: start the daemon there, or pass "
                    f"--remote-socket PATH if it listens elsewhere")
        return f"ssh to {self.target} is up, but the daemon at {remote} does not answer: {reason}"

    # ----- the end -------------------------------------------------------------------------------
    def _stop_master(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)
        if self._errors is not None:
            self._errors.close()
        self._proc = None
        self._forwarding = False

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._stop_master()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> SshTunnel:
        return self.open()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
