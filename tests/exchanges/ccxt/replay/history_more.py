"""History routes of the other ccxt venues' local servers (history.py has Binance, Bybit
and OKX): funding-rate history of Kraken Futures, KuCoin Futures, Phemex, WOO X and
Deribit (hourly rows of its continuous funding), and KuCoin's open-interest history.

Shapes are the recorded payloads in tests/fixtures/history/ (PROVENANCE.md there); values
are the recorded ones cycled by the row's own time (the one recorded rate of KuCoin, Phemex
and WOO X scaled by a fixed cycle), so a row asked twice reads the same. Rows run from the
tape's start to now: every 8 h, but Kraken's PF_ perpetuals fund every hour (the profile's
``funding_interval_h``; the recorded rows give the shape and the values).
Kraken answers its whole history at once and takes no paging parameters; KuCoin needs
``from`` and ``to`` and answers a window's newest rows first, as Phemex (``start``/``end``)
and WOO X (``startTime``/``endTime``, 25 rows a page) do.
"""

from __future__ import annotations

import json

from aiohttp import web

from tests.exchanges.ccxt.replay import deribit, kraken, kucoin, phemex, woox
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

    oi_row = _load("kucoin_open_interest.json")["data"][0]
    intervals = {"5min": 5, "15min": 15, "30min": 30, "1hour": 60, "4hour": 240, "1day": 1440}

    async def open_interest(request: web.Request) -> web.Response:
        q = request.query
        if q.get("symbol") not in server.ids:
            return kucoin.fail("400100", "Contract parameter invalid.")
        minutes = intervals.get(q.get("interval", ""))
        if minutes is None:
            return kucoin.fail("400100", "Parameter interval invalid.")
        step = minutes * 60_000
        size = min(int(q.get("pageSize", 30)), 200)
        times = _stamps(server, int(q["startAt"]) if "startAt" in q else None,
                        int(q["endAt"]) if "endAt" in q else None, step)[::-1][:size]
        return kucoin.ok([{"symbol": q["symbol"], "ts": t, "openInterest":
                           str(int(oi_row["openInterest"]) + (t // step) % 997 * 100)}
                          for t in times])

    app.router.add_get("/api/v1/contract/funding-rates", funding)
    app.router.add_get("/api/ua/v1/market/open-interest", open_interest)
    return app


def _cycle(rate: float) -> list[float]:
    return [rate * k for k in (1, -0.5, 0.25, 1.5, -1, 0.75)]


def add_phemex(app: web.Application, server) -> web.Application:  # noqa: ANN001
    recorded = _load("phemex_funding_rate_history.json")["data"]["rows"][0]
    rates = _cycle(float(recorded["fundingRate"]))
    known = {p["fundingRate8hSymbol"] for p in server.products.values()}

    async def funding(request: web.Request) -> web.Response:
        q = request.query
        if q.get("symbol") not in known:
            return phemex.fail(10001, "invalid symbol")
        limit = min(int(q.get("limit", 100)), 100)
        times = _stamps(server, int(q["start"]) if "start" in q else None,
                        int(q["end"]) if "end" in q else None)[::-1][:limit]
        return phemex.ok({"rows": [dict(recorded, symbol=q["symbol"], fundingTime=str(t),
                                        fundingRate=f"{rates[(t // FUNDING_MS) % 6]:.8f}")
                                   for t in times]})

    app.router.add_get("/v1/api-data/public/data/funding-rate-history", funding)
    return app


def add_woox(app: web.Application, server) -> web.Application:  # noqa: ANN001
    recorded = _load("woox_funding_rate_history.json")["data"]
    row = recorded["rows"][0]
    rates = _cycle(float(row["fundingRate"]))
    per_page = recorded["meta"]["recordsPerPage"]

    async def funding(request: web.Request) -> web.Response:
        q = request.query
        if q.get("symbol") != woox.SYMBOL:
            return woox.fail(-1005, "Some parameters are in wrong format for api.")
        times = _stamps(server, int(q["startTime"]) if "startTime" in q else None,
                        int(q["endTime"]) if "endTime" in q else None)[::-1]
        page = max(1, int(q.get("page", 1)))
        rows = [dict(row, fundingRateTimestamp=t, nextFundingTime=t + FUNDING_MS,
                     fundingRate=f"{rates[(t // FUNDING_MS) % 6]:.8f}")
                for t in times[(page - 1) * per_page:page * per_page]]
        return woox.ok({"rows": rows, "meta": {"total": len(times),
                                               "recordsPerPage": per_page,
                                               "currentPage": page}})

    app.router.add_get("/v3/public/fundingRateHistory", funding)
    return app


def add_deribit(app: web.Application, server) -> web.Application:  # noqa: ANN001
    row = _load("deribit_funding_rate_history.json")["result"][0]
    cycle = _cycle(1.0)

    async def funding(request: web.Request) -> web.Response:
        q = request.query
        if q.get("instrument_name") not in server.ids:
            return deribit.fail(-32602, "Invalid params", {"param": "instrument_name",
                                                           "reason": "wrong format"})
        if "start_timestamp" not in q or "end_timestamp" not in q:
            return deribit.fail(-32602, "Invalid params", {"param": "start_timestamp",
                                                           "reason": "must be present"})
        times = _stamps(server, int(q["start_timestamp"]), int(q["end_timestamp"]),
                        HOUR_MS)[-744:]
        out = []
        for t in times:
            k = cycle[(t // HOUR_MS) % len(cycle)]
            out.append(dict(row, timestamp=t, interest_1h=row["interest_1h"] * k,
                            interest_8h=row["interest_8h"] * k))
        return deribit.ok(out)

    app.router.add_get("/api/v2/public/get_funding_rate_history", funding)
    return app


EXTEND = {"deribit": add_deribit, "kraken": add_kraken, "kucoin": add_kucoin, "phemex": add_phemex,
          "woox": add_woox}
