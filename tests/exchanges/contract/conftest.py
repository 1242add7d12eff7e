"""The ``venue`` fixture: BitMEX and every served ccxt venue (``SERVED``, so a venue added
there joins the suite), each with its local server, one server per venue per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from plutarc.exchanges.ccxt.venues import SERVED
from tests.exchanges.contract.cases import Case, make_case

NAMES = ("bitmex", *SERVED)


@pytest.fixture(scope="module", params=NAMES)
def venue(request: pytest.FixtureRequest) -> Iterator[Case]:
    case = make_case(request.param)
    try:
        yield case
    finally:
        case.stop()
