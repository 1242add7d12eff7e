"""Attach through the user's own ssh: forward the daemon's remote Unix socket to a local one.

OpenSSH forwards Unix sockets (``ssh -N -L /local.sock:/remote.sock user@host``), so nothing
listens on a TCP port on either side; the local socket lives in a fresh 0700 directory.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO

from plutarc.errors import OperationTimeout, PlutarcError, UsageError
from plutarc.paths import resolve_paths

# What the daemon's socket path depends on, read on the remote host (see plutarc.paths).
REMOTE_ENV = ("PLUTARC_HOME", "XDG_RUNTIME_DIR", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "HOME")
PROBE_SCRIPT = "printf '%s\\n' " + " ".join(f'"${name}"' for name in REMOTE_ENV)


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


def probe_command(target: str, ssh: str = "ssh") -> list[str]:
    """Ask the remote shell for the variables that decide where its daemon's socket is."""
    return [ssh, "-T", "-o", "ClearAllForwardings=yes", "--", check_target(target), PROBE_SCRIPT]


def remote_socket_from_probe(output: str) -> str:
    values = output.split("\n")
    if len(values) < len(REMOTE_ENV):
        raise PlutarcError(f"unexpected answer from the remote shell: {output[:200]!r}")
    env = {name: value for name, value in zip(REMOTE_ENV, values, strict=False) if value}
    if "HOME" not in env and "PLUTARC_HOME" not in env:
        raise PlutarcError("the remote shell has no HOME: pass the daemon's socket with "
                           "--remote-socket")
    return check_socket_path(str(resolve_paths(env).socket), "remote")


def forward_command(target: str, local_socket: Path, remote_socket: str,
                    ssh: str = "ssh") -> list[str]:
    """ssh holding only the socket forward: no shell, no TCP port, fails if it cannot bind."""
    local = check_socket_path(str(local_socket), "local")
    remote = check_socket_path(remote_socket, "remote")
    return [ssh, "-N", "-T", "-o", "ExitOnForwardFailure=yes", "-o", "StreamLocalBindUnlink=yes",
            "-o", "ServerAliveInterval=15", "-L", f"{local}:{remote}", "--", check_target(target)]


class SshTunnel:
    """``with SshTunnel("me@box") as t: ... t.local_socket ...``; the forward ends on exit."""

    def __init__(self, target: str, remote_socket: str | None = None, ssh: str = "ssh",
                 timeout_s: float = 30.0) -> None:
        self.target = check_target(target)
        self.remote_socket = (check_socket_path(remote_socket, "remote")
                              if remote_socket is not None else None)
        self.ssh = ssh
        self.timeout_s = timeout_s
        self._dir = Path(tempfile.mkdtemp(prefix="plutarc-ssh-"))  # 0700 by mkdtemp
        self.local_socket = self._dir / "plutarc.sock"
        self._proc: subprocess.Popen[bytes] | None = None
        self._errors: IO[bytes] | None = None

    def _resolve_remote(self) -> str:
        try:
            done = subprocess.run(probe_command(self.target, self.ssh), capture_output=True,
                                  text=True, timeout=self.timeout_s, check=False)
        except subprocess.TimeoutExpired:
            raise OperationTimeout(f"ssh {self.target} did not answer within "
                                   f"{self.timeout_s:g} s") from None
        except FileNotFoundError:
            raise PlutarcError(f"cannot run {self.ssh!r}: is OpenSSH installed?") from None
        if done.returncode != 0:
            raise PlutarcError(f"ssh {self.target} failed (exit {done.returncode}): "
                               f"{done.stderr.strip()[-300:]}")
        return remote_socket_from_probe(done.stdout)

    def open(self) -> SshTunnel:
        remote = self.remote_socket or self._resolve_remote()
        self._errors = errors = open(self._dir / "ssh.err", "w+b")  # noqa: SIM115 - read later
        self._proc = subprocess.Popen(forward_command(self.target, self.local_socket, remote,
                                                      self.ssh),
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=errors)
        deadline = time.monotonic() + self.timeout_s
        while not self.local_socket.exists():
            if self._proc.poll() is not None:
                errors.seek(0)
                message = errors.read().decode(errors="replace").strip()[-300:]
                self.close()
                raise PlutarcError(f"ssh could not forward {self.target}:{remote}: {message}")
            if time.monotonic() > deadline:
                self.close()
                raise OperationTimeout(f"ssh did not set up the forward to {self.target} within "
                                       f"{self.timeout_s:g} s")
            time.sleep(0.05)
        return self

    def close(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)
        if self._errors is not None:
            self._errors.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> SshTunnel:
        return self.open()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
