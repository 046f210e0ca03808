"""Incremental builds: redo only what changed, and always give the bytes of a clean build."""

from __future__ import annotations

import marshal
import os
import random
import shutil
import subprocess
import time
from pathlib import Path

import pytest

import feedtool._build
import feedtool._cache
import feedtool._render
import feedtool._sources
import feedtool._workers
from feedtool._build import build
from feedtool._cache import CACHE_DIR, FILES_DELTA_NAME, FILES_NAME, HEAD_NAME
from tests.conftest import SiteFolder, article, record_made

WORDS = [
    "river",
    "tram",
    "library",
    "storm",
    "harbour",
    "market",
    "council",
    "bridge",
    "garden",
    "festival",
]


def snapshot(output: Path) -> dict[str, bytes]:
    return {
        path.relative_to(output).as_posix(): path.read_bytes()
        for path in sorted(output.rglob("*"))
        if path.is_file()
    }


def clean_build(site: SiteFolder, tmp_path: Path, **overrides) -> dict[str, bytes]:
    output = tmp_path / "clean"
    build(site.settings(output=output, **overrides), use_cache=False)
    return snapshot(output)


def random_article(rng: random.Random, number: int) -> str:
    title = " ".join(rng.choice(WORDS) for _ in range(4)).capitalize()
    points = tuple(f"{rng.choice(WORDS).capitalize()} point {n}." for n in range(rng.randint(0, 3)))
    keywords = ", ".join(rng.sample(WORDS, rng.randint(1, 3)))
    body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 30))) + "."
    date = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {number % 24:02d}:00"
    return article(title=title, points=points, keywords=keywords, body=body, date=date)


# The files table takes up to this many changed rows in its delta before it is written
# whole: the default (every change here goes to the delta), and 2 (both happen).
@pytest.mark.parametrize("delta_rows", [feedtool._cache.DELTA_MAX_ROWS_ALWAYS, 2])
def test_random_edits_additions_deletions_and_config_changes_match_a_clean_build(
    site: SiteFolder, tmp_path: Path, monkeypatch, delta_rows: int
):
    monkeypatch.setattr(feedtool._cache, "DELTA_MAX_ROWS_ALWAYS", delta_rows)
    rng = random.Random(5005)
    names = [f"{n:03d}.txt" for n in range(12)]
    for number, name in enumerate(names):
        site.add(name, random_article(rng, number))
    limits = [2, 3, 50]
    overrides = {"limit": 3, "archive_size": 4}
    build(site.settings(**overrides))
    for step in range(30):
        action = rng.choice(["edit", "add", "delete", "touch", "config", "edit"])
        if action == "edit" and names:
            site.add(rng.choice(names), random_article(rng, step))
        elif action == "add":
            name = f"{100 + step:03d}.txt"
            names.append(name)
            site.add(name, random_article(rng, step))
        elif action == "delete" and len(names) > 2:
            name = names.pop(rng.randrange(len(names)))
            (site.entries / name).unlink()
        elif action == "touch" and names:
            path = site.entries / rng.choice(names)
            stamp = path.stat().st_mtime + 10
            os.utime(path, (stamp, stamp))
        elif action == "config":
            overrides = {"limit": rng.choice(limits), "archive_size": rng.randint(2, 5)}
        build(site.settings(**overrides))
        assert snapshot(site.output) == clean_build(site, tmp_path, **overrides), (step, action)


def test_edits_that_move_no_entry_remake_only_what_shows_them_and_match_a_clean_build(
    site: SiteFolder, tmp_path: Path, monkeypatch
):
    # Only contents change (no date, id or keyword does): the site's order and groups stay,
    # and outputs that show no edited entry keep their keys: they are not made again.
    rng = random.Random(6)
    fields = {
        f"{n:03d}.txt": dict(
            keywords=", ".join(rng.sample(WORDS, rng.randint(1, 3))),
            date=f"2026-{n % 12 + 1:02d}-{n % 28 + 1:02d} {n % 24:02d}:00",
        )
        for n in range(30)
    }
    for name, kept in fields.items():
        site.add(name, article(title=f"Entry {name}", **kept))
    overrides = {"limit": 3, "archive_size": 4}
    build(site.settings(**overrides))
    outputs = len(snapshot(site.output))
    made = record_made(monkeypatch)
    for step in range(12):
        made.clear()
        for name in rng.sample(sorted(fields), rng.randint(1, 3)):
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12)))
            title = rng.choice([f"Entry {name}", f"Entry {name} ({words.split()[0]})"])
            site.add(name, article(title=title, body=f"{words.capitalize()}.", **fields[name]))
        build(site.settings(**overrides))
        # Most outputs kept their keys; those showing an edit were made again.
        assert 0 < len(made) < outputs / 2, step
        assert snapshot(site.output) == clean_build(site, tmp_path, **overrides), step


