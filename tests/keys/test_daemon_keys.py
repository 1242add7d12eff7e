"""The key file at daemon start: a wrong passphrase refuses to start and says why, leaking
nothing; without a passphrase the daemon serves with its keys locked until 'keys unlock'."""

from __future__ import annotations

import asyncio
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from plutarc.daemon.client import DaemonClient
from tests.access.test_cli import Cli
from tests.daemon.conftest import DaemonProcess, short_home

RIGHT = "the right key file passphrase"
WRONG = "a wrong key file passphrase"
SECRET = "daemon-keys-secret-value-42"


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    path = short_home()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def start(home: Path, monkeypatch: pytest.MonkeyPatch, passphrase: str | None
          ) -> DaemonProcess:
    if passphrase is None:
        monkeypatch.delenv("PLUTARC_KEYS_PASSPHRASE", raising=False)
    else:
        monkeypatch.setenv("PLUTARC_KEYS_PASSPHRASE", passphrase)
    return DaemonProcess(home).start()


async def _add_key(daemon: DaemonProcess) -> None:
    async with daemon.client() as client:
        await client.add_key("main", "bitmex", False, "DAEMONKEYID00001", SECRET)


@pytest.mark.slow
def test_wrong_passphrase_at_start_is_a_clear_refusal(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    daemon = start(home, monkeypatch, RIGHT)
    asyncio.run(_add_key(daemon))
    assert daemon.signal(signal.SIGTERM) == 0

    refused = DaemonProcess(home)
    monkeypatch.setenv("PLUTARC_KEYS_PASSPHRASE", WRONG)
    with pytest.raises(AssertionError, match="did not come up"):
        refused.start(timeout_s=30)
    assert refused.proc is not None and refused.proc.returncode == 4
    output = refused.output
    assert "plutarc: error: wrong passphrase for the key file" in output
    assert "keys.enc" in output
    for leak in (RIGHT, WRONG, SECRET):
        assert leak not in output
    assert "Traceback" not in output


@pytest.mark.slow
def test_a_locked_key_file_is_unlocked_from_the_cli(
        home: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    daemon = start(home, monkeypatch, RIGHT)
    asyncio.run(_add_key(daemon))
    assert daemon.signal(signal.SIGTERM) == 0
    daemon = start(home, monkeypatch, None)
    try:
        cli = Cli(daemon, monkeypatch, capsys)
        code, out, err = cli("keys", "list")
        assert code == 0 and "is locked: run 'plutarc keys unlock'" in err
        code, _, err = cli("keys", "test", "main")
        assert code == 4 and "is locked" in err
        code, _, err = cli("keys", "unlock", stdin=WRONG + "\n")
        assert code == 4 and "wrong passphrase" in err and WRONG not in err
        code, out, _ = cli("keys", "unlock", stdin=RIGHT + "\n")
        assert code == 0 and "is unlocked" in out

        async def check() -> None:
            async with DaemonClient(daemon.paths.socket) as client:
                listing = await client.list_keys()
                assert not listing.keystore.locked
                assert [k.label for k in listing.keys] == ["main"]
                audit = await client.audit(target=listing.keystore.location)
                assert [a.action for a in audit] == ["keystore.unlock"]
                assert audit[0].before["locked"] and not audit[0].after["locked"]
        asyncio.run(check())
    finally:
        if daemon.proc is not None and daemon.proc.poll() is None:
            daemon.signal(signal.SIGTERM)


@pytest.mark.slow
def test_the_passphrase_can_come_through_stdin_and_never_reaches_the_environment(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess
    import sys

    from plutarc.daemon.client import wait_until_answering
    from tests.daemon.conftest import daemon_env

    daemon = start(home, monkeypatch, RIGHT)
    asyncio.run(_add_key(daemon))
    assert daemon.signal(signal.SIGTERM) == 0
    monkeypatch.delenv("PLUTARC_KEYS_PASSPHRASE", raising=False)
    env = daemon_env(home)
    env.pop("PLUTARC_KEYS_PASSPHRASE", None)
    with open(home / "stdin-daemon.out", "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "plutarc", "daemon", "run",
                                 "--passphrase-stdin"], env=env, stdin=subprocess.PIPE,
                                stdout=out, stderr=subprocess.STDOUT, cwd=home)
    try:
        assert proc.stdin is not None
        proc.stdin.write(RIGHT.encode() + b"\n")
        proc.stdin.close()

        async def check() -> None:
            await wait_until_answering(daemon.paths.socket, 30, lambda: proc.poll() is None)
            async with DaemonClient(daemon.paths.socket) as client:
                listing = await client.list_keys()
                assert not listing.keystore.locked
                assert [k.label for k in listing.keys] == ["main"]
        asyncio.run(check())
        environ = Path(f"/proc/{proc.pid}/environ").read_bytes()
        assert RIGHT.encode() not in environ
        assert RIGHT.encode() not in Path(f"/proc/{proc.pid}/cmdline").read_bytes()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
