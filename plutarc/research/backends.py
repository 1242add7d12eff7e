"""Where variants run: in this process, on a local process pool (default: every core), or
on a Dask distributed cluster. Each backend gets the prepared data once per worker and
yields results as they finish; none of them schedules anything itself."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from typing import Any, Protocol

from plutarc.backtest.service import Prepared
from plutarc.errors import UsageError
from plutarc.research.evaluate import (
    evaluate_in_worker,
    evaluate_safely,
    evaluate_scattered,
    init_worker,
)
from plutarc.strategy.template import Template

Result = tuple[int, dict[str, Any]]
CONNECT_TIMEOUT_S = 20
"""How long to wait for a Dask scheduler (a VPS across the internet may be slow to answer)."""


class Backend(Protocol):
    workers: int

    def run(self, templates: list[Template], want_equity: bool = False) -> Iterator[Result]:
        """(index into ``templates``, result) as each variant finishes."""
        ...

    def close(self) -> None: ...


class SerialBackend:
    workers = 1

    def __init__(self, prep: Prepared) -> None:
        self.prep = prep

    def run(self, templates: list[Template], want_equity: bool = False) -> Iterator[Result]:
        for i, template in enumerate(templates):
            yield i, evaluate_safely(self.prep, template, want_equity)

    def close(self) -> None:
        pass


class PoolBackend:
    """A local process pool. Workers are spawned, not forked: the parent may hold threads
    (a progress bar, a TUI) and a forked copy of those can deadlock."""

    def __init__(self, prep: Prepared, workers: int) -> None:
        self.workers = workers
        self.pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn"),
                                        initializer=init_worker, initargs=(prep,))

    def run(self, templates: list[Template], want_equity: bool = False) -> Iterator[Result]:
        futures = {self.pool.submit(evaluate_in_worker, t, want_equity): i
                   for i, t in enumerate(templates)}
        try:
            for fut in as_completed(futures):
                yield futures[fut], fut.result()
        finally:
            for fut in futures:
                fut.cancel()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskBackend:
    """A Dask distributed cluster at ``address`` (``plutarc[cluster]``). The prepared data is
    scattered to every worker once; each variant is one task."""

    def __init__(self, prep: Prepared, address: str) -> None:
        try:
            from distributed import Client
        except ModuleNotFoundError:
            raise UsageError("--cluster needs Dask distributed: pip install 'plutarc[cluster]'"
                             ) from None
        try:
            self.client = Client(address, timeout=f"{CONNECT_TIMEOUT_S}s")
        except OSError as exc:
            raise UsageError(f"--cluster {address}: cannot reach the scheduler: {exc}") from None
        self.workers = max(1, sum(w.get("nthreads", 1) for w in
                                  self.client.scheduler_info()["workers"].values()))
        self.data = self.client.scatter(prep, broadcast=True)

    def run(self, templates: list[Template], want_equity: bool = False) -> Iterator[Result]:
        from distributed import as_completed as dask_completed

        futures = {self.client.submit(evaluate_scattered, self.data, t, want_equity,
                                      pure=False): i
                   for i, t in enumerate(templates)}
        try:
            for fut in dask_completed(list(futures)):
                yield futures[fut], fut.result()
        finally:
            for fut in futures:
                fut.cancel()

    def close(self) -> None:
        self.client.close()


def make_backend(prep: Prepared, workers: int | None, cluster: str | None) -> Backend:
    if cluster:
        return DaskBackend(prep, cluster)
    count = workers if workers is not None else (os.cpu_count() or 1)
    if count < 1:
        raise UsageError(f"--workers {count}: give 1 or more")
    return SerialBackend(prep) if count == 1 else PoolBackend(prep, count)
