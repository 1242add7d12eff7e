"""Backtests launched through the daemon: run off the event loop, progress on the stream.

The daemon runs the same ``plutarc.backtest.service.run_request`` as the CLI, in a worker
thread with its own results-store connection, so a long run never blocks the bots.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plutarc.daemon.events import EventSink
from plutarc.errors import PlutarcError, UsageError
from plutarc.models.events import EventKind, Severity

MAX_RUNNING = 2


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

    def start(self, request_data: dict[str, Any]) -> BacktestJob:
        from plutarc.backtest.service import BacktestRequest

        request = BacktestRequest.model_validate(request_data)
        if sum(j.state == "running" for j in self.jobs.values()) >= MAX_RUNNING:
            raise UsageError(f"{MAX_RUNNING} backtests are already running; wait for one")
        job = BacktestJob(next(self._ids), request.model_dump())
        self.jobs[job.job_id] = job
        task = asyncio.get_running_loop().create_task(self._run(job, request))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self.sink.emit(EventKind.ACTIVITY, f"backtest {job.job_id} started: {request.template} "
                       f"on {Path(request.data).name}", data={"backtest_job": job.job_id})
        return job

    async def _run(self, job: BacktestJob, request) -> None:
        loop = asyncio.get_running_loop()
        last = {"p": -1.0}

        def progress(done: int, total: int) -> None:
            job.progress = done / max(total, 1)
            if job.progress - last["p"] >= 0.1:
                last["p"] = job.progress
                loop.call_soon_threadsafe(self._progress_event, job)

        try:
            summary = await asyncio.to_thread(self._execute, request, progress)
        except PlutarcError as exc:
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

    def _progress_event(self, job: BacktestJob) -> None:
        self.sink.emit(EventKind.ACTIVITY, f"backtest {job.job_id}: {job.progress:.0%}",
                       severity=Severity.DEBUG,
                       data={"backtest_job": job.job_id, "progress": job.progress})

    def _execute(self, request, progress) -> dict[str, Any]:
        from plutarc.backtest.service import run_request
        from plutarc.backtest.store import ResultsStore

        store = ResultsStore(self.results_db)
        try:
            return run_request(request, store, progress).summary()
        finally:
            store.close()

    def get(self, job_id: int) -> BacktestJob:
        if job_id not in self.jobs:
            raise UsageError(f"no backtest job {job_id} in this daemon")
        return self.jobs[job_id]

    def stored_runs(self, limit: int = 50) -> list[dict[str, Any]]:
        from plutarc.backtest.store import ResultsStore

        store = ResultsStore(self.results_db)
        try:
            return [{"id": r.id, "template": r.row["template_name"], "symbol": r.row["symbol"],
                     "start_ms": r.row["start_ms"], "end_ms": r.row["end_ms"],
                     "metrics": r.metrics} for r in store.list(limit)]
        finally:
            store.close()

    def stored_run(self, run_id: int) -> dict[str, Any]:
        from plutarc.backtest.store import ResultsStore

        store = ResultsStore(self.results_db)
        try:
            run = store.get(run_id)
            equity = store.series(run_id, "equity")
            return {"id": run.id, "template": run.row["template_name"],
                    "symbol": run.row["symbol"], "metrics": run.metrics,
                    "trades": store.trades(run_id),
                    "equity": {"ts_ms": equity["ts_ms"].tolist(),
                               "equity": equity["equity"].tolist()}}
        finally:
            store.close()
