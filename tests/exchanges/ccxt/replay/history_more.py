"""History routes of the other ccxt venues' local servers (history.py has Binance, Bybit
and OKX): funding-rate history of Kraken Futures and KuCoin Futures.

Shapes are the recorded payloads in tests/fixtures/history/ (PROVENANCE.md there); values
are the recorded ones cycled by the row's own time (KuCoin's one recorded rate scaled by a
fixed cycle), so a row asked twice reads the same. Rows run from the tape's start to now:
KuCoin funds every 8 h; Kraken's PF_ perpetuals every hour (the profile's
``funding_interval_h``; the recorded rows give the shape and the values).
Kraken answers its whole history at once and takes no paging parameters; KuCoin needs
``from`` and ``to`` and answers a window's newest rows first.
"""

from __future__ import annotations

import json

from aiohttp import web

from tests.exchanges.ccxt.replay import kraken, kucoin
from tests.exchanges.ccxt.replay.core import FIXTURES

DIR = FIXTURES / "history"
HOUR_MS = 3_600_000
FUNDING_MS = 8 * HOUR_MS


def _load(name: str):  # noqa: ANN202 - JSON
    return json.loads((DIR / name).read_text())


def _stamps(server, lo: int | None, hi: int | None, step: int = FUNDING_MS  # noqa: ANN001
            ) -> list[int]:
    from tests.exchanges.ccxt.replay.history import stamps

    return stamps(server, step, lo, hi)


def add_kraken(app: web.Application, server) -> web.Application:  # noqa: ANN001
    recorded = _load("kraken_historical_funding_rates.json")["rates"]

    async def funding(request: web.Request) -> web.Response:
        symbol = request.query.get("symbol", "")
        if symbol not in server.ids:
            # what Kraken answers an unknown symbol was not recorded: no rows here
            return kraken.ok(rates=[])
        rows = []
        for t in _stamps(server, None, None, HOUR_MS)[::-1]:  # newest first, as recorded
            rec = recorded[(t // HOUR_MS) % len(recorded)]
            rows.append({**rec, "timestamp": kraken.iso(t)})
        return kraken.ok(rates=rows)

    app.router.add_get("/derivatives/api/v4/historicalfundingrates", funding)
    return app


def add_kucoin(app: web.Application, server) -> web.Application:  # noqa: ANN001
    recorded = _load("kucoin_funding_rates.json")["data"][0]
    rates = [recorded["fundingRate"] * k for k in (1, -0.5, 0.25, 1.5, -1, 0.75)]

    async def funding(request: web.Request) -> web.Response:
        q = request.query
        if q.get("symbol") not in server.ids:
            return kucoin.fail("400100", "Contract parameter invalid.")
        if "from" not in q or "to" not in q:
            return kucoin.fail("400100", "Parameter error: from and to are required")
        times = _stamps(server, int(q["from"]), int(q["to"]))[::-1][:100]
        return kucoin.ok([{"symbol": q["symbol"], "timepoint": t,
                           "fundingRate": rates[(t // FUNDING_MS) % len(rates)]}
                          for t in times])

    app.router.add_get("/api/v1/contract/funding-rates", funding)
    return app


EXTEND = {"kraken": add_kraken, "kucoin": add_kucoin}
