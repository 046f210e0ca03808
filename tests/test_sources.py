"""Reading the entries folder: order, dates from git and file times, bad files."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

import feedtool._sources
from feedtool._errors import SourceError
from feedtool._sources import (
    git_file_dates,
    parse_git_log,
    read_entries,
    scan_entries,
)
from tests.conftest import SiteFolder, article

UNDATED = "Undated title\n\nA body that ends well.\n"


def git(folder: Path, *args: str, date: str | None = None) -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME="T", GIT_AUTHOR_EMAIL="t@e.org")
    env.update(GIT_COMMITTER_NAME="T", GIT_COMMITTER_EMAIL="t@e.org")
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    subprocess.run(["git", "-C", str(folder), *args], check=True, env=env, capture_output=True)


def test_files_are_found_recursively_in_a_stable_order(site: SiteFolder):
    for name in ("b.txt", "a.txt", "sub/c.txt", "sub/deeper/d.txt", "notes.md", ".hidden.txt"):
        site.add(name, article())
    (site.entries / ".git").mkdir()
    (site.entries / ".git/e.txt").write_text("x")
    files, _ = scan_entries(site.entries)
    assert [scanned.relative for scanned in files] == [
        "a.txt",
        "b.txt",
        "sub/c.txt",
        "sub/deeper/d.txt",
    ]


def test_symlink_outside_the_entries_folder_is_not_followed(site: SiteFolder, tmp_path: Path):
    outside = tmp_path / "secret.txt"
    outside.write_text(article(title="Secret"))
    (site.entries / "link.txt").symlink_to(outside)
    (site.entries / "linkdir").symlink_to(tmp_path)
    site.add("real.txt", article(title="Real"))
    result = read_entries(site.settings())
    assert [entry.title for entry in result.entries] == ["Real"]
    warned = sorted(Path(w.path).name for w in result.warnings if "symlink" in w.message)
    assert warned == ["link.txt", "linkdir"]


def test_missing_entries_folder_is_a_clear_error(site: SiteFolder):
    with pytest.raises(SourceError, match="does not exist") as caught:
        read_entries(site.settings(entries=site.root / "nope"))
    assert caught.value.path == str(site.root / "nope")


def test_entries_path_that_is_a_file_is_an_error(site: SiteFolder):
    (site.root / "file").write_text("x")
    with pytest.raises(SourceError, match="not a folder"):
        read_entries(site.settings(entries=site.root / "file"))


def test_file_dates_are_used_outside_git(site: SiteFolder):
    path = site.add("001_a.txt", UNDATED)
    stamp = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    (entry,) = read_entries(site.settings()).entries
    assert entry.published == entry.updated == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def test_git_dates_first_commit_publishes_last_commit_updates(site: SiteFolder):
    git(site.root, "init", "-q")
    site.add("001_a.txt", UNDATED)
    site.add("002_dated.txt", article(date="2020-01-01 00:00:00+00:00"))
    git(site.root, "add", ".")
    git(site.root, "commit", "-qm", "add", date="2023-01-01T10:00:00+02:00")
    site.add("001_a.txt", UNDATED + "\nMore text.\n")
    site.add("002_dated.txt", article(date="2020-01-01 00:00:00+00:00", title="Edited"))
    git(site.root, "commit", "-qam", "edit", date="2023-06-01T10:00:00+00:00")
    entries = {entry.id: entry for entry in read_entries(site.settings()).entries}
    undated = entries["001_a"]
    assert undated.published == datetime.fromisoformat("2023-01-01T10:00:00+02:00")
    assert undated.updated == datetime.fromisoformat("2023-06-01T10:00:00+00:00")
    # A Date: line wins over git for both dates, so committing never changes them.
    dated = entries["002_dated"]
    assert dated.published == dated.updated == datetime(2020, 1, 1, tzinfo=UTC)


def test_git_log_runs_once_for_the_whole_folder(site: SiteFolder, monkeypatch):
    git(site.root, "init", "-q")
    for number in range(5):
        site.add(f"00{number}.txt", UNDATED)
    git(site.root, "add", ".")
    git(site.root, "commit", "-qm", "add")
    calls = []
    real_run = subprocess.run

    def counting_run(command, *args, **kwargs):
        calls.append(command)
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", counting_run)
    assert len(read_entries(site.settings()).entries) == 5
    assert len(calls) == 1 and "log" in calls[0]


def test_git_log_parsing_handles_odd_file_names():
    output = (
        "\x012026-02-01T00:00:00+00:00\0\nsub/b é.txt\0a b.txt\0"
        "\x012026-01-01T00:00:00+00:00\0\na b.txt\0"
    )
    dates = parse_git_log(output)
    assert dates["a b.txt"].added == datetime(2026, 1, 1, tzinfo=UTC)
    assert dates["a b.txt"].changed == datetime(2026, 2, 1, tzinfo=UTC)
    assert dates["sub/b é.txt"].added == datetime(2026, 2, 1, tzinfo=UTC)


def test_no_git_gives_no_git_dates(tmp_path: Path):
    assert git_file_dates(tmp_path) == {}


def test_duplicate_ids_name_both_files(site: SiteFolder):
    site.add("a/same.txt", article())
    site.add("b/same.txt", article())
    site.add("c.txt", "Id: SAME\n\nTitle\n")
    result = read_entries(site.settings())
    assert len(result.entries) == 1
    messages = sorted(str(error) for error in result.errors)
    assert len(messages) == 2
    assert all("duplicate id" in m and "a/same.txt" in m for m in messages)


def test_file_larger_than_the_limit_is_an_error(site: SiteFolder):
    site.add("big.txt", article(body="Word. " * 2000))
    result = read_entries(site.settings(max_entry_size=1000))
    (error,) = result.errors
    assert "more than the limit of 1000" in error.message and "--max-entry-size" in error.message


def test_unreadable_file_is_an_error_naming_it(site: SiteFolder, monkeypatch):
    path = site.add("locked.txt", article())
    site.add("fine.txt", article(title="Fine"))

    # Tests may run as root, which ignores file modes: simulate the refusal the OS gives
    # when the reader opens the file.
    def refuse(file: str, *args, **kwargs):
        if Path(file).name == "locked.txt":
            raise PermissionError(13, "Permission denied", file)
        return open(file, *args, **kwargs)

    monkeypatch.setattr(feedtool._sources, "open", refuse, raising=False)
    result = read_entries(site.settings())
    assert [entry.title for entry in result.entries] == ["Fine"]
    (error,) = result.errors
    assert error.path == str(path) and "permission denied" in error.message


def test_file_names_with_spaces_and_non_ascii(site: SiteFolder):
    site.add("été 2026 notes.txt", article(title="Summer"))
    (entry,) = read_entries(site.settings()).entries
    assert entry.id == "été 2026 notes"


def test_a_body_left_out_is_read_again_from_its_unchanged_file(site: SiteFolder):
    from feedtool._entry import without_body
    from feedtool._errors import EntryError
    from feedtool._sources import read_body

    site.add("a.txt", article(title="Alpha", body="First body, in full."))
    settings = site.settings()
    (entry,) = read_entries(settings).entries
    # As a build keeps entries: without their bodies, so that no process holds them all.
    kept = without_body(entry)
    assert kept.title == "Alpha" and kept.paragraphs == () and kept.body_left_out
    assert read_body(kept, settings) == entry
    site.add("a.txt", article(title="Alpha", body="Edited meanwhile."))
    with pytest.raises(EntryError, match="changed during the build"):
        read_body(kept, settings)


def run_build(site: SiteFolder) -> subprocess.CompletedProcess:
    """The build in a process of its own, stopped after a minute: a build that waits on a
    FIFO or reads /dev/zero fails the test instead of hanging it."""
    return subprocess.run(
        [sys.executable, "-m", "feedtool", "build", "--config", str(site.config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_fifos_and_symlinks_to_devices_are_skipped_with_a_warning_never_opened(
    site: SiteFolder, tmp_path: Path
):
    site.add("real.txt", article(title="Real"))
    os.mkfifo(site.entries / "pipe.txt")
    os.mkfifo(tmp_path / "outside-pipe")
    (site.entries / "to-pipe.txt").symlink_to(site.entries / "pipe.txt")
    (site.entries / "zero.txt").symlink_to("/dev/zero")
    (site.entries / "null.txt").symlink_to("/dev/null")
    (site.entries / "sub.txt").mkdir()  # a folder named like an article: read inside
    (site.entries / "sub.txt/inner.txt").write_text(article(title="Inner"), encoding="utf-8")
    result = run_build(site)
    assert result.returncode == 0, result.stderr
    for name in ("pipe.txt", "to-pipe.txt"):
        line = f"{site.entries / name}: warning: not a regular file (a FIFO); skipped"
        assert line in result.stderr.splitlines()
    # Devices are outside the entries folder: not followed, as any such symlink.
    for name in ("zero.txt", "null.txt"):
        assert f"{site.entries / name}: warning: symlink points outside" in result.stderr
    feed = feedparser.parse(site.read("atom.xml"))
    assert sorted(entry.title for entry in feed.entries) == ["Inner", "Real"]


def test_a_device_inside_the_entries_folder_is_skipped_with_a_warning(
    site: SiteFolder, monkeypatch
):
    # A tarball unpacked as root can hold device files; a symlink inside the folder to
    # one is the same to the scan, which stats what a link leads to.
    site.add("real.txt", article(title="Real"))
    monkeypatch.setattr(feedtool._sources, "_inside", lambda path, root: True)
    (site.entries / "zero.txt").symlink_to("/dev/zero")
    files, warnings = scan_entries(site.entries)
    assert [scanned.relative for scanned in files] == ["real.txt"]
    assert [(Path(w.path).name, w.message) for w in warnings] == [
        ("zero.txt", "not a regular file (a character device); skipped")
    ]


READ_IN_A_PROCESS = """
import sys
from pathlib import Path
from feedtool._config import Settings
from feedtool._errors import EntryError
from feedtool._sources import read_article_bytes
try:
    read_article_bytes(Path(sys.argv[1]), Settings(max_entry_size=1000))
