"""Issue 23 items 2 and 3: a token cannot make the daemon read files or fetch URLs it names.

A real daemon; a trader token asks for backtests on files outside the directories the owner
allows, a paper bot replaying one, venue URLs and key tests aimed at hosts of its choosing.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp import web

from plutarc.daemon.bot_config import BotSpec
from plutarc.errors import PlutarcError, UsageError
from tests.daemon.conftest import TEMPLATE, TEMPLATE_NAME, DaemonProcess, short_home
from tests.helpers import BTC_1M

SECRET_LINE = "s3cret-first-line:do-not-echo"
REFUSED = "not in a directory the owner allows"


@pytest.fixture(scope="module")
def daemon() -> Iterator[DaemonProcess]:
    home = short_home()
    with pytest.MonkeyPatch.context() as env:  # keys in an encrypted file, open from the start
        env.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
        env.setenv("PLUTARC_KEYS_PASSPHRASE", "key test passphrase")
        proc = DaemonProcess(home).start()
    yield proc
    if proc.proc is not None and proc.proc.poll() is None:
        proc.signal(signal.SIGTERM)
    shutil.rmtree(home, ignore_errors=True)


async def _trader(daemon: DaemonProcess, name: str) -> str:
    async with daemon.client() as owner:
        return (await owner.grant_token(name, "trader")).secret


async def _jobs(client) -> int:  # noqa: ANN001
    _runs, jobs = await client.backtests()
    return len(jobs)


def _private_file(directory: Path, name: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(SECRET_LINE + "\n")
    os.chmod(path, 0o600)
    return path


async def test_backtest_data_outside_the_allowed_directories_is_refused_alike(daemon):
    outside = _private_file(daemon.home / "elsewhere", "private.csv")
    token = await _trader(daemon, "t-files")
    async with daemon.client(token=token) as client:
        before = await _jobs(client)
        messages = []
        for data in (str(outside), str(outside.with_name("absent.csv")), "/etc/shadow",
                     "../plutarc.db", "../../config/config.toml"):
            with pytest.raises(UsageError, match="owner allows") as caught:
                await client.start_backtest({"template": "scalp_1m", "data": data})
            messages.append(str(caught.value).replace(data, "X"))
            assert SECRET_LINE not in str(caught.value)
        # an existing and a missing file get the very same answer: nothing to learn from it
        assert messages[0] == messages[1]
        assert await _jobs(client) == before


async def test_a_symlink_out_of_the_data_directory_is_refused(daemon):
    outside = _private_file(daemon.home / "elsewhere", "linked.csv")
    data_dir = daemon.paths.data_dir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "link.csv").symlink_to(outside)
    token = await _trader(daemon, "t-link")
    async with daemon.client(token=token) as client:
        with pytest.raises(UsageError, match=REFUSED):
            await client.start_backtest({"template": "scalp_1m", "data": "link.csv"})


async def test_a_template_path_outside_the_template_directories_is_refused(daemon):
    outside = _private_file(daemon.home / "elsewhere", "evil.toml")
    token = await _trader(daemon, "t-tmpl")
    async with daemon.client(token=token) as client:
        for template in (str(outside), str(outside.with_name("absent.toml"))):
            with pytest.raises(UsageError, match="not in a template directory"):
                await client.start_backtest({"template": template, "data": str(BTC_1M)})


async def test_a_bad_file_in_an_allowed_directory_fails_without_echoing_its_content(daemon):
    _private_file(daemon.paths.data_dir / "data", "junk.csv")
    token = await _trader(daemon, "t-junk")
    async with daemon.client(token=token) as client:
        job = await client.start_backtest({"template": "scalp_1m", "data": "junk.csv"})
        for _ in range(600):
            job = await client.backtest_job(job["job_id"])
            if job["state"] != "running":
                break
            await asyncio.sleep(0.1)
    assert job["state"] == "failed" and "junk.csv" in job["error"]
    assert SECRET_LINE not in job["error"] and "s3cret" not in job["error"]


async def test_a_paper_bot_cannot_replay_a_file_outside_the_allowed_directories(daemon):
    outside = _private_file(daemon.home / "elsewhere", "replay.csv")
    async with daemon.client() as client:  # bot creation with risk limits: the owner
        await client.put_template(TEMPLATE_NAME, TEMPLATE)
        for name, file in (("r-outside", outside), ("r-shadow", Path("/etc/shadow"))):
            spec = BotSpec(name=name, template=TEMPLATE_NAME, venue="sim",
                           mode="paper", account=f"speed=max;file={file}", symbols=("BTCUSDT",))
            with pytest.raises(PlutarcError, match=REFUSED):
                await client.create_bot(spec)
        assert not [b for b in await client.list_bots() if b.name.startswith("r-")]


@pytest.fixture
async def fake_venue() -> AsyncIterator[str]:
    """An HTTP server that is not BitMEX: 200 and ``[]`` to anything, recording what came."""
    seen: list[dict[str, str]] = []

    async def anything(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        return web.json_response([])

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", anything)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/api/v1"
    finally:
        await runner.cleanup()


async def test_backtest_venue_url_must_be_the_venues_or_the_owners(daemon, fake_venue):
    token = await _trader(daemon, "t-url")
    async with daemon.client(token=token) as client:
        before = await _jobs(client)
        for url in (fake_venue, "http://169.254.169.254/latest/meta-data"):
            with pytest.raises(UsageError, match="owner allows"):
                await client.start_backtest({
                    "template": "scalp_1m", "venue": "bitmex", "venue_url": url,
                    "symbol": "XBTUSD", "start": "2024-01-01", "end": "2024-01-02"})
        assert await _jobs(client) == before


async def test_a_key_test_goes_only_where_allowed_and_checks_the_answer(daemon, fake_venue):
    async with daemon.client() as owner:
        await owner.add_key("probe", "bitmex", True, "PROBEKEYID0000001", "probe-secret-1")
        with pytest.raises(UsageError, match="owner allows"):
            await owner.test_key("probe", fake_venue)
        # the owner allows it (say, a simulator they run): the call goes out, but an answer
        # that is not BitMEX's wallet does not pass for a working key
        with daemon.paths.config_file.open("a") as config:
            config.write(f"venue_urls = [{fake_venue!r}]\n")
        result = await owner.test_key("probe", fake_venue)
    assert not result.ok and "not a BitMEX wallet" in result.message


def test_the_owner_allows_more_directories_on_the_command_line():
    import subprocess
    import sys

    from plutarc.daemon.client import wait_until_answering
    from tests.daemon.conftest import daemon_env

    home = short_home()
    extra = home / "candles"
    extra.mkdir()
    shutil.copy(BTC_1M, extra / "btc.csv.gz")
    daemon = DaemonProcess(home)
    with open(home / "daemon.out", "ab") as out:
        daemon.proc = subprocess.Popen(
            [sys.executable, "-m", "plutarc", "daemon", "run", "--data-dir", str(extra)],
            env=daemon_env(home), stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, cwd=home)
    proc = daemon.proc

    async def scenario() -> None:
        await wait_until_answering(daemon.paths.socket, 20, lambda: proc.poll() is None)
        async with daemon.client() as client:
            job = await client.start_backtest({"template": "scalp_1m", "data": "btc.csv.gz",
                                               "end": "2024-01-02"})
            assert job["request"]["data"] == str((extra / "btc.csv.gz").resolve())
            with pytest.raises(UsageError, match=REFUSED):
                await client.start_backtest({"template": "scalp_1m",
                                             "data": str(home / "btc.csv.gz")})

    try:
        asyncio.run(scenario())
    finally:
        daemon.kill()
        shutil.rmtree(home, ignore_errors=True)
