"""A real SSH server for the tests (asyncssh, in its own thread), on 127.0.0.1 only.

It does what a VPS's sshd does for ``plutarc tui --ssh``: public-key login with a key made in
the test's directory, remote commands run by ``sh -c`` (in ``env``, the "remote" environment),
and direct-streamlocal channels, i.e. ``-L local.sock:remote.sock`` forwards. ``drop()`` cuts
every connection from the server side; while ``refusing`` it hangs up on new ones.
"""

from __future__ import annotations

import asyncio
import getpass
import threading
import warnings
from collections.abc import Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import Any

with warnings.catch_warnings():  # asyncssh still imports cryptography's deprecated DSA
    warnings.simplefilter("ignore")
    import asyncssh


class _Server(asyncssh.SSHServer):
    def __init__(self, owner: SshServer) -> None:
        self.owner = owner

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.owner.connections.append(conn)
        if self.owner.refusing:
            conn.abort()

    def unix_connection_requested(self, dest_path: str) -> bool:
        return True  # asyncssh opens dest_path and copies both ways, as sshd does


class SshServer:
    """``with SshServer(tmp_path, env) as server: ssh *server.options() server.target``."""

    def __init__(self, directory: Path, env: Mapping[str, str]) -> None:
        self.directory = directory
        self.env = dict(env)
        self.connections: list[asyncssh.SSHServerConnection] = []
        self.refusing = False
        self.user = getpass.getuser()
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="ssh-server",
                                        daemon=True)
        self._acceptor: asyncssh.SSHAcceptor | None = None

    @property
    def target(self) -> str:
        return f"{self.user}@127.0.0.1"

    def options(self) -> list[str]:
        """The client's options: this key, this host key only, no user or system config."""
        return ["-F", "/dev/null", "-p", str(self.port), "-i", str(self.directory / "id_test"),
                "-o", "IdentitiesOnly=yes", "-o", "PasswordAuthentication=no",
                "-o", f"UserKnownHostsFile={self.directory / 'known_hosts'}",
                "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes",
                "-o", "BatchMode=yes", "-o", "LogLevel=ERROR"]

    def _call(self, coro: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(30)

    async def _start(self) -> None:
        host_key = asyncssh.generate_private_key("ssh-ed25519")
        client_key = asyncssh.generate_private_key("ssh-ed25519")
        key_file = self.directory / "id_test"
        client_key.write_private_key(str(key_file))
        key_file.chmod(0o600)
        authorized = asyncssh.import_authorized_keys(
            client_key.export_public_key().decode())
        self._acceptor = await asyncssh.create_server(
            lambda: _Server(self), "127.0.0.1", 0, server_host_keys=[host_key],
            authorized_client_keys=authorized, process_factory=self._run_command,
            allow_scp=False, agent_forwarding=False, x11_forwarding=False)
        self.port = self._acceptor.get_port()
        public = host_key.export_public_key().decode().strip()
        (self.directory / "known_hosts").write_text(f"[127.0.0.1]:{self.port} {public}\n")

    async def _run_command(self, process: asyncssh.SSHServerProcess[str]) -> None:
        proc = await asyncio.create_subprocess_shell(
            process.command or "true", env=self.env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await proc.communicate()
        process.stdout.write(out.decode())
        process.stderr.write(err.decode())
        process.exit(proc.returncode or 0)

    async def _drop(self) -> None:
        for conn in self.connections:
            conn.abort()

    def drop(self) -> None:
        """Cut every open connection from the server side, like a network that went away."""
        self._call(self._drop())

    def __enter__(self) -> SshServer:
        self._thread.start()
        self._call(self._start())
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            await self._drop()
            if self._acceptor is not None:
                self._acceptor.close()
                await self._acceptor.wait_closed()

        self._call(stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
