"""End to end through a real daemon: a bot errors and a JSON webhook on loopback hears it."""

from __future__ import annotations

from tests.daemon.conftest import DaemonProcess
from tests.notify.conftest import Webhook, add_channel, overview, start_bot


async def test_an_errored_bot_reaches_a_json_webhook(daemon: DaemonProcess, webhook: Webhook):
    async with daemon.client() as client:
        added = await add_channel(client, "phone", webhook.url("/hook/s3cr3t-path"))
        assert added.channel.address == f"json://127.0.0.1:{webhook.port}"
        await start_bot(client, "boom", "crashy")

        got = (await webhook.wait(1))[0]

        assert got["_path"] == "/hook/s3cr3t-path"
        assert got["type"] == "failure"
        assert "boom" in got["title"] and "errored" in got["title"]
        assert "deliberate crash in the test worker" in got["message"]
        assert "'plutarc bot show boom'" in got["message"]
        listed = await overview(client)
        assert [c.channel.name for c in listed.channels] == ["phone"]
        assert "s3cr3t" not in listed.model_dump_json()
