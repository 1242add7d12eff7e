"""Research launched through the daemon (the TUI's Research screen): sweeps and walk-forwards,
each in a ``plutarc.research.child`` process writing the research database, one at a time and
on one core unless asked, so that research never starves the bots; and a stored variant re-run
alone as a normal backtest (stored with the other backtests)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plutarc.daemon import research_views as views
from plutarc.daemon.backtests import check_sources, owner_allowed
from plutarc.daemon.child_tasks import stop_children
from plutarc.daemon.events import EventSink
from plutarc.errors import UsageError
from plutarc.models.events import EventKind, Severity
from plutarc.research.job_specs import RerunJobSpec, SweepJobSpec, WalkForwardJobSpec

MAX_RUNNING = 1  # sweeps and walk-forwards together
MAX_RERUNS = 1
CHILD_LINE_LIMIT = 4 * 1024 * 1024  # a window line carries its metrics


@dataclass
class SweepJob:
    job_id: int
    spec: dict[str, Any]
    kind: str = "sweep"  # sweep, walkforward, rerun
    state: str = "running"  # running, done, failed
    done: int = 0  # variants
    total: int = 0
    windows_done: int = 0
    windows_total: int = 0
    windows: list[dict[str, Any]] = field(default_factory=list)
    sweep_id: int | None = None
    walkforward_id: int | None = None
    run_id: int | None = None  # a rerun's backtest
    error: str = ""
    summary: dict[str, Any] = field(default_factory=dict)

    def view(self, windows: bool = True) -> dict[str, Any]:
        """``windows=False``: without the scored windows' rows (job listings: a client
        follows one job's windows through GET /v1/research/jobs/{id})."""
        return {"job_id": self.job_id, "kind": self.kind, "state": self.state,
                "done": self.done, "total": self.total, "windows_done": self.windows_done,
                "windows_total": self.windows_total,
                "windows": self.windows if windows else [],
                "sweep_id": self.sweep_id, "walkforward_id": self.walkforward_id,
                "run_id": self.run_id, "error": self.error, "spec": self.spec,
                "summary": self.summary}

    def follow(self, message: dict[str, Any]) -> None:
        """One line of the child's output."""
        if "progress" in message:
            self.done, self.total = message["progress"]
        elif "windows" in message:
            self.windows_done, self.windows_total = message["windows"]
            if "window" in message:
                self.windows.append(message["window"])
        elif "summary" in message:
            self.summary, self.state = message["summary"], "done"
            self.sweep_id = self.summary.get("sweep_id")
            self.walkforward_id = self.summary.get("walkforward_id")
            self.run_id = self.summary.get("run_id")
        else:
            self.state = "failed"
            self.error = message.get("failed") or message.get("crashed", "?")


