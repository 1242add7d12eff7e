"""``plutarc tui [--socket PATH] [--ssh user@host]``: attach the terminal UI to a daemon."""

from __future__ import annotations

from pathlib import Path

import typer

from plutarc.paths import resolve_paths


def tui(
    socket: Path | None = typer.Option(None, "--socket", help="The daemon's Unix socket "
                                       "(default: this plutarc home's)."),
    ssh: str | None = typer.Option(None, "--ssh", help="Attach to the daemon of user@host "
                                   "through your own ssh (a forwarded Unix socket, no TCP port)."),
    remote_socket: str | None = typer.Option(None, "--remote-socket", help="With --ssh: the "
                                             "daemon's socket on the host (default: asked)."),
) -> None:
    """Open the terminal UI; closing it never stops a bot."""
    from plutarc.tui.app import make_app
    from plutarc.tui.settings import TuiSettings

    if ssh is None:
        if remote_socket is not None:
            raise typer.BadParameter("--remote-socket only makes sense with --ssh")
        settings = TuiSettings(socket_path=socket or resolve_paths().socket)
        make_app(settings).run()
        return
    if socket is not None:
        raise typer.BadParameter("--socket and --ssh exclude each other: with --ssh the "
                                 "local socket is a private forward made for this session")
    from plutarc.tui.ssh import SshTunnel

    with SshTunnel(ssh, remote_socket) as tunnel:
        make_app(TuiSettings(socket_path=tunnel.local_socket, where=ssh)).run()


app = tui
