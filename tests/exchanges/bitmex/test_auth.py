"""Signing: BitMEX's published known-answer vectors, and secrets that never leak."""

from __future__ import annotations

import json
import logging
import pickle

import pytest

from plutarc.exchanges.bitmex.auth import Credentials, signature
from plutarc.exchanges.bitmex.http import encode_body

from .conftest import RESOURCES

SECRET = "chNOOS4KvNXR_Xq4k4c9qsfoKWvnDecLATCRlcBwyKDYnWgO"
KEY = "LAqUlngMIQkIUjXMUreyu3qn"


@pytest.mark.parametrize(
    ("verb", "path", "expires", "body", "expected"),
    [
        ("GET", "/api/v1/instrument", 1518064236, "",
         "c7682d435d0cfe87c16098df34ef2eb5a549d4c5a3c2b1f0f77b8af73423bf00"),
        ("GET", "/api/v1/instrument?filter=%7B%22symbol%22%3A+%22XBTM15%22%7D", 1518064237, "",
         "e2f422547eecb5b3cb29ade2127e21b858b235b386bfa45e1c1756eb3383919f"),
    ],
)
def test_known_answer_vectors(verb, path, expires, body, expected):
    assert signature(SECRET.encode(), verb, path, expires, body) == expected
    assert Credentials(KEY, SECRET).sign(verb, path, expires, body) == expected


def test_known_answer_post_body_signed_byte_for_byte():
    body = (RESOURCES / "http/credential_post_order.json").read_bytes().strip()
    expected = "1749cd2ccae4aa49048ae09f0b95110cee706e0944e6a14ad0b3a8cb45bd336b"
    assert Credentials(KEY, SECRET).sign("POST", "/api/v1/order", 1518064238, body) == expected
    # our own encoder keeps key order and uses no whitespace, as the example body does
    assert encode_body(json.loads(body)) == body


def test_rest_headers_and_ws_auth_op():
    creds = Credentials(KEY, SECRET)
    headers = creds.rest_headers("get", "/api/v1/instrument", b"", 1518064236)
    assert headers == {
        "api-expires": "1518064236",
        "api-key": KEY,
        "api-signature": "c7682d435d0cfe87c16098df34ef2eb5a549d4c5a3c2b1f0f77b8af73423bf00",
    }
    op = creds.ws_auth_op(1518064236)
    assert op["op"] == "authKeyExpires"
    assert op["args"] == [KEY, 1518064236, signature(SECRET.encode(), "GET", "/realtime",
                                                       1518064236, b"")]


def test_secret_never_in_repr_str_pickle_or_logs(caplog):
    creds = Credentials(KEY, SECRET)
    assert SECRET not in repr(creds) and SECRET not in str(creds)
    assert KEY not in repr(creds)  # only a prefix of the key id is shown
    with pytest.raises(TypeError):
        pickle.dumps(creds)
    from plutarc.exchanges.bitmex import BitmexAdapter, BitmexConfig

    adapter = BitmexAdapter(BitmexConfig(), creds)
    assert SECRET not in repr(adapter)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("plutarc.test").info("credentials %s %r", creds, adapter)
    assert SECRET not in caplog.text


def test_credentials_need_both_parts():
    with pytest.raises(ValueError, match="key id and its secret"):
        Credentials(KEY, "")
