"""Backtests launched through the daemon: run off the event loop, progress on the stream.

The daemon runs the same ``plutarc.backtest.service.run_request`` as the CLI, in a child
process (``plutarc.backtest.child``): a long run never blocks the bots, and pandas and the
run's arrays never stay in the daemon's memory. A template
stored in the daemon (what the TUI's editor saves) runs from a copy of that exact version.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plutarc.backtest.request import VENUES_WITH_CANDLES, BacktestRequest, to_ms
from plutarc.daemon.child_tasks import stop_children
from plutarc.daemon.events import EventSink
from plutarc.daemon.store import TemplateRecord
from plutarc.errors import PlutarcError, UsageError
from plutarc.models.events import EventKind, Severity

MAX_RUNNING = 2
CHILD_LINE_LIMIT = 16 * 1024 * 1024  # a summary line carries every metric and note


class BacktestFailed(PlutarcError):
    """The backtest process refused the run with a clear reason (bad file, bad template)."""


@dataclass
class BacktestJob:
    job_id: int
    request: dict[str, Any]
    state: str = "running"  # running, done, failed
    progress: float = 0.0
    run_id: int | None = None
    error: str = ""
    summary: dict[str, Any] = field(default_factory=dict)

    def view(self) -> dict[str, Any]:
        return {"job_id": self.job_id, "state": self.state, "progress": round(self.progress, 4),
                "run_id": self.run_id, "error": self.error, "request": self.request,
                "summary": self.summary}


class BacktestJobs:
    def __init__(self, results_db: Path, sink: EventSink) -> None:
        self.results_db = results_db
        self.sink = sink
        self.jobs: dict[int, BacktestJob] = {}
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        self._children: set[asyncio.subprocess.Process] = set()

    def start(self, request_data: dict[str, Any],
              stored: TemplateRecord | None = None) -> BacktestJob:
        """Check the request, then start it; ``stored``: run this stored template version
        (already validated by the caller) instead of a template file."""
        check_sources(request_data, stored is not None)
        request_data = owner_allowed(request_data)
        if sum(j.state == "running" for j in self.jobs.values()) >= MAX_RUNNING:
            raise UsageError(f"{MAX_RUNNING} backtests are already running; wait for one")
        if stored is not None:
            request_data = {**request_data, "template": str(self._template_file(stored))}
        request = BacktestRequest.model_validate(request_data)
        view = request.model_dump()
        if stored is not None:
            view.update(stored_template=stored.name, template_version=stored.version)
        job = BacktestJob(next(self._ids), view)
        self.jobs[job.job_id] = job
        task = asyncio.get_running_loop().create_task(self._run(job, request))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        template = (f"stored template {stored.name} v{stored.version}" if stored
                    else request.template)
        source = (f"{request.venue} {request.symbol}" if request.venue
                  else Path(request.data or "").name)
        self.sink.emit(EventKind.ACTIVITY, f"backtest {job.job_id} started: {template} "
                       f"on {source}", data={"backtest_job": job.job_id})
        return job

    def _template_file(self, stored: TemplateRecord) -> Path:
        """The stored TOML as a file the backtest loads: one per name and version, so a run
        started before an edit keeps reading the version it was started with."""
        directory = (self.results_db.parent / "backtest-templates"
                     / f"{stored.name}@v{stored.version}")
        path = directory / f"{stored.name}.toml"  # the stem names it when the TOML does not
        if not path.is_file() or path.read_text() != stored.toml:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            partial = path.with_suffix(".partial")
            partial.write_text(stored.toml)
            partial.replace(path)
        return path

    async def _run(self, job: BacktestJob, request: BacktestRequest) -> None:
        try:
            summary = await self._in_child(job, request)
        except BacktestFailed as exc:
            job.state, job.error = "failed", str(exc)
            self.sink.emit(EventKind.ACTIVITY, f"backtest {job.job_id} failed: {exc}",
                           severity=Severity.WARNING, data={"backtest_job": job.job_id})
            return
        except Exception as exc:  # a bug in one run must not take the daemon down
            job.state, job.error = "failed", f"{type(exc).__name__}: {exc}"
            self.sink.emit(EventKind.ACTIVITY, f"backtest {job.job_id} crashed: {job.error}",
                           severity=Severity.ERROR, data={"backtest_job": job.job_id})
            return
        job.state, job.progress, job.run_id, job.summary = "done", 1.0, summary["id"], summary
        self.sink.emit(EventKind.ACTIVITY, f"backtest {job.job_id} done: run #{summary['id']}, "
                       f"{summary['trades']} trades", data={"backtest_job": job.job_id,
                                                            "run_id": summary["id"]})

    async def _in_child(self, job: BacktestJob, request: BacktestRequest) -> dict[str, Any]:
        """Run the request in a ``plutarc.backtest.child`` process and follow its lines."""
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "plutarc.backtest.child", str(self.results_db),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, limit=CHILD_LINE_LIMIT)
        self._children.add(child)
        try:
            assert child.stdin is not None and child.stdout is not None
            child.stdin.write(request.model_dump_json().encode())
            await child.stdin.drain()
            child.stdin.close()
            last_reported = -1.0
            async for line in child.stdout:
                message = json.loads(line)
                if "progress" in message:
                    job.progress = float(message["progress"])
                    if job.progress - last_reported >= 0.1:
                        last_reported = job.progress
                        self._progress_event(job)
                elif "summary" in message:
                    return message["summary"]
                elif "failed" in message:
                    raise BacktestFailed(message["failed"])
                elif "crashed" in message:
                    raise RuntimeError(message["crashed"])
            code = await child.wait()
            stderr = (await child.stderr.read()).decode(errors="replace") if child.stderr else ""
            last_line = stderr.strip().splitlines()[-1:] or ["no output"]
            raise RuntimeError(f"the backtest process ended (exit {code}) without a result: "
                               f"{last_line[0]}")
        finally:
            if child.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    child.kill()
            await child.wait()
            self._children.discard(child)

    def _progress_event(self, job: BacktestJob) -> None:
        self.sink.emit(EventKind.ACTIVITY, f"backtest {job.job_id}: {job.progress:.0%}",
                       severity=Severity.DEBUG,
                       data={"backtest_job": job.job_id, "progress": job.progress})

    async def close(self) -> None:
        """At shutdown: stop every running backtest process (its partial run is not kept)."""
        await stop_children(self._children, self._tasks)

    def get(self, job_id: int) -> BacktestJob:
        if job_id not in self.jobs:
            raise UsageError(f"no backtest job {job_id} in this daemon")
        return self.jobs[job_id]

    def stored_runs(self, limit: int = 50) -> list[dict[str, Any]]:
        from plutarc.backtest.run_views import run_row
        from plutarc.backtest.store import ResultsStore

        store = ResultsStore(self.results_db)
        try:
            return [run_row(r) for r in store.list(limit)]
        finally:
            store.close()

    def stored_run(self, run_id: int, trades: bool = True) -> dict[str, Any]:
        """The run's summary (metrics, series, hold times) and, unless ``trades`` is False,
        every trade: a client paints the summary first and reads the trades after."""
        from plutarc.backtest.run_views import run_summary
        from plutarc.backtest.store import ResultsStore

        store = ResultsStore(self.results_db)
        try:
            run = run_summary(store, run_id)
            if trades:  # every trade: the first ones need not come twice
                run.pop("first_trades")
                run["trades"] = store.trades(run_id)
            return run
        finally:
            store.close()


def check_sources(request: dict[str, Any], stored: bool) -> None:
    """Refuse, before anything runs or is stored, a request whose template or candles cannot
    be found: one template (a file name, or a stored one), and candles from a file or a venue."""
    from plutarc.strategy.template_catalog import find_template

    template = request.get("template")
    if stored == bool(template):
        raise UsageError("give one template: 'template' (a template file the daemon has) or "
                         "'stored_template' (a template stored in the daemon)")
    if template:
        _check_template_place(template)
        find_template(template)  # TemplateError (422) naming the closest known one
    venue, data = request.get("venue"), request.get("data")
    if bool(venue) == bool(data):
        raise UsageError("give the candles one way: 'data' (a candle file on the daemon's "
                         "machine) or 'venue' with 'symbol', 'start' and 'end'")
    if not venue:
        if request.get("venue_url"):
            raise UsageError("'venue_url' needs 'venue'")
        return
    if venue not in VENUES_WITH_CANDLES:
        raise UsageError(f"venue {venue!r}: backtest candles can come from "
                         f"{', '.join(VENUES_WITH_CANDLES)}")
    missing = [name for name in ("symbol", "start", "end") if not request.get(name)]
    if missing:
        raise UsageError(f"a backtest on {venue} candles needs {', '.join(missing)}")
    try:
        start_ms, end_ms = (to_ms(request[name], name) for name in ("start", "end"))
    except UsageError:
        raise UsageError(f"start {request['start']!r} and end {request['end']!r} must be ISO "
                         "dates/times (UTC) or epoch ms") from None
    if end_ms <= start_ms:
        raise UsageError(f"end {request['end']!r} must be after start {request['start']!r}")
    url = request.get("venue_url")
    if url and not url.startswith(("http://", "https://")):
        raise UsageError(f"venue_url {url!r} must be an http:// or https:// address")


def _check_template_place(template: str) -> None:
    """A template given as a path must be in a template directory: a token names templates,
    it does not make the daemon open arbitrary files."""
    from plutarc.strategy.template_catalog import system_templates_dir, user_templates_dir

    if not (template.endswith(".toml") or "/" in template or os.sep in template):
        return
    place = Path(template).expanduser().resolve()
    if not any(place.is_relative_to(d.resolve())
               for d in (system_templates_dir(), user_templates_dir())):
        raise UsageError(f"template {template!r} is not in a template directory: give a "
                         "template's name (see 'plutarc template list') or store it in the "
                         "daemon and give stored_template")


def owner_allowed(request: dict[str, Any]) -> dict[str, Any]:
    """The request with its candle file and venue URL checked against what the owner allows
    (the resolved file path replaces the one given); UsageError when either is not."""
    from plutarc.access.allowlist import allowed_data_file, allowed_venue_url

    checked = dict(request)
    if request.get("data"):
        checked["data"] = str(allowed_data_file(request["data"], "data file"))
    for key in ("funding", "open_interest"):
        if request.get(key):
            checked[key] = str(allowed_data_file(request[key], f"{key.replace('_', '-')} file"))
    if request.get("venue_url"):
        checked["venue_url"] = allowed_venue_url(request["venue"], request["venue_url"])
    return checked
