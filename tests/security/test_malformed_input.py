"""Issue 23.8: malformed input answers 400 with one line, never 500 with a traceback.

Before the fix invalid UTF-8 raised UnicodeDecodeError, JSON nested 2,000 deep raised
RecursionError, a 5,000-digit integer raised ValueError (the interpreter's digit limit) and a
huge integer in a query overflowed SQLite: each answered 500 "internal error".
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from plutarc.errors import TemplateError, UsageError
from plutarc.strategy.template import load_template_file
from plutarc.untrusted import load_json, load_toml
from tests.access.harness import ApiHarness

REPO = Path(__file__).resolve().parents[2]
TEMPLATE_NAME = "reference_ema_cross"
TEMPLATE = (REPO / "configs" / "templates" / f"{TEMPLATE_NAME}.toml").read_text()
DEEP_JSON = "[" * 2000 + "]" * 2000
DEEP_TOML = "a = " + "[" * 2000 + "]" * 2000 + "\n"

BAD_BODIES = {
    "invalid utf-8": (b'{"name": "\xff\xfe"}', "request body is not valid UTF-8"),
    "nested 2000 deep": (('{"a": ' + DEEP_JSON + "}").encode(), "nested more than 32 levels"),
    "5000-digit integer": (b'{"mode": ' + b"9" * 5000 + b"}", "is too large"),
    "huge float": (b'{"wait_s": 1e999}', "1e999 is out of range"),
    "NaN": (b'{"wait_s": NaN}', "NaN is not a number"),
}


@pytest.fixture
async def api() -> AsyncIterator[ApiHarness]:
    harness = await ApiHarness().start()
    try:
        yield harness
    finally:
        await harness.close()


async def _raw(api: ApiHarness, method: str, path: str, body: bytes | None = None
               ) -> tuple[int, dict]:
    connector = aiohttp.UnixConnector(path=str(api.socket))
    async with aiohttp.ClientSession(connector=connector) as http, http.request(
            method, "http://plutarc" + path, data=body,
            headers={"Content-Type": "application/json; charset=utf-8"}) as resp:
        return resp.status, json.loads(await resp.text())


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
@pytest.mark.parametrize("path", ["/v1/bots", "/v1/bots/nobody/mode", "/v1/bots/nobody/stop"])
async def test_a_malformed_body_is_400_in_one_line(api: ApiHarness, case: str,
                                                   path: str) -> None:
    body, expected = BAD_BODIES[case]
    method = "PUT" if path.endswith("/mode") else "POST"
    status, reply = await _raw(api, method, path, body)
    message = reply["error"]["message"]
    assert (status, reply["error"]["type"]) == (400, "bad_request"), reply
    assert expected in message and "\n" not in message and "Traceback" not in message


@pytest.mark.parametrize("case", ["nested 2000 deep", "5000-digit integer", "invalid utf-8"])
async def test_a_malformed_key_body_is_400_and_quotes_nothing(api: ApiHarness, case: str) -> None:
    body, _ = BAD_BODIES[case]
    status, reply = await _raw(api, "POST", "/v1/keys", body)
    assert (status, reply["error"]["message"]) == (400, "request body is not valid JSON")


async def test_a_huge_integer_in_a_query_is_400(api: ApiHarness) -> None:
    status, reply = await _raw(api, "GET", "/v1/orders?since_ms=" + "9" * 400)
    assert status == 400 and "is too large" in reply["error"]["message"]


async def test_a_deeply_nested_template_is_refused_in_one_line(api: ApiHarness) -> None:
    status, reply = await api.call("PUT", "/v1/templates/deep", {"toml": DEEP_TOML})
    assert status == 422 and reply["error"]["message"] == (
        "template 'deep' is nested more than 32 levels deep")
    status, reply = await api.call("PUT", "/v1/templates/big",
                                   {"toml": TEMPLATE + "x = " + "9" * 5000 + "\n"})
    assert status == 422 and "Exceeds the limit" in reply["error"]["message"]


def test_template_files_get_the_same_bounds(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(DEEP_TOML)
    with pytest.raises(TemplateError, match="is nested more than 32 levels deep"):
        load_template_file(path)
    path.write_bytes(b'name = "\xff"\n')
    with pytest.raises(TemplateError, match="not UTF-8"):
        load_template_file(path)


def test_the_parsers_accept_ordinary_documents() -> None:
    assert load_json(b'{"a": [1, 2.5, {"b": null}], "c": -9223372036854775807}', "x") == {
        "a": [1, 2.5, {"b": None}], "c": -(2**63 - 1)}
    assert load_toml(TEMPLATE, "t")["components"]
    with pytest.raises(UsageError, match="nested more than 32"):
        load_json(DEEP_JSON, "x")
