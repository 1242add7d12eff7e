"""Funding charged in backtests from a real 8-hour series (Binance USD-M BTCUSDT, bundled):
hand-computed payments for a linear and an inverse position, the schedule read from the
series, and what metrics, trade records, notes and the HTML report say."""

from __future__ import annotations

import csv
import json
from decimal import Decimal as D
from pathlib import Path

import numpy as np
import pytest

from plutarc.backtest.data import load_candles, load_funding
from plutarc.backtest.instruments import generic_instrument
from plutarc.backtest.market_inputs import NO_FUNDING_NOTE, MarketInputs, funding_schedule
from plutarc.cli.main import run
from plutarc.exchanges.sim import SimAccount, SimConfig, SimMatchingEngine
from plutarc.models import ContractKind, OrderRequest, OrderType, Side
from plutarc.strategy.context import TimeSeries

DATA = Path(__file__).resolve().parents[2] / "plutarc" / "data"
PERP_1H = DATA / "BTCUSDT-perp1h.csv.gz"
FUNDING = DATA / "BTCUSDT_funding.csv"
OI = DATA / "BTCUSDT_oi_4h.csv"
TEMPLATE = Path(__file__).parent / "templates" / "funding_contrarian.toml"
HOUR = 3_600_000


def _held_through_three_funding_times(inst, side: Side, qty: str):
    """Order at the close of 2026-01-12 16:00 (fills at 17:00's open), then the bars up to
    and including 2026-01-13 16:00: funding times 00:00, 08:00 and 16:00 of the 13th."""
    bars = load_candles(PERP_1H, use_cache=False).bars.slice(0, 25)
    inputs = MarketInputs(load_funding(FUNDING))
    account = SimAccount({inst.settle: D(1_000_000)})
    sim = SimMatchingEngine(inst, inputs.sim_config(SimConfig(enforce_margin=False)), account,
                            funding=inputs.funding)
    sim.set_bars(bars)
    sim.submit(OrderRequest("e", inst.symbol, side, OrderType.MARKET, D(qty)),
               int(bars.close_ts_ms[0]))
    for i in range(1, 25):
        sim.process_bar(i)
    return sim, account


def test_a_linear_long_pays_the_hand_computed_funding():
    sim, account = _held_through_three_funding_times(generic_instrument("BTCUSDT"), Side.BUY,
                                                     "0.5")
    # 0.5 BTC x the open of each funding hour (2026-01-13, Binance USD-M 1h bars) x its rate
    # (gravestone funding rows, stamps 1768262400007, 1768291200009, 1768320000002):
    #   00:00  0.5 x 91252.50 x 0.00002245 = 1.0243093125
    #   08:00  0.5 x 91908.00 x 0.00009838 = 4.52095452
    #   16:00  0.5 x 93407.90 x 0.00003445 = 1.6089510775
    expected = [D("1.0243093125"), D("4.52095452"), D("1.6089510775")]
    assert [p.amount for p in sim.funding_payments] == expected
    assert [p.ts_ms for p in sim.funding_payments] == [1768262400000, 1768291200000,
                                                        1768320000000]
    assert account.funding["USDT"] == sum(expected) == D("7.1542149100")


def test_an_inverse_short_receives_the_hand_computed_funding():
    inst = generic_instrument("BTCUSD", kind=ContractKind.INVERSE, lot="1")
    sim, account = _held_through_three_funding_times(inst, Side.SELL, "1000")
    # 1000 USD contracts are worth 1000 / open BTC; a short receives a positive rate:
    #   00:00  1000 / 91252.50 x 0.00002245 = 0.000000246020...
    #   08:00  1000 / 91908.00 x 0.00009838 = 0.000001070418...
    #   16:00  1000 / 93407.90 x 0.00003445 = 0.000000368812...
    amounts = [p.amount for p in sim.funding_payments]
    assert amounts == [-(D(1000) / D(o)) * D(r) for o, r in
                       (("91252.50", "0.00002245"), ("91908.00", "0.00009838"),
                        ("93407.90", "0.00003445"))]
    assert float(-sum(amounts)) == pytest.approx(1.68525e-06, rel=1e-4)
    assert account.funding["BTC"] == sum(amounts)


