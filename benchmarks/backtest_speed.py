"""Backtest speed: bars/s end to end (indicators included) for the reference template and
the shipped templates (issue 21 lists scalp_1m, the order-heavy one) over one year of 1m
candles, in-process (wall and CPU seconds: CPU is steadier on a shared machine) and as a
whole ``plutarc backtest run`` command, with peak RSS; then, when vectorbt is installed, the
reference rules in vectorbt as an optional peer (never a dependency of the package).

    python benchmarks/backtest_speed.py [--data FILE] [--repeat 3] [--templates a,b]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO.parent / "shared/data/candles/binance-spot_BTCUSDT_1m/BTCUSDT-1m-2024.csv.gz"


TEMPLATES = ["reference_ema_cross", "scalp_1m", "trend_following", "mean_reversion",
             "momentum_breakout", "rsi_divergence"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_process(data: Path, templates: list[str], repeat: int) -> dict[str, float]:
    """Best wall seconds per template (each printed with its CPU time, trades and orders)."""
    from plutarc.backtest.data import load_candles
    from plutarc.backtest.instruments import generic_instrument
    from plutarc.backtest.runner import run_backtest
    from plutarc.exchanges.sim.config import SimConfig
    from plutarc.strategy.template_catalog import load_template

    t = time.perf_counter()
    bars = load_candles(data).bars
    print(f"load {len(bars):,} bars: {time.perf_counter() - t:.3f} s (cache warm after 1st)")
    inst = generic_instrument("BTCUSDT", fee_taker=0.00075, fee_maker=0.00075)
    bests: dict[str, float] = {}
    for name in templates:
        template = load_template(name)
        best = best_cpu = float("inf")
        for _ in range(repeat):
            t, c = time.perf_counter(), time.process_time()
            # REFERENCE.md: no cash or margin constraint, so no bot risk gate either
            out = run_backtest(template, bars, inst, SimConfig(enforce_margin=False),
                               Decimal(10_000), risk=None)
            best = min(best, time.perf_counter() - t)
            best_cpu = min(best_cpu, time.process_time() - c)
        print(f"{name:22s} in-process: {best:.3f} s (cpu {best_cpu:.3f} s)  "
              f"{len(bars) / best:>12,.0f} bars/s  trades {len(out.trades):,}  "
              f"orders {out.orders_sent:,}  peak RSS so far {peak_rss_mb():.0f} MB")
        bests[name] = best
    print(f"peak RSS (in-process): {peak_rss_mb():.0f} MB")
    return bests


def _child(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run one command to its end: (wall seconds, its own peak RSS in MB)."""
    t = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if status != 0:
        raise SystemExit(f"{' '.join(args)} failed: {proc.stderr.read().decode()}")  # type: ignore[union-attr]
    return wall, usage.ru_maxrss / 1024


def _installed_bytecode() -> dict[str, str]:
    """The environment for the timed commands, with plutarc's bytecode compiled as an install
    leaves it. Under PYTHONDONTWRITEBYTECODE (set in some sandboxes) a source checkout would
    recompile every plutarc module on every run (~0.1 s here), which no installed copy pays;
    the bytecode is hash-checked, so a source edited later is never run stale."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", "--invalidation-mode",
                    "checked-hash", str(REPO / "plutarc")], env=env, check=True)
    return env


def _spread(runs: list[tuple[float, float]]) -> str:
    walls = sorted(w for w, _ in runs)
    return (f"best {walls[0]:.3f} s, median {walls[len(walls) // 2]:.3f} s of {len(runs)} "
            f"(peak RSS {max(m for _, m in runs):.0f} MB)")


def whole_command(data: Path, template: str, repeat: int) -> None:
    exe = Path(sys.executable).with_name("plutarc")
    args = [str(exe), "backtest", "run", template, "--data", str(data), "--fee-taker",
            "0.00075", "--no-margin", "--no-risk-limits", "--json"]
    env = _installed_bytecode()
    fresh = []
    for _ in range(repeat):  # each in a new home: parses the file and builds the data cache
        with tempfile.TemporaryDirectory() as home:
            fresh.append(_child(args, dict(env, PLUTARC_HOME=home)))
    with tempfile.TemporaryDirectory() as home:
        _child(args, dict(env, PLUTARC_HOME=home))  # builds the cache the warm runs read
        warm = [_child(args, dict(env, PLUTARC_HOME=home)) for _ in range(repeat)]
    print(f"whole command ({template}): fresh home {_spread(fresh)}; warm {_spread(warm)}")


CASH_PLENTY = 1e12  # vectorbt sizes down to its cash; REFERENCE.md has no cash constraint


def vectorbt_peer(data: Path, repeat: int, ours_s: float | None) -> None:
    """The reference's EMA cross in vectorbt (``pip install vectorbt``, optional): signals at a
    bar's close filled at the next open, 1 unit, 2 % stop, 0.075 % fee, reversals. Its stop
    and reversal tie-breaking is vectorbt's own, so the trade count is printed beside ours
    (REFERENCE.md: 10,940) rather than asserted."""
    try:
        import vectorbt as vbt
    except ImportError:
        print("vectorbt peer: skipped (vectorbt is not installed; pip install vectorbt)")
        return
    import numpy as np

    from plutarc.backtest.data import load_candles

    bars = load_candles(data).bars
    close = bars.close
    best = float("inf")
    first = None
    pf = None
    for _ in range(max(repeat, 2)):  # the first call compiles (numba); report both
        t = time.perf_counter()
        fast = vbt.MA.run(close, 20, ewm=True, short_name="fast").ma.to_numpy()
        slow = vbt.MA.run(close, 50, ewm=True, short_name="slow").ma.to_numpy()
        above = fast > slow
        up = above & ~np.roll(above, 1)
        down = ~above & np.roll(above, 1)
        up[:50] = down[:50] = False
        # a signal at close i trades at open i + 1
        entries, short_entries = np.roll(up, 1), np.roll(down, 1)
        entries[0] = short_entries[0] = False
        pf = vbt.Portfolio.from_signals(
            close, entries=entries, short_entries=short_entries, price=bars.open, size=1.0,
            fees=0.00075, sl_stop=0.02, init_cash=CASH_PLENTY, upon_opposite_entry="reverse")
        if first is None:
            first = time.perf_counter() - t
        else:
            best = min(best, time.perf_counter() - t)
    trades = len(pf.trades.records)  # type: ignore[union-attr]
    print(f"vectorbt {vbt.__version__} peer: first call {first:.3f} s, warm {best:.3f} s  "
          f"{len(bars) / best:>12,.0f} bars/s  "
          f"trades {trades:,}  final equity "
          f"{float(pf.final_value()) - CASH_PLENTY + 10_000:,.4f}")  # type: ignore[union-attr]
    if ours_s is not None:
        print(f"reference_ema_cross: plutarc takes {ours_s / best:.1f}x vectorbt's time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--templates", default=",".join(TEMPLATES))
    parser.add_argument("--no-command", action="store_true", help="skip the whole-command run")
    args = parser.parse_args()
    if not args.data.exists():
        print(f"skipped: {args.data} is absent (needs ../shared/data)")
        return
    if not args.no_command:
        # first, while this process is small (a child's peak RSS starts from its fork)
        whole_command(args.data, "reference_ema_cross", args.repeat)
    bests = in_process(args.data, args.templates.split(","), args.repeat)
    vectorbt_peer(args.data, args.repeat, bests.get("reference_ema_cross"))


if __name__ == "__main__":
    main()
