"""RFC 5005 archives: every entry reachable from the feeds, full pages frozen forever."""

from __future__ import annotations

import feedparser
from lxml import etree

from feedtool._build import build
from feedtool._validate import validate_targets
from tests.conftest import SITE_URL, SiteFolder, article, record_made

HISTORY = "{http://purl.org/syndication/history/1.0}archive"


def add_entries(site: SiteFolder, count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        day = f"2025-{1 + number // 28:02d}-{1 + number % 28:02d}"
        site.add(f"{number:03d}.txt", article(title=f"Entry {number}", date=day))


def links(document: bytes) -> dict[str, str]:
    tree = etree.fromstring(document)
    return {
        element.get("rel"): element.get("href")
        for element in tree.iter("{http://www.w3.org/2005/Atom}link")
        if element.get("rel") in ("current", "prev-archive", "next-archive", "self")
    }


def test_every_entry_is_in_exactly_one_archive_page_oldest_first(site: SiteFolder):
    add_entries(site, 7)
    build(site.settings(limit=2, archive_size=3))
    pages = {}
    for number in (1, 2, 3):
        for extension in (".xml", ".rss"):
            parsed = feedparser.parse(site.read(f"archive/{number}{extension}"))
            assert not parsed.bozo
            pages[number, extension] = [entry.title for entry in parsed.entries]
    assert pages[1, ".xml"] == ["Entry 2", "Entry 1", "Entry 0"]
    assert pages[2, ".xml"] == ["Entry 5", "Entry 4", "Entry 3"]
    assert pages[3, ".xml"] == ["Entry 6"]
    assert all(pages[n, ".rss"] == pages[n, ".xml"] for n in (1, 2, 3))
    assert not (site.output / "archive/4.xml").exists()


def test_archive_pages_link_their_neighbours_and_the_current_feed(site: SiteFolder):
    add_entries(site, 7)
    build(site.settings(limit=2, archive_size=3))
    middle = links(site.read("archive/2.xml"))
    assert middle == {
        "self": SITE_URL + "archive/2.xml",
        "current": SITE_URL + "atom.xml",
        "prev-archive": SITE_URL + "archive/1.xml",
        "next-archive": SITE_URL + "archive/3.xml",
    }
    rss = links(site.read("archive/2.rss"))
    assert rss["current"] == SITE_URL + "rss.xml"
    assert rss["prev-archive"] == SITE_URL + "archive/1.rss"
    assert "prev-archive" not in links(site.read("archive/1.xml"))
    assert "next-archive" not in links(site.read("archive/3.xml"))
    for name in ("archive/1.xml", "archive/1.rss"):
        assert etree.fromstring(site.read(name)).find(f".//{HISTORY}") is not None


def test_subscription_feeds_link_the_newest_archive_page(site: SiteFolder):
    add_entries(site, 7)
    build(site.settings(limit=2, archive_size=3))
    assert links(site.read("atom.xml"))["prev-archive"] == SITE_URL + "archive/3.xml"
    assert links(site.read("rss.xml"))["prev-archive"] == SITE_URL + "archive/3.rss"
    assert etree.fromstring(site.read("atom.xml")).find(f".//{HISTORY}") is None
    category = links(site.read("categories/alpha/atom.xml"))
    assert "prev-archive" not in category


def test_a_full_archive_page_never_changes_when_entries_are_added(site: SiteFolder):
    add_entries(site, 6)
    build(site.settings(archive_size=3))
    frozen = site.read("archive/1.xml"), site.read("archive/1.rss")
    add_entries(site, 2, start=6)
    result = build(site.settings(archive_size=3)).result
    assert (site.read("archive/1.xml"), site.read("archive/1.rss")) == frozen
    assert "archive/1.xml" not in result.written
    assert "archive/3.xml" in result.written
    # The newest full page gains its next-archive link once, when its successor appears.
    assert "archive/2.xml" in result.written


def test_archives_validate_clean(site: SiteFolder):
    add_entries(site, 5)
    build(site.settings(archive_size=2))
    reports = validate_targets([str(site.output / "archive")])
    assert len(reports) == 6
    assert all(not report.errors for report in reports), [r.errors for r in reports]


def test_a_full_archive_page_is_not_even_rendered_again_when_entries_are_added(
    site: SiteFolder, monkeypatch
):
    add_entries(site, 6)
    build(site.settings(archive_size=3))
    rendered = record_made(monkeypatch)
    add_entries(site, 1, start=6)  # a third archive page appears
    build(site.settings(archive_size=3))
    assert "archive/3.xml" in rendered and "archive/2.xml" in rendered
    assert "archive/1.xml" not in rendered
