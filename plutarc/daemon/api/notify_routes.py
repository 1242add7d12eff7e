"""API routes for notifications: channels (the URL goes in once, never out), routes, settings.

Audit rows and events name the channel and its redacted address, never its URL.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import Field, SecretStr

from plutarc.access.guard import ACCESS, IDENTITY
from plutarc.daemon.api.http import parse_body, respond
from plutarc.daemon.api.keys_routes import KEYS, _secret_body
from plutarc.daemon.api.routes import SERVICE
from plutarc.daemon.api.schemas import ApiModel, Envelope
from plutarc.daemon.notifications import NotifyRuntime
from plutarc.models.events import EventKind
from plutarc.notify import ChannelInfo, NotifySettings, Route
from plutarc.notify.channels import check_channel_name, check_url
from plutarc.notify.schedule import DAY_MS

NOTIFY = web.AppKey("notify", NotifyRuntime)
routes = web.RouteTableDef()


class ChannelAddRequest(ApiModel):
    name: str
    url: SecretStr = Field(description="The apprise URL; stored in the key store only.")


class RouteRequest(ApiModel):
    channel: str = Field(description="A channel name, or * for every channel.")
    kind: str = Field(description="A notification kind (see GET /v1/notify), or * for all.")
    level: str = Field(description="off, info, warning, error or critical: the minimum "
                       "severity sent.")


class SettingsRequest(ApiModel):
    dedup_window_s: int | None = None
    max_per_hour: int | None = None
    summary_at: str | None = Field(None, description="HH:MM UTC, or 'off'.")
    max_age_s: int | None = None
    timeout_s: float | None = None


class ChannelStatus(ApiModel):
    channel: ChannelInfo
    pending: int
    failing: str | None = Field(None, description="Why the last delivery failed, while it "
                                "keeps failing.")


class NotifyResponse(Envelope):
    channels: list[ChannelStatus]
    routes: list[Route]
    settings: NotifySettings


class ChannelResponse(Envelope):
    channel: ChannelInfo


class RoutesResponse(Envelope):
    routes: list[Route]


class SettingsResponse(Envelope):
    settings: NotifySettings


class TestResponse(Envelope):
    channel: str
    ok: bool
    message: str


def setup(app: web.Application) -> None:
    """Give ``app`` its notifier (after access_routes.setup: it needs the key store)."""
    runtime = NotifyRuntime(app[SERVICE], app[KEYS].backend)
    app[NOTIFY] = runtime
    app.on_startup.append(_start)
    app.on_cleanup.append(_stop)
    app.add_routes(routes)


async def _start(app: web.Application) -> None:
    app[NOTIFY].start()


async def _stop(app: web.Application) -> None:
    await app[NOTIFY].stop()


def _audit(request: web.Request, action: str, target: str, before: object,
           after: object) -> None:
    state = request.app[ACCESS]
    state.audit.append(request[IDENTITY].name, state.clock.now_ms(), action, target, before,
                       after)


def _overview(runtime: NotifyRuntime) -> NotifyResponse:
    n = runtime.notifier
    channels = n.channels.all()
    pending = n.pending()
    return NotifyResponse(
        channels=[ChannelStatus(channel=c, pending=pending.get(c.name, 0),
                                failing=n.failing.get(c.name)) for c in channels],
        routes=n.matrix.routes([c.name for c in channels]), settings=n.settings)


@routes.get("/v1/notify")
async def overview(request: web.Request) -> web.Response:
    return respond(_overview(request.app[NOTIFY]))


@routes.post("/v1/notify/channels")
async def add_channel(request: web.Request) -> web.Response:
    body = await _secret_body(request, ChannelAddRequest)
    n, who = request.app[NOTIFY].notifier, request[IDENTITY].name
    name = check_channel_name(body.name)
    url = body.url.get_secret_value()
    understood = await n.sender.understood(url.strip()) if url.strip() else False
    url = check_url(url, lambda _u: understood)
    info = n.channels.add(name, url, who, n.clock.now_ms())
    n.reload()
    _audit(request, "notify.add", info.name, None, info.model_dump(mode="json"))
    request.app[SERVICE].sink.emit(EventKind.ACTIVITY, f"notification channel {info.name!r} "
                                   f"({info.address}) added by {who}")
    return respond(ChannelResponse(channel=info), status=201)


@routes.delete("/v1/notify/channels/{name}")
async def remove_channel(request: web.Request) -> web.Response:
    n, who = request.app[NOTIFY].notifier, request[IDENTITY].name
    info = n.channels.remove(request.match_info["name"])
    n.reload()
    _audit(request, "notify.remove", info.name, info.model_dump(mode="json"), None)
    request.app[SERVICE].sink.emit(EventKind.ACTIVITY, f"notification channel {info.name!r} "
                                   f"removed by {who}")
    return respond(ChannelResponse(channel=info))


@routes.post("/v1/notify/channels/{name}/test")
async def test_channel(request: web.Request) -> web.Response:
    n = request.app[NOTIFY].notifier
    info = n.channels.require(request.match_info["name"])
    reason = await n.test(info.name)
    result = TestResponse(channel=info.name, ok=reason is None,
                          message=reason or f"delivered to {info.address}")
    _audit(request, "notify.test", info.name, None, result.model_dump(mode="json"))
    return respond(result)


class SummaryResponse(Envelope):
    summary: str
    queued: int = Field(description="Channels it was queued for (daily_summary routed on).")


@routes.post("/v1/notify/summary")
async def send_summary(request: web.Request) -> web.Response:
    """The daily summary of the last 24 h, sent now (as at the chosen time) and returned."""
    n = request.app[NOTIFY].notifier
    now = n.clock.now_ms()
    text, queued = await n.send_summary(now - DAY_MS, now)
    _audit(request, "notify.summary", "notify", None, {"queued": queued})
    return respond(SummaryResponse(summary=text, queued=queued))


@routes.put("/v1/notify/routes")
async def set_route(request: web.Request) -> web.Response:
    body = await parse_body(request, RouteRequest)
    n = request.app[NOTIFY].notifier
    names = [c.name for c in n.channels.all()]
    before = {(r.channel, r.kind): r.level for r in n.matrix.routes(names)}
    changed = n.matrix.set(names, body.channel, body.kind, body.level)
    n.reload()
    _audit(request, "notify.route", f"{body.channel}/{body.kind}",
           [{"channel": r.channel, "kind": r.kind.value, "level": before[(r.channel, r.kind)]}
            for r in changed], [r.model_dump(mode="json") for r in changed])
    return respond(RoutesResponse(routes=changed))


@routes.put("/v1/notify/settings")
async def set_settings(request: web.Request) -> web.Response:
    body = await parse_body(request, SettingsRequest)
    n = request.app[NOTIFY].notifier
    changes = body.model_dump(exclude_none=True)
    if changes.get("summary_at", "").lower() in ("off", "none"):
        changes["summary_at"] = None
    before = n.settings
    after = n.matrix.update_settings(changes)
    n.reload()
    _audit(request, "notify.settings", "notify", before.model_dump(mode="json"),
           after.model_dump(mode="json"))
    return respond(SettingsResponse(settings=after))
