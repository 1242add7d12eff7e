"""The ssh command lines the TUI builds, and a TUI attached through a forwarded socket."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from plutarc.errors import PlutarcError, UsageError
from plutarc.tui.app import make_app
from plutarc.tui.screens.fleet import FleetScreen
from plutarc.tui.settings import TuiSettings
from plutarc.tui.ssh import (
    PROBE_SCRIPT,
    SshTunnel,
    forward_command,
    probe_command,
    remote_socket_from_probe,
)
from tests.tui.conftest import Daemon, spec
from tests.tui.test_fleet import cell, until


def test_forward_command_is_a_unix_socket_forward_with_no_shell() -> None:
    remote = "/run/user/1000/plutarc/plutarc.sock"
    cmd = forward_command("me@box", Path("/tmp/x/plutarc.sock"), remote)
    assert cmd == ["ssh", "-N", "-T", "-o", "ExitOnForwardFailure=yes",
                   "-o", "StreamLocalBindUnlink=yes", "-o", "ServerAliveInterval=15",
                   "-L", "/tmp/x/plutarc.sock:/run/user/1000/plutarc/plutarc.sock", "--", "me@box"]


def test_probe_asks_the_remote_shell_for_the_path_variables() -> None:
    assert probe_command("me@box", ssh="/usr/bin/ssh") == [
        "/usr/bin/ssh", "-T", "-o", "ClearAllForwardings=yes", "--", "me@box", PROBE_SCRIPT]
    assert PROBE_SCRIPT == ("printf '%s\\n' \"$PLUTARC_HOME\" \"$XDG_RUNTIME_DIR\" "
                            "\"$XDG_DATA_HOME\" \"$XDG_CONFIG_HOME\" \"$HOME\"")


@pytest.mark.parametrize(("answer", "socket"), [
    ("\n/run/user/1000\n\n\n/home/me\n", "/run/user/1000/plutarc/plutarc.sock"),
    ("\n\n\n\n/home/me\n", "/home/me/.local/share/plutarc/run/plutarc.sock"),
    ("/srv/desk\n/run/user/1000\n\n\n/home/me\n", "/srv/desk/run/plutarc.sock"),
])
def test_remote_socket_follows_the_remote_environment(answer: str, socket: str) -> None:
    assert remote_socket_from_probe(answer) == socket


@pytest.mark.parametrize("target", ["", "-oProxyCommand=evil", "me@box extra"])
def test_a_destination_that_ssh_would_misread_is_refused(target: str) -> None:
    with pytest.raises(UsageError, match="--ssh needs a destination"):
        forward_command(target, Path("/tmp/a.sock"), "/tmp/b.sock")


@pytest.mark.parametrize("remote", ["relative/plutarc.sock", "/tmp/a:b.sock"])
def test_a_socket_path_that_breaks_the_forward_is_refused(remote: str) -> None:
    with pytest.raises(UsageError, match="must be absolute and contain no ':'"):
        forward_command("me@box", Path("/tmp/a.sock"), remote)


def test_no_home_on_the_remote_side_says_what_to_pass() -> None:
    with pytest.raises(PlutarcError, match="--remote-socket"):
        remote_socket_from_probe("\n\n\n\n\n")


@pytest.fixture
def fake_ssh(tmp_path: Path) -> str:
    script = Path(__file__).with_name("fake_ssh.py")
    wrapper = tmp_path / "ssh"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{script}" "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def test_an_ssh_failure_is_reported_with_its_message(fake_ssh: str) -> None:
    with pytest.raises(PlutarcError, match="Could not resolve hostname nowhere"):
        SshTunnel("nowhere", ssh=fake_ssh).open()


async def test_the_tui_attaches_through_the_forwarded_socket(
        daemon: Daemon, fake_ssh: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async with daemon.client() as api:
        bot = await api.create_bot(spec("remote-one"), start=True)
    monkeypatch.setenv("PLUTARC_HOME", str(daemon.home))  # the "remote" shell's environment
    with SshTunnel("me@box", ssh=fake_ssh, timeout_s=10) as tunnel:
        assert tunnel.local_socket != daemon.paths.socket
        app = make_app(TuiSettings(socket_path=tunnel.local_socket, where="me@box"))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, FleetScreen) and not app.link
                        and cell(app, "#fleet", bot.id, 0) == "remote-one")
            assert app.title == "plutarc @ me@box"
    assert not tunnel.local_socket.parent.exists()
