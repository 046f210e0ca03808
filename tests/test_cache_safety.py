"""The cache is data, never code: a crafted `.feedtool-cache/` (shipped in a repository or
a tarball) can make a build start over, never run anything."""

from __future__ import annotations

import json
import marshal
import os
import pickle
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from feedtool._build import build
from feedtool._cache import CACHE_DIR, FILES_DELTA_NAME, FILES_NAME, HEAD_NAME, OUTPUTS_NAME
from tests.conftest import SiteFolder, article
from tests.test_incremental import clean_build, snapshot


class RunsAShellCommand:
    """Unpickling this runs ``command``: what a crafted ``head.pickle`` could hold."""

    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def touching(marker: Path) -> bytes:
    return pickle.dumps(RunsAShellCommand(f"touch {shlex.quote(str(marker))}"))


def code_touching(marker: Path):
    """A code object that creates ``marker`` if anything ever runs it."""
    return compile(f"open({str(marker)!r}, 'w').close()", "<cache>", "exec")


def built_twice(site: SiteFolder) -> Path:
    """A site built, then built again after an edit: every cache file exists."""
    site.add("001_alpha.txt", article(title="Alpha", date="2026-01-01 09:00"))
    site.add("002_beta.txt", article(title="Beta", date="2026-02-01 09:00"))
    build(site.settings())
    site.add("001_alpha.txt", article(title="Alpha again", date="2026-01-01 09:00"))
    build(site.settings())
    cache = site.root / CACHE_DIR
    assert (cache / FILES_DELTA_NAME).exists()
    return cache


def assert_discarded_and_rebuilt(site: SiteFolder, tmp_path: Path, marker: Path) -> None:
    site.add("002_beta.txt", article(title="Beta edited", date="2026-02-01 09:00"))
    report = build(site.settings())
    assert not marker.exists()
    assert any("discarded" in warning.message for warning in report.warnings), report.warnings
    assert snapshot(site.output) == clean_build(site, tmp_path)
    # The cache written then is sound: the next build finds nothing changed, and says
    # nothing about the cache.
    again = build(site.settings())
    assert again.nothing_changed
    assert not any("discarded" in warning.message for warning in again.warnings)


@pytest.mark.parametrize("name", ["head.pickle", HEAD_NAME])
def test_a_pickle_that_runs_code_in_the_cache_is_never_unpickled(
    site: SiteFolder, tmp_path: Path, name: str
):
    cache = built_twice(site)
    marker = tmp_path / "marker"
    (cache / name).write_bytes(touching(marker))
    assert_discarded_and_rebuilt(site, tmp_path, marker)
    assert not (cache / "head.pickle").exists()


def test_a_marshalled_code_object_as_the_head_is_refused(site: SiteFolder, tmp_path: Path):
    cache = built_twice(site)
    marker = tmp_path / "marker"
    (cache / HEAD_NAME).write_bytes(marshal.dumps(code_touching(marker)))
    assert_discarded_and_rebuilt(site, tmp_path, marker)


def replace_first_row(cache: Path, name: str, change) -> None:
    token, table = marshal.loads((cache / name).read_bytes())
    first = next(iter(table))
    table[first] = change(table[first])
    (cache / name).write_bytes(marshal.dumps((token, table)))


def with_code_in_entry(marker: Path):
    def change(row: tuple) -> tuple:
        # The entry's title, as the row keeps it, made a code object.
        row = list(row)
        entry_at = next(index for index, value in enumerate(row) if isinstance(value, tuple))
        entry = list(row[entry_at])
        entry[1] = code_touching(marker)
        row[entry_at] = tuple(entry)
        return tuple(row)

    return change


@pytest.mark.parametrize("name", [FILES_NAME, FILES_DELTA_NAME])
def test_a_marshalled_code_object_in_the_files_tables_is_refused(
    site: SiteFolder, tmp_path: Path, name: str
):
    cache = built_twice(site)
    marker = tmp_path / "marker"
    replace_first_row(cache, name, with_code_in_entry(marker))
    assert_discarded_and_rebuilt(site, tmp_path, marker)


def test_a_marshalled_code_object_in_the_outputs_table_is_refused(site: SiteFolder, tmp_path: Path):
    cache = built_twice(site)
    marker = tmp_path / "marker"
    replace_first_row(cache, OUTPUTS_NAME, lambda key: code_touching(marker))
    assert_discarded_and_rebuilt(site, tmp_path, marker)


