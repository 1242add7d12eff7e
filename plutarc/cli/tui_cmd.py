"""``plutarc tui [--socket PATH] [--ssh user@host [-- SSH_OPTION...]]``: attach the terminal UI.

``plutarc tui --ssh trader@vps -- -p 2222 -i ~/.ssh/desk`` passes everything after ``--`` to
ssh, which keeps one connection (ControlMaster) and brings it back after a drop.
"""

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
    ssh_options: list[str] | None = typer.Argument(
        None, metavar="[-- SSH_OPTION...]", show_default=False,
        help="With --ssh: options for ssh after '--', e.g. -- -p 2222 -i ~/.ssh/key."),
) -> None:
    """Open the terminal UI; closing it never stops a bot."""
    if ssh is None:
        if remote_socket is not None:
            raise typer.BadParameter("--remote-socket only makes sense with --ssh")
        if ssh_options:
            raise typer.BadParameter(f"ssh options ({' '.join(ssh_options)}) only make sense "
                                     "with --ssh user@host")
        from plutarc.tui.app import make_app
        from plutarc.tui.settings import TuiSettings

        make_app(TuiSettings(socket_path=socket or resolve_paths().socket)).run()
        return
    if socket is not None:
        raise typer.BadParameter("--socket and --ssh exclude each other: with --ssh the "
                                 "local socket is a private forward made for this session")
    from plutarc.tui.ssh import SshTunnel

    tunnel = SshTunnel(ssh, remote_socket, options=ssh_options or ())  # checks; runs nothing
    with tunnel:
        from plutarc.tui.app import make_app
        from plutarc.tui.settings import TuiSettings

        make_app(TuiSettings(socket_path=tunnel.local_socket, where=ssh, tunnel=tunnel)).run()

app = tui
