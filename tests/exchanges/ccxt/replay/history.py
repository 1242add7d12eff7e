"""History endpoints the local venue servers lack, added to their apps for download tests:
funding-rate history and open-interest history of Binance USD-M, Bybit and OKX.

Bodies take the shapes of the recorded payloads in tests/fixtures/history/ (see
PROVENANCE.md there). Values are the recorded ones cycled by the row's own time, so a
row asked twice, in any page, reads the same. Funding falls every 8 h, open interest every
``period``; rows run from the server's tape start to its now. Page rules are the venues':
Binance pages oldest-first from ``startTime``; Bybit and OKX hand a window's newest rows
first (OKX bounds it by ``before``/``after``, both exclusive; its open-interest history by
``begin``/``end``, also exclusive, and serves only the latest 1,440 rows of a period).
"""

from __future__ import annotations

import json

from aiohttp import web

from tests.exchanges.ccxt.replay import bybit, okx
from tests.exchanges.ccxt.replay.core import FIXTURES, MINUTE, now_ms

DIR = FIXTURES / "history"
FUNDING_MS = 8 * 60 * MINUTE
PERIODS = {"5m": 5 * MINUTE, "15m": 15 * MINUTE, "30m": 30 * MINUTE, "1h": 60 * MINUTE,
           "5min": 5 * MINUTE, "15min": 15 * MINUTE, "30min": 30 * MINUTE, "4h": 240 * MINUTE,
           "1d": 1440 * MINUTE}


HOUR_MS = 60 * MINUTE
# OKX OI periods: (length, opening offset); 6H and longer open at UTC+8 (16:00 UTC) unless
# the ``utc`` form is asked
OKX_OI_PERIODS = {"5m": (5 * MINUTE, 0), "15m": (15 * MINUTE, 0), "30m": (30 * MINUTE, 0),
                  "1H": (HOUR_MS, 0), "2H": (2 * HOUR_MS, 0), "4H": (4 * HOUR_MS, 0),
                  "6H": (6 * HOUR_MS, 4 * HOUR_MS), "12H": (12 * HOUR_MS, 4 * HOUR_MS),
                  "1D": (24 * HOUR_MS, 16 * HOUR_MS), "6Hutc": (6 * HOUR_MS, 0),
                  "12Hutc": (12 * HOUR_MS, 0), "1Dutc": (24 * HOUR_MS, 0)}
OKX_OI_KEPT = 1440


def _load(name: str):  # noqa: ANN202 - JSON
    return json.loads((DIR / name).read_text())


