"""A paper bot in a real daemon process trades exactly like the backtester on the same candles."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from plutarc.backtest.data import load_candles
from plutarc.backtest.instruments import generic_instrument
from plutarc.backtest.runner import run_backtest
from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.paper.legs import PAPER_CASH, PAPER_SIM_CONFIG
from plutarc.daemon.paper.replay import DEFAULT_FILES
from plutarc.models.events import EventKind
from plutarc.strategy.template_catalog import load_template
from tests.daemon.conftest import TEMPLATES, DaemonProcess

SYSTEM_TEMPLATES = ["rsi_divergence", "trend_following", "mean_reversion",
                    "momentum_breakout", "scalp_1m"]
BARS = 3 * 1440  # three days of the bundled real BTCUSDT minutes


def trade_key(t) -> tuple:  # noqa: ANN001 - Trade or TradeRecord
    return (t.symbol, t.direction, t.qty, t.entry_ts_ms, t.entry_price, t.exit_ts_ms,
            t.exit_price, t.gross_pnl, t.fees, t.funding, t.net_pnl, t.exit_reason)


async def wait_replayed(client, bot_ids: list[str], timeout_s: float) -> None:  # noqa: ANN001
    deadline = asyncio.get_running_loop().time() + timeout_s
    pending = set(bot_ids)
    while pending:
        for bot_id in list(pending):
            events = await client.events(bot=bot_id, kinds=[EventKind.ACTIVITY], limit=50)
            if any(e.message.startswith("replay finished") for e in events):
                pending.discard(bot_id)
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"bots {sorted(pending)} did not finish their replay")
        await asyncio.sleep(0.2)


async def create_paper_bots(client, names: list[str], label: str) -> dict[str, str]:  # noqa: ANN001
    ids = {}
    for name in names:
        await client.put_template(name, (TEMPLATES / f"{name}.toml").read_text())
        spec = BotSpec(name=name.replace("_", "-"), template=name, venue="sim",
                       mode="paper", account=label, symbols=("BTCUSDT",))
        ids[name] = (await client.create_bot(spec, start=True)).id
    return ids


def run_paper_bots(home: Path, names: list[str], label: str) -> dict[str, list]:
    daemon = DaemonProcess(home).start()

    async def scenario() -> dict[str, list]:
        async with daemon.client() as client:
            ids = await create_paper_bots(client, names, label)
            await wait_replayed(client, list(ids.values()), 120)
            return {name: await client.trades(bot=bot_id, limit=1000)
                    for name, bot_id in ids.items()}

    try:
        return asyncio.run(scenario())
    finally:
        daemon.kill()


def test_paper_bots_in_a_daemon_trade_like_the_backtester(home: Path) -> None:
    paper = run_paper_bots(home, SYSTEM_TEMPLATES, f"speed=max;bars={BARS}")
    bars = load_candles(DEFAULT_FILES["BTCUSDT"], use_cache=False).bars.slice(0, BARS)
    total = 0
    for name in SYSTEM_TEMPLATES:
        outcome = run_backtest(load_template(name), bars, generic_instrument("BTCUSDT"),
                               PAPER_SIM_CONFIG, PAPER_CASH)
        expected = [trade_key(t) for t in outcome.trades]
        got = [trade_key(t) for t in paper[name]]
        assert got == expected, name
        total += len(expected)
    assert total > 10  # the comparison is about real trades, not two empty lists


@pytest.mark.parametrize("label", ["speed=fast", "speed=0", "bars=-3", "color=red"])
def test_bad_replay_settings_are_refused_clearly(label: str) -> None:
    from plutarc.daemon.paper.replay import ReplaySettings
    from plutarc.errors import ConfigError

    with pytest.raises(ConfigError, match="speed|bars|one of"):
        ReplaySettings.parse(label)


def test_a_funding_signal_bot_trades_like_the_backtester_on_real_funding(home: Path) -> None:
    """The context path: a template whose only signal is funding_rate_signal, on Binance USD-M
    BTCUSDT 1h bars with the real 8h funding series (charged and seen by the strategy)."""
    from plutarc.backtest.data import load_funding
    from plutarc.backtest.market_inputs import MarketInputs
    from plutarc.daemon.paper.replay import DATA_DIR

    candles = DATA_DIR / "BTCUSDT-perp1h.csv.gz"
    funding = DATA_DIR / "BTCUSDT_funding.csv"
    template = Path(__file__).parents[1] / "backtest" / "templates" / "funding_contrarian.toml"
    daemon = DaemonProcess(home).start()

    async def scenario() -> list:
        async with daemon.client() as client:
            await client.put_template("funding_contrarian", template.read_text())
            spec = BotSpec(name="funding-bot", template="funding_contrarian", venue="sim",
                           mode="paper", symbols=("BTCUSDT",),
                           account=f"speed=max;file={candles.name};funding={funding.name}")
            bot_id = (await client.create_bot(spec, start=True)).id
            await wait_replayed(client, [bot_id], 120)
            return await client.trades(bot=bot_id, limit=1000)

    try:
        paper = asyncio.run(scenario())
    finally:
        daemon.kill()
    inputs = MarketInputs(load_funding(funding))
    outcome = run_backtest(load_template(str(template)),
                           load_candles(candles, use_cache=False).bars,
                           generic_instrument("BTCUSDT"), inputs.sim_config(PAPER_SIM_CONFIG),
                           PAPER_CASH, ctx=inputs.context())
    expected = [trade_key(t) for t in outcome.trades]
    assert len(expected) > 5 and any(t.funding != 0 for t in outcome.trades)
    assert [trade_key(t) for t in paper] == expected
    # without the context the same template has no opinion and never trades
    assert run_backtest(load_template(str(template)), load_candles(candles).bars,
                        generic_instrument("BTCUSDT"), PAPER_SIM_CONFIG, PAPER_CASH).trades == []


def test_replay_settings_carry_funding_and_open_interest_files() -> None:
    from plutarc.daemon.paper.replay import DATA_DIR, ReplaySettings, replay_spec

    spec = replay_spec("max", None, None, Path("BTCUSDT_funding.csv"), Path("BTCUSDT_oi_4h.csv"))
    assert (spec.speed, spec.funding, spec.oi) == ("max", "BTCUSDT_funding.csv",
                                                   "BTCUSDT_oi_4h.csv")
    settings = ReplaySettings.from_spec(spec)
    funding, oi = settings.series_files(("BTCUSDT",))
    assert (funding, oi) == (DATA_DIR / "BTCUSDT_funding.csv", DATA_DIR / "BTCUSDT_oi_4h.csv")


def test_replay_series_files_are_one_symbols_and_owner_allowed(tmp_path: Path) -> None:
    from plutarc.daemon.paper.replay import ReplaySettings
    from plutarc.errors import ConfigError, UsageError

    with pytest.raises(ConfigError, match="one-symbol bot"):
        ReplaySettings.parse("funding=BTCUSDT_funding.csv").series_files(("BTCUSDT", "ETHUSDT"))
    outside = tmp_path / "f.csv"
    with pytest.raises(UsageError, match="not in a directory the owner allows"):
        ReplaySettings.parse(f"oi={outside}").series_files(("BTCUSDT",))
