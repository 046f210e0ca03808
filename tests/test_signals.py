"""A build stopped by a signal at any moment prints one line, ends by that signal, and
leaves no process and no work folder behind.

Each test runs ``python -m feedtool build`` on a site large enough for the build to fork
its workers, in a session of its own, and signals it right after it started (once its
signal handlers are in place), while its workers parse, or while they make the outputs.
Waits are generous and bounded, for a loaded 2-core machine.
"""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedtool._cli import main
from feedtool._workers import PARALLEL_MIN_ITEMS
from tests.conftest import SiteFolder
from tests.test_crash import load_generator

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="finds the build's processes in /proc"
)

ARTICLES = PARALLEL_MIN_ITEMS + 300
# Bounds on a loaded machine: for a moment of the build to come, for its output to end
# once it was signalled, and for its last process to go after a SIGKILL.
MOMENT_TIMEOUT = 30.0
END_TIMEOUT = 8.0
ORPHAN_TIMEOUT = 1.5
ATTEMPTS = 3  # runs in which to catch a moment before the build is over
# What a signal does to this process (main) or to the build's every process, as a
# terminal's Ctrl-C does (group).
MAIN, GROUP = "main", "group"


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("signals")
    load_generator().generate(ARTICLES, folder / "entries", seed=11)
    (folder / "feedtool.toml").write_text(
        '[site]\ntitle = "Signals"\nurl = "https://signals.example/"\n'
        'id_authority = "signals.example,2026"\n',
        encoding="utf-8",
    )
    return folder


@pytest.mark.parametrize(
    "signum, target, moment",
    [
        (signal.SIGINT, GROUP, "start"),
        (signal.SIGINT, GROUP, "parse"),
        (signal.SIGINT, GROUP, "make"),
        (signal.SIGINT, MAIN, "parse"),
        (signal.SIGTERM, MAIN, "start"),
        (signal.SIGTERM, MAIN, "parse"),
        (signal.SIGTERM, MAIN, "make"),
        (signal.SIGTERM, GROUP, "parse"),
        (signal.SIGHUP, GROUP, "make"),
    ],
    ids=lambda value: getattr(value, "name", value),
)
def test_a_signal_stops_the_build_with_one_line_and_nothing_left(
    big_site: Path, signum: signal.Signals, target: str, moment: str
):
    site = big_site
    build = stopped_build(site, signum, target, moment)
    assert build.returncode == -signum, build.stderr  # a shell reports 128 + signum
    assert build.stderr == f"feedtool: interrupted ({signum.name})\n"
    assert build.stdout == ""
    # Its workers were stopped before it ended: none is left, not even for a moment.
    assert processes_of_session(build.pid) == []
    assert work_folders(site, build.pid) == []


@pytest.mark.parametrize("moment", ["start", "parse", "make"])
def test_a_killed_build_takes_its_workers_with_it(big_site: Path, moment: str):
    site = big_site
    build = stopped_build(site, signal.SIGKILL, MAIN, moment)
    assert build.returncode == -signal.SIGKILL
    assert build.stderr == build.stdout == ""
    assert no_process_of_session_within(build.pid, ORPHAN_TIMEOUT)
    # The work folder it could not remove is removed by the next build.
    assert rebuild(site).returncode == 0
    assert work_folders(site) == []


def test_ctrl_c_twice_ends_the_build_at_once_with_one_line(big_site: Path):
    site = big_site

    def twice(pid: int) -> None:
        os.killpg(pid, signal.SIGINT)
        time.sleep(0.01)
        os.killpg(pid, signal.SIGINT)

    build = stopped_build(site, signal.SIGINT, twice, "make")
    assert build.returncode == -signal.SIGINT
    assert build.stderr == "feedtool: interrupted (SIGINT)\n"
    assert no_process_of_session_within(build.pid, ORPHAN_TIMEOUT)
    assert rebuild(site).returncode == 0
    assert work_folders(site) == []


