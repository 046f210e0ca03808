"""The build's one way to work in parallel: a map over independent items.

A build maps its work (files to parse, entries' pieces, outputs to make) over one pool of
processes, one per core, when there is enough of it to pay for them; a small site, a
rebuild after a few edits, or a machine with one core maps in the calling process, with
no worker at all. Tasks are plain values in and out: a worker keeps nothing between
tasks and shares no global with the build.

No worker outlives its build. A build that fails or is interrupted ends its workers at
once (``Workers.__exit__``), and a build that is killed outright takes them with it
(``leave_when_orphaned``). Workers ignore SIGINT and SIGHUP, which a terminal sends to
every process of the build: the build decides, and stops them.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from multiprocessing import get_context
from multiprocessing.connection import wait
from typing import TypeVar

from feedtool._errors import FeedtoolError
from feedtool._interrupt import STOP_SIGNALS

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


# The signals a worker takes only once it has set how (see ``_held_signals``).
_STOP_SIGNALS = set(STOP_SIGNALS)
# How often a map that waits for a result looks whether a worker died (see ``_result``).
WORKER_CHECK_SECONDS = 1.0
# How long a failed or interrupted build waits for the workers it killed to be reaped:
# they are gone in milliseconds; this only bounds the wait on a machine that is swapping.
STOP_TIMEOUT = 5.0
# How often a worker that the kernel cannot stop with its build checks that the build is
# still there (``leave_when_orphaned``).
ORPHAN_CHECK_SECONDS = 0.2
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


class WorkerLost(FeedtoolError):
    """A worker process ended in the middle of the build (killed, or out of memory)."""


class Workers:
    """Maps a function over items: in this process, or on every core for many items.

    The processes are forked (so a script without ``if __name__ == "__main__":`` is not
    run again in them) by the first map that has enough items. Leaving the ``with`` block
    normally stops them once they are done; leaving it by an exception (an error, Ctrl-C,
    SIGTERM) kills them at once, so that nothing they do outlives the build.
    """

    def __init__(self, processes: int | None = None):
        self.processes = processes or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None

    def map(
        self, function: Callable[[Item], Result], tasks: Iterable[Item], items: int
    ) -> Iterator[Result]:
        """``function`` of each task, in order, for ``items`` items of work in all; lazily,
        taking tasks only as results are taken, so that neither all tasks nor all results
        need be in memory at once. Raises ``WorkerLost`` if a worker dies meanwhile."""
        if self.processes == 1 or items < PARALLEL_MIN_ITEMS:
            return map(function, tasks)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.processes,
                mp_context=get_context("fork"),
                initializer=_start_worker,
                initargs=(os.getpid(), threading.main_thread().ident),
            )
        return self._map_in_pool(self._pool, function, tasks)

    def _map_in_pool(
        self, pool: ProcessPoolExecutor, function: Callable[[Item], Result], tasks: Iterable[Item]
    ) -> Iterator[Result]:
        # Tasks sent and not taken are never cancelled from here: Python 3.11's pool then
        # fails, with a traceback from its thread, when its workers are killed (``stop``).
        # They go with the pool: ``close`` and ``stop`` cancel what has not started.
        pending: deque[Future[Result]] = deque()
        for task in tasks:
            # The first submit forks every worker, from this thread (Python 3.11 to 3.13
            # with the fork context; a later one could too, with other contexts).
            with _held_signals():
                pending.append(_submit(pool, function, task))
            if len(pending) >= self.processes * TASKS_AHEAD:
                yield _result(pool, pending.popleft())
        while pending:
            yield _result(pool, pending.popleft())

    def close(self) -> None:
        """Stop the workers once they have finished the tasks under way."""
        pool, self._pool = self._pool, None
        if pool is not None:
            try:
                pool.shutdown(cancel_futures=True)
            except BaseException:  # interrupted while waiting: wait no more
                _end_workers(pool)
                raise

    def stop(self) -> None:
        """End the workers now, abandoning what they do: for a build that failed or was
        interrupted, whose work folder is removed next."""
        pool, self._pool = self._pool, None
        if pool is not None:
            _end_workers(pool)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, error_type: type[BaseException] | None, *exc_info: object) -> None:
        if error_type is None:
            self.close()
        else:
            self.stop()


def _submit(pool: ProcessPoolExecutor, function: Callable[[Item], Result], task: Item) -> Future:
    try:
        return pool.submit(function, task)
    except BrokenProcessPool:
        raise _worker_lost() from None


def _result(pool: ProcessPoolExecutor, future: Future[Result]) -> Result:
    """The future's result; ``WorkerLost`` if a worker has died.

    Python's pool fails its futures when a worker dies, unless the worker died while it
    sent a result: then the pool waits for the rest of that message for ever, and so
    would the build, but for a look at the workers every ``WORKER_CHECK_SECONDS``.
    """
    while True:
        try:
            return future.result(timeout=WORKER_CHECK_SECONDS)
        except TimeoutError:
            processes = tuple((getattr(pool, "_processes", None) or {}).values())
            if wait([process.sentinel for process in processes], timeout=0):
                raise _worker_lost() from None
        except BrokenProcessPool:
            raise _worker_lost() from None


def _worker_lost() -> WorkerLost:
    return WorkerLost(
        "a worker process of the build ended unexpectedly (killed by a signal, or out of "
        "memory); nothing was published"
    )


def _end_workers(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's processes, then wait (at most ``STOP_TIMEOUT``) until they and the
    pool's thread are gone.

    ``shutdown`` alone would wait for the tasks under way (a big feed takes seconds), and
    ProcessPoolExecutor has no public way to end its processes before Python 3.14, so
    they are taken from its ``_processes``; a task they abandon matters no more.
    """
    processes = tuple((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    results = getattr(pool, "_result_queue", None)
    for process in processes:
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + STOP_TIMEOUT
    # Their sentinels, not ``join``: the pool's thread may be reaping them meanwhile.
    alive = [process.sentinel for process in processes]
    while alive and time.monotonic() < deadline:
        for ended in wait(alive, max(0.0, deadline - time.monotonic())):
            alive.remove(ended)
    if results is not None and not alive:
        # A worker killed while it sent a result leaves half a message in the pipe, and
        # the pool's thread would wait for the rest forever (so would Python, at exit,
        # for that thread). With the last end that writes closed, it reads the pipe's end.
        results._writer.close()
    if manager is not None:
        # It sees the processes gone, fails what was pending and ends.
        manager.join(max(0.0, deadline - time.monotonic()))


@contextmanager
def _held_signals() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP held back in this thread while it may fork workers, and
    taken right after.

    A worker is forked with them held, so that it takes none before it has set how
    (``_start_worker``): a Ctrl-C would otherwise make a worker that is just starting
    print a traceback. And the build is never interrupted halfway through starting its
    workers, which would leave one started but not yet known to the pool, so never
    stopped. Threads the pool starts meanwhile keep them held for good, which is as it
    should be: Python takes signals in the main thread.
    """
    if not hasattr(signal, "pthread_sigmask"):  # Windows, where nothing is forked
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _start_worker(parent: int, parent_main_thread: int | None) -> None:
    """In a new worker: it leaves when the build is gone; it ignores SIGINT and SIGHUP,
    which a terminal sends to the build's every process (the build stops its workers),
    and dies of SIGTERM; and what it inherited from the build is set aside for the cycle
    collector, which would otherwise walk it (and so copy its pages) for nothing."""
    # A forked process's only thread is the one that forked, with the same id.
    leave_when_orphaned(parent, forked_by_main_thread=threading.get_ident() == parent_main_thread)
    for signum in _STOP_SIGNALS:
        signal.signal(signum, signal.SIG_DFL if signum == signal.SIGTERM else signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    gc.freeze()
    gc.enable()


def leave_when_orphaned(parent: int, forked_by_main_thread: bool = False) -> None:
    """Make this worker exit as soon as ``parent``, the build that started it, is gone.

    A build killed outright (SIGKILL) cannot stop its workers, which would otherwise wait
    for work forever, holding the build's output open (a CI step reading it would wait
    forever too). On Linux the kernel kills the worker as its parent dies
    (``PR_SET_PDEATHSIG``); but the parent it watches is the thread that forked, so this
    is asked only of a worker forked by the build's main thread, which lives as long as
    the build. Otherwise a thread checks every ``ORPHAN_CHECK_SECONDS``.

    The parent's id comes from the build, not from ``os.getppid()`` here: a build killed
    before this runs is already gone, and this worker's parent is then whoever adopted it
    (init, or a subreaper: a container's init, ``systemd --user``), never the build.
    """
    if forked_by_main_thread and _die_with_parent():
        if os.getppid() != parent:  # gone before the kernel was asked to watch it
            os._exit(1)
        return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(ORPHAN_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="feedtool-orphan-watch", daemon=True).start()


def _die_with_parent() -> bool:
    """Ask Linux to kill this process (SIGKILL) when the thread that forked it ends;
    False where that cannot be asked."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


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
