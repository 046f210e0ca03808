"""The build's one way to work in parallel: a map over independent items.

A build maps its work (files to parse, entries' pieces, outputs to make) over one pool of
processes, one per core, when there is enough of it to pay for them; a small site, a
rebuild after a few edits, or a machine with one core maps in the calling process, with
no worker at all. Tasks are plain values in and out: a worker keeps nothing between
tasks and shares no global with the build.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# Below this many items (files, entries, outputs) a map runs in the calling process:
# starting the workers and sending them the work costs more than the second core gives
# back. Measured on 2 cores, cold builds of bench/generate.py articles, every map here
# vs every map in the pool (median of 5): 250 entries 0.39 s vs 0.50 s; 500 entries
# 0.51 s vs 0.47 s; 1,000 entries 0.99 s vs 0.61 s.
PARALLEL_MIN_ITEMS = 500

# Tasks sent ahead of the results taken, per process: enough to keep every process busy,
# few enough that the tasks waiting to be sent (a build's jobs) are never all in memory.
TASKS_AHEAD = 4


class Workers:
    """Maps a function over items: in this process, or on every core for many items.

    The processes are forked (so a script without ``if __name__ == "__main__":`` is not
    run again in them) by the first map that has enough items, and stopped by ``close``.
    """

    def __init__(self, processes: int | None = None):
        self.processes = processes or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None

    def map(
        self, function: Callable[[Item], Result], tasks: Iterable[Item], items: int
    ) -> Iterator[Result]:
        """``function`` of each task, in order, for ``items`` items of work in all; lazily,
        taking tasks only as results are taken, so that neither all tasks nor all results
        need be in memory at once."""
        if self.processes == 1 or items < PARALLEL_MIN_ITEMS:
            return map(function, tasks)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.processes,
                mp_context=get_context("fork"),
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )
        return self._map_in_pool(self._pool, function, tasks)

    def _map_in_pool(
        self, pool: ProcessPoolExecutor, function: Callable[[Item], Result], tasks: Iterable[Item]
    ) -> Iterator[Result]:
        pending: deque[Future[Result]] = deque()
        try:
            for task in tasks:
                pending.append(pool.submit(function, task))
                if len(pending) >= self.processes * TASKS_AHEAD:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _start_worker(parent: int) -> None:
    """In a new worker: what it inherited from the build is set aside for the cycle
    collector, which would otherwise walk it (and so copy its pages) for nothing; and the
    worker leaves when the build is gone."""
    gc.freeze()
    gc.enable()
    leave_when_orphaned(parent)


def leave_when_orphaned(parent: int) -> None:
    """Make this worker exit as soon as ``parent``, the build that started it, is gone.

    A build killed outright (SIGKILL) cannot stop its workers, which would otherwise wait
    for work forever. The parent's id comes from the build, not from ``os.getppid()`` here:
    a build killed while its workers start would already be gone.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="feedtool-orphan-watch", daemon=True).start()


def batches(
    items: Iterable[Item], size: int, weight: Callable[[Item], int] | None = None
) -> Iterator[list[Item]]:
    """``items`` in consecutive lists, lazily, one task each: ``size`` items, or fewer
    whose ``weight`` adds up to ``size``, so that one heavy item is a task of its own."""
    batch: list[Item] = []
    load = 0
    for item in items:
        batch.append(item)
        load += weight(item) if weight is not None else 1
        if load >= size:
            yield batch
            batch, load = [], 0
    if batch:
        yield batch