def test_a_worker_killed_during_the_build_is_one_error_line(big_site: Path):
    def kill_a_worker(pid: int) -> None:
        os.kill(children_of(pid)[0], signal.SIGKILL)

    build = stopped_build(big_site, signal.SIGKILL, kill_a_worker, "parse")
    assert build.returncode == 1
    assert build.stderr == (
        "error: a worker process of the build ended unexpectedly (killed by a signal, or "
        "out of memory); nothing was published\n"
    )
    assert processes_of_session(build.pid) == []
    assert work_folders(big_site, build.pid) == []


def test_a_build_on_a_terminal_shows_its_progress_bar(big_site: Path):
    status, shown = build_on_a_terminal(big_site)
    assert status == 0, shown
    assert "Building  [" in shown and "100%" in shown
    assert f"{ARTICLES} entries, " in shown.splitlines()[-1]


def test_ctrl_c_on_a_terminal_ends_the_progress_bar_with_one_line(big_site: Path):
    status, shown = build_on_a_terminal(big_site, ctrl_c_once_building=True)
    assert status == -signal.SIGINT
    assert "Traceback" not in shown
    assert shown.endswith("\nfeedtool: interrupted (SIGINT)\n"), shown
    assert work_folders(big_site) == []


def test_workers_forked_by_another_thread_leave_when_the_build_is_killed(big_site: Path):
    # As in `feedtool serve --watch`, which rebuilds in a thread: Linux's parent-death
    # signal would follow that thread, so a worker watches its build instead.
    script = (
        "import threading\n"
        "from feedtool._build import build\n"
        "from feedtool._config import load_settings\n"
        "settings = load_settings(None, {}, require_url=True)\n"
        "thread = threading.Thread(target=build, args=(settings,), kwargs={'use_cache': False})\n"
        "thread.start()\n"
        "thread.join()\n"
    )
    build = stopped_build(big_site, signal.SIGKILL, MAIN, "parse", command=["-c", script])
    assert build.returncode == -signal.SIGKILL
    assert build.stderr == ""
    assert no_process_of_session_within(build.pid, ORPHAN_TIMEOUT)


def test_ctrl_c_in_a_command_run_in_process_is_one_line_and_status_130(
    three_entry_site: SiteFolder, monkeypatch: pytest.MonkeyPatch
):
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("feedtool._cli.build", interrupted)
    result = CliRunner().invoke(main, ["build", "--config", str(three_entry_site.config)])
    assert result.exit_code == 128 + signal.SIGINT
    assert result.stderr == "feedtool: interrupted (SIGINT)\n"


def test_a_signal_taken_where_python_drops_exceptions_still_stops_the_program():
    # Python runs a signal's handler wherever the main thread is: here in a __del__,
    # where what it raises would be printed as "Exception ignored" and dropped.
    script = (
        "import os, signal, time\n"
        "from feedtool import _interrupt as interrupt\n"
        "interrupt.stop_on_signals()\n"
        "class Dropped:\n"
        "    def __del__(self):\n"
        "        os.kill(os.getpid(), signal.SIGTERM)\n"
        "        for _ in range(100_000): pass\n"
        "try:\n"
        "    Dropped()\n"
        "    time.sleep(10)\n"
        "    print('not stopped')\n"
        "except KeyboardInterrupt as stopped:\n"
        "    print('stopped by', stopped.signum)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=END_TIMEOUT
    )
    assert (result.stdout, result.stderr) == (f"stopped by {signal.SIGTERM.value}\n", "")


class StoppedBuild:
    def __init__(self, process: subprocess.Popen, stdout: str, stderr: str):
        self.pid = process.pid
        self.returncode = process.returncode
        self.stdout = stdout
        self.stderr = stderr


