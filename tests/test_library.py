"""feedtool used from a Python script, as a library caller would: no main guard needed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import feedtool._workers
from feedtool._build import build
from tests.conftest import SiteFolder, article

# A script as a user writes it: no `if __name__ == "__main__":`, so a worker process
# that imported it again would build again (and wait on the build's own lock).
SCRIPT = """\
import os
import sys
from pathlib import Path

from feedtool._build import build
from feedtool._config import load_settings

if {forbid_processes}:
    # Any worker process the build tried to start would fail the script.
    def no_processes(*args, **kwargs):
        raise AssertionError("the build started a worker process")

    os.fork = no_processes
    import concurrent.futures

    concurrent.futures.ProcessPoolExecutor.__init__ = no_processes
print("script ran", file=sys.stderr)
report = build(load_settings(Path({config!r}), {{}}), use_cache=False)
print(report.entries, len(report.result.written))
"""


def run_script(
    tmp_path: Path, site: SiteFolder, forbid_processes: bool
) -> subprocess.CompletedProcess:
    script = tmp_path / "make_feeds.py"
    script.write_text(
        textwrap.dedent(SCRIPT).format(config=str(site.config), forbid_processes=forbid_processes)
    )
    return subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )


def test_a_script_without_main_guard_builds_a_small_site_in_its_own_process(
    site: SiteFolder, tmp_path: Path
):
    for number in range(10):
        site.add(f"{number:02d}.txt", article(title=f"Entry {number}"))
    result = run_script(tmp_path, site, forbid_processes=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "10"
    assert result.stderr.count("script ran") == 1
    assert (site.output / "rss.xml").is_file()


def test_a_script_without_main_guard_builds_a_large_site_in_worker_processes(
    site: SiteFolder, tmp_path: Path
):
    # Workers are forked, so they never run the script again.
    for number in range(feedtool._workers.PARALLEL_MIN_ITEMS):
        site.add(f"{number:04d}.txt", article(title=f"Entry {number}"))
    result = run_script(tmp_path, site, forbid_processes=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == str(feedtool._workers.PARALLEL_MIN_ITEMS)
    assert result.stderr.count("script ran") == 1


def pid(_: object) -> int:
    """The process a task runs in (a module's function: tasks are pickled to workers)."""
    return os.getpid()


def test_maps_of_few_items_run_here_and_maps_of_many_on_every_core(site: SiteFolder, monkeypatch):
    with feedtool._workers.Workers(2) as workers:
        few = set(workers.map(pid, range(4), items=feedtool._workers.PARALLEL_MIN_ITEMS - 1))
        many = set(workers.map(pid, range(64), items=feedtool._workers.PARALLEL_MIN_ITEMS))
    assert few == {os.getpid()}
    assert os.getpid() not in many and len(many) >= 1
    with feedtool._workers.Workers(1) as workers:
        assert set(workers.map(pid, range(4), items=10**6)) == {os.getpid()}
    # And a build of a small site, or a rebuild after one edit, runs without a pool.
    started = []
    monkeypatch.setattr(feedtool._workers, "ProcessPoolExecutor", lambda *a, **k: started.append(1))
    site.add("a.txt", article())
    build(site.settings())
    site.add("a.txt", article(title="Edited"))
    build(site.settings())
    assert started == []
