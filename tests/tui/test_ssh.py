"""``plutarc tui --ssh``: the ssh command lines, and the TUI attached through the real OpenSSH
client to a real SSH server (tests/tui/ssh_server.py) on a loopback port, including a drop."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from plutarc.errors import PlutarcError, UsageError
from plutarc.tui.app import make_app
from plutarc.tui.screens.fleet import FleetScreen
from plutarc.tui.settings import TuiSettings
from plutarc.tui.ssh import SshTunnel, check_ssh_options, remote_socket_from_probe
from plutarc.tui.widgets.banner import ConnectionBanner
from tests.tui.conftest import Daemon, spec
from tests.tui.test_fleet import cell, until

needs_openssh = pytest.mark.skipif(
    shutil.which("ssh") is None,
    reason="the OpenSSH client is not installed (apt-get install openssh-client)")


def test_the_master_command_keeps_our_options_first_and_lets_the_user_tune_the_rest() -> None:
    tunnel = SshTunnel("me@box", options=["-p", "2222", "-i", "/k/id", "-o",
                                          "ServerAliveInterval=5"])
    try:
        ctl = str(tunnel.control_socket)
        assert tunnel.master_command() == [
            "ssh", "-M", "-N", "-T", "-o", "ControlPersist=no", "-o", "ExitOnForwardFailure=yes",
            "-o", "StreamLocalBindUnlink=yes", "-S", ctl,
            "-p", "2222", "-i", "/k/id", "-o", "ServerAliveInterval=5",  # first value wins
            "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3",
            "-o", "ConnectTimeout=15", "--", "me@box"]
        forward = tunnel.forward_command("/run/user/1000/plutarc/plutarc.sock")
        assert forward[:9] == ["ssh", "-S", ctl, "-o", "ControlMaster=no",
                               "-o", "ProxyCommand=false", "-o", "BatchMode=yes"]
        assert forward[-6:] == ["-O", "forward", "-L",
                                f"{tunnel.local_socket}:/run/user/1000/plutarc/plutarc.sock",
                                "--", "me@box"]
    finally:
        tunnel.close()


def test_a_closed_tunnel_never_starts_ssh_again() -> None:
    # The link worker may try to reconnect while the TUI quits: no ssh may outlive it.
    tunnel = SshTunnel("me@box", ssh="/nonexistent/ssh")
    tunnel.close()
    with pytest.raises(PlutarcError, match="tunnel to me@box is closed"):
        tunnel.ensure()


@pytest.mark.parametrize("options", [["-p", "2222", "-i", "key"], ["-p2222", "-4v"],
                                     ["-vp", "22", "-o", "A=b", "-A"]])
def test_ssh_options_pass_through(options: list[str]) -> None:
    assert check_ssh_options(options) == tuple(options)


@pytest.mark.parametrize(("options", "message"), [
    (["otherhost"], "must be options"), (["-p", "22", "evil"], "must be options"),
    (["-i"], "needs a value"), (["--"], "must be options")])
def test_a_stray_word_among_ssh_options_is_refused(options: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        check_ssh_options(options)


@pytest.mark.parametrize(("answer", "socket_path"), [
    ("\n/run/user/1000\n\n\n/home/me\n", "/run/user/1000/plutarc/plutarc.sock"),
    ("\n\n\n\n/home/me\n", "/home/me/.local/share/plutarc/run/plutarc.sock"),
    ("/srv/desk\n/run/user/1000\n\n\n/home/me\n", "/srv/desk/run/plutarc.sock"),
])
def test_remote_socket_follows_the_remote_environment(answer: str, socket_path: str) -> None:
    assert remote_socket_from_probe(answer) == socket_path


@pytest.mark.parametrize("target", ["", "-oProxyCommand=evil", "me@box extra"])
def test_a_destination_that_ssh_would_misread_is_refused(target: str) -> None:
    with pytest.raises(UsageError, match="--ssh needs a destination"):
        SshTunnel(target)


@pytest.mark.parametrize("remote", ["relative/plutarc.sock", "/tmp/a:b.sock"])
def test_a_socket_path_that_breaks_the_forward_is_refused(remote: str) -> None:
    with pytest.raises(UsageError, match="must be absolute and contain no ':'"):
        SshTunnel("me@box", remote_socket=remote)


def test_no_home_on_the_remote_side_says_what_to_pass() -> None:
    with pytest.raises(PlutarcError, match="--remote-socket"):
        remote_socket_from_probe("\n\n\n\n\n")


# ----- the real OpenSSH client against a real SSH server ---------------------------------------
@pytest.fixture
def ssh_server(daemon: Daemon, tmp_path: Path) -> Iterator[object]:
    from tests.tui.ssh_server import SshServer  # asyncssh: the dev extra

    with SshServer(tmp_path, {**os.environ, "PLUTARC_HOME": str(daemon.home)}) as server:
        yield server


@needs_openssh
def test_an_ssh_failure_is_reported_with_its_message() -> None:
    with socket.socket() as probe:  # a loopback port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(PlutarcError, match="Connection refused"):
        SshTunnel("me@127.0.0.1", timeout_s=10,
                  options=["-F", "/dev/null", "-p", str(port), "-o", "BatchMode=yes"]).open()


@needs_openssh
async def test_the_tui_attaches_over_one_ssh_connection(daemon: Daemon, ssh_server) -> None:  # noqa: ANN001
    async with daemon.client() as api:
        bot = await api.create_bot(spec("remote-one"), start=True)
    with SshTunnel(ssh_server.target, options=ssh_server.options(), timeout_s=20) as tunnel:
        assert tunnel.remote_socket == str(daemon.paths.socket)  # asked the remote shell
        app = make_app(TuiSettings(socket_path=tunnel.local_socket, where="trader@vps",
                                   tunnel=tunnel))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, FleetScreen) and not app.link
                        and cell(app, "#fleet", bot.id, 0) == "remote-one", timeout_s=20)
            assert app.title == "plutarc @ trader@vps"
        # discovery, the forward and the TUI's traffic all went over the one login
        assert len(ssh_server.connections) == 1
    assert not tunnel.local_socket.parent.exists()


@needs_openssh
async def test_the_tunnel_comes_back_by_itself_after_the_connection_drops(
        daemon: Daemon, ssh_server) -> None:  # noqa: ANN001
    async with daemon.client() as api:
        await api.create_bot(spec("before-drop"), start=True)
    with SshTunnel(ssh_server.target, options=ssh_server.options(), timeout_s=20) as tunnel:
        app = make_app(TuiSettings(socket_path=tunnel.local_socket, where=ssh_server.target,
                                   tunnel=tunnel, reconnect_initial_s=0.1, reconnect_max_s=0.5))
        async with app.run_test(size=(80, 24)) as pilot:
            seen: list[str] = []
            app.watch(app, "link", lambda text: seen.append(text))
            await until(pilot, lambda: isinstance(app.screen, FleetScreen) and not app.link,
                        timeout_s=20, what="attached")

            ssh_server.refusing = True  # the network is gone: no new connection gets through
            ssh_server.drop()
            await until(pilot, lambda: "reconnecting" in app.link, timeout_s=20, what="banner")
            assert f"ssh to {ssh_server.target} is down" in app.link
            assert str(daemon.paths.socket) in app.link  # names the remote socket
            banner = app.screen.query_one(ConnectionBanner)
            assert not banner.has_class("-hidden")
            await until(pilot, lambda: str(daemon.paths.socket) in str(banner.content),
                        what="the banner on screen names the remote socket")
            async with daemon.client() as api:  # the daemon is fine meanwhile
                late = await api.create_bot(spec("during-drop"), start=True)

            ssh_server.refusing = False  # the network is back
            await until(pilot, lambda: app.link == "" and cell(app, "#fleet", late.id, 0)
                        == "during-drop", timeout_s=30, what="reconnected by itself")
            assert not any("start the daemon" in text for text in seen), seen
        assert tunnel.connected
        assert "BatchMode=yes" in tunnel.master_command()  # a reconnect never prompts


@needs_openssh
async def test_a_wrong_remote_socket_is_named_with_the_fix(daemon: Daemon, ssh_server) -> None:  # noqa: ANN001
    wrong = str(daemon.home / "elsewhere" / "plutarc.sock")
    with SshTunnel(ssh_server.target, remote_socket=wrong, options=ssh_server.options(),
                   timeout_s=20) as tunnel:
        app = make_app(TuiSettings(socket_path=tunnel.local_socket, where="vps",
                                   tunnel=tunnel, reconnect_initial_s=0.1, reconnect_max_s=0.5))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: "no daemon socket" in app.link, timeout_s=20)
            assert f"{ssh_server.target}:{wrong}" in app.link
            assert "--remote-socket PATH" in app.link