@pytest.mark.parametrize(
    "value",
    [
        # Plain data of the wrong type or shape where the files table has a row.
        [1, 2],
        {"a": 1},
        "text",
        frozenset({1}),
    ],
    ids=["list", "dict", "text", "frozenset"],
)
def test_plain_values_of_the_wrong_type_in_a_table_are_refused(
    site: SiteFolder, tmp_path: Path, value: object
):
    cache = built_twice(site)
    replace_first_row(cache, FILES_NAME, lambda row: value)
    assert_discarded_and_rebuilt(site, tmp_path, tmp_path / "marker")


def test_a_title_of_the_wrong_type_in_the_files_table_is_refused(site: SiteFolder, tmp_path: Path):
    # A kept entry whose title were a number would fail when rendered: refused on loading.
    cache = built_twice(site)

    def change(row: tuple) -> tuple:
        row = list(row)
        entry_at = next(index for index, value in enumerate(row) if isinstance(value, tuple))
        row[entry_at] = (row[entry_at][0], 12345, *row[entry_at][2:])
        return tuple(row)

    replace_first_row(cache, FILES_NAME, change)
    assert_discarded_and_rebuilt(site, tmp_path, tmp_path / "marker")


@pytest.mark.parametrize(
    "change",
    [
        lambda head: head["head"].update(summary="three"),
        lambda head: head["head"].update(warnings=[["warning", "x", None, "line"]]),
        lambda head: head["head"].update(unknown=1),
        lambda head: head["head"].pop("token"),
        lambda head: head.update(head=["not", "fields"]),
        lambda head: head.update(magic="another tool"),
    ],
    ids=["summary", "warning", "extra-field", "missing-field", "not-an-object", "magic"],
)
def test_a_head_of_the_wrong_shape_is_refused(site: SiteFolder, tmp_path: Path, change):
    cache = built_twice(site)
    head = json.loads((cache / HEAD_NAME).read_text(encoding="utf-8"))
    change(head)
    (cache / HEAD_NAME).write_text(json.dumps(head), encoding="utf-8")
    assert_discarded_and_rebuilt(site, tmp_path, tmp_path / "marker")


def test_the_head_is_json_text(site: SiteFolder):
    cache = built_twice(site)
    head = json.loads((cache / HEAD_NAME).read_text(encoding="utf-8"))
    assert head["magic"] == "feedtool-cache" and isinstance(head["head"], dict)


def run_build(site: SiteFolder) -> subprocess.CompletedProcess:
    """The build in a process of its own, stopped after a minute: one that waits on a FIFO
    or reads /dev/zero fails the test instead of hanging it."""
    return subprocess.run(
        [sys.executable, "-m", "feedtool", "build", "--config", str(site.config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        (FILES_NAME, "fifo"),
        (OUTPUTS_NAME, "/dev/zero"),
        (HEAD_NAME, "fifo"),
        (HEAD_NAME, "/dev/zero"),
    ],
)
def test_a_cache_file_that_is_a_fifo_or_a_device_is_never_read(
    site: SiteFolder, tmp_path: Path, name: str, kind: str
):
    cache = built_twice(site)
    (cache / name).unlink()
    if kind == "fifo":
        os.mkfifo(cache / name)
    else:
        (cache / name).symlink_to(kind)
    site.add("002_beta.txt", article(title="Beta edited", date="2026-02-01 09:00"))
    result = run_build(site)
    assert result.returncode == 0, result.stderr
    assert "cache damaged or foreign" in result.stderr and "discarded" in result.stderr
    assert snapshot(site.output) == clean_build(site, tmp_path)


def test_a_symlink_planted_in_the_cache_folder_is_replaced_not_written_through(
    site: SiteFolder, tmp_path: Path
):
    cache = built_twice(site)
    victim = tmp_path / "victim"
    victim.write_text("not the cache's")
    for name in (HEAD_NAME, FILES_NAME, FILES_DELTA_NAME, OUTPUTS_NAME):
        (cache / name).unlink()
        (cache / name).symlink_to(victim)
    site.add("002_beta.txt", article(title="Beta edited", date="2026-02-01 09:00"))
    build(site.settings())
    assert victim.read_text() == "not the cache's"
    assert not (cache / HEAD_NAME).is_symlink() and build(site.settings()).nothing_changed
