"""Warnings about what changed since the last build: an edit its dates hide from readers,
and a rename that changed an entry's id. Each is said once, by the build that sees it."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest
from click.testing import CliRunner

import feedtool._workers
from feedtool._build import build
from feedtool._cli import main
from feedtool._entry import BODY_PLACEHOLDER
from feedtool._errors import Diagnostic
from feedtool._touch import touch_entries
from tests.conftest import SiteFolder, article
from tests.test_sources import git


@pytest.fixture(params=["in-process", "workers"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Builds parse in this process (a small site) or in worker processes (a large one)."""
    if request.param == "in-process":
        monkeypatch.setattr(feedtool._workers, "PARALLEL_MIN_ITEMS", 10**9)
    else:
        monkeypatch.setattr(feedtool._workers, "PARALLEL_MIN_ITEMS", 1)
        monkeypatch.setattr(feedtool._workers.os, "cpu_count", lambda: 2)  # even on one core
    return request.param


def rewrite(path: Path, text: str) -> None:
    """Write new text, with a later modification time even on a coarse-clocked disk."""
    stamp = path.stat().st_mtime + 10
    path.write_text(text, encoding="utf-8")
    os.utime(path, (stamp, stamp))


def hidden_edit(path: Path) -> Diagnostic:
    return Diagnostic(
        "warning",
        "the text changed but its Updated: date did not, so readers will not see it as "
        f"updated; run feedtool touch {path}",
        str(path),
    )


def renamed(new: Path, old: Path) -> Diagnostic:
    return Diagnostic(
        "warning",
        f"this is {old} renamed: its id changed from {old.stem!r} to {new.stem!r}, so readers "
        f'will show it again as new; add the line "Id: {old.stem}" at its top to keep the old id',
        str(new),
    )


def warnings_of(site: SiteFolder, **options: object) -> list[Diagnostic]:
    return build(site.settings(), **options).warnings


def site_of(site: SiteFolder, count: int = 3) -> SiteFolder:
    for number in range(count):
        site.add(
            f"{number:03d}.txt", article(title=f"Title {number}", date=f"2026-01-0{number + 1}")
        )
    return site


# An edit its dates hide.


def test_an_edited_article_dated_in_its_file_warns_once(site: SiteFolder, mode: str):
    site_of(site)
    path = site.entries / "001.txt"
    assert warnings_of(site) == []
    rewrite(path, path.read_text(encoding="utf-8").replace("A body", "A corrected body"))
    assert warnings_of(site) == [hidden_edit(path)]
    # The next build finds nothing changed and repeats only what still holds: nothing.
    report = build(site.settings())
    assert report.nothing_changed and report.warnings == []
    # Nor does a build that has something else to do.
    rewrite(site.entries / "002.txt", article(title="Another", date="2026-01-03 10:00"))
    assert warnings_of(site) == []


def test_the_warning_is_printed_by_the_build_command_once(site: SiteFolder, monkeypatch):
    site_of(site)
    monkeypatch.chdir(site.root)
    runner = CliRunner()
    assert runner.invoke(main, ["build"]).stderr == ""
    path = site.entries / "000.txt"
    rewrite(path, path.read_text(encoding="utf-8") + "\nA new last paragraph.\n")
    first = runner.invoke(main, ["build"])
    assert first.exit_code == 0
    assert first.stderr == (
        "entries/000.txt: warning: the text changed but its Updated: date did not, so "
        "readers will not see it as updated; run feedtool touch entries/000.txt\n"
    )
    second = runner.invoke(main, ["build"])
    assert second.exit_code == 0 and second.stderr == ""


def test_other_warnings_are_still_repeated_by_a_build_with_nothing_to_do(site: SiteFolder):
    site_of(site)
    build(site.settings())
    path = site.entries / "000.txt"
    # An edit that leaves a lasting problem: the placeholder line of feedtool new.
    rewrite(path, article(body=BODY_PLACEHOLDER, date="2026-01-01"))
    first = build(site.settings()).warnings
    message = "the placeholder line `feedtool new` wrote is still here: write the article"
    lasting = Diagnostic("warning", message, str(path), 9)
    assert first == [lasting, hidden_edit(path)]
    again = build(site.settings())
    assert again.nothing_changed and again.warnings == [lasting]


