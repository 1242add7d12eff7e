"""End to end through a real daemon: a bot errors and a JSON webhook on loopback hears it."""

from __future__ import annotations

import pytest

from plutarc.daemon.api.notify_routes import ChannelResponse
from plutarc.daemon.client import DaemonClient
from plutarc.errors import NotFound, PermissionDenied, UsageError
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


async def test_a_bad_url_is_refused_without_quoting_it_and_remove_forgets_a_channel(
        daemon: DaemonProcess, webhook: Webhook):
    async with daemon.client() as client:
        for url, says in [("nosuchservice://tok3nXYZ/abc", "apprise does not understand this "
                           "nosuchservice:// URL"),
                          ("tok3nXYZ", "a channel URL starts with its service")]:
            with pytest.raises(UsageError) as refused:
                await add_channel(client, "bad", url)
            assert says in str(refused.value) and "tok3nXYZ" not in str(refused.value)
        await add_channel(client, "gone", webhook.url())
        await client.request("DELETE", "/v1/notify/channels/gone", ChannelResponse)
        assert (await overview(client)).channels == []
        with pytest.raises(NotFound):
            await client.request("POST", "/v1/notify/channels/gone/test", ChannelResponse)
        # the name is free again: its secret went with it
        await add_channel(client, "gone", webhook.url())


async def test_viewers_and_traders_see_channels_but_only_an_admin_changes_them(
        daemon: DaemonProcess, webhook: Webhook):
    async with daemon.client() as owner:
        await add_channel(owner, "phone", webhook.url())
        tokens = {role: (await owner.grant_token(f"n-{role}", role)).secret
                  for role in ("viewer", "trader", "admin")}
    for role, token in tokens.items():
        async with DaemonClient(daemon.paths.socket, token=token) as client:
            assert [c.channel.name for c in (await overview(client)).channels] == ["phone"]
            if role == "admin":
                await add_channel(client, f"by-{role}", webhook.url())
                continue
            with pytest.raises(PermissionDenied):
                await add_channel(client, f"by-{role}", webhook.url())
            with pytest.raises(PermissionDenied):
                await client.request("PUT", "/v1/notify/routes", ChannelResponse,
                                     body={"channel": "*", "kind": "*", "level": "off"})
