"""Binance Vision archives as the fast path of ``data download --venue binance``: a local
archive server serves monthly and daily kline zips (one CSV each, a .CHECKSUM beside it)
built from the same real candles the local Binance server replays; the download takes
closed months and days from the zips, the days not archived yet from REST, and stores one
row per minute. A file failing its checksum is refused and REST fills its stretch."""

from __future__ import annotations

import asyncio
import hashlib
import io
import zipfile

import pytest
from aiohttp import web

from plutarc.marketdata.archive import NAMES, parse_csv
from plutarc.marketdata.download import download
from plutarc.marketdata.sources import open_source
from plutarc.marketdata.store import MarketStore, month_bounds, month_of
from tests.exchanges.ccxt.replay import binance
from tests.exchanges.ccxt.replay.core import MINUTE, ServerThread, Tape, now_ms
from tests.exchanges.ccxt.replay.history import app_with_history

DAY = 1440 * MINUTE
PREFIX = "/data/futures/um"


def _csv(tape: Tape, a: int, b: int, header: bool) -> bytes:
    lines = [",".join(NAMES)] if header else []
    for t in range(a, b, MINUTE):
        _, o, h, lo, c, v = tape.bar(t)
        lines.append(f"{t},{o},{h},{lo},{c},{v},{t + MINUTE - 1},{v * c:.4f},0,0,0,0")
    return ("\n".join(lines) + "\n").encode()


class VisionServer:
    """data.binance.vision's layout: ``<kind>/klines/<SYM>/<iv>/<SYM>-<iv>-<period>.zip``."""

    def __init__(self, tape: Tape, months: list[str], days: list[int],
                 bad_checksum: set[str] = frozenset()) -> None:
        self.files: dict[str, bytes] = {}
        for month in months:  # headerless, as USD-M files before mid-2022 were
            a, b = month_bounds(month)
            self._add(f"monthly/klines/BTCUSDT/1m/BTCUSDT-1m-{month}", _csv(tape, a, b, False),
                      month in bad_checksum)
        for day in days:  # with the header line, as files since then are
            stamp = _day(day)
            self._add(f"daily/klines/BTCUSDT/1m/BTCUSDT-1m-{stamp}",
                      _csv(tape, day, day + DAY, True), stamp in bad_checksum)
        self.asked: list[str] = []

    def _add(self, stem: str, csv: bytes, bad: bool) -> None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(stem.rsplit("/", 1)[1] + ".csv", csv)
        blob = buf.getvalue()
        digest = hashlib.sha256(b"other" if bad else blob).hexdigest()
        self.files[f"{PREFIX}/{stem}.zip"] = blob
        name = stem.rsplit("/", 1)[1]
        self.files[f"{PREFIX}/{stem}.zip.CHECKSUM"] = f"{digest}  {name}.zip\n".encode()

    def app(self) -> web.Application:
        async def get(request: web.Request) -> web.Response:
            self.asked.append(request.path)
            body = self.files.get(request.path)
            if body is None:
                return web.Response(status=404, text="<Error><Code>NoSuchKey</Code></Error>")
            return web.Response(body=body, content_type="application/zip")

        app = web.Application()
        app.router.add_get("/{tail:.*}", get)
        return app


def _day(ms: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d")


@pytest.fixture
def layout():  # noqa: ANN201
    """The range: the last 3 days of last month to now. Last month is archived whole, this
    month's days up to the day before yesterday daily; yesterday and today are REST's."""
    now = now_ms()
    today = now - now % DAY
    this_month = month_bounds(month_of(today))[0]
    last_month = month_of(this_month - 1)
    start = this_month - 3 * DAY
    end = now - now % MINUTE - MINUTE
    tape = Tape(history=(now - start) // MINUTE + 30)
    days = list(range(this_month, today - DAY, DAY))
    return tape, start, end, last_month, days


def _run(monkeypatch, tape: Tape, vision: VisionServer, store: MarketStore, start: int,  # noqa: ANN001
         end: int) -> tuple[object, int]:
    rest = binance.BinanceServer(tape)
    threads = [ServerThread(lambda: app_with_history("binance", rest)).start(),
               ServerThread(vision.app).start()]
    monkeypatch.setenv("PLUTARC_BINANCE_ARCHIVE_URL", threads[1].url + PREFIX)

    async def go():  # noqa: ANN202
        source = open_source("binance", threads[0].url)
        try:
            return await download(store, source, "BTCUSDT", "1m", start, end, oi=False)
        finally:
            await source.close()
    try:
        report = asyncio.run(go())
    finally:
        for t in threads:
            t.stop()
    return report, sum(1 for _, p in threads[0].requests if p == "/fapi/v1/klines")


def _check_store(store: MarketStore, tape: Tape, start: int, end: int) -> None:
    bars = store.read("binance", "BTCUSDT", "1m", start, end)
    assert bars["timestamp"].tolist() == list(range(start, end, MINUTE))
    for ts, close in zip(bars["timestamp"][::61], bars["close"][::61], strict=True):
        assert close == pytest.approx(tape.bar(int(ts))[4], abs=0.01)


def test_archives_first_then_rest_for_days_not_archived(monkeypatch, tmp_path, layout):
    tape, start, end, last_month, days = layout
    vision = VisionServer(tape, [last_month], days)
    store = MarketStore(tmp_path)
    report, klines = _run(monkeypatch, tape, vision, store, start, end)
    _check_store(store, tape, start, end)
    archived = report.series[-1]
    assert archived.series == "1m archive" and archived.note == ""
    assert archived.rows_stored == (3 + len(days)) * 1440
    # only yesterday and today through REST: 1500-bar chunks on fixed edges, not the ~10
    # pages the whole range would take
    assert klines <= 5
    monthly = f"{PREFIX}/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-{last_month}.zip"
    assert monthly in vision.asked and monthly + ".CHECKSUM" in vision.asked

    asked = len(vision.asked)
    again, klines = _run(monkeypatch, tape, vision, store, start, end)  # idempotent
    assert again.series[-1].rows_stored == 0 and again.series[0].rows_stored == 0
    assert klines == 0 and len(vision.asked) == asked  # the store says all is there


def test_a_file_failing_its_checksum_is_refused_and_rest_fills_it(monkeypatch, tmp_path,
                                                                  layout):
    tape, start, end, last_month, days = layout
    vision = VisionServer(tape, [last_month], days, bad_checksum={last_month})
    store = MarketStore(tmp_path)
    report, klines = _run(monkeypatch, tape, vision, store, start, end)
    _check_store(store, tape, start, end)
    archived = report.series[-1]
    assert "checksum" in archived.note and last_month in archived.note
    assert archived.rows_stored == len(days) * 1440  # this month's days still came as zips
    assert klines >= 3  # last month's three days came through REST


def test_csv_with_or_without_header_and_in_microseconds_parses_alike():
    body = b"1704067200000,1.5,2,1,1.75,10,1704067259999,17.5,3,0,0,0\n"
    plain, headed = parse_csv(body), parse_csv((",".join(NAMES) + "\n").encode() + body)
    micro = parse_csv(body.replace(b"1704067200000,", b"1704067200000000,"))
    for got in (plain, headed, micro):
        assert got["timestamp"].tolist() == [1_704_067_200_000]
        assert got["close"].tolist() == [1.75]
