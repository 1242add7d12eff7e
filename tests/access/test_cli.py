"""'plutarc access', 'keys' and 'audit' against a REAL daemon process with no OS keyring."""

from __future__ import annotations

import io
import json
import os
import pwd
import shutil
import signal
import sys
import threading
from collections.abc import Iterator

import pytest

from plutarc.cli.main import run
from tests.daemon.conftest import DaemonProcess, short_home

FILE_PASSPHRASE = "cli test key file passphrase"
OWNER = pwd.getpwuid(os.getuid()).pw_name


@pytest.fixture(scope="module")
def daemon() -> Iterator[DaemonProcess]:
    home = short_home()
    with pytest.MonkeyPatch.context() as mp:  # the daemon copies the environment at start
        mp.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
        mp.setenv("PLUTARC_KEYS_PASSPHRASE", FILE_PASSPHRASE)
        proc = DaemonProcess(home).start()
    yield proc
    if proc.proc is not None and proc.proc.poll() is None:
        proc.signal(signal.SIGTERM)
    shutil.rmtree(home, ignore_errors=True)


class Cli:
    def __init__(self, daemon: DaemonProcess, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str]) -> None:
        self.monkeypatch, self.capsys = monkeypatch, capsys
        monkeypatch.setenv("PLUTARC_HOME", str(daemon.home))
        monkeypatch.delenv("PLUTARC_TOKEN", raising=False)
        monkeypatch.delenv("PLUTARC_KEYS_PASSPHRASE", raising=False)

    def __call__(self, *argv: str, stdin: str = "", token: str | None = None
                 ) -> tuple[int, str, str]:
        if token:
            self.monkeypatch.setenv("PLUTARC_TOKEN", token)
        else:
            self.monkeypatch.delenv("PLUTARC_TOKEN", raising=False)
        self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        self.capsys.readouterr()
        code = run(list(argv))
        out, err = self.capsys.readouterr()
        return code, out, " ".join(err.split())  # rich wraps long lines


@pytest.fixture
def cli(daemon: DaemonProcess, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(daemon, monkeypatch, capsys)


def test_grant_list_whoami_revoke(cli: Cli) -> None:
    code, out, _ = cli("access", "grant", "ops-viewer", "--role", "viewer")
    assert code == 0
    token = out.strip().splitlines()[-1]
    assert token.startswith("plt_") and "shown this once" in out
    code, out, _ = cli("access", "list", "--json")
    listed = json.loads(out)
    assert code == 0 and [t["name"] for t in listed] == ["ops-viewer"]
    assert token not in out
    code, out, _ = cli("access", "whoami", token=token)
    assert code == 0 and out.startswith("token:ops-viewer (viewer, via token): view")
    code, out, _ = cli("access", "whoami")
    assert out.startswith(f"{OWNER} (owner, via unix)")

    code, _, err = cli("keys", "add", "bitmex", "--testnet", stdin="KEYIDVIEW0001\nsecret-v\n",
                       token=token)
    assert code == 1
    assert "permission denied: viewer cannot manage keys" in err

    assert cli("access", "revoke", "ops-viewer")[0] == 0
    code, _, err = cli("bot", "list", token=token)
    assert code == 1 and "unknown or revoked" in err
    code, _, err = cli("access", "grant", "x", "--role", "owner")
    assert code == 2 and "cannot be granted" in err


def test_keys_add_list_remove_and_audit(cli: Cli) -> None:
    code, out, err = cli("keys", "add", "bitmex", "--testnet", "--label", "desk",
                         stdin="LAqUlngMIQkIUjXMUreyu3qn\nthe-desk-secret-value\n")
    assert code == 0, err
    assert "stored key 'desk' (bitmex testnet, key LAqU…) in the file" in out
    code, out, err = cli("keys", "add", "okx", "--label", "desk-okx",
                         stdin="okx-key-id-0001\nokx-secret-value\n")
    assert code == 2 and "expected 3 non-empty lines on stdin" in err
    code, out, _ = cli("keys", "list", "--json")
    listed = json.loads(out)
    assert listed["keystore"]["backend"] == "file" and not listed["keystore"]["locked"]
    [key] = listed["keys"]
    assert (key["label"], key["venue"], key["testnet"], key["created_by"]) == (
        "desk", "bitmex", True, OWNER)
    assert "the-desk-secret-value" not in out and "LAqUlngMIQkIUjXMUreyu3qn" not in out
    code, out, _ = cli("keys", "list")
    assert code == 0 and "desk" in out and "testnet" in out

    code, _, err = cli("keys", "remove", "desk")
    assert code == 2 and "add --yes" in err
    assert cli("keys", "remove", "desk", "--yes")[0] == 0
    code, _, err = cli("keys", "test", "desk")
    assert code == 2 and "no API key labelled 'desk'" in err

    code, out, _ = cli("audit", "--who", OWNER, "--since", "1h", "--json")
    actions = [(r["action"], r["target"]) for r in json.loads(out)]
    assert ("key.add", "desk") in actions and ("key.remove", "desk") in actions
    code, out, _ = cli("audit", "--who", "token:nobody", "--json")
    assert code == 0 and json.loads(out) == []
    code, out, _ = cli("audit", "--target", "desk")
    assert code == 0 and "key.add" in out and "key.remove" in out
    code, _, err = cli("audit", "--since", "yesterday-ish")
    assert code == 2 and "give a duration like 30m" in err


def test_keys_test_against_the_local_bitmex_server(cli: Cli, daemon: DaemonProcess) -> None:
    import asyncio

    from plutarc.exchanges.bitmex_sim import SimServer, SimServerConfig

    ready, stop = threading.Event(), threading.Event()
    where: dict[str, str] = {}

    def serve() -> None:  # the CLI runs its own event loop; the server gets a thread
        async def main() -> None:
            async with SimServer(SimServerConfig(warmup_bars=60, api_keys={
                    "CLITESTKEY000001": "cli-test-secret-1"})) as srv:
                where["url"] = srv.rest_url
                ready.set()
                while not stop.is_set():
                    await asyncio.sleep(0.02)
        asyncio.run(main())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        assert ready.wait(20)
        with daemon.paths.config_file.open("a") as config:  # the owner allows the simulator
            config.write(f"venue_urls = [{where['url']!r}]\n")
        cli("keys", "add", "bitmex", "--testnet", "--label", "sim",
            stdin="CLITESTKEY000001\ncli-test-secret-1\n")
        code, out, err = cli("keys", "test", "sim", "--url", where["url"])
        assert code == 0, err
        assert " ".join(out.split()).startswith(
            f"key 'sim' works at {where['url']}: authenticated: wallet")
        cli("keys", "add", "bitmex", "--label", "sim-bad", stdin="CLITESTKEY000001\nwrong-one\n")
        code, _, err = cli("keys", "test", "sim-bad", "--url", where["url"])
        assert code == 1 and "failed" in err and "the venue refused the key" in err
        code, out, _ = cli("keys", "list", "--json")
        used = {k["label"]: k["last_used_ms"] for k in json.loads(out)["keys"]}
        assert used["sim"] is not None
    finally:
        stop.set()
        thread.join(10)
