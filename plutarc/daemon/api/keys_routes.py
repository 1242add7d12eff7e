"""API routes for venue API keys: metadata out, secrets in (once), tests, key file unlock."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import Field, SecretStr

from plutarc.access.allowlist import allowed_venue_url
from plutarc.access.guard import ACCESS, IDENTITY
from plutarc.clock import Clock
from plutarc.daemon.api.http import M, parse_body, respond
from plutarc.daemon.api.routes import SERVICE
from plutarc.daemon.api.schemas import ApiModel, Envelope
from plutarc.errors import UsageError
from plutarc.keys.backends import choose_backend
from plutarc.keys.probe import KeyProbeResult, check_url, probe_key
from plutarc.keys.store import KeyStore, KeystoreStatus
from plutarc.keys.table import KeyInfo, KeyTable
from plutarc.models.events import EventKind
from plutarc.storage.sqlite import Database
from plutarc.untrusted import load_json

KEYS = web.AppKey("keys", KeyStore)
MAX_FIELD_NAME = 16
routes = web.RouteTableDef()


class KeyAddRequest(ApiModel):
    label: str
    venue: str
    testnet: bool = False
    api_key: SecretStr
    api_secret: SecretStr
    passphrase: SecretStr | None = Field(None, description="Third part, for OKX/KuCoin/Bitget.")


class KeyProbeRequest(ApiModel):
    url: str | None = Field(None, description="Venue REST base to test against: the venue's "
                            "own or one in [daemon] venue_urls (a local simulator); default: "
                            "the key's live or testnet endpoint.")


class UnlockRequest(ApiModel):
    passphrase: SecretStr


class KeyListResponse(Envelope):
    keystore: KeystoreStatus
    keys: list[KeyInfo]


class KeyResponse(Envelope):
    key: KeyInfo


class KeyProbeResponse(Envelope):
    result: KeyProbeResult


class KeystoreResponse(Envelope):
    keystore: KeystoreStatus


def open_keystore(data_dir: Path, db: Database, clock: Clock) -> KeyStore:
    return KeyStore(choose_backend(data_dir), KeyTable(db), clock)


def _strings(data: Any) -> Iterator[str]:
    """String values anywhere in ``data``, and keys too long to be a mistyped field name."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            if len(key) > MAX_FIELD_NAME:
                yield key
            yield from _strings(value)
    elif isinstance(data, list):
        for item in data:
            yield from _strings(item)


async def _secret_body(request: web.Request, model: type[M]) -> M:
    """parse_body, but a refusal never quotes what was sent: it may be a secret, misplaced."""
    try:
        return await parse_body(request, model)
    except UsageError as exc:
        message = str(exc)
        try:
            sent = set(_strings(load_json(await request.read(), "request body")))
        except UsageError:  # bounded parse; its own message may quote what was sent
            raise UsageError("request body is not valid JSON") from None
        for text in sorted(sent - set(model.model_fields), key=len, reverse=True):
            if len(text) >= 4:
                message = message.replace(text, "***")
        raise UsageError(message) from None


def _audit(request: web.Request, action: str, target: str, before: object,
           after: object) -> None:
    state = request.app[ACCESS]
    state.audit.append(request[IDENTITY].name, state.clock.now_ms(), action, target, before,
                       after)


@routes.get("/v1/keys")
async def list_keys(request: web.Request) -> web.Response:
    keys = request.app[KEYS]
    return respond(KeyListResponse(keystore=keys.status(), keys=keys.list()))


@routes.post("/v1/keys")
async def add_key(request: web.Request) -> web.Response:
    body = await _secret_body(request, KeyAddRequest)
    who = request[IDENTITY].name
    info = request.app[KEYS].add(
        body.label, body.venue, body.testnet, body.api_key.get_secret_value(),
        body.api_secret.get_secret_value(),
        body.passphrase.get_secret_value() if body.passphrase else None, who)
    _audit(request, "key.add", info.label, None, info.model_dump(mode="json"))
    where = "testnet" if info.testnet else "live"
    request.app[SERVICE].sink.emit(EventKind.ACTIVITY, f"API key {info.label!r} ({info.venue} "
                                   f"{where}) added by {who}")
    return respond(KeyResponse(key=info), status=201)


@routes.delete("/v1/keys/{label}")
async def remove_key(request: web.Request) -> web.Response:
    info = request.app[KEYS].remove(request.match_info["label"])
    who = request[IDENTITY].name
    _audit(request, "key.remove", info.label, info.model_dump(mode="json"), None)
    request.app[SERVICE].sink.emit(EventKind.ACTIVITY, f"API key {info.label!r} removed by "
                                   f"{who}")
    return respond(KeyResponse(key=info))


@routes.post("/v1/keys/{label}/test")
async def test_key(request: web.Request) -> web.Response:
    body = await parse_body(request, KeyProbeRequest)
    creds = request.app[KEYS].get(request.match_info["label"])
    # the key id and a valid signature go only where the venue or the owner says
    url = allowed_venue_url(creds.venue, check_url(body.url), "url")
    result = await probe_key(creds, url)
    _audit(request, "key.test", creds.label, None, result.model_dump(mode="json"))
    return respond(KeyProbeResponse(result=result))


@routes.get("/v1/keystore")
async def keystore(request: web.Request) -> web.Response:
    return respond(KeystoreResponse(keystore=request.app[KEYS].status()))


@routes.post("/v1/keystore/unlock")
async def unlock(request: web.Request) -> web.Response:
    body = await _secret_body(request, UnlockRequest)
    keys = request.app[KEYS]
    before = keys.status()
    # scrypt is deliberately slow: keep the event loop serving meanwhile
    after = await asyncio.to_thread(keys.unlock, body.passphrase.get_secret_value())
    _audit(request, "keystore.unlock", after.location, before.model_dump(mode="json"),
           after.model_dump(mode="json"))
    return respond(KeystoreResponse(keystore=after))