def stopped_build(
    site: Path, signum: int, target: object, moment: str, command: list[str] | None = None
) -> StoppedBuild:
    """A build of ``site`` sent ``signum`` at ``moment``: by ``target``, MAIN, GROUP or a
    function of the build's pid; retried if the build was over before the moment came."""
    command = command or ["-m", "feedtool", "build", "-q", "--no-cache"]
    for _ in range(ATTEMPTS):
        # Nothing published yet: every output is made and staged.
        shutil.rmtree(site / "public", ignore_errors=True)
        process = subprocess.Popen(
            [sys.executable, *command],
            cwd=site,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            if not reached(moment, process, site):
                process.communicate(timeout=MOMENT_TIMEOUT)
                continue
            if target == MAIN:
                process.send_signal(signum)
            elif target == GROUP:
                os.killpg(process.pid, signum)
            else:
                target(process.pid)
            # The output ends when the build and every worker (which hold it too) are gone.
            stdout, stderr = process.communicate(timeout=END_TIMEOUT)
        finally:
            if process.returncode is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
        return StoppedBuild(process, stdout, stderr)
    raise AssertionError(f"the build was over before {moment} in {ATTEMPTS} runs")


def build_on_a_terminal(site: Path, ctrl_c_once_building: bool = False) -> tuple[int, str]:
    """Build ``site`` with a terminal for its output, and press Ctrl-C (SIGINT to the
    build's every process) once the progress bar moves; its status and what it showed."""
    shutil.rmtree(site / "public", ignore_errors=True)
    terminal, its_side = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "feedtool", "build", "--no-cache"],
        cwd=site,
        stdin=subprocess.DEVNULL,
        stdout=its_side,
        stderr=its_side,
        start_new_session=True,
    )
    os.close(its_side)
    shown, pressed = b"", False
    deadline = time.monotonic() + MOMENT_TIMEOUT
    try:
        while time.monotonic() < deadline:
            if select.select([terminal], [], [], 0.05)[0]:
                try:
                    chunk = os.read(terminal, 65536)
                except OSError:  # the build and its workers have all closed it
                    chunk = b""
                if not chunk:
                    break
                shown += chunk
            # Once the bar has moved: a person's Ctrl-C does not come in the microseconds
            # it takes to draw it first.
            if ctrl_c_once_building and not pressed and re.search(rb"\s[1-9]\d?%", shown):
                os.killpg(process.pid, signal.SIGINT)
                pressed = True
        process.wait(timeout=END_TIMEOUT)
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        os.close(terminal)
    return process.returncode, shown.decode().replace("\r\n", "\n")


def reached(moment: str, process: subprocess.Popen, site: Path) -> bool:
    """Wait until the build is at ``moment``: ``start`` (its signal handlers in place),
    ``parse`` (workers have written pieces, no output yet) or ``make`` (outputs are
    being written into the stage); False if it ended first."""
    deadline = time.monotonic() + MOMENT_TIMEOUT
    while process.poll() is None and time.monotonic() < deadline:
        if moment == "start" and handles_stop_signals(process.pid):
            return True
        for work in work_folders(site, process.pid):
            pieces = any(path.name.startswith("pieces-") for path in work.iterdir())
            staged = any(os.scandir(work / "stage")) if (work / "stage").is_dir() else False
            if (moment == "parse" and pieces and not staged) or (moment == "make" and staged):
                return True
        time.sleep(0.002)
    return False


def handles_stop_signals(pid: int) -> bool:
    wanted = (1 << (signal.SIGINT - 1)) | (1 << (signal.SIGTERM - 1)) | (1 << (signal.SIGHUP - 1))
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("SigCgt:"):
                return int(line.split()[1], 16) & wanted == wanted
    except OSError:
        pass
    return False


def work_folders(site: Path, pid: int | None = None) -> list[Path]:
    try:
        return sorted(site.glob(f".public.feedtool-work-{pid if pid else ''}*"))
    except OSError:  # one removed while listed
        return work_folders(site, pid)


def rebuild(site: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "feedtool", "build", "-q", "--no-cache"],
        cwd=site,
        capture_output=True,
        timeout=120,
    )


def processes_of_session(session: int) -> list[int]:
    """The running (not zombie) processes of ``session``."""
    return [pid for pid, fields in running_processes() if int(fields[3]) == session]


def children_of(parent: int) -> list[int]:
    return [pid for pid, fields in running_processes() if int(fields[1]) == parent]


def running_processes() -> list[tuple[int, list[str]]]:
    """Each process that is not a zombie, with the fields of its /proc stat after its
    name: state, parent, process group, session, ..."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            found.append((int(entry.name), fields))
    return found


def no_process_of_session_within(session: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while processes_of_session(session):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