def test_the_schedule_comes_from_the_series():
    assert funding_schedule(load_funding(FUNDING)) == (8, 0)  # Binance: 00/08/16 UTC
    stamps = [(4 + 8 * k) * HOUR + 3 for k in range(9)]  # BitMEX: 04/12/20 UTC, jittered
    assert funding_schedule(TimeSeries(np.array(stamps), np.zeros(9))) == (8, 4)


def test_a_backtest_shows_funding_in_metrics_trades_notes_and_report(tmp_path, monkeypatch,
                                                                     capsys):
    monkeypatch.setenv("PLUTARC_HOME", str(tmp_path / "home"))
    html, trades_csv = tmp_path / "r.html", tmp_path / "t.csv"
    code = run(["backtest", "run", str(TEMPLATE), "--data", str(PERP_1H), "--funding",
                str(FUNDING), "--oi", str(OI), "--html", str(html), "--csv", str(trades_csv),
                "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    m = result["metrics"]
    assert result["trades"] > 5 and m["funding_payments"] > 10
    with trades_csv.open() as fh:
        per_trade = [D(r["funding"]) for r in csv.DictReader(fh)]
    assert sum(per_trade) != 0
    assert float(sum(per_trade)) == pytest.approx(m["funding"], abs=1e-9)
    note = next(n for n in result["notes"] if n.startswith("funding from"))
    assert "00:00, 08:00, 16:00 UTC" in note
    assert "Funding:</b> funding from BTCUSDT_funding.csv" in html.read_text()


def test_without_funding_data_the_notes_say_so_and_nothing_is_charged(tmp_path, monkeypatch,
                                                                      capsys):
    monkeypatch.setenv("PLUTARC_HOME", str(tmp_path / "home"))
    html = tmp_path / "r.html"
    assert run(["backtest", "run", str(TEMPLATE), "--data", str(PERP_1H), "--html",
                str(html), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert NO_FUNDING_NOTE in result["notes"]
    assert result["metrics"]["funding"] == 0 and result["metrics"]["funding_payments"] == 0
    assert "no funding data" in html.read_text()


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "market"


def test_daily_mean_funding_is_charged_per_funding_time_and_seen_the_day_after():
    from plutarc.backtest.market_inputs import load_inputs

    inputs = load_inputs(FIXTURES / "lukmol_BTC_funding_daily_2026.csv", None)
    day = 1768176000000  # 2026-01-12 00:00 UTC
    # charged: the day's mean at 00:00, 08:00 and 16:00 of the day
    charged = inputs.charged
    assert charged is not None and inputs.sim_config(SimConfig()).funding_offset_h == 0
    assert charged.at(np.array([day, day + 8 * HOUR, day + 16 * HOUR])).tolist() == [
        pytest.approx(charged.values[charged.ts_ms.tolist().index(day)])] * 3
    # seen: not before the day is over
    seen = inputs.context().funding
    assert seen.at(np.array([day + 23 * HOUR]))[0] != seen.at(np.array([day + 24 * HOUR]))[0]
    assert "daily means" in inputs.notes()[0]


def test_a_backtest_on_daily_mean_and_freqtrade_funding_files(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PLUTARC_HOME", str(tmp_path / "home"))
    assert run(["backtest", "run", str(TEMPLATE), "--data", str(PERP_1H), "--to",
                "2026-02-12", "--funding", str(FIXTURES / "lukmol_BTC_funding_daily_2026.csv"),
                "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["metrics"]["funding_payments"] > 0
    assert any("daily means" in n for n in result["notes"])
    from plutarc.backtest.market_inputs import load_inputs

    xrp = load_inputs(FIXTURES / "XRP_USDT_USDT-8h-funding_rate.feather", None)
    assert xrp.funding is not None and len(xrp.funding.ts_ms) == 91
    assert funding_schedule(xrp.funding) == (8, 0)
