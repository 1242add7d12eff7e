"""Parse candle files into the binary cache in a throwaway process.

A long-running daemon reads candles only from the cache: the CSV/Parquet parser (pyarrow,
pandas) costs ~90 MB of resident memory that a process never gives back, so the daemon has
a child process pay it once per file: ``python -m plutarc.backtest.data.prewarm DIR FILE...``.
"""

from __future__ import annotations

import asyncio
import sys
import weakref
from collections.abc import Sequence
from pathlib import Path

from plutarc.backtest.data.source import is_cached, read_candle_file
from plutarc.errors import DataError

_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary())


async def ensure_cached(files: Sequence[Path], cache_dir: Path) -> None:
    """Make sure every file has a fresh cache entry; parse the missing ones in a child.
    Bots starting together wait for one child instead of each parsing the same file."""
    if all(is_cached(f, cache_dir) for f in files):
        return
    lock = _locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    async with lock:
        await _parse_missing(files, cache_dir)


async def _parse_missing(files: Sequence[Path], cache_dir: Path) -> None:
    missing = [f for f in files if not is_cached(f, cache_dir)]
    if not missing:
        return
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "plutarc.backtest.data.prewarm", str(cache_dir),
        *map(str, missing), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    _, err = await child.communicate()
    if child.returncode != 0:
        lines = err.decode(errors="replace").strip().splitlines()
        raise DataError(lines[-1] if lines else f"could not read {', '.join(map(str, missing))}")


def main(argv: Sequence[str]) -> int:
    cache_dir, *files = argv
    for name in files:
        try:
            read_candle_file(Path(name), Path(cache_dir))
        except DataError as exc:
            print(exc, file=sys.stderr)
            return 3
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