except EntryError as error:
    print(error.message)
"""


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero"])
def test_reading_a_file_that_is_not_regular_is_refused_at_once(tmp_path: Path, kind: str):
    # A file swapped for a FIFO between the scan and the read: the read neither waits
    # for a writer nor reads a device without end.
    path = tmp_path / "x.txt"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to(kind)
    result = subprocess.run(
        [sys.executable, "-c", READ_IN_A_PROCESS, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    expected = "a FIFO" if kind == "fifo" else "a character device"
    assert result.stdout.strip() == f"not a regular file ({expected})", result.stderr


def test_a_file_that_grows_while_read_is_read_one_byte_past_the_limit_at_most(
    site: SiteFolder, monkeypatch
):
    from feedtool._errors import EntryError
    from feedtool._sources import read_article_bytes

    path = site.add("grows.txt", article(body="Word. " * 2000))
    real_fstat, real_open = os.fstat, open
    # Its size as it was when it was opened, before it grew.
    monkeypatch.setattr(
        os, "fstat", lambda fd: os.stat_result((*real_fstat(fd)[:6], 100, *real_fstat(fd)[7:]))
    )
    read: list[int] = []

    class Counting:
        def __init__(self, handle):
            self.handle = handle

        def read(self, size: int) -> bytes:
            data = self.handle.read(size)
            read.append(len(data))
            return data

        def __getattr__(self, name: str):
            return getattr(self.handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc_info):
            self.handle.close()

    monkeypatch.setattr(
        feedtool._sources, "open", lambda *a, **k: Counting(real_open(*a, **k)), raising=False
    )
    with pytest.raises(EntryError, match="more than the limit of 1000 bytes"):
        read_article_bytes(path, site.settings(max_entry_size=1000))
    assert sum(read) == 1001


def test_files_changed_just_before_the_build_are_settled_or_marked_for_the_next_one(
    site: SiteFolder,
):
    from feedtool._cache import UNVERIFIED
    from feedtool._sources import FINE_TIMESTAMP_NS, settle_racily_clean, timestamp_granularity

    for name in ("a.txt", "b.txt", "c.txt"):
        site.add(name, article(title=name))
    if timestamp_granularity(site.entries.joinpath("a.txt").stat().st_ctime_ns) > FINE_TIMESTAMP_NS:
        pytest.skip("this file system's stamps are coarse: no file is settled in the build")
    site.add("old.txt", article(title="Old"))
    settings = site.settings()
    started = time.time_ns()
    result = read_entries(settings)
    # Written just before the scan: each is checked again once its change time is in the
    # past by more than the file system's stamps can hide (this one's are nanoseconds).
    # b.txt was edited meanwhile, keeping its size and modification time.
    path = site.entries / "b.txt"
    before = path.stat()
    path.write_text(article(title="B.txt"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    # old.txt is kept as the cache had it: settled by the build that made its row.
    files = dict(result.files)
    files["old.txt"] = files["old.txt"]._replace(saved=("a row", "as read"))
    settled, marked = settle_racily_clean(files, started, settings)
    assert marked
    assert {relative: row.ctime_ns == UNVERIFIED for relative, row in settled.items()} == {
        "a.txt": False,
        "b.txt": True,
        "c.txt": False,
        "old.txt": False,
    }
    # Rows of files changed long before the scan are not even looked at.
    assert settle_racily_clean(result.files, started + 3 * 10**9, settings) == (
        result.files,
        False,
    )


def test_the_files_digest_changes_with_any_path_size_or_time():
    from feedtool._sources import ScannedFile, files_digest

    files = [ScannedFile("e/a.txt", "a.txt", 10, 20, 30), ScannedFile("e/b.txt", "b.txt", 1, 2, 3)]
    digests = {files_digest(files)}
    for index in range(2):
        for field in ("relative", "size", "mtime_ns", "ctime_ns"):
            changed = list(files)
            value = changed[index]._asdict()[field]
            changed[index] = changed[index]._replace(
                **{field: value + "x" if isinstance(value, str) else value + 1}
            )
            digests.add(files_digest(changed))
    digests.add(files_digest(files[:1]))
    digests.add(files_digest([]))
    # A time past what 64 bits hold (a file dated after 2262) is hashed too.
    far = [files[0]._replace(mtime_ns=2**70), files[1]]
    digests.add(files_digest(far))
    assert files_digest(far) != files_digest([files[0]._replace(mtime_ns=2**70 + 1), files[1]])
    assert len(digests) == 2 * 4 + 4
