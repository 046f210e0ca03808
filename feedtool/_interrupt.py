"""How a signal stops the ``feedtool`` program: one line, the signal's status, nothing left.

Ctrl-C (SIGINT), SIGTERM and SIGHUP stop a command the same way. The first one raises
``Interrupted``, a ``KeyboardInterrupt``, in the main thread, so that what the command was
doing unwinds through its ``finally`` clauses: a build stops its workers and removes its
work folder (``feedtool._build``, ``feedtool._workers``). The CLI then prints one line,
``feedtool: interrupted (SIGINT)``, and the program ends by that same signal, so that a
shell reports 128 + its number (130, 143, 129) and a script running feedtool stops too.
A second signal ends the program at once: the cleanup is short, but nobody who asks
twice should have to wait for it.

Only the program (``feedtool.__main__.run``) installs these handlers. A caller of the
library, or of the CLI in its own process, keeps its own; there a ``KeyboardInterrupt``
still ends a command with the one line and status 130 (``report``).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from functools import partial
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sys import UnraisableHookArgs

# The signals that ask feedtool to stop. Its workers ignore all but SIGTERM: the build
# decides, and stops them (``feedtool._workers``).
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class Interrupted(KeyboardInterrupt):
    """A signal asked feedtool to stop (a ``KeyboardInterrupt``, so that code which cleans
    up after Ctrl-C cleans up after SIGTERM and SIGHUP too)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


_stopping: int | None = None  # the signal that is stopping the program
_raise_again = False  # its ``Interrupted`` was lost: raise it again
_reported = False  # its line is printed
_ended_by: int | None = None  # the signal a command was ended by, for ``end``


def stop_on_signals() -> None:
    """Make SIGINT, SIGTERM and SIGHUP stop this program: the first raises ``Interrupted``,
    any later one ends the program at once. Call once, from the main thread, at start."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, _on_signal)
    sys.unraisablehook = partial(_on_unraisable, sys.unraisablehook)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    global _stopping, _raise_again
    if _raise_again:
        if _in_unraisable_hook(frame):
            return  # it would be dropped here too: ``_send_again`` sends it again
        _raise_again = False
        raise Interrupted(_stopping or signum)
    if _stopping is None:
        _stopping = signum
        raise Interrupted(signum)
    # Asked again: whatever the first one is still doing is abandoned. Workers end with
    # this process (see ``feedtool._workers``); a work folder left behind is removed by the
    # next build.
    report(Interrupted(_stopping))
    _end_now(_stopping)


def _on_unraisable(
    previous_hook: Callable[[UnraisableHookArgs], object], unraisable: UnraisableHookArgs
) -> None:
    """Python runs a signal's handler wherever the main thread is, even in a weak
    reference's callback or a ``__del__`` (during an import, say), where what it raises is
    printed and dropped; ``Interrupted`` is raised again as soon as Python can."""
    global _raise_again
    if not isinstance(unraisable.exc_value, Interrupted):
        previous_hook(unraisable)
    elif not _raise_again:
        _raise_again = True
        signum = unraisable.exc_value.signum
        threading.Thread(target=_send_again, args=(signum,), daemon=True).start()


def _send_again(signum: int) -> None:
    """Send ``signum`` to the main thread (a wait there ends) until it raises it where it
    counts. From a thread of its own: sent from the hook, its handler would run there."""
    main_thread = threading.main_thread().ident
    assert main_thread is not None
    while _raise_again:
        signal.pthread_kill(main_thread, signum)
        time.sleep(0.01)


def _in_unraisable_hook(frame: FrameType | None) -> bool:
    while frame is not None:
        if frame.f_code is _on_unraisable.__code__:
            return True
        frame = frame.f_back
    return False


def report(interrupt: KeyboardInterrupt) -> int:
    """Print the one line that says a command was stopped (once, whatever is asked) and
    return its exit status, 128 + the signal's number; ``end`` then ends the program."""
    global _reported, _ended_by
    signum = getattr(interrupt, "signum", signal.SIGINT)
    _ended_by = signum
    if not _reported:
        # Once in the program, which a second signal ends; every time for a caller of
        # the CLI in its own process, which installed no handler.
        _reported = _stopping is not None
        # Not a word if there is no terminal any more (SIGHUP), or stderr is closed.
        with suppress(OSError, ValueError):
            sys.stderr.write(f"feedtool: interrupted ({signal.Signals(signum).name})\n")
            sys.stderr.flush()
    return 128 + signum


def end() -> None:
    """If ``report`` was called, end this process by that signal, as a shell expects of a
    program it stopped; return otherwise."""
    if _ended_by is not None:
        _end_now(_ended_by)


def _end_now(signum: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):
            stream.flush()
    # Ended by the signal itself, its default action restored: neither Python's exit
    # (which would join threads and processes) nor anything else can hold the process.
    signal.signal(signum, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signum})
    os.kill(os.getpid(), signum)
    os._exit(128 + signum)  # not reached: the signal's default action ends the process
