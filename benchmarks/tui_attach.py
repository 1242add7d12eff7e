"""TUI attach benchmark: a big store, a real daemon, and the TUI timed from start to full frame.

Builds a daemon database through the store's own APIs (50 bots, 100k trades, equity, decisions,
events), starts a real daemon on it, then runs the TUI headless against it and measures:
attach -> first full fleet frame (target < 300 ms), keypress -> repaint (target < 50 ms) for a
cursor move, the screen switches that read from the daemon, and opening a stored backtest run
of 36,000 trades (target < 1 s to its first paint: metrics, charts and the first page of
trades; then every trade is read, for sorting and export).
Prints figures and peak RSS.

Times come from hooks, not from Pilot (whose idle waits add ~80 ms to any key): a key is sent
as the terminal driver sends it, and the time taken is until the first frame the compositor
produces after the screen shows the change.

    /work/venv/bin/python benchmarks/tui_attach.py [--bots 50] [--trades 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from plutarc.daemon.bot_config import RiskLimits  # noqa: E402
from plutarc.daemon.client import wait_until_answering  # noqa: E402
from plutarc.daemon.store import DaemonStore, NewDecision  # noqa: E402
from plutarc.daemon.store.records import BotRecord  # noqa: E402
from plutarc.models import Direction, Position, Trade  # noqa: E402
from plutarc.models.events import Event, EventKind, Severity  # noqa: E402
from plutarc.paths import resolve_paths  # noqa: E402

TEMPLATE = "reference_ema_cross"
START_MS = 1_704_067_200_000  # 2024-01-01
MIN = 60_000


def build_store(database: Path, bots: int, trades: int, seed: int = 7) -> float:
    """Fill the database; returns the seconds it took."""
    started = time.perf_counter()
    rng = random.Random(seed)
    store = DaemonStore.open(database)
    toml = (REPO / "configs" / "templates" / f"{TEMPLATE}.toml").read_text()
    with store.transaction():
        store.templates.put(TEMPLATE, toml, START_MS)
        ids = []
        for n in range(bots):
            bot = store.bots.insert(BotRecord(
                id=f"b{n:010x}", name=f"bot-{n:02d}", template=TEMPLATE, venue="idle",
                account="", mode="paper", symbols=("BTCUSDT",), risk=RiskLimits(),
                state="stopped", state_reason="benchmark", plutarc_version="bench",
                created_ms=START_MS, updated_ms=START_MS, last_heartbeat_ms=None,
                config_version=1))
            ids.append(bot.id)
        for i in range(trades):
            bot_id = ids[i % bots]
            entry = START_MS + i * MIN
            price = Decimal(40_000 + rng.randint(-2000, 2000))
            exit_price = price + Decimal(rng.randint(-300, 300))
            direction = Direction.LONG if rng.random() < 0.5 else Direction.SHORT
            gross = (exit_price - price) * direction.sign / 100
            store.trades.insert(bot_id, Trade(
                "BTCUSDT", direction, Decimal("0.01"), entry, price, entry + 30 * MIN,
                exit_price, gross, Decimal("0.6"), Decimal(0), "signal", 0.001, -0.001,
                {"ema_cross": 0.5}))
        for bot_id in ids:
            store.positions.upsert(bot_id, Position("BTCUSDT", Decimal("0.01"),
                                                    Decimal(41_000)))
            for k in range(1000):
                store.equity.insert(bot_id, START_MS + k * MIN, "USDT",
                                    Decimal(10_000 + k), Decimal(0))
            store.decisions.insert_many(
                NewDecision(bot_id, "BTCUSDT", START_MS + k * MIN, "none", 0.1,
                            {"ema_cross": 0.1}, ("threshold",)) for k in range(200))
        store.events.insert_many(
            Event(EventKind.ACTIVITY, START_MS + k * 1000, f"event {k}", ids[k % bots],
                  Severity.INFO, {}) for k in range(20_000))
    store.close()
    return time.perf_counter() - started


def build_backtest_run(results_db: Path, trades: int, seed: int = 11) -> int:
    """A stored run of ``trades`` trades over about two years of 1m bars, through the results
    store's own save (as a real run stores it); returns its id."""
    import numpy as np

    from plutarc.backtest.store import ResultsStore

    rng = random.Random(seed)
    bars = 2 * 365 * 1440
    ts = START_MS + np.arange(bars, dtype=np.int64) * MIN
    close = 40_000 + np.cumsum(np.random.default_rng(seed).normal(0, 20, bars))
    made = []
    step = bars // trades
    for i in range(trades):
        entry = START_MS + i * step * MIN
        price = Decimal(f"{close[i * step]:.1f}")
        exit_price = price + Decimal(rng.randint(-300, 300))
        direction = Direction.LONG if rng.random() < 0.5 else Direction.SHORT
        made.append(Trade("BTCUSDT", direction, Decimal("0.01"), entry, price,
                          entry + rng.randint(1, step - 1) * MIN, exit_price,
                          (exit_price - price) * direction.sign / 100, Decimal("0.6"),
                          Decimal(0), rng.choice(["signal", "stop", "target", "time"]),
                          0.001, -0.001, {"ema_cross": 0.5}))
    every = max(1, bars // 4000)
    equity = 10_000 + np.cumsum(np.random.default_rng(seed + 1).normal(0, 5, bars))
    metrics = {"trades": trades, "net_pnl": float(equity[-1] - 10_000),
               "skip_reasons": {"threshold": 400_000, "cooldown": 20_000, "session": 900},
               "hold_minutes": {"min": 1.0, "median": 14.0, "mean": 15.0, "p90": 26.0,
                                "max": 28.0}}
    store = ResultsStore(results_db)
    try:
        return store.save(
            {"template_name": TEMPLATE, "template_toml": "", "symbol": "BTCUSDT",
             "data_source": "/data/BTCUSDT-1m-2024-2025.csv.gz", "data_fingerprint": "bench",
             "interval": "1m", "start_ms": START_MS, "end_ms": int(ts[-1]) + MIN, "bars": bars,
             "settings": {}, "starting_cash": Decimal(10_000),
             "final_equity": Decimal(f"{equity[-1]:.2f}"), "metrics": metrics,
             "duration_s": 1.0},
            made, [("up", "high")] * trades,
            {"equity": {"ts_ms": ts[::every], "equity": equity[::every]},
             "price": {"ts_ms": ts[::every], "close": close[::every]}})
    finally:
        store.close()


def start_daemon(home: Path) -> tuple[subprocess.Popen[bytes], Path]:
    paths = resolve_paths({"PLUTARC_HOME": str(home)})
    env = {"PLUTARC_HOME": str(home), "PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    out = (home / "daemon.out").open("ab")
    proc = subprocess.Popen([sys.executable, "-m", "plutarc", "daemon", "run"], env=env,
                            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                            cwd=home)
    asyncio.run(wait_until_answering(paths.socket, 30.0, lambda: proc.poll() is None))
    return proc, paths.socket


def peak_rss_mb(pid: int | None = None) -> float:
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class FrameClock:
    """A timing hook on the compositor's one exit to the terminal: each frame is timed, and
    an awaited condition is checked as the frame goes out (so polling adds no delay)."""

    def __init__(self, app) -> None:  # noqa: ANN001 - a PlutarcApp
        self.app = app
        self.frames = 0
        self.first_frame: float | None = None
        self._condition: Callable[[], object] | None = None
        self._shown: asyncio.Future[float] | None = None
        display = app._display

        def timed_display(screen, renderable) -> None:  # noqa: ANN001
            display(screen, renderable)
            if renderable is None:
                return
            self.frames += 1
            if self.first_frame is None:
                self.first_frame = time.perf_counter()
            if self._condition is not None and self._shown is not None \
                    and not self._shown.done() and self._condition():
                self._shown.set_result(time.perf_counter())

        app._display = timed_display

    async def shown(self, condition: Callable[[], object], timeout_s: float = 20.0) -> float:
        """The time of the first frame painted while ``condition`` holds."""
        self._condition = condition
        self._shown = asyncio.get_running_loop().create_future()
        try:
            return await asyncio.wait_for(self._shown, timeout_s)
        finally:
            self._condition = None

    def key(self, key: str) -> float:
        """Send ``key`` as the terminal driver would; the time it was sent."""
        from textual import events

        event = events.Key(key, None)
        event.set_sender(self.app)
        sent = time.perf_counter()
        self.app._driver.send_message(event)
        return sent


async def measure(socket: Path, bots: int) -> dict[str, float]:
    from textual.widgets import DataTable

    from plutarc.tui.app import make_app
    from plutarc.tui.screens.activity import ActivityScreen
    from plutarc.tui.screens.bot_detail import BotDetailScreen
    from plutarc.tui.screens.fleet import FleetScreen
    from plutarc.tui.settings import TuiSettings

    app = make_app(TuiSettings(socket_path=socket, heartbeat_refresh_s=60.0))
    clock = FrameClock(app)
    times: dict[str, float] = {}

    def rows(selector: str) -> int:
        found = app.screen.query(selector)
        return found.first(DataTable).row_count if found else -1

    started = time.perf_counter()
    async with app.run_test(size=(80, 24)):
        full = await clock.shown(lambda: isinstance(app.screen, FleetScreen) and not app.link
                                 and rows("#fleet") == bots)
        times["attach_ms"] = (full - started) * 1000
        assert clock.first_frame is not None
        times["first_frame_ms"] = (clock.first_frame - started) * 1000  # before any data

        fleet = app.screen.query_one("#fleet", DataTable)
        moves = []
        for _ in range(20):
            await asyncio.sleep(0.05)
            row = fleet.cursor_row
            waiting = asyncio.ensure_future(clock.shown(lambda r=row: fleet.cursor_row != r))
            await asyncio.sleep(0)
            sent = clock.key("down")
            moves.append((await waiting - sent) * 1000)
        times["key_down_ms"] = statistics.median(moves)
        times["key_down_max_ms"] = max(moves)

        async def switch(key: str, shown: Callable[[], bool]) -> float:
            await asyncio.sleep(0.1)
            waiting = asyncio.ensure_future(clock.shown(shown))
            await asyncio.sleep(0)
            sent = clock.key(key)
            return (await waiting - sent) * 1000

        times["to_activity_ms"] = await switch("a", lambda: isinstance(
            app.screen, ActivityScreen) and rows("#events") >= 500)
        times["back_to_fleet_ms"] = await switch("f", lambda: isinstance(app.screen,
                                                                          FleetScreen))
        times["open_bot_ms"] = await switch("enter", lambda: isinstance(
            app.screen, BotDetailScreen) and rows("#trades") == 20)
    return times


async def measure_run(socket: Path, run_id: int, run_trades: int) -> dict[str, float]:
    """Open a stored backtest run of ``run_trades`` trades from the backtests screen."""
    from textual.widgets import DataTable

    from plutarc.tui.app import make_app
    from plutarc.tui.screens.backtest_results import TRADE_PAGE
    from plutarc.tui.screens.backtests import BacktestsScreen
    from plutarc.tui.settings import TuiSettings

    app = make_app(TuiSettings(socket_path=socket, heartbeat_refresh_s=60.0))
    clock = FrameClock(app)
    times: dict[str, float] = {}

    def rows(selector: str) -> int:
        found = app.screen.query(selector)
        return found.first(DataTable).row_count if found else -1

    async with app.run_test(size=(80, 24)):
        await clock.shown(lambda: not app.link)
        app.switch_mode("backtests")
        await clock.shown(lambda: isinstance(app.screen, BacktestsScreen)
                          and rows("#bt-runs") >= 1)
        screen = app.screen
        assert isinstance(screen, BacktestsScreen)
        waiting = asyncio.ensure_future(clock.shown(
            lambda: screen.result is not None and screen.result.get("id") == run_id
            and screen.shown_run == run_id))
        await asyncio.sleep(0)
        sent = time.perf_counter()
        screen.open_run(run_id)
        times["open_run_first_paint_ms"] = (await waiting - sent) * 1000
        page = min(run_trades, TRADE_PAGE)  # the table holds one page; ] and [ turn them
        times["open_run_first_page_ms"] = (await clock.shown(
            lambda: screen.shown_run == run_id and rows("#bt-trades") == page) - sent) * 1000
        times["open_run_all_trades_ms"] = (await clock.shown(
            lambda: screen.trades_loaded, timeout_s=120) - sent) * 1000
    return times


async def api_times(socket: Path) -> dict[str, float]:
    from plutarc.daemon.client import DaemonClient

    calls = {"status": lambda c: c.status(), "bots": lambda c: c.list_bots(),
             "positions": lambda c: c.positions(),
             "events(500)": lambda c: c.events(limit=500),
             "trades(bot, 20)": lambda c: c.trades(bot="bot-00", limit=20),
             "equity(bot, 2000)": lambda c: c.equity(bot="bot-00", limit=2000),
             "pnl": lambda c: c.pnl(), "instruments": lambda c: c.all_instruments()}
    out = {}
    async with DaemonClient(socket) as client:
        for name, call in calls.items():
            samples = []
            for _ in range(20):
                t = time.perf_counter()
                await call(client)
                samples.append((time.perf_counter() - t) * 1000)
            out[name] = statistics.median(samples)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bots", type=int, default=50)
    parser.add_argument("--trades", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--run-trades", type=int, default=36_000,
                        help="trades of the stored backtest run that is opened")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="ptuib", dir="/tmp"))  # short: socket path limit
    proc = None
    try:
        database = resolve_paths({"PLUTARC_HOME": str(home)}).database
        database.parent.mkdir(parents=True, exist_ok=True)
        built = build_store(database, args.bots, args.trades)
        print(f"store: {args.bots} bots, {args.trades} trades, {args.bots * 1000} equity rows, "
              f"20000 events in {built:.1f} s ({database.stat().st_size / 1e6:.0f} MB)")
        t = time.perf_counter()
        run_id = build_backtest_run(database.with_name("backtests.db"), args.run_trades)
        print(f"backtest run #{run_id}: {args.run_trades} trades in "
              f"{time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        proc, socket = start_daemon(home)
        print(f"daemon answering after {time.perf_counter() - t:.2f} s")
        runs = [{**asyncio.run(measure(socket, args.bots)),
                 **asyncio.run(measure_run(socket, run_id, args.run_trades))}
                for _ in range(args.repeat)]
        api = asyncio.run(api_times(socket))
        for key in runs[0]:
            values = sorted(r[key] for r in runs)
            print(f"{key:>18}: median {statistics.median(values):7.1f}  "
                  f"min {values[0]:7.1f}  max {values[-1]:7.1f}")
        print("API calls the attach makes (median of 20): " + ", ".join(
            f"{name} {ms:.1f} ms" for name, ms in api.items()))
        print(f"peak RSS: TUI process {peak_rss_mb():.0f} MB, "
              f"daemon {peak_rss_mb(proc.pid):.0f} MB")
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(20)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
