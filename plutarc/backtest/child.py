"""A backtest in its own process, for the daemon: request in on stdin, JSON lines out.

The daemon stays lean and never blocks on a backtest: pandas, the data loaders and the run's
arrays live in this short-lived process and are returned to the OS when it exits. Protocol,
one JSON object per stdout line: ``{"progress": f}`` while running, then exactly one of
``{"summary": {...}}``, ``{"failed": message}`` (a clear PlutarcError: bad file, bad
template) or ``{"crashed": message}`` (a bug; the daemon reports it and goes on).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

PROGRESS_STEP = 0.02


def main(argv: list[str] | None = None, stdin: TextIO = sys.stdin,
         stdout: TextIO = sys.stdout) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        _say(stdout, {"crashed": "usage: python -m plutarc.backtest.child RESULTS_DB"})
        return 2
    try:
        _run(Path(args[0]), json.loads(stdin.read()), stdout)
    except Exception as exc:  # noqa: BLE001 - reported to the daemon, never lost
        from pydantic import ValidationError

        from plutarc.errors import PlutarcError

        if isinstance(exc, PlutarcError | ValidationError):
            _say(stdout, {"failed": str(exc)})
            return 1
        _say(stdout, {"crashed": f"{type(exc).__name__}: {exc}"})
        return 1
    return 0


def _run(results_db: Path, request_data: dict[str, Any], stdout: TextIO) -> None:
    from plutarc.backtest.request import BacktestRequest
    from plutarc.backtest.service import run_request
    from plutarc.backtest.store import ResultsStore

    request = _owner_allowed(BacktestRequest.model_validate(request_data))
    last = -1.0

    def progress(done: int, total: int) -> None:
        nonlocal last
        fraction = done / max(total, 1)
        if fraction - last >= PROGRESS_STEP:
            last = fraction
            _say(stdout, {"progress": fraction})

    store = ResultsStore(results_db)
    try:
        summary = run_request(request, store, progress).summary()
    finally:
        store.close()
    _say(stdout, {"summary": summary})


def _owner_allowed(request):  # noqa: ANN001, ANN202 - BacktestRequest
    """The daemon's caller names the funding and open-interest files: only files in the
    directories the owner allows are read (the candle file is checked by the daemon)."""
    from plutarc.access.allowlist import allowed_data_file

    changes = {name: str(allowed_data_file(value, f"{name.replace('_', '-')} file"))
               for name in ("funding", "open_interest")
               if (value := getattr(request, name))}
    return request.model_copy(update=changes) if changes else request


def _say(stdout: TextIO, message: dict[str, Any]) -> None:
    stdout.write(json.dumps(message) + "\n")
    stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