def stamps(server, step: int, lo: int | None, hi: int | None) -> list[int]:  # noqa: ANN001
    """Multiples of ``step`` in [lo, hi] within the tape's span (start to now)."""
    first = max(server.tape.anchor, lo if lo is not None else server.tape.anchor)
    last = min(now_ms(), hi if hi is not None else now_ms())
    return list(range(-(-first // step) * step, last + 1, step))


def rate_at(rates: list[str], ts: int) -> str:
    return rates[(ts // FUNDING_MS) % len(rates)]


def add_binance(app: web.Application, server) -> web.Application:  # noqa: ANN001
    recorded = _load("binance_open_interest_hist.json")

    async def oi_hist(request: web.Request) -> web.Response:
        q = request.query
        step = PERIODS.get(q.get("period", ""))
        if q.get("symbol") not in server.symbols or step is None:
            return web.json_response({"code": -1130, "msg": "Data sent for paramter "
                                      "'symbol' or 'period' is not valid."}, status=400)
        limit = min(int(q.get("limit", 30)), 500)
        start = int(q["startTime"]) if "startTime" in q else None
        end = int(q["endTime"]) if "endTime" in q else None
        horizon = now_ms() - 30 * 1440 * MINUTE  # "only the latest 30 days are available"
        times = [t for t in stamps(server, step, start, end) if t >= horizon]
        times = times[:limit] if start is not None else times[-limit:]
        rows = []
        for t in times:
            rec = recorded[(t // step) % len(recorded)]
            rows.append({**rec, "symbol": q["symbol"], "timestamp": t})
        return web.json_response(rows)

    rates = [r["fundingRate"] for r in json.loads((FIXTURES / "binance" /
                                                   "funding_rate.json").read_text())]

    @web.middleware
    async def funding_by_time(request: web.Request, handler):  # noqa: ANN001, ANN202
        # the server's own handler cycles rates from the asked start; a history is fixed
        if request.path != "/fapi/v1/fundingRate":
            return await handler(request)
        response = await handler(request)
        rows = json.loads(response.body)
        if isinstance(rows, list):
            for row in rows:
                row["fundingRate"] = rate_at(rates, int(row["fundingTime"]))
        return web.json_response(rows, status=response.status)

    app.middlewares.append(funding_by_time)
    app.router.add_get("/futures/data/openInterestHist", oi_hist)
    return app


def add_bybit(app: web.Application, server) -> web.Application:  # noqa: ANN001
    rates = [r["fundingRate"] for r in _load("bybit_funding_history.json")["result"]["list"]]

    def window(q) -> tuple[int | None, int | None, int] | web.Response:  # noqa: ANN001
        if q.get("symbol") not in server.symbols:
            return bybit.fail(10001, "Not supported symbols")
        if "startTime" in q and "endTime" not in q:  # as Bybit: a start needs an end
            return bybit.fail(10001, "endTime is required")
        return (int(q["startTime"]) if "startTime" in q else None,
                int(q["endTime"]) if "endTime" in q else None, min(int(q.get("limit", 200)), 200))

    async def funding(request: web.Request) -> web.Response:
        got = window(request.query)
        if isinstance(got, web.Response):
            return got
        lo, hi, limit = got
        times = stamps(server, FUNDING_MS, lo, hi)[::-1][:limit]  # newest first
        return bybit.ok({"category": "linear", "list": [
            {"symbol": request.query["symbol"], "fundingRate": rate_at(rates, t),
             "fundingRateTimestamp": str(t)} for t in times]})

    async def open_interest(request: web.Request) -> web.Response:
        got = window(request.query)
        step = PERIODS.get(request.query.get("intervalTime", ""))
        if isinstance(got, web.Response):
            return got
        if step is None:
            return bybit.fail(10001, "Illegal category or intervalTime")
        lo, hi, limit = got
        times = stamps(server, step, lo, hi)[::-1][:limit]
        return bybit.ok({"symbol": request.query["symbol"], "category": "linear", "list": [
            {"openInterest": f"{50_000 + (t // step) % 997:.3f}", "timestamp": str(t)}
            for t in times], "nextPageCursor": ""})

    app.router.add_get("/v5/market/funding/history", funding)
    app.router.add_get("/v5/market/open-interest", open_interest)
    return app


def add_okx(app: web.Application, server) -> web.Application:  # noqa: ANN001
    recorded = _load("okx_funding_rate_history.json")["data"]

    async def funding(request: web.Request) -> web.Response:
        q = request.query
        if q.get("instId") not in server.ids:
            return okx.fail("51001", "Instrument ID does not exist")
        limit = min(int(q.get("limit", 100)), 100)
        lo = int(q["before"]) + 1 if "before" in q else None  # both bounds exclusive
        hi = int(q["after"]) - 1 if "after" in q else None
        times = stamps(server, FUNDING_MS, lo, hi)[::-1][:limit]
        rows = []
        for t in times:
            rec = recorded[(t // FUNDING_MS) % len(recorded)]
            rows.append({**rec, "instId": q["instId"], "fundingTime": str(t)})
        return okx.ok(rows)

    oi_row = _load("okx_open_interest_history.json")["data"][0]

    async def open_interest(request: web.Request) -> web.Response:
        """GET /api/v5/rubik/stat/contracts/open-interest-history, paged as OKX pages it."""
        q = request.query
        if not q.get("instId"):
            return okx.fail("50014", "Parameter instId can not be empty")
        if q["instId"] not in server.ids:
            return okx.fail("51001", "Instrument ID does not exist")
        period = OKX_OI_PERIODS.get(q.get("period", "5m"))
        if period is None:
            return okx.fail("51000", "Parameter period error")
        step, shift = period
        limit = min(int(q.get("limit", 100)), 100)
        lo = int(q["begin"]) + 1 if "begin" in q else None  # both bounds exclusive
        hi = int(q["end"]) - 1 if "end" in q else None
        now = now_ms()
        latest = (now - shift) // step * step + shift
        oldest = latest - (OKX_OI_KEPT - 1) * step  # only the latest 1,440 rows are kept
        times = [t + shift for t in stamps(server, step, None if lo is None else lo - shift,
                                           None if hi is None else hi - shift)]
        times = [t for t in times if oldest <= t <= min(latest, now)][::-1][:limit]
        rows = []
        for t in times:
            scale = 1 + (t // step) % 97 / 1000
            rows.append([str(t)] + [f"{float(v) * scale:.{len(v.split('.')[1])}f}"
                                    for v in oi_row[1:]])
        return okx.ok(rows)

    app.router.add_get("/api/v5/public/funding-rate-history", funding)
    app.router.add_get("/api/v5/rubik/stat/contracts/open-interest-history", open_interest)
    return app


EXTEND = {"binance": add_binance, "bybit": add_bybit, "okx": add_okx}


def app_with_history(name: str, server) -> web.Application:  # noqa: ANN001
    """The venue server's app plus its history routes."""
    from tests.exchanges.ccxt.replay.history_more import EXTEND as MORE

    return {**EXTEND, **MORE}[name](server.app(), server)

