"""What feedtool promises under faults and hostile input: stable ids, escaping, nothing lost."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from html import escape
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner
from lxml import etree

from feedtool._build import EntriesRejected, build
from feedtool._cli import main
from feedtool._errors import PublishError
from tests.conftest import SiteFolder, article

HOSTILE = "<script>alert(1)</script> & ]]> </p> &amp;"
WORLD_TEXT = "עברית مرحبا e\u0301\u0327 👩🏽‍🚀 東京の雨 Ελληνικά"


def env_with(**extra: str) -> dict[str, str]:
    return dict(os.environ, **extra)


def run_build(config: Path, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "feedtool", "build", "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env_with(**env),
        check=False,
    )


def git(folder: Path, *args: str) -> None:
    env = env_with(
        GIT_AUTHOR_NAME="T",
        GIT_AUTHOR_EMAIL="t@e.org",
        GIT_COMMITTER_NAME="T",
        GIT_COMMITTER_EMAIL="t@e.org",
    )
    subprocess.run(["git", *args], cwd=folder, check=True, env=env, capture_output=True)


def feed_files(output: Path) -> dict[str, bytes]:
    return {
        path.relative_to(output).as_posix(): path.read_bytes()
        for path in sorted(output.rglob("*"))
        if path.is_file()
    }


def test_fresh_clone_in_another_time_zone_with_other_file_times_gives_same_bytes(
    site: SiteFolder, tmp_path: Path
):
    # Undated entries take their dates from git, which a clone keeps and file times do not.
    site.add("001_undated.txt", "Undated one\n\nBody of the first.\n\nTags: A\n")
    site.add("002_undated.txt", "Undated two\n\nBody of the second.\n\nTags: A, B\n")
    site.add("003_dated.txt", article(date="2026-03-01 08:00"))
    git(site.root, "init", "-q")
    git(site.root, "add", "entries", "feedtool.toml")
    git(site.root, "commit", "-qm", "entries")
    assert run_build(site.config, TZ="UTC").returncode == 0
    original = feed_files(site.output)

    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(site.root), str(clone))
    for path in (clone / "entries").iterdir():
        os.utime(path, (1_000_000_000, 1_000_000_000))
    result = run_build(clone / "feedtool.toml", TZ="America/St_Johns")
    assert result.returncode == 0, result.stderr
    assert feed_files(clone / "public") == original


def build_hostile_site(site: SiteFolder) -> None:
    site.add(
        "001_hostile.txt",
        f"Date: 2026-01-01 10:00\n\n{HOSTILE} title\n\nHighlights\n{HOSTILE} point.\n"
        f"{WORLD_TEXT}.\n\n{HOSTILE} body.\n\n{WORLD_TEXT} body.\n\n"
        f"Tags: {HOSTILE}, {WORLD_TEXT}\n",
    )
    build(site.settings())


def test_markup_in_every_field_is_escaped_in_feeds_and_round_trips(site: SiteFolder):
    build_hostile_site(site)
    title = f"{HOSTILE} title"
    for name in ("rss.xml", "atom.xml"):
        tree = etree.fromstring(site.read(name))
        texts = [element.text for element in tree.iter() if isinstance(element.tag, str)]
        assert title in texts
        # The points as an HTML list (RSS description, Atom summary type="html"): each
        # point's text escaped once more, so that it is never markup to a reader.
        points = (
            f"<ul>\n<li>{escape(HOSTILE, quote=False)} point.</li>\n<li>{WORLD_TEXT}.</li>\n</ul>"
        )
        assert texts.count(points) == 1
        categories = [
            element.get("term") or element.text for element in tree.iter("{*}category", "category")
        ]
        assert categories == [HOSTILE, WORLD_TEXT]
        parsed = feedparser.parse(site.read(name))
        assert not parsed.bozo
        assert [tag.term for tag in parsed.entries[0].tags] == [HOSTILE, WORLD_TEXT]
    item = json.loads(site.read("feed.json"))["items"][0]
    assert item["title"] == title
    assert item["tags"] == [HOSTILE, WORLD_TEXT]
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; ]]&gt; &lt;/p&gt; &amp;amp;"
    assert item["summary"] == f"{HOSTILE} point.\n{WORLD_TEXT}."
    assert item["content_html"] == (
        f"<ul>\n<li>{escaped} point.</li>\n<li>{WORLD_TEXT}.</li>\n</ul>\n"
        f"<p>{escaped} body.</p>\n<p>{WORLD_TEXT} body.</p>"
    )


def test_markup_is_never_interpreted_in_html_pages(site: SiteFolder):
    build_hostile_site(site)
    for relative, data in feed_files(site.output).items():
        if relative.endswith(".html"):
            page = data.decode("utf-8")
            assert "<script>" not in page, relative
            assert "</p> &amp;" not in page
    page = site.read("entries/001_hostile.html").decode()
    assert (
        "<h1>&lt;script&gt;alert(1)&lt;/script&gt; &amp; ]]&gt; &lt;/p&gt; &amp;amp; title" in page
    )


def test_world_scripts_are_preserved_byte_for_byte_in_every_output(site: SiteFolder):
    build_hostile_site(site)
    needle = WORLD_TEXT.encode("utf-8")
    for relative in ("rss.xml", "atom.xml", "feed.json", "index.html", "entries/001_hostile.html"):
        assert needle in site.read(relative), relative


@pytest.mark.parametrize(
    "breakage",
    ["invalid_entry", "output_is_file", "unwritable_output", "missing_entries"],
)
def test_a_failed_build_never_changes_public(site: SiteFolder, breakage: str):
    site.add("001.txt", article(title="Published"))
    build(site.settings())
    before = feed_files(site.output)
    settings = site.settings()
    if breakage == "invalid_entry":
        site.add("002.txt", b"Title\n\nCaf\xc3\x28 bad bytes.\n")
        site.add("001.txt", article(title="Would change"))
        error: type[Exception] = EntriesRejected
    elif breakage == "output_is_file":
        settings = site.settings(output=site.output / "index.html")
        error = PublishError
    elif breakage == "unwritable_output":
        if os.geteuid() == 0:
            pytest.skip("root can write anywhere; see the failing-rename test")
        site.add("001.txt", article(title="Would change"))
        site.output.chmod(0o500)
        error = PublishError
    else:
        shutil.rmtree(site.entries)
        error = Exception
    try:
        with pytest.raises(error):
            build(settings)
    finally:
        site.output.chmod(0o755)
    assert feed_files(site.output) == before


def test_huge_article_and_huge_line_are_handled_or_refused_clearly(site: SiteFolder):
    paragraph = "A sentence of a long article. " * 40 + "\n\n"
    site.add("001_big.txt", "Date: 2026-01-01\n\nBig one\n\n" + paragraph * 1700)  # ~2 MB
    site.add("002_line.txt", "Date: 2026-01-02\n\nLong line\n\n" + "word " * 200_000 + ".\n")
    report = build(site.settings())
    assert report.entries == 2
    site.add("003_huge.txt", "Date: 2026-01-03\n\nHuge\n\n" + paragraph * 17_000)  # ~20 MB
    with pytest.raises(EntriesRejected) as caught:
        build(site.settings())
    (error,) = caught.value.errors
    assert error.path.endswith("003_huge.txt") and "--max-entry-size" in error.message
    report = build(site.settings(max_entry_size=32 * 1024 * 1024))
    assert report.entries == 3


def test_a_failure_halfway_through_publishing_puts_every_file_back(site: SiteFolder, monkeypatch):
    for number in range(4):
        site.add(f"00{number}.txt", article(title=f"Old {number}"))
    build(site.settings())
    before = feed_files(site.output)
    for number in range(4):
        site.add(f"00{number}.txt", article(title=f"New {number}"))
    site.add("009.txt", article(title="Brand new"))
    real_replace = os.replace
    renames = []

    def disk_full_after_five(source, target):
        if "-replaced" not in str(source):  # not the rollback's own renames
            if len(renames) == 5:
                raise OSError(28, "No space left on device", str(target))
            renames.append(target)
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", disk_full_after_five)
    with pytest.raises(PublishError, match="No space left"):
        build(site.settings())
    monkeypatch.undo()
    assert len(renames) == 5
    assert feed_files(site.output) == before
    build(site.settings())
    assert b"Brand new" in site.read("rss.xml")


HOSTILE_FILES = {
    # name: (bytes, exit status, text the message must contain, line or None)
    "invalid_utf8.txt": (b"Title\n\nCaf\xe9.\n", 1, "not valid UTF-8 at byte offset 10", 3),
    "binary.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 1, "not valid UTF-8", 1),
    "empty.txt": (b"", 1, "the file is empty", 1),
    "blank.txt": (b"  \n\t\n   \n", 1, "the file is empty", 1),
    "no_title.txt": (b"Date: 2026-01-01\nAuthor: A\n\n", 1, "no title", None),
    "bad_date.txt": (b"Date: the day after\n\nTitle\n", 1, "cannot read date", 1),
    "impossible_date.txt": (b"Date: 2026-02-30\n\nTitle\n", 1, "cannot read date", 1),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_hostile_file_is_reported_with_path_and_line_and_nothing_changes(
    site: SiteFolder, name: str
):
    site.add("001_good.txt", article(title="Good"))
    build(site.settings())
    before = feed_files(site.output)
    data, status, message, line = HOSTILE_FILES[name]
    path = site.add(name, data)
    result = CliRunner().invoke(main, ["build", "--config", str(site.config)])
    assert result.exit_code == status
    where = f"{path}:{line}: error: " if line else f"{path}:"
    assert where in result.stderr and message in result.stderr
    assert "Traceback" not in result.output
    assert feed_files(site.output) == before
    skipped = CliRunner().invoke(main, ["build", "--skip-invalid", "--config", str(site.config)])
    assert skipped.exit_code == 0 and f"{path}" in skipped.stderr


def test_utf16_file_with_bom_is_decoded(site: SiteFolder):
    site.add(
        "utf16.txt", "\ufeffDate: 2026-01-01\n\nTitre en UTF-16 été\n\nCorps.\n".encode("utf-16-le")
    )
    build(site.settings())
    assert "Titre en UTF-16 été" in site.read("rss.xml").decode()


def test_control_characters_are_removed_with_a_warning_naming_the_line(site: SiteFolder):
    path = site.add("ctrl.txt", "Date: 2026-01-01\n\nBell\x07 title\n\nBody with \x0b tab.\n")
    report = build(site.settings())
    assert "<title>Bell title</title>" in site.read("rss.xml").decode()
    assert any(w.path == str(path) and w.line == 3 for w in report.warnings)


def test_far_future_date_is_a_warning_not_an_error(site: SiteFolder):
    path = site.add("future.txt", article(date="2999-01-01"))
    report = build(site.settings())
    assert any(w.path == str(path) and "future" in w.message for w in report.warnings)
