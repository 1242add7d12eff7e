"""Fixtures: no OS keyring (as on a headless host), and the in-process daemon API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import keyring
import pytest
from keyring.backends import fail

from tests.access.harness import ApiHarness

PASSPHRASE = "correct horse battery staple"


@pytest.fixture(autouse=True)
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setenv("PLUTARC_KEYS_PASSPHRASE", PASSPHRASE)
    yield
    keyring.set_keyring(previous)


@pytest.fixture
async def api() -> AsyncIterator[ApiHarness]:
    harness = await ApiHarness().start()
    try:
        yield harness
    finally:
        await harness.close()
