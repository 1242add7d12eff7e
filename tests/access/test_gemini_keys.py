"""'keys add gemini' and 'keys test' against a REAL daemon and the local Gemini server (its
signed headers and nonces checked): the key works, a wrong secret is refused, nothing
secret is printed."""

from __future__ import annotations

import pytest

from tests.access.test_cli import Cli, daemon  # noqa: F401 - the module's own daemon
from tests.daemon.conftest import DaemonProcess
from tests.exchanges.ccxt.replay import gemini
from tests.exchanges.ccxt.replay.core import ServerThread


@pytest.fixture
def cli(daemon: DaemonProcess, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(daemon, monkeypatch, capsys)


def test_a_gemini_key_is_added_and_tested_against_its_local_server(
        cli: Cli, daemon: DaemonProcess) -> None:  # noqa: F811
    server = gemini.GeminiServer()
    thread = ServerThread(server.app).start()
    try:
        with daemon.paths.config_file.open("a") as config:  # the owner allows the local URL
            config.write(f"venue_urls = [{thread.url!r}]\n")
        code, out, err = cli("keys", "add", "gemini", "--testnet", "--label", "gem",
                             stdin=f"{gemini.KEY}\n{gemini.SECRET}\n")
        assert code == 0, err
        assert "stored key 'gem' (gemini testnet, key acco…)" in out
        code, out, err = cli("keys", "test", "gem", "--url", thread.url)
        assert code == 0, err
        said = " ".join(out.split())
        assert said.startswith(f"key 'gem' works at {thread.url}: authenticated: wallet "
                               "10000.0 GUSD (1 contracts listed)"), said
        cli("keys", "add", "gemini", "--testnet", "--label", "gem-bad",
            stdin=f"{gemini.KEY}\nnot-the-secret\n")
        code, out, err = cli("keys", "test", "gem-bad", "--url", thread.url)
        assert code == 1 and "key refused" in err and "InvalidSignature" in err, err
        assert gemini.SECRET not in out + err and "not-the-secret" not in out + err
    finally:
        thread.stop()
    signed = [p for m, p in thread.requests if m == "POST"]
    assert signed == ["/v1/balances", "/v1/balances"]  # one private read per test