def count_calls(monkeypatch, module, name: str) -> list[int]:
    calls = [0]
    original = getattr(module, name)

    def counting(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


def test_a_build_with_nothing_changed_parses_renders_and_writes_nothing(
    three_entry_site: SiteFolder, monkeypatch
):
    site = three_entry_site
    build(site.settings())
    before = {p: p.stat().st_mtime_ns for p in site.output.rglob("*") if p.is_file()}
    parses = count_calls(monkeypatch, feedtool._build, "parse_file")
    made = record_made(monkeypatch)
    report = build(site.settings())
    assert report.nothing_changed and report.result.written == [] and report.entries == 3
    assert parses == [0] and made == []
    assert {p: p.stat().st_mtime_ns for p in site.output.rglob("*") if p.is_file()} == before


def test_one_edited_entry_renders_only_the_outputs_that_show_it(
    three_entry_site: SiteFolder, monkeypatch
):
    site = three_entry_site
    build(site.settings())
    site.add(
        "002_beta.txt",
        article(title="Beta edited", keywords="transit, Science", date="2026-02-01 09:00"),
    )
    parses = count_calls(monkeypatch, feedtool._build, "parse_file")
    made = record_made(monkeypatch)
    written = build(site.settings()).result.written
    assert parses == [1]
    assert [path for path in made if path.startswith("entries/")] == ["entries/002_beta.html"]
    assert "entries/002_beta.html" in written and "rss.xml" in written
    assert "categories/transit/rss.xml" in written
    assert "entries/001_alpha.html" not in written
    assert "categories/cafe-culture/rss.xml" not in written


def test_a_file_deleted_from_the_output_by_hand_is_written_again(three_entry_site: SiteFolder):
    site = three_entry_site
    build(site.settings())
    (site.output / "rss.xml").unlink()
    build(site.settings())
    assert (site.output / "rss.xml").exists()


@pytest.mark.parametrize("damaged", [HEAD_NAME, FILES_NAME, FILES_DELTA_NAME])
@pytest.mark.parametrize(
    "damage",
    [
        b"not a pickle",
        b"\x80\x05K\x01.",
        # Well-formed tables of the wrong shape: a token and rows that are not rows.
        marshal.dumps(("token", {"001_alpha.txt": (1, 2)})),
    ],
)
def test_a_damaged_or_foreign_cache_is_discarded_with_a_warning(
    three_entry_site: SiteFolder, tmp_path: Path, damage: bytes, damaged: str
):
    site = three_entry_site
    build(site.settings())
    site.add("001_alpha.txt", article(title="Alpha again", date="2026-01-01 09:00"))
    build(site.settings())  # writes the files delta
    assert (site.root / CACHE_DIR / FILES_DELTA_NAME).exists()
    (site.root / CACHE_DIR / damaged).write_bytes(damage)
    site.add("002_beta.txt", article(title="Beta again", date="2026-02-01 09:00"))
    report = build(site.settings())
    assert any("cache damaged or foreign" in w.message for w in report.warnings)
    assert snapshot(site.output) == clean_build(site, tmp_path)


def test_a_few_changed_files_write_a_delta_not_the_whole_files_table(
    three_entry_site: SiteFolder, tmp_path: Path, monkeypatch
):
    site = three_entry_site
    cache = site.root / CACHE_DIR
    build(site.settings())
    table = (cache / FILES_NAME).read_bytes()
    assert not (cache / FILES_DELTA_NAME).exists()
    site.add("002_beta.txt", article(title="Beta edited", date="2026-02-01 09:00"))
    build(site.settings())
    site.add("004_delta.txt", article(title="Delta", date="2026-04-01 09:00"))
    (site.entries / "001_alpha.txt").unlink()
    build(site.settings())
    assert (cache / FILES_NAME).read_bytes() == table
    token, delta = marshal.loads((cache / FILES_DELTA_NAME).read_bytes())
    # Every change since the table was written: the edit, the addition and the removal.
    assert sorted(delta) == ["001_alpha.txt", "002_beta.txt", "004_delta.txt"]
    assert delta["001_alpha.txt"] is None
    assert snapshot(site.output) == clean_build(site, tmp_path)
    # More changes than a delta takes: the table is written whole again.
    monkeypatch.setattr(feedtool._cache, "DELTA_MAX_ROWS_ALWAYS", 1)
    site.add("sub/003_gamma.txt", article(title="Gamma edited", date="2026-03-01 09:00"))
    build(site.settings())
    token, rows = marshal.loads((cache / FILES_NAME).read_bytes())
    assert sorted(rows) == ["002_beta.txt", "004_delta.txt", "sub/003_gamma.txt"]
    parses = count_calls(monkeypatch, feedtool._build, "parse_file")
    report = build(site.settings())
    assert report.nothing_changed and parses == [0]


def test_no_cache_builds_cold_and_leaves_the_cache_untouched(
    three_entry_site: SiteFolder, tmp_path: Path, monkeypatch
):
    site = three_entry_site
    build(site.settings())
    state = site.root / CACHE_DIR / HEAD_NAME
    before = state.read_bytes(), state.stat().st_mtime_ns
    site.add("004.txt", article(title="Fourth"))
    parses = count_calls(monkeypatch, feedtool._build, "parse_file")
    # Nothing is compared with a last build, nor kept for the next: no output is keyed.
    versions = count_calls(monkeypatch, feedtool._render, "entry_version")
    report = build(site.settings(), use_cache=False)
    assert not report.nothing_changed and report.entries == 4
    assert (state.read_bytes(), state.stat().st_mtime_ns) == before
    assert parses == [4] and versions == [0]
    assert snapshot(site.output) == clean_build(site, tmp_path)


def test_a_settings_change_invalidates_the_cache(three_entry_site: SiteFolder, tmp_path: Path):
    site = three_entry_site
    build(site.settings())
    build(site.settings(title="Renamed site"))
    assert b"<title>Renamed site</title>" in (site.output / "rss.xml").read_bytes()
    assert snapshot(site.output) == clean_build(site, tmp_path, title="Renamed site")


def test_parallel_parsing_and_rendering_give_the_same_output_as_one_process(
    site: SiteFolder, tmp_path: Path, monkeypatch
):
    rng = random.Random(7)
    for number in range(40):
        site.add(f"{number:03d}.txt", random_article(rng, number))
    site.add("bad.txt", "Date: nonsense\n\nBad\n")
    monkeypatch.setattr(feedtool._workers, "PARALLEL_MIN_ITEMS", 10**9)
    build(site.settings(), use_cache=False, skip_invalid=True)
    single = snapshot(site.output)
    monkeypatch.setattr(feedtool._workers, "PARALLEL_MIN_ITEMS", 1)
    parallel_output = tmp_path / "parallel"
    report = build(site.settings(output=parallel_output), use_cache=False, skip_invalid=True)
    assert snapshot(parallel_output) == single
    assert any("bad.txt" in str(w) for w in report.warnings)
    # And incrementally: one entry edited, rendered by the processes, as a clean build.
    (site.entries / "bad.txt").unlink()
    build(site.settings(output=parallel_output))
    site.add("007.txt", random_article(rng, 1007))
    build(site.settings(output=parallel_output))
    assert snapshot(parallel_output) == clean_build(site, tmp_path)


def made(folder: Path) -> Path:
    folder.mkdir()
    return folder


def test_rebuilds_in_worker_processes_that_edit_add_and_remove_entries_match_a_clean_build(
    site: SiteFolder, tmp_path: Path, monkeypatch
):
    rng = random.Random(11)
    for number in range(30):
        site.add(f"{number:03d}.txt", random_article(rng, number))
    overrides = {"limit": 3, "archive_size": 4}
    monkeypatch.setattr(feedtool._workers, "PARALLEL_MIN_ITEMS", 1)
    build(site.settings(**overrides))
    # A body edited: only the outputs that show the entry change.
    text = (site.entries / "004.txt").read_text(encoding="utf-8")
    site.add("004.txt", text.replace("Key words", "One more sentence.\n\nKey words"))
    build(site.settings(**overrides))
    assert snapshot(site.output) == clean_build(site, made(tmp_path / "edit"), **overrides)
    # A new entry, newest of all: every listing page shifts.
    site.add("new.txt", random_article(rng, 99).replace("2026-", "2027-", 1))
    build(site.settings(**overrides))
    assert snapshot(site.output) == clean_build(site, made(tmp_path / "add"), **overrides)
    # An entry gone: the same.
    (site.entries / "010.txt").unlink()
    build(site.settings(**overrides))
    assert snapshot(site.output) == clean_build(site, made(tmp_path / "remove"), **overrides)


def test_a_build_with_nothing_changed_still_cleans_up_after_a_killed_build(
    three_entry_site: SiteFolder,
):
    site = three_entry_site
    build(site.settings())
    stale = site.root / ".public.feedtool-staging"
    (stale / "entries").mkdir(parents=True)
    (stale / "entries/half.html").write_text("<!DOCTYPE")
    assert build(site.settings()).nothing_changed
    assert not stale.exists()


def test_a_work_folder_is_removed_only_once_its_build_is_gone(three_entry_site: SiteFolder):
    site = three_entry_site
    build(site.settings())
    dead = site.root / f".public.feedtool-work-{_finished_pid()}-abc"
    alive = site.root / f".public.feedtool-work-{os.getpid()}-abc"
    for folder in (dead, alive):
        (folder / "pages-1").mkdir(parents=True)
        (folder / "pages-1/0.html").write_text("<!DOCTYPE")
    site.add("004_delta.txt", article(title="Delta", date="2026-04-01"))
    build(site.settings())
    # The killed build's folder and the build's own are gone; a running build's is kept
    # (here the running build is this very process).
    assert set(site.root.glob(".public.feedtool-work-*")) == {alive}


def _finished_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_touched_but_unchanged_file_is_not_parsed_again(
    three_entry_site: SiteFolder, monkeypatch
):
    site = three_entry_site
    build(site.settings())
    path = site.entries / "002_beta.txt"
    stamp = path.stat().st_mtime + 60
    os.utime(path, (stamp, stamp))
    parses = count_calls(monkeypatch, feedtool._sources, "parse_entry")
    report = build(site.settings())
    assert parses == [0] and not report.nothing_changed
    assert report.result.written == []  # its dates come from its Date: line


def test_a_deleted_output_folder_is_built_again(three_entry_site: SiteFolder):
    site = three_entry_site
    build(site.settings())
    before = snapshot(site.output)
    shutil.rmtree(site.output)
    report = build(site.settings())
    assert not report.nothing_changed
    assert snapshot(site.output) == before


def test_an_added_entry_shifts_every_listing_page_without_reading_other_files_again(
    site: SiteFolder, tmp_path: Path, monkeypatch
):
    rng = random.Random(12)
    for number in range(30):
        site.add(f"{number:03d}.txt", random_article(rng, number))
    overrides = {"limit": 3, "archive_size": 4}
    build(site.settings(**overrides))
    reads = count_calls(monkeypatch, feedtool._build, "read_body")
    made = record_made(monkeypatch)
    site.add("new.txt", random_article(rng, 99).replace("2026-", "2027-", 1))
    build(site.settings(**overrides))
    # Every listing page moved down by one entry, and was made again from the lines of
    # what the build kept; only entries a changed feed shows were read again.
    assert sum(path.endswith("index.html") for path in made) > 10
    assert 0 < reads[0] < 10
    assert snapshot(site.output) == clean_build(site, tmp_path, **overrides)


def same_size_edit(path: Path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` (as long) in the file, keeping its size and its
    modification time to the nanosecond, as ``cp -p``, ``rsync -t`` or tar do."""
    assert len(old.encode()) == len(new.encode())
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def test_an_edit_that_keeps_size_and_modification_time_is_seen(
    three_entry_site: SiteFolder, tmp_path: Path
):
    site = three_entry_site
    path = site.entries / "002_beta.txt"
    hour_ago = path.stat().st_mtime_ns - 3600 * 10**9
    os.utime(path, ns=(hour_ago, hour_ago))
    build(site.settings())
    # The edited file copied over it with cp -p: same size, same modification time.
    copy = tmp_path / "edited.txt"
    shutil.copy2(path, copy)
    same_size_edit(copy, "Beta second", "Beta 2nd ed")
    os.utime(copy, ns=(hour_ago, hour_ago))
    shutil.copy2(copy, path)
    assert path.stat().st_mtime_ns == hour_ago
    build(site.settings())
    assert b"Beta 2nd ed" in site.read("rss.xml")
    assert snapshot(site.output) == clean_build(site, tmp_path)
    # The cache holds the edit: later builds go on from it.
    assert build(site.settings()).nothing_changed
    site.add("004_delta.txt", article(title="Delta", date="2026-04-01 09:00"))
    build(site.settings())
    assert snapshot(site.output) == clean_build(site, made(tmp_path / "after"))


def test_an_edit_in_the_same_second_as_the_build_keeping_size_and_time_is_seen(
    three_entry_site: SiteFolder, tmp_path: Path
):
    # Racily clean: written, built and edited within the same second.
    site = three_entry_site
    build(site.settings())
    same_size_edit(site.entries / "002_beta.txt", "Beta second", "Beta 2nd ed")
    build(site.settings())
    assert snapshot(site.output) == clean_build(site, tmp_path)


def with_times(monkeypatch, change) -> None:
    """Builds see the scanned files' times as ``change(scanned)`` gives them: a file
    system whose stamps do not move as this one's do."""
    scan = feedtool._build.scan_entries

    def scan_with_times(folder: Path):
        files, warnings = scan(folder)
        return [change(scanned) for scanned in files], warnings

    monkeypatch.setattr(feedtool._build, "scan_entries", scan_with_times)


def test_a_racily_clean_file_is_hashed_by_the_next_build_until_it_is_settled(
    three_entry_site: SiteFolder, tmp_path: Path, monkeypatch
):
    # A file system of stamps in whole seconds, on which the edit lands in the second
    # the file was written in: its size and both times stay what the build saw.
    site = three_entry_site
    second = time.time_ns() // 10**9 * 10**9
    with_times(monkeypatch, lambda scanned: scanned._replace(mtime_ns=second, ctime_ns=second))
    build(site.settings())
    same_size_edit(site.entries / "002_beta.txt", "Beta second", "Beta 2nd ed")
    assert not build(site.settings()).nothing_changed
    assert snapshot(site.output) == clean_build(site, tmp_path)
    # Ten seconds later each file, hashed once more, is settled: the build after that
    # finds nothing changed, and reads nothing.
    real_time_ns = time.time_ns
    monkeypatch.setattr(time, "time_ns", lambda: real_time_ns() + 10 * 10**9)
    reads = count_calls(monkeypatch, feedtool._sources, "read_article_bytes")
    assert not build(site.settings()).nothing_changed and reads == [3]
    assert build(site.settings()).nothing_changed and reads == [3]


def test_a_file_found_changed_when_its_body_is_read_again_is_parsed_again(
    three_entry_site: SiteFolder, tmp_path: Path, monkeypatch
):
    # A file system whose change times never move (some network and FUSE ones): an edit
    # that keeps size and modification time goes unseen, until a build reads the file's
    # body again for an output that shows it.
    site = three_entry_site
    hour_ago = time.time_ns() - 3600 * 10**9
    with_times(monkeypatch, lambda scanned: scanned._replace(ctime_ns=hour_ago))
    for path in site.entries.rglob("*.txt"):
        os.utime(path, ns=(hour_ago, hour_ago))
    build(site.settings())
    same_size_edit(site.entries / "002_beta.txt", "Beta second", "Beta 2nd ed")
    assert build(site.settings()).nothing_changed  # nothing to see
    # Alpha edited: the feeds are made again, with beta's item, so beta's body is read.
    site.add("001_alpha.txt", article(title="Alpha edited", date="2026-01-01 09:00"))
    build(site.settings())
    assert b"Beta 2nd ed" in site.read("rss.xml")
    assert snapshot(site.output) == clean_build(site, tmp_path)
    # The cache knows the file as it is now: the next builds find nothing changed.
    assert build(site.settings()).nothing_changed


def test_a_file_that_changes_during_every_attempt_is_an_error(
    three_entry_site: SiteFolder, monkeypatch
):
    site = three_entry_site
    build(site.settings())
    site.add("001_alpha.txt", article(title="Alpha edited", date="2026-01-01 09:00"))

    def always_changed(entry, settings):
        raise feedtool._sources.FileChanged(
            "the file changed during the build; build again", entry.source
        )

    attempts = count_calls(monkeypatch, feedtool._build, "_build")
    monkeypatch.setattr(feedtool._build, "read_body", always_changed)
    before = snapshot(site.output)
    with pytest.raises(feedtool._sources.FileChanged, match="changed during the build"):
        build(site.settings())
    assert attempts == [feedtool._build.BUILD_ATTEMPTS]
    assert snapshot(site.output) == before


def test_files_a_killed_build_put_in_place_are_made_again(site: SiteFolder, tmp_path: Path):
    # A build killed while it renamed its files into place leaves some of them there, and
    # its work folder beside the output: the next build trusts no output the cache knows.
    for number in range(4):
        site.add(f"00{number}.txt", article(title=f"Entry {number}", date=f"2026-01-0{number + 1}"))
    build(site.settings(title="New title"))
    other = tmp_path / "other"
    build(site.settings(title="Old title", output=other), use_cache=False)
    for relative in ("rss.xml", "index.html", "entries/001.html"):
        staged = site.output / f"{relative}.part"
        shutil.copyfile(other / relative, staged)
        os.replace(staged, site.output / relative)
    (site.root / f".public.feedtool-work-{_finished_pid()}-abc/stage").mkdir(parents=True)
    build(site.settings(title="New title"))
    assert snapshot(site.output) == clean_build(site, made(tmp_path / "clean"), title="New title")