def test_touch_after_an_edit_makes_readers_see_it_and_stops_the_warning(
    site: SiteFolder, mode: str
):
    site_of(site)
    path = site.entries / "001.txt"
    build(site.settings())
    rewrite(path, path.read_text(encoding="utf-8").replace("A body", "A corrected body"))
    when = datetime(2026, 4, 1, 9, 0, tzinfo=ZoneInfo("UTC"))
    touch_entries([path], site.settings(), when)
    assert warnings_of(site) == []
    (item,) = [i for i in feedparser.parse(site.read("atom.xml")).entries if "001" in i.id]
    assert item.updated == "2026-04-01T09:00:00+00:00"
    assert "A corrected body" in item.content[0].value


def test_an_edit_with_the_date_changed_by_hand_does_not_warn(site: SiteFolder, mode: str):
    site_of(site)
    path = site.entries / "001.txt"
    build(site.settings())
    rewrite(path, article(title="Title 1, corrected", date="2026-01-02 12:00"))
    assert warnings_of(site) == []


def test_an_article_with_only_an_updated_line_warns_too(site: SiteFolder, mode: str):
    path = site.add("only-updated.txt", "Updated: 2026-02-01\n\nTitle\n\nA body.\n")
    build(site.settings())
    rewrite(path, "Updated: 2026-02-01\n\nTitle\n\nA better body.\n")
    assert warnings_of(site) == [hidden_edit(path)]


def test_an_article_dated_by_its_file_time_does_not_warn(site: SiteFolder, mode: str):
    path = site.add("undated.txt", "Title\n\nA body.\n")
    build(site.settings())
    (before,) = feedparser.parse(site.read("atom.xml")).entries
    rewrite(path, "Title\n\nA better body.\n")
    assert warnings_of(site) == []
    (after,) = feedparser.parse(site.read("atom.xml")).entries
    assert after.updated_parsed > before.updated_parsed  # moved by itself


def test_an_article_dated_by_git_does_not_warn(site: SiteFolder, mode: str):
    git(site.entries, "init", "-q")
    path = site.add("undated.txt", "Title\n\nA body.\n")
    git(site.entries, "add", ".")
    git(site.entries, "commit", "-qm", "add", date="2026-01-01T10:00:00+00:00")
    build(site.settings())
    rewrite(path, "Title\n\nA better body.\n")
    git(site.entries, "commit", "-qam", "edit", date="2026-02-01T10:00:00+00:00")
    assert warnings_of(site) == []
    (item,) = feedparser.parse(site.read("atom.xml")).entries
    assert item.updated == "2026-02-01T10:00:00+00:00"


def test_a_file_saved_again_unchanged_does_not_warn(site: SiteFolder, mode: str):
    site_of(site)
    path = site.entries / "001.txt"
    build(site.settings())
    rewrite(path, path.read_text(encoding="utf-8"))
    assert warnings_of(site) == []


def test_an_edit_that_changes_the_id_does_not_warn_about_dates(site: SiteFolder, mode: str):
    site_of(site)
    path = site.entries / "001.txt"
    build(site.settings())
    rewrite(path, "Id: renamed-entry\n" + path.read_text(encoding="utf-8"))
    assert warnings_of(site) == []


def test_no_warning_without_a_cache(site: SiteFolder):
    site_of(site)
    path = site.entries / "001.txt"
    build(site.settings(), use_cache=False)
    rewrite(path, path.read_text(encoding="utf-8").replace("A body", "A corrected body"))
    assert warnings_of(site, use_cache=False) == []


