"""Placing a build's stage folder where the file system creates files quickly."""

from __future__ import annotations

import array
import errno
import fcntl
import os
import shutil
from pathlib import Path

import pytest

import feedtool.build
from feedtool import placement
from feedtool.build import build
from feedtool.placement import (
    QUICK_CREATE_SECONDS,
    make_placed_folder,
    make_quick_folder,
    mark_top_folder,
    seconds_per_new_file,
)
from feedtool.publish import make_work_folder, stage_folder
from tests.conftest import SiteFolder

SLOW = 50 * QUICK_CREATE_SECONDS
QUICK = QUICK_CREATE_SECONDS / 2


class ScriptedTimer:
    """Answers the given seconds per file, in turn, and remembers each folder it timed."""

    def __init__(self, *answers: float):
        self.answers = list(answers)
        self.timed: list[tuple[str, int]] = []  # (folder, its inode)

    def __call__(self, folder: str) -> float:
        self.timed.append((folder, os.stat(folder).st_ino))
        return self.answers.pop(0)


@pytest.fixture
def aside(tmp_path: Path) -> str:
    """Where the timing files go: outside the folder that is placed."""
    folder = tmp_path.parent / f"{tmp_path.name}-aside"
    folder.mkdir()
    return str(folder)


def test_placed_folder_is_the_first_quick_candidate(tmp_path: Path, aside: str):
    timer = ScriptedTimer(SLOW, SLOW, QUICK, QUICK)
    target = tmp_path / "stage"
    make_placed_folder(str(target), aside, attempts=4, timer=timer)
    assert len(timer.timed) == 3  # it stops at the first quick one
    assert target.stat().st_ino == timer.timed[2][1]
    assert os.listdir(tmp_path) == ["stage"]  # the slow candidates are gone
    assert os.listdir(target) == []


def test_placed_folder_is_the_quickest_when_none_is_quick(tmp_path: Path, aside: str):
    timer = ScriptedTimer(3 * SLOW, SLOW, 2 * SLOW)
    target = tmp_path / "stage"
    make_placed_folder(str(target), aside, attempts=3, timer=timer)
    assert target.stat().st_ino == timer.timed[1][1]
    assert os.listdir(tmp_path) == ["stage"]


def test_candidates_are_removed_when_timing_fails(tmp_path: Path, aside: str):
    def failing_timer(folder: str) -> float:
        (Path(folder) / ".probe-0").write_bytes(b"")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError):
        make_placed_folder(str(tmp_path / "stage"), aside, timer=failing_timer)
    assert os.listdir(tmp_path) == []


def test_timing_files_are_kept_aside_not_deleted(tmp_path: Path, aside: str):
    # Deleted, they would be freshly freed inodes for every later file to skip.
    target = tmp_path / "stage"
    make_placed_folder(str(target), aside)
    assert os.listdir(target) == []
    (probe,) = os.listdir(aside)  # the chosen folder's; the others went with their folders
    assert len(os.listdir(Path(aside) / probe)) == placement.PROBE_FILES
    assert 0 < seconds_per_new_file(str(target), count=8) < 1
    assert sorted(os.listdir(target / placement.PROBE_FOLDER)) == [str(n) for n in range(8)]


def has_top_folder_mark(folder: Path) -> bool:
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        flags = array.array("l", [0])
        fcntl.ioctl(descriptor, placement._FS_IOC_GETFLAGS, flags, True)
    except OSError:
        return False
    finally:
        os.close(descriptor)
    return bool(flags[0] & placement._FS_TOPDIR_FL)


def test_top_folder_mark_is_set_where_the_file_system_has_it(tmp_path: Path):
    if not mark_top_folder(str(tmp_path)):
        pytest.skip("this file system has no top-directory mark (not ext2/3/4)")
    assert has_top_folder_mark(tmp_path)


def test_top_folder_mark_is_false_where_the_file_system_refuses_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    def refuse(*args, **kwargs):
        raise OSError(errno.ENOTTY, "Inappropriate ioctl for device")

    monkeypatch.setattr(placement.fcntl, "ioctl", refuse)
    assert mark_top_folder(str(tmp_path)) is False
    assert mark_top_folder(str(tmp_path / "missing")) is False


def test_a_quick_folder_is_placed_where_the_file_system_can_place_it(tmp_path: Path, aside: str):
    timer = ScriptedTimer(SLOW, QUICK)
    make_quick_folder(str(tmp_path / "stage"), aside, timer=timer)
    if has_top_folder_mark(tmp_path):
        assert (tmp_path / "stage").stat().st_ino == timer.timed[1][1]
    else:  # no such mark here: an ordinary folder, not timed
        assert timer.timed == []
    assert os.listdir(tmp_path) == ["stage"]
    assert os.listdir(tmp_path / "stage") == []


def test_a_folder_that_cannot_be_placed_is_an_ordinary_one(
    tmp_path: Path, aside: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(placement, "mark_top_folder", lambda folder: False)
    timer = ScriptedTimer(SLOW)
    make_quick_folder(str(tmp_path / "stage"), aside, timer=timer)
    assert timer.timed == [] and os.listdir(tmp_path) == ["stage"]


@pytest.mark.parametrize("placed", [True, False])
def test_work_folder_comes_with_its_stage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, placed: bool
):
    timer = ScriptedTimer(SLOW, QUICK)
    monkeypatch.setattr(placement, "seconds_per_new_file", timer)
    work = make_work_folder(tmp_path / "public", placed=placed)
    assert work.parent == tmp_path
    assert os.listdir(stage_folder(work)) == []
    if not placed:
        assert timer.timed == []


def test_a_big_site_places_its_stage_and_builds_the_same_files(
    three_entry_site: SiteFolder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    placed: list[str] = []
    real = placement.make_placed_folder

    def recording(path: str, aside: str, **options) -> None:
        placed.append(path)
        real(path, aside, **options)

    monkeypatch.setattr(placement, "make_placed_folder", recording)
    monkeypatch.setattr(placement, "mark_top_folder", lambda folder: True)
    site = three_entry_site
    build(site.settings(), use_cache=False)
    assert placed == []  # three entries: not worth it
    unplaced = site.snapshot()
    shutil.rmtree(site.output)
    monkeypatch.setattr(feedtool.build, "PLACED_STAGE_MIN_ENTRIES", 3)
    build(site.settings(), use_cache=False)
    assert len(placed) == 1 and placed[0].endswith("stage")
    assert site.snapshot() == unplaced
