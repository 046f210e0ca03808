"""Helpers for the worker processes a build starts (parsing, validation)."""

from __future__ import annotations

import os
import threading
import time


def leave_when_orphaned() -> None:
    """Make this worker process exit as soon as the process that started it is gone.

    A build killed outright (SIGKILL) cannot stop its workers, which would otherwise wait
    for work forever. Called once, from a worker's initializer.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="feedtool-orphan-watch", daemon=True).start()