def test_a_failed_build_leaves_the_warning_to_the_next_one(site: SiteFolder):
    from feedtool._build import EntriesRejected

    site_of(site)
    path = site.entries / "001.txt"
    build(site.settings())
    rewrite(path, path.read_text(encoding="utf-8").replace("A body", "A corrected body"))
    bad = site.add("bad.txt", "Date: nonsense\n\nTitle\n")
    with pytest.raises(EntriesRejected):
        build(site.settings())
    bad.unlink()
    assert warnings_of(site) == [hidden_edit(path)]


# A rename.


def test_a_renamed_file_warns_that_its_id_changed_once(site: SiteFolder, mode: str):
    site_of(site)
    old = site.add("old-name.txt", article(title="Renamed", date="2026-01-05"))
    build(site.settings())
    new = site.entries / "new-name.txt"
    old.rename(new)
    assert warnings_of(site) == [renamed(new, old)]
    report = build(site.settings())
    assert report.nothing_changed and report.warnings == []
    # The advice, followed: the old id is back, and no warning about the edit it took.
    rewrite(new, "Id: old-name\n" + new.read_text(encoding="utf-8"))
    assert warnings_of(site) == []
    ids = [item.id for item in feedparser.parse(site.read("atom.xml")).entries]
    assert "tag:news.example.org,2026:old-name" in ids
    assert "tag:news.example.org,2026:new-name" not in ids
    assert (site.output / "entries" / "old-name.html").is_file()


def test_the_build_command_prints_the_rename_warning(site: SiteFolder, monkeypatch):
    monkeypatch.chdir(site.root)
    site.add("old-name.txt", article())
    runner = CliRunner()
    runner.invoke(main, ["build"])
    (site.entries / "old-name.txt").rename(site.entries / "new-name.txt")
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 0
    assert result.stderr == (
        "entries/new-name.txt: warning: this is entries/old-name.txt renamed: its id changed "
        "from 'old-name' to 'new-name', so readers will show it again as new; add the line "
        '"Id: old-name" at its top to keep the old id\n'
    )


def test_a_renamed_file_that_keeps_its_id_line_does_not_warn(site: SiteFolder, mode: str):
    old = site.add("old-name.txt", "Id: kept\n" + article())
    build(site.settings())
    old.rename(site.entries / "new-name.txt")
    assert warnings_of(site) == []


def test_a_file_moved_to_a_subfolder_keeps_its_id_and_does_not_warn(site: SiteFolder, mode: str):
    old = site.add("story.txt", article())
    build(site.settings())
    (site.entries / "2026").mkdir()
    old.rename(site.entries / "2026" / "story.txt")
    assert warnings_of(site) == []


def test_a_copy_is_not_a_rename(site: SiteFolder, mode: str):
    old = site.add("old-name.txt", article())
    build(site.settings())
    site.add("copy.txt", old.read_text(encoding="utf-8"))
    report = build(site.settings())  # the same dates, a different id: a second entry
    assert report.warnings == []


def test_a_file_renamed_and_edited_is_a_new_entry(site: SiteFolder, mode: str):
    old = site.add("old-name.txt", article())
    build(site.settings())
    old.unlink()
    site.add("new-name.txt", article(title="Another title"))
    assert warnings_of(site) == []


def test_a_renamed_file_copied_twice_warns_for_the_first_copy_only(site: SiteFolder):
    old = site.add("old-name.txt", article())
    build(site.settings())
    text = old.read_text(encoding="utf-8")
    old.unlink()
    first, second = site.add("a-copy.txt", text), site.add("b-copy.txt", text)
    assert warnings_of(site) == [renamed(first, old)]
    assert second.is_file()


def test_a_rename_without_a_cache_warns_of_nothing_and_builds(site: SiteFolder):
    old = site.add("old-name.txt", article())
    build(site.settings(), use_cache=False)
    old.rename(site.entries / "new-name.txt")
    report = build(site.settings(), use_cache=False)
    assert report.warnings == [] and report.entries == 1
    assert (site.output / "entries" / "new-name.html").is_file()
    assert not (site.output / "entries" / "old-name.html").exists()
