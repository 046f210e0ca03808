"""The files about the whole site (render/site_files.py): feeds.opml, sitemap.xml (and its
numbered files past a sitemap's limits) and robots.txt, read back as readers and crawlers
read them."""

from __future__ import annotations

import functools
import os
import random
import re
import shutil
import sqlite3
import subprocess
import threading
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit
from urllib.robotparser import RobotFileParser

import pytest
from lxml import etree

import feedtool._render.site_files as site_files
from feedtool._build import build
from feedtool._render.site_files import as_uri, seconds_of, sitemap_capacity, w3c_datetime
from feedtool._serve import content_type
from feedtool._site import SiteLinks
from tests.conftest import SITE_URL, SiteFolder, article, record_made
from tests.test_incremental import snapshot

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
SM = f"{{{SITEMAP_NS}}}"
W3C_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")


def page_url(path: str, base: str = SITE_URL) -> str:
    """The address a page of the output is served at: a folder's index.html as the folder."""
    location = path.removesuffix("index.html") if path.endswith("index.html") else path
    return base + quote(location)


def html_pages(site: SiteFolder) -> list[str]:
    return sorted(path.relative_to(site.output).as_posix() for path in site.output.rglob("*.html"))


def parse_xml(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def sitemap_files(site: SiteFolder) -> dict[str, etree._Element]:
    """Every sitemap file of the output by name, parsed."""
    return {
        path.name: parse_xml(path.read_bytes()) for path in sorted(site.output.glob("sitemap*.xml"))
    }


def urlset(root: etree._Element) -> list[tuple[str, str | None]]:
    """A ``<urlset>``'s ``(loc, lastmod)`` pairs, checked against the protocol: only
    ``url`` children, each with one ``loc`` and at most one ``lastmod`` in W3C format."""
    assert root.tag == f"{SM}urlset"
    assert root.nsmap == {None: SITEMAP_NS}
    pairs = []
    for url in root:
        assert url.tag == f"{SM}url"
        assert [child.tag for child in url] in ([f"{SM}loc"], [f"{SM}loc", f"{SM}lastmod"])
        lastmod = url.findtext(f"{SM}lastmod")
        assert lastmod is None or W3C_DATETIME.fullmatch(lastmod), lastmod
        pairs.append((url.findtext(f"{SM}loc"), lastmod))
    return pairs


def every_sitemap_url(site: SiteFolder) -> dict[str, str | None]:
    """Every URL the site's sitemap lists (through its index, if it has one), with lastmod."""
    files = sitemap_files(site)
    root = files["sitemap.xml"]
    if root.tag == f"{SM}urlset":
        assert list(files) == ["sitemap.xml"]
        pairs = urlset(root)
    else:
        assert root.tag == f"{SM}sitemapindex"
        pairs = []
        for entry in root:
            name = entry.findtext(f"{SM}loc").removeprefix(SITE_URL)
            pairs += urlset(files[name])
    urls = dict(pairs)
    assert len(urls) == len(pairs), "a URL is listed twice"
    return urls


def w3c(moment: str) -> str:
    """The sitemap's lastmod for an instant written as an ISO date: in UTC, to the second."""
    return datetime.fromisoformat(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


# sitemap.xml ---------------------------------------------------------------------------


def test_the_sitemap_lists_every_page_with_its_last_modification(site: SiteFolder):
    site.add("alpha.txt", article(keywords="Transit, Café culture", date="2026-01-01 09:00Z"))
    site.add("beta.txt", article(keywords="Transit, Science", date="2026-02-01 10:00+01:00"))
    # Published first, updated last: its page and the pages that show it carry the update.
    site.add(
        "old.txt",
        "Date: 2025-12-01 08:00Z\nUpdated: 2026-03-05 07:15:30Z\n\nOld but updated\n\n"
        "Body of it.\n\nKeywords: Science\n",
    )
    site.add("gamma.txt", article(keywords="Science", date="2026-03-01 12:30Z"))
    build(site.settings(limit=2))
    urls = every_sitemap_url(site)
    assert sorted(urls) == sorted(page_url(path) for path in html_pages(site))
    assert urls[SITE_URL + "entries/alpha.html"] == "2026-01-01T09:00:00+00:00"
    assert urls[SITE_URL + "entries/beta.html"] == "2026-02-01T09:00:00+00:00"
    assert urls[SITE_URL + "entries/old.html"] == "2026-03-05T07:15:30+00:00"
    # Home page: gamma and beta; page 2: alpha and old, which was updated last of all.
    assert urls[SITE_URL] == "2026-03-01T12:30:00+00:00"
    assert urls[SITE_URL + "page/2/"] == "2026-03-05T07:15:30+00:00"
    assert urls[SITE_URL + "categories/"] == "2026-03-05T07:15:30+00:00"
    assert urls[SITE_URL + "categories/cafe-culture/"] == "2026-01-01T09:00:00+00:00"
    assert urls[SITE_URL + "categories/transit/"] == "2026-02-01T09:00:00+00:00"
    assert urls[SITE_URL + "categories/science/"] == "2026-03-01T12:30:00+00:00"
    assert urls[SITE_URL + "categories/science/page/2/"] == "2026-03-05T07:15:30+00:00"


def test_the_sitemap_lists_listing_pages_then_entry_pages_oldest_first(
    three_entry_site: SiteFolder,
):
    site = three_entry_site
    build(site.settings())
    locs = [loc for loc, _ in urlset(sitemap_files(site)["sitemap.xml"])]
    assert locs[:2] == [SITE_URL, SITE_URL + "categories/"]
    assert locs[-3:] == [
        SITE_URL + "entries/001_alpha.html",
        SITE_URL + "entries/002_beta.html",
        SITE_URL + "entries/003_gamma.html",
    ]


def test_a_site_without_entries_has_a_sitemap_of_its_two_pages_without_dates(
    site: SiteFolder,
):
    build(site.settings())
    assert every_sitemap_url(site) == {SITE_URL: None, SITE_URL + "categories/": None}


def test_sitemap_urls_are_absolute_ascii_and_escaped(site: SiteFolder):
    site.add("café au lait.txt", article(keywords="東京", date="2026-01-01 09:00Z"))
    site.add("r&d <1>.txt", article(keywords="R&D", date="2026-01-02 09:00Z"))
    base = "https://exämple.org/d'ici/"
    build(site.settings(url=base))
    text = site.read("sitemap.xml").decode("utf-8")
    assert text.isascii()
    uri_base = "https://xn--exmple-cua.org/d'ici/"
    urls = every_sitemap_url(site)
    assert uri_base + "entries/caf%C3%A9%20au%20lait.html" in urls
    assert uri_base + "entries/r%26d%20%3C1%3E.html" in urls
    assert uri_base + "categories/%E6%9D%B1%E4%BA%AC/" in urls
    assert uri_base + "categories/r-d/" in urls
    for url in urls:
        parts = urlsplit(url)
        assert parts.scheme == "https" and parts.netloc == "xn--exmple-cua.org", url


@pytest.mark.parametrize(
    "moment",
    [
        "1970-01-01T00:00:00+00:00",
        "1969-12-31T23:59:59+00:00",
        "2026-03-01T12:30:59.999999+01:00",
        "0999-12-31T23:59:59+00:00",
        "0001-01-01T00:00:00+00:00",
        "9999-12-31T18:59:59-05:00",
    ],
)
def test_lastmod_is_a_w3c_datetime_in_utc_to_the_second_in_any_year(moment: str):
    parsed = datetime.fromisoformat(moment)
    text = w3c_datetime(seconds_of(parsed))
    assert W3C_DATETIME.fullmatch(text)
    assert text == parsed.astimezone(UTC).replace(microsecond=0).isoformat()


def test_an_iri_becomes_a_uri_and_an_ascii_url_stays_as_it_is():
    assert as_uri("https://news.example.org/a%20b/") == "https://news.example.org/a%20b/"
    assert as_uri("https://bücher.example/été/") == "https://xn--bcher-kva.example/%C3%A9t%C3%A9/"
    assert as_uri("http://user@bücher.example:8080/x?q=é#ç") == (
        "http://user@xn--bcher-kva.example:8080/x?q=%C3%A9#%C3%A7"
    )


def test_a_site_of_more_pages_than_one_sitemap_holds_gets_an_index_of_numbered_sitemaps(
    site: SiteFolder, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(site_files, "MAX_SITEMAP_URLS", 3)
    for number in range(7):
        site.add(f"{number}.txt", article(keywords="Transit", date=f"2026-01-0{number + 1} 09:00Z"))
    build(site.settings(limit=0))
    files = sitemap_files(site)
    # Listing pages (home, category index, Transit) in one file, then the entries oldest
    # first, three a file.
    assert list(files) == [
        "sitemap-1.xml",
        "sitemap-2.xml",
        "sitemap-3.xml",
        "sitemap-4.xml",
        "sitemap.xml",
    ]
    index = files["sitemap.xml"]
    assert index.tag == f"{SM}sitemapindex" and index.nsmap == {None: SITEMAP_NS}
    listed = [(item.findtext(f"{SM}loc"), item.findtext(f"{SM}lastmod")) for item in index]
    assert [loc for loc, _ in listed] == [SITE_URL + f"sitemap-{n}.xml" for n in range(1, 5)]
    for loc, lastmod in listed:
        pairs = urlset(files[loc.removeprefix(SITE_URL)])
        assert 1 <= len(pairs) <= 3
        assert lastmod == max(modified for _, modified in pairs)
    assert [loc for loc, _ in urlset(files["sitemap-2.xml"])] == [
        SITE_URL + f"entries/{number}.html" for number in range(3)
    ]
    assert [loc for loc, _ in urlset(files["sitemap-4.xml"])] == [SITE_URL + "entries/6.html"]
    assert sorted(every_sitemap_url(site)) == sorted(page_url(path) for path in html_pages(site))
    robots = site.read("robots.txt").decode()
    assert f"Sitemap: {SITE_URL}sitemap.xml\n" in robots

    # Back within the limit (three entries, three listing pages): one sitemap again, and
    # the numbered files are gone.
    monkeypatch.setattr(site_files, "MAX_SITEMAP_URLS", 6)
    for number in range(3, 7):
        (site.entries / f"{number}.txt").unlink()
    build(site.settings(limit=0))
    assert list(sitemap_files(site)) == ["sitemap.xml"]
    assert len(every_sitemap_url(site)) == 6


def test_numbered_sitemaps_hold_fewer_urls_than_one_sitemap_may(
    site: SiteFolder, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(site_files, "MAX_SITEMAP_URLS", 10)
    monkeypatch.setattr(site_files, "NUMBERED_SITEMAP_URLS", 2)
    for number in range(7):
        site.add(f"{number}.txt", article(keywords="Transit", date=f"2026-01-0{number + 1} 09:00Z"))
    build(site.settings(limit=0))
    # Ten pages: within what one sitemap may hold, so one sitemap.
    assert list(sitemap_files(site)) == ["sitemap.xml"]
    assert len(every_sitemap_url(site)) == 10
    site.add("7.txt", article(keywords="Transit", date="2026-01-08 09:00Z"))
    build(site.settings(limit=0))
    # Eleven: three listing pages in two files, then eight entries' pages in four.
    files = sitemap_files(site)
    assert list(files) == [f"sitemap-{number}.xml" for number in range(1, 7)] + ["sitemap.xml"]
    sizes = [len(urlset(files[f"sitemap-{number}.xml"])) for number in range(1, 7)]
    assert sizes == [2, 1, 2, 2, 2, 2]
    assert len(every_sitemap_url(site)) == 11


def test_no_sitemap_file_passes_the_size_limit(site: SiteFolder, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(site_files, "MAX_SITEMAP_BYTES", 900)
    for number in range(6):
        name = f"{number}-{'a-long-file-name' * 3}.txt"
        site.add(name, article(keywords="Transit", date=f"2026-01-0{number + 1} 09:00Z"))
    build(site.settings(limit=0))
    files = sorted(site.output.glob("sitemap-*.xml"))
    assert len(files) >= 3
    assert all(path.stat().st_size <= 900 for path in files)
    assert sorted(every_sitemap_url(site)) == sorted(page_url(path) for path in html_pages(site))


def test_the_capacity_of_a_sitemap_is_50000_urls_unless_long_paths_need_fewer(site: SiteFolder):
    links = SiteLinks(site.settings())
    assert sitemap_capacity(links, ["entries/001_2d6267512e09c0b4.html"]) == 50_000
    long_ascii = sitemap_capacity(links, ["entries/" + "x" * 700 + ".html"])
    long_other = sitemap_capacity(links, ["entries/" + "é" * 700 + ".html"])
    assert long_other < long_ascii < 50_000
    # The worst case fits: every line as long as percent-encoding can make it.
    line = f"<url><loc>{SITE_URL}{quote('entries/' + 'é' * 700 + '.html')}</loc>"
    line += "<lastmod>2026-01-01T00:00:00+00:00</lastmod></url>\n"
    assert long_other * len(line) + 100 <= site_files.MAX_SITEMAP_BYTES


# Incremental builds: the key of a sitemap file changes when its bytes would ----------


def test_a_new_entry_remakes_the_last_sitemap_of_entries_and_not_the_full_ones(
    site: SiteFolder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(site_files, "MAX_SITEMAP_URLS", 3)
    for number in range(7):
        site.add(f"{number}.txt", article(keywords="Transit", date=f"2026-01-0{number + 1} 09:00Z"))
    build(site.settings(limit=0))
    made = record_made(monkeypatch)
    site.add("7.txt", article(keywords="Transit", date="2026-01-08 09:00Z"))
    build(site.settings(limit=0))
    sitemaps = sorted(path for path in made if path.startswith("sitemap"))
    assert sitemaps == ["sitemap-1.xml", "sitemap-4.xml", "sitemap.xml"]
    assert snapshot(site.output) == clean(site, tmp_path, limit=0)


def test_an_edit_that_keeps_the_dates_leaves_the_sitemap_and_an_update_remakes_it(
    site: SiteFolder, monkeypatch: pytest.MonkeyPatch
):
    site.add("a.txt", article(date="2026-01-01 09:00Z"))
    site.add("b.txt", article(title="Other", date="2026-01-02 09:00Z"))
    build(site.settings())
    made = record_made(monkeypatch)
    site.add("a.txt", article(date="2026-01-01 09:00Z", body="Another body, edited."))
    build(site.settings())
    assert "entries/a.html" in made
    assert "sitemap.xml" not in made and "feeds.opml" not in made
    made.clear()
    site.add("a.txt", "Updated: 2026-02-01 10:00Z\n" + article(date="2026-01-01 09:00Z"))
    build(site.settings())
    assert "sitemap.xml" in made and "feeds.opml" in made
    assert every_sitemap_url(site)[SITE_URL + "entries/a.html"] == "2026-02-01T10:00:00+00:00"


def clean(site: SiteFolder, tmp_path: Path, **overrides) -> dict[str, bytes]:
    output = tmp_path / f"clean-{random.random()}"
    build(site.settings(output=output, **overrides), use_cache=False)
    return snapshot(output)


def test_incremental_builds_of_split_sitemaps_match_a_clean_build(
    site: SiteFolder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(site_files, "MAX_SITEMAP_URLS", 4)
    rng = random.Random(16)
    names = []
    keywords = ["Transit", "Science", "Café", "東京"]
    for step in range(24):
        action = rng.choice(["add", "add", "edit", "update", "delete"])
        if action == "add" or not names:
            names.append(f"{step:02d}.txt")
            name = names[-1]
            text = article(keywords=rng.choice(keywords), date=f"2026-01-{rng.randint(1, 28):02d}")
        elif action == "delete":
            (site.entries / names.pop(rng.randrange(len(names)))).unlink()
            text = None
        else:
            name = rng.choice(names)
            date = f"2026-01-{rng.randint(1, 28):02d}"
            text = article(title=f"Edited {step}", keywords=rng.choice(keywords), date=date)
            if action == "update":
                text = f"Updated: 2026-02-{rng.randint(1, 28):02d} 08:00Z\n" + text
        if text is not None:
            site.add(name, text)
        build(site.settings(limit=2))
        assert snapshot(site.output) == clean(site, tmp_path, limit=2), step


# robots.txt ----------------------------------------------------------------------------


def test_robots_txt_allows_every_crawler_everything_and_names_the_sitemap(
    three_entry_site: SiteFolder,
):
    site = three_entry_site
    build(site.settings())
    text = site.read("robots.txt").decode("ascii")
    assert text == f"User-agent: *\nAllow: /\n\nSitemap: {SITE_URL}sitemap.xml\n"
    robots = RobotFileParser()
    robots.parse(text.splitlines())
    assert robots.site_maps() == [SITE_URL + "sitemap.xml"]
    for path in [*html_pages(site), "rss.xml", "categories/science/atom.xml"]:
        assert robots.can_fetch("Googlebot", page_url(path))
        assert robots.can_fetch("*", page_url(path))


# feeds.opml ----------------------------------------------------------------------------


def opml_outlines(
    site: SiteFolder, base: str = SITE_URL
) -> tuple[etree._Element, list[dict[str, str]]]:
    """The OPML's head and its outlines' attributes, checked against OPML 2.0: an
    ``opml`` root of version 2.0 holding a ``head`` and a ``body`` of flat ``outline``
    elements, each with the attributes a subscription list needs."""
    root = parse_xml(site.read("feeds.opml"))
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.nsmap == {}
    head, body = root
    assert (head.tag, body.tag) == ("head", "body")
    assert head.findtext("docs") == "https://opml.org/spec2.opml"
    outlines = []
    for outline in body:
        assert outline.tag == "outline" and len(outline) == 0
        attributes = dict(outline.attrib)
        assert attributes["type"] == "rss" and attributes["version"] == "RSS2"
        assert attributes["text"] == attributes["title"]
        for name in ("xmlUrl", "htmlUrl"):
            assert attributes[name].startswith(base) and attributes[name].isascii()
        outlines.append(attributes)
    return head, outlines


def category_index_names(site: SiteFolder) -> list[str]:
    index = site.read("categories/index.html").decode("utf-8")
    return re.findall(r'<li><a href="[^"]+/index.html">([^<]+)</a>', index)


def test_the_opml_lists_the_site_feed_then_every_category_in_the_index_order(site: SiteFolder):
    names = ["Zoo", "fête", "Apples", "Festivals", "東京", "éducation"]
    for number, name in enumerate(names):
        site.add(f"{number}.txt", article(keywords=name, date=f"2026-01-0{number + 1} 09:00Z"))
    site.add(
        "later.txt",
        "Date: 2025-06-01 09:00Z\nUpdated: 2026-02-03 17:30:05+01:00\n\nLater\n\nBody.\n",
    )
    build(site.settings())
    head, outlines = opml_outlines(site)
    assert head.findtext("title") == "Test News: every feed"
    assert head.findtext("ownerName") == "Test Desk"
    # The newest entry's updated time, never the build's.
    modified = head.findtext("dateModified")
    assert modified == "Tue, 03 Feb 2026 16:30:05 +0000"
    assert parsedate_to_datetime(modified) == datetime(2026, 2, 3, 16, 30, 5, tzinfo=UTC)
    assert outlines[0] == {
        "type": "rss",
        "text": "Test News",
        "title": "Test News",
        "description": "Tests of feedtool",
        "xmlUrl": SITE_URL + "rss.xml",
        "htmlUrl": SITE_URL,
        "version": "RSS2",
        "language": "en",
    }
    in_order = category_index_names(site)
    assert [outline["title"] for outline in outlines[1:]] == [
        f"Test News: {name}" for name in in_order
    ]
    for outline in outlines:
        # Each feed is published, and so is the page it names.
        assert (site.output / unquote(outline["xmlUrl"].removeprefix(SITE_URL))).is_file()
        page = unquote(outline["htmlUrl"].removeprefix(SITE_URL))
        assert (site.output / page / "index.html").is_file()


def test_the_opml_escapes_markup_quotes_ampersands_and_keeps_other_scripts(site: SiteFolder):
    title = 'Tom & Jerry\'s <News> "daily" — ニュース'
    config = site.config.read_text(encoding="utf-8").replace(
        'title = "Test News"', "title = '''" + title + "'''"
    )
    site.config.write_text(config, encoding="utf-8")
    site.add("a.txt", article(keywords='R&D, <b>Bold</b>, "Quoted", Ünïcødé'))
    build(site.settings())
    data = site.read("feeds.opml")
    assert b"<b>" not in data and b"R&D" not in data
    _, outlines = opml_outlines(site)
    assert outlines[0]["title"] == title
    assert sorted(outline["title"] for outline in outlines[1:]) == sorted(
        f"{title}: {name}" for name in ("R&D", "<b>Bold</b>", '"Quoted"', "Ünïcødé")
    )


def test_a_site_without_entries_lists_only_its_feed_and_no_date(site: SiteFolder):
    build(site.settings())
    head, outlines = opml_outlines(site)
    assert head.find("dateModified") is None
    assert [outline["xmlUrl"] for outline in outlines] == [SITE_URL + "rss.xml"]


def test_listparser_reads_every_feed_of_the_opml(three_entry_site: SiteFolder):
    listparser = pytest.importorskip("listparser", reason="listparser is in the test extras")
    site = three_entry_site
    build(site.settings())
    result = listparser.parse(site.read("feeds.opml"))
    assert not result.bozo, result.bozo_exception
    assert result.meta.title == "Test News: every feed"
    assert result.meta.modified_parsed == datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    assert [(feed.title, feed.url) for feed in result.feeds] == [
        ("Test News", SITE_URL + "rss.xml"),
        ("Test News: Café culture", SITE_URL + "categories/cafe-culture/rss.xml"),
        ("Test News: Science", SITE_URL + "categories/science/rss.xml"),
        ("Test News: Transit", SITE_URL + "categories/transit/rss.xml"),
    ]


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        pass


@pytest.mark.skipif(shutil.which("newsboat") is None, reason="newsboat is not installed")
def test_newsboat_imports_the_opml_and_fetches_every_feed(
    three_entry_site: SiteFolder, tmp_path: Path
):
    site = three_entry_site
    site.add("tokyo.txt", article(title="Tokyo", keywords="東京", date="2026-03-02 09:00Z"))
    # The site served over HTTP at the URL it is built for, as a reader would fetch it.
    handler = functools.partial(_QuietFiles, directory=str(site.output))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    build(site.settings(url=url))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # A home of its own, so that the user's newsboat is not touched.
    home = tmp_path / "newsboat"
    home.mkdir()
    (home / "config").write_text("", encoding="utf-8")
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home)}
    env["XDG_DATA_HOME"] = str(home)
    command = ["newsboat", "-u", "urls", "-c", "cache.db", "-C", "config"]
    try:
        opml = site.output / "feeds.opml"
        subprocess.run([*command, "-i", str(opml)], cwd=home, env=env, check=True, timeout=60)
        subprocess.run([*command, "-x", "reload"], cwd=home, env=env, check=True, timeout=120)
    finally:
        server.shutdown()
        server.server_close()
    _, outlines = opml_outlines(site, url)
    subscribed = (home / "urls").read_text(encoding="utf-8").split()
    assert subscribed == [outline["xmlUrl"] for outline in outlines]
    with sqlite3.connect(home / "cache.db") as cache:
        fetched = dict(cache.execute("SELECT rssurl, title FROM rss_feed").fetchall())
        items = cache.execute("SELECT count(DISTINCT guid) FROM rss_item").fetchone()[0]
    assert fetched == {outline["xmlUrl"]: outline["title"] for outline in outlines}
    assert "Test News: 東京" in fetched.values()
    assert items == 4


# Links from the pages -------------------------------------------------------------------


def test_the_home_pages_and_the_category_index_link_the_opml(three_entry_site: SiteFolder):
    site = three_entry_site
    build(site.settings(limit=1))
    linking = {"index.html": "", "page/3/index.html": "../../", "categories/index.html": "../"}
    for path, root in linking.items():
        page = site.read(path).decode("utf-8")
        href = f"{root}feeds.opml"
        assert (
            f'<link rel="outline" type="text/x-opml" href="{href}" '
            'title="Test News: every feed (OPML)">'
        ) in page
        assert f'<a type="text/x-opml" href="{href}" ' in page
        assert os.path.normpath(site.output / Path(path).parent / href) == str(
            site.output / "feeds.opml"
        )
    assert "Follow every category at once" in site.read("categories/index.html").decode()
    for path in ("entries/002_beta.html", "categories/science/index.html"):
        assert b"feeds.opml" not in site.read(path)


def test_the_preview_serves_the_opml_as_opml():
    assert content_type("feeds.opml", b'<?xml version="1.0"?>\n<opml') == (
        "text/x-opml; charset=utf-8"
    )
    assert content_type("sitemap.xml", b'<?xml version="1.0"?>\n<urlset') == (
        "application/xml; charset=utf-8"
    )
    assert content_type("robots.txt", b"User-agent: *") == "text/plain; charset=utf-8"
