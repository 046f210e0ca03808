"""The build's one way to work in parallel: a map over independent items.

A build of a large site maps its work (files to parse, outputs to make) over one pool of
processes, one per core; a small site, or a machine with one core, maps in the calling
process, with no worker at all. Tasks are plain values in and out: a worker keeps
nothing between tasks and shares no global with the build.
"""

from __future__ import annotations

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

# Below this many article files a build runs in its own process: starting the workers
# and sending them the work costs more than the second core gives back. Measured on
# 2 cores (cold builds, --no-cache): 300 entries 0.43 s in one process, 0.45 s with the
# pool; 1,000 entries 1.02 s and 0.74 s.
PARALLEL_MIN_FILES = 500


# Tasks sent ahead of the results taken, per process: enough to keep every process busy,
# few enough that the tasks waiting to be sent (a build's jobs) are never all in memory.
TASKS_AHEAD = 4


class Workers:
    """Maps a function over items, on every core when ``processes`` > 1.

    The processes are forked when the ``Workers`` is made, before the build reads much:
    they start small, and a script without ``if __name__ == "__main__":`` is not run
    again in them. ``close`` stops them.
    """

    def __init__(self, processes: int):
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None
        if processes > 1:
            self._pool = ProcessPoolExecutor(
                processes,
                mp_context=get_context("fork"),
                initializer=leave_when_orphaned,
                initargs=(os.getpid(),),
            )
            self._pool.submit(int).result()  # forks them all now

    @classmethod
    def for_site(cls, files: int) -> Workers:
        """One process per core for a site of many files, none for a small one."""
        cores = os.cpu_count() or 1
        return cls(cores if files >= PARALLEL_MIN_FILES and cores > 1 else 1)

    def map(self, function: Callable[[Item], Result], items: Iterable[Item]) -> Iterator[Result]:
        """``function`` of each item, in order; lazily, taking items only as results are
        taken, so neither all items nor all results need be in memory at once."""
        if self._pool is None:
            return map(function, items)
        return self._map_in_pool(self._pool, function, items)

    def _map_in_pool(
        self, pool: ProcessPoolExecutor, function: Callable[[Item], Result], items: Iterable[Item]
    ) -> Iterator[Result]:
        pending: deque[Future[Result]] = deque()
        try:
            for item in items:
                pending.append(pool.submit(function, item))
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


def batches(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    """``items`` in consecutive lists of ``size``, lazily: one task each."""
    batch: list[Item] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
