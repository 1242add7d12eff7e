"""Sweeps launched through the daemon (the TUI's Research screen): each runs in a
``plutarc.research.child`` process writing the research database, one at a time and on one
core unless asked, so that a sweep never starves the bots."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plutarc.daemon.backtests import check_sources, owner_allowed
from plutarc.daemon.child_tasks import stop_children
from plutarc.daemon.events import EventSink
from plutarc.errors import UsageError
from plutarc.models.events import EventKind, Severity
from plutarc.research.child import SweepJobSpec

MAX_RUNNING = 1


@dataclass
class SweepJob:
    job_id: int
    spec: dict[str, Any]
    state: str = "running"  # running, done, failed
    done: int = 0
    total: int = 0
    sweep_id: int | None = None
    error: str = ""
    summary: dict[str, Any] = field(default_factory=dict)

    def view(self) -> dict[str, Any]:
        return {"job_id": self.job_id, "state": self.state, "done": self.done,
                "total": self.total, "sweep_id": self.sweep_id, "error": self.error,
                "spec": self.spec, "summary": self.summary}


class ResearchJobs:
    def __init__(self, research_db: Path, sink: EventSink) -> None:
        self.research_db = research_db
        self.sink = sink
        self.jobs: dict[int, SweepJob] = {}
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        self._children: set[asyncio.subprocess.Process] = set()

    def start(self, body: dict[str, Any]) -> SweepJob:
        request = dict(body.get("request") or {})
        check_sources(request, stored=False)
        body = {**body, "request": owner_allowed(request)}
        spec = SweepJobSpec.model_validate(body)
        _check_spec(spec)
        if sum(j.state == "running" for j in self.jobs.values()) >= MAX_RUNNING:
            raise UsageError("a sweep is already running; wait for it")
        job = SweepJob(next(self._ids), spec.model_dump(mode="json"))
        self.jobs[job.job_id] = job
        task = asyncio.get_running_loop().create_task(self._run(job, spec))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self.sink.emit(EventKind.ACTIVITY, f"sweep job {job.job_id} started: "
                       f"{spec.request.template}, {' '.join(spec.params)}",
                       data={"sweep_job": job.job_id})
        return job

    async def _run(self, job: SweepJob, spec: SweepJobSpec) -> None:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "plutarc.research.child", str(self.research_db),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        self._children.add(child)
        try:
            assert child.stdin is not None and child.stdout is not None
            child.stdin.write(spec.model_dump_json().encode())
            await child.stdin.drain()
            child.stdin.close()
            async for line in child.stdout:
                message = json.loads(line)
                if "progress" in message:
                    job.done, job.total = message["progress"]
                elif "summary" in message:
                    job.summary = message["summary"]
                    job.sweep_id, job.state = job.summary["sweep_id"], "done"
                else:
                    job.state = "failed"
                    job.error = message.get("failed") or message.get("crashed", "?")
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
        severity = Severity.INFO if job.state == "done" else Severity.WARNING
        self.sink.emit(EventKind.ACTIVITY, f"sweep job {job.job_id} {job.state}"
                       + (f": {job.error}" if job.error else f": sweep #{job.sweep_id}"),
                       severity=severity, data={"sweep_job": job.job_id})

    async def close(self) -> None:
        """At shutdown: stop the running sweep (what it stored stays; re-run to resume)."""
        await stop_children(self._children, self._tasks)

    def sweeps(self, limit: int = 30) -> list[dict[str, Any]]:
        from plutarc.research.store import ResearchStore

        store = ResearchStore(self.research_db)
        try:
            return [{"id": s["id"], "kind": s["kind"], "template": s["template_name"],
                     "method": s["spec"].get("method"), "objective": s["spec"].get("objective"),
                     "params": s["spec"].get("params"), "stored": store.count(s["id"]),
                     "total": s["total"]} for s in store.sweeps(limit)]
        finally:
            store.close()

    def sweep(self, sweep_id: int, top: int = 50) -> dict[str, Any]:
        from plutarc.research.store import ResearchStore

        store = ResearchStore(self.research_db)
        try:
            info = store.sweep(sweep_id)
            rows = store.variants(sweep_id)
        finally:
            store.close()
        ranked = sorted((r for r in rows if r.status == "ok"),
                        key=lambda r: (r.score is None, -(r.score or 0.0), r.seq))
        return {"sweep": {k: v for k, v in info.items() if k != "sweep_key"},
                "variants": [{"seq": r.seq, "params": r.params, "score": r.score,
                              "trades": r.metrics.get("trades"),
                              "net_pnl": r.metrics.get("net_pnl"),
                              "win_rate": r.metrics.get("win_rate"),
                              "max_drawdown_pct": r.metrics.get("max_drawdown_pct")}
                             for r in ranked[:top]],
                "skipped": [{"seq": r.seq, "params": r.params, "status": r.status,
                             "message": r.message} for r in rows if r.status != "ok"]}


def _check_spec(spec: SweepJobSpec) -> None:
    """Refuse a bad spec here, with its one clear message, before any process starts."""
    from plutarc.research.space import parse_param, resolve_names
    from plutarc.research.spec import SweepSpec
    from plutarc.strategy.template_catalog import load_template

    SweepSpec(spec.request, tuple(spec.params), spec.method, spec.n, spec.seed,
              spec.objective, spec.min_trades).check()
    resolve_names(load_template(spec.request.template), [parse_param(p) for p in spec.params])