class ResearchJobs:
    def __init__(self, research_db: Path, sink: EventSink,
                 results_db: Path | None = None) -> None:
        self.research_db = research_db
        self.results_db = results_db or research_db.with_name("backtests.db")
        self.sink = sink
        self.jobs: dict[int, SweepJob] = {}
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        self._children: set[asyncio.subprocess.Process] = set()

    def _running(self, *kinds: str) -> int:
        return sum(j.state == "running" and j.kind in kinds for j in self.jobs.values())

    def _checked(self, body: dict[str, Any], model: type[SweepJobSpec]) -> SweepJobSpec:
        request = dict(body.get("request") or {})
        check_sources(request, stored=False)
        spec = model.model_validate({**body, "request": owner_allowed(request)})
        _check_spec(spec)
        if self._running("sweep", "walkforward") >= MAX_RUNNING:
            raise UsageError("a sweep or walk-forward is already running; wait for it")
        return spec

    def start(self, body: dict[str, Any]) -> SweepJob:
        """A sweep (checked whole before anything starts)."""
        spec = self._checked(body, SweepJobSpec)
        return self._launch("sweep", spec.model_dump(mode="json"),
                            f"{spec.request.template}, {' '.join(spec.params)}")

    def start_walkforward(self, body: dict[str, Any]) -> SweepJob:
        spec = self._checked(body, WalkForwardJobSpec)
        assert isinstance(spec, WalkForwardJobSpec)
        return self._launch("walkforward", spec.model_dump(mode="json"),
                            f"{spec.request.template}, {' '.join(spec.params)}, train "
                            f"{spec.train} test {spec.test} gap {spec.gap}"
                            + (" anchored" if spec.anchored else ""))

    def start_rerun(self, sweep_id: int, seq: int) -> SweepJob:
        """Variant ``seq`` of sweep ``sweep_id`` alone as a normal backtest: refused here when
        the variant is unknown or was not run, or its candles are no longer allowed."""
        spec = RerunJobSpec(sweep_id=sweep_id, seq=seq)
        detail = views.sweep(self.research_db, sweep_id, top=10**9)
        if not any(v["seq"] == seq for v in detail["variants"]):
            skipped = next((s for s in detail["skipped"] if s["seq"] == seq), None)
            if skipped is not None:
                raise UsageError(f"variant {seq} of sweep {sweep_id} was not run: "
                                 f"{skipped['message']}")
            raise UsageError(f"sweep {sweep_id} has no variant {seq}")
        # The sweep may have been run by the CLI: its files pass the owner's rules first.
        request = dict(detail["sweep"]["spec"]["request"])
        check_sources(request, stored=False)
        owner_allowed(request)
        if self._running("rerun") >= MAX_RERUNS:
            raise UsageError("a variant is already being re-run; wait for it")
        return self._launch("rerun", spec.model_dump(mode="json"),
                            f"variant {seq} of sweep {sweep_id} as a backtest")

    def _launch(self, kind: str, spec: dict[str, Any], what: str) -> SweepJob:
        job = SweepJob(next(self._ids), spec, kind)
        self.jobs[job.job_id] = job
        task = asyncio.get_running_loop().create_task(self._run(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self.sink.emit(EventKind.ACTIVITY, f"{kind} job {job.job_id} started: {what}",
                       data={"research_job": job.job_id})
        return job

    async def _run(self, job: SweepJob) -> None:
        argv = [str(self.research_db)]
        if job.kind == "rerun":
            argv += [str(self.results_db), str(self.research_db.parent / "research-templates")]
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "plutarc.research.child", *argv,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, limit=CHILD_LINE_LIMIT)
        self._children.add(child)
        try:
            assert child.stdin is not None and child.stdout is not None
            child.stdin.write(json.dumps({"kind": job.kind, "spec": job.spec}).encode())
            await child.stdin.drain()
            child.stdin.close()
            async for line in child.stdout:
                job.follow(json.loads(line))
            await child.wait()
            if job.state == "running":
                stderr = (await child.stderr.read()).decode(errors="replace")  # type: ignore[union-attr]
                job.state = "failed"
                job.error = (stderr.strip().splitlines() or ["no output"])[-1]
        finally:
            if child.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    child.kill()
                await child.wait()
            self._children.discard(child)
        self._finished(job)

    def _finished(self, job: SweepJob) -> None:
        severity = Severity.INFO if job.state == "done" else Severity.WARNING
        if job.error:
            what = f": {job.error}"
        elif job.kind == "walkforward":
            what = f": walk-forward #{job.walkforward_id}"
        elif job.kind == "rerun":
            what = f": backtest #{job.run_id}"
        else:
            what = f": sweep #{job.sweep_id}"
        data: dict[str, Any] = {"research_job": job.job_id}
        if job.run_id is not None:
            data["run_id"] = job.run_id
        self.sink.emit(EventKind.ACTIVITY, f"{job.kind} job {job.job_id} {job.state}{what}",
                       severity=severity, data=data)

    async def close(self) -> None:
        """At shutdown: stop the running children (what they stored stays; re-run to
        resume a sweep)."""
        await stop_children(self._children, self._tasks)

    def get(self, job_id: int) -> SweepJob:
        if job_id not in self.jobs:
            raise UsageError(f"no research job {job_id} in this daemon")
        return self.jobs[job_id]

    def sweeps(self, limit: int = 30) -> list[dict[str, Any]]:
        return views.sweeps(self.research_db, limit)

    def sweep(self, sweep_id: int, top: int = 50) -> dict[str, Any]:
        return views.sweep(self.research_db, sweep_id, top)


def _check_spec(spec: SweepJobSpec) -> None:
    """Refuse a bad spec here, with its one clear message, before any process starts."""
    from plutarc.research.space import parse_param, resolve_names
    from plutarc.research.spec import SweepSpec
    from plutarc.strategy.template_catalog import load_template

    SweepSpec(spec.request, tuple(spec.params), spec.method, spec.n, spec.seed,
              spec.objective, spec.min_trades).check()
    resolve_names(load_template(spec.request.template), [parse_param(p) for p in spec.params])
