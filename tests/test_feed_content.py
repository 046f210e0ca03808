"""What the feeds carry of each entry: the points as a list, the content, xml:lang, tag: ids.

Read back as readers read them: feedparser, newsboat (when installed), our validator.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from feedtool._build import build
from feedtool._render.rss_atom import ATOM_NS, CONTENT_NS
from feedtool._validate import validate_targets
from tests.conftest import SiteFolder, article

POINTS = ("Trams run every <six> minutes.", "Fares stay at 2 € & children ride free.")
BODY = "The first passenger tram left the central station at 5:42."
POINTS_HTML = (
    "<ul>\n<li>Trams run every &lt;six&gt; minutes.</li>\n"
    "<li>Fares stay at 2 € &amp; children ride free.</li>\n</ul>"
)
PARAGRAPH_HTML = "<p>The first passenger tram left the central station at 5:42.</p>"

# RFC 4151 with RFC 3986's characters: the specific part (and a fragment) is pchar, "/"
# and "?", where pchar is unreserved, %XX, sub-delims, ":" and "@". The W3C Feed
# Validation Service reports InvalidTAG for anything else, such as a raw 東京.
_URI_CHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})"
TAG_URI = re.compile(
    rf"tag:[A-Za-z0-9.\-_@]+,\d{{4}}(?:-\d{{2}}(?:-\d{{2}})?)?:{_URI_CHAR}*(?:#{_URI_CHAR}*)?"
)


class _ListItems(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "li":
            self.items.append("")
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "li":
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.items[-1] += data


def list_items(markup: str) -> list[str]:
    """The text of each ``<li>`` of an HTML text, as a browser would show it."""
    parser = _ListItems()
    parser.feed(markup)
    parser.close()
    return parser.items


def parsed(site: SiteFolder, relative: str) -> feedparser.FeedParserDict:
    document = feedparser.parse(site.read(relative))
    assert not document.bozo, document.get("bozo_exception")
    return document


def assert_valid(site: SiteFolder) -> None:
    """Every feed of the output passes our validator without an error or a warning."""
    reports = validate_targets([str(site.output)])
    assert len(reports) >= 3
    findings = [(r.target, f) for r in reports for f in (*r.errors, *r.warnings)]
    assert not findings


@pytest.fixture
def points_site(site: SiteFolder) -> SiteFolder:
    site.add("tram.txt", article(title="Tram line opens", points=POINTS, body=BODY))
    return site


# The points


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml"])
def test_points_arrive_as_separate_list_items_in_feedparser(points_site: SiteFolder, name: str):
    site = points_site
    build(site.settings())
    (entry,) = parsed(site, name).entries
    assert entry.summary_detail.type == "text/html"
    assert list_items(entry.summary) == list(POINTS)
    assert list_items(entry.content[0].value) == list(POINTS)
    assert_valid(site)


def test_rss_description_and_atom_summary_are_the_points_list(points_site: SiteFolder):
    site = points_site
    build(site.settings())
    item = etree.fromstring(site.read("rss.xml")).find("channel/item")
    assert item.findtext("description") == POINTS_HTML
    atom = etree.fromstring(site.read("atom.xml")).find(f"{{{ATOM_NS}}}entry")
    summary = atom.find(f"{{{ATOM_NS}}}summary")
    assert summary.get("type") == "html"
    assert summary.text == POINTS_HTML


def test_full_content_is_the_points_list_then_the_paragraphs_like_the_page(
    points_site: SiteFolder,
):
    site = points_site
    build(site.settings())
    content = POINTS_HTML + "\n" + PARAGRAPH_HTML
    item = etree.fromstring(site.read("rss.xml")).find("channel/item")
    assert item.findtext(f"{{{CONTENT_NS}}}encoded") == content
    atom = etree.fromstring(site.read("atom.xml")).find(f"{{{ATOM_NS}}}entry")
    assert atom.find(f"{{{ATOM_NS}}}content").get("type") == "html"
    assert atom.findtext(f"{{{ATOM_NS}}}content") == content
    (json_item,) = json.loads(site.read("feed.json"))["items"]
    assert json_item["content_html"] == content
    # The page shows the same points, in the same order, before the same paragraph.
    page = site.read("entries/tram.html").decode()
    assert list_items(page)[: len(POINTS)] == list(POINTS)  # its categories follow
    assert page.index("<li>Fares stay") < page.index(PARAGRAPH_HTML)


def test_json_summary_stays_plain_text_one_point_per_line(points_site: SiteFolder):
    site = points_site
    build(site.settings())
    (item,) = json.loads(site.read("feed.json"))["items"]
    assert item["summary"] == "\n".join(POINTS)
    assert list_items(item["content_html"]) == list(POINTS)
    assert_valid(site)


def test_summary_only_keeps_the_points_list_and_leaves_the_paragraphs_out(
    points_site: SiteFolder,
):
    site = points_site
    build(site.settings(summary_only=True))
    for name in ("rss.xml", "atom.xml"):
        (entry,) = parsed(site, name).entries
        assert "content" not in entry
        assert list_items(entry.summary) == list(POINTS)
    rss = site.read("rss.xml").decode()
    assert "content:encoded" not in rss and "central station" not in rss
    assert "central station" not in site.read("atom.xml").decode()
    (item,) = json.loads(site.read("feed.json"))["items"]
    assert item["summary"] == "\n".join(POINTS)
    # JSON Feed needs content: the summary stands in, as the list RSS and Atom show.
    assert item["content_html"] == POINTS_HTML
    assert "content_text" not in item
    assert_valid(site)


def test_entry_with_points_and_no_body_carries_the_list_as_content(site: SiteFolder):
    site.add(
        "brief.txt",
        "Date: 2026-01-02 10:00Z\n\nA brief\n\nStrong points\nOne.\nTwo.\n\nTags: Alpha\n",
    )
    build(site.settings())
    (entry,) = parsed(site, "atom.xml").entries
    assert list_items(entry.summary) == ["One.", "Two."]
    assert list_items(entry.content[0].value) == ["One.", "Two."]
    (item,) = json.loads(site.read("feed.json"))["items"]
    assert item["content_html"] == "<ul>\n<li>One.</li>\n<li>Two.</li>\n</ul>"
    assert_valid(site)


def test_summary_from_the_first_paragraph_is_one_escaped_paragraph(site: SiteFolder):
    text = "Gamma says <script>alert(1)</script> & more, with no points at all."
    site.add(
        "gamma.txt",
        f"Date: 2026-01-02 10:00Z\n\nGamma\n\n{text}\n\nA second paragraph here.\n\nTags: X\n",
    )
    build(site.settings())
    escaped = (
        "<p>Gamma says &lt;script&gt;alert(1)&lt;/script&gt; &amp; more, with no points at all.</p>"
    )
    item = etree.fromstring(site.read("rss.xml")).find("channel/item")
    assert item.findtext("description") == escaped
    atom = etree.fromstring(site.read("atom.xml")).find(f"{{{ATOM_NS}}}entry")
    assert atom.findtext(f"{{{ATOM_NS}}}summary") == escaped
    for name in ("rss.xml", "atom.xml"):
        (entry,) = parsed(site, name).entries
        assert "<script" not in entry.summary  # text, never markup
        assert list_items(entry.summary) == []
    (json_item,) = json.loads(site.read("feed.json"))["items"]
    assert json_item["summary"] == text
    assert_valid(site)


def test_summary_line_replaces_the_points_in_the_summary_not_in_the_content(site: SiteFolder):
    site.add(
        "tram.txt",
        "Summary: Line 7 opens <today>.\n" + article(title="Tram", points=POINTS, body=BODY),
    )
    build(site.settings())
    item = etree.fromstring(site.read("rss.xml")).find("channel/item")
    assert item.findtext("description") == "<p>Line 7 opens &lt;today&gt;.</p>"
    assert item.findtext(f"{{{CONTENT_NS}}}encoded") == POINTS_HTML + "\n" + PARAGRAPH_HTML
    (json_item,) = json.loads(site.read("feed.json"))["items"]
    assert json_item["summary"] == "Line 7 opens <today>."
    assert_valid(site)


def _newsboat_shows(tmp_path: Path, feed: Path) -> str:
    """The article newsboat shows for the first item of ``feed``, as its pager gets it."""
    home = tmp_path / "newsboat"
    home.mkdir()
    shown = home / "shown.txt"
    (home / "urls").write_text(feed.as_uri() + "\n", encoding="utf-8")
    (home / "config").write_text(
        f"pager \"cat %f > '{shown}'\"\nrun-on-startup open ; open ; hard-quit\n",
        encoding="utf-8",
    )
    command = ["newsboat", "-u", "urls", "-c", "cache.db", "-C", "config"]
    env = {**os.environ, "HOME": str(home), "TERM": "xterm", "XDG_CONFIG_HOME": str(home)}
    env["XDG_DATA_HOME"] = str(home)
    subprocess.run([*command, "-x", "reload"], cwd=home, env=env, check=True, timeout=60)
    # The article view needs a terminal.
    leader, follower = os.openpty()
    try:
        process = subprocess.Popen(
            command, cwd=home, env=env, stdin=follower, stdout=follower, stderr=follower
        )
        os.close(follower)
        while True:
            try:
                if not os.read(leader, 65536):
                    break
            except OSError:  # the terminal closed: newsboat is done
                break
        assert process.wait(timeout=60) == 0
    finally:
        os.close(leader)
    return shown.read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("newsboat") is None, reason="newsboat is not installed")
@pytest.mark.parametrize("name", ["rss.xml", "atom.xml"])
@pytest.mark.parametrize("summary_only", [False, True], ids=["full", "summary-only"])
def test_newsboat_shows_each_point_on_a_line_of_its_own(
    points_site: SiteFolder, tmp_path: Path, name: str, summary_only: bool
):
    site = points_site
    build(site.settings(summary_only=summary_only))
    lines = [line.strip() for line in _newsboat_shows(tmp_path, site.output / name).splitlines()]
    assert "Title: Tram line opens" in lines
    assert "* Trams run every <six> minutes." in lines
    assert "* Fares stay at 2 € & children ride free." in lines
    assert (BODY in lines) is not summary_only


# Ids


def test_category_feed_ids_percent_encode_non_ascii_slugs_and_keep_ascii_ones(
    site: SiteFolder,
):
    site.add("tokyo.txt", article(keywords="東京, Transit"))
    build(site.settings())
    tokyo = parsed(site, "categories/東京/atom.xml").feed.id
    assert tokyo == "tag:news.example.org,2026:category/%E6%9D%B1%E4%BA%AC"
    assert parsed(site, "categories/transit/atom.xml").feed.id == (
        "tag:news.example.org,2026:category/transit"
    )
    assert parsed(site, "atom.xml").feed.id == "tag:news.example.org,2026:feed"
    assert parsed(site, "archive/1.xml").feed.id == "tag:news.example.org,2026:archive/1"
    assert_valid(site)


def test_entry_ids_from_non_ascii_names_and_id_lines_are_uri_characters(site: SiteFolder):
    site.add("001_alpha.txt", article(date="2026-01-01 10:00Z"))
    site.add("東京の話.txt", article(date="2026-01-02 10:00Z"))
    site.add("other.txt", "Id: Zürich: 50% más#1\n" + article(date="2026-01-03 10:00Z"))
    build(site.settings())
    expected = [
        "tag:news.example.org,2026:Z%C3%BCrich%3A%2050%25%20m%C3%A1s%231",
        "tag:news.example.org,2026:%E6%9D%B1%E4%BA%AC%E3%81%AE%E8%A9%B1",
        "tag:news.example.org,2026:001_alpha",
    ]
    for name in ("rss.xml", "atom.xml"):
        assert [entry.id for entry in parsed(site, name).entries] == expected
    assert [item["id"] for item in json.loads(site.read("feed.json"))["items"]] == expected
    assert_valid(site)


def test_every_id_of_every_feed_is_a_tag_uri_of_uri_characters(site: SiteFolder):
    site.add("東京の話.txt", article(keywords="東京, Київ, Café culture, !!!, Transit"))
    site.add("b.txt", "Id: ça va?\n" + article(keywords="Ærø", date="2026-01-03 10:00Z"))
    build(site.settings())
    ids = []
    for path in sorted(site.output.rglob("*")):
        if path.suffix in (".xml", ".rss"):
            root = etree.fromstring(path.read_bytes())
            ids += [e.text for e in root.iter(f"{{{ATOM_NS}}}id", "guid")]
        elif path.name == "feed.json":
            ids += [item["id"] for item in json.loads(path.read_bytes())["items"]]
    assert len(ids) > 20
    assert [value for value in ids if not TAG_URI.fullmatch(value)] == []


def test_tag_uri_pattern_rejects_what_the_w3c_service_rejects():
    assert TAG_URI.fullmatch("tag:holdout.example,2000:category/%E6%9D%B1%E4%BA%AC")
    assert not TAG_URI.fullmatch("tag:holdout.example,2000:category/東京")
    assert not TAG_URI.fullmatch("tag:holdout.example,2000:a b")
    assert not TAG_URI.fullmatch("tag:holdout.example,2000:50%")


# Languages


def test_atom_entries_carry_their_language_and_the_feed_the_sites(site: SiteFolder):
    site.add("fr.txt", "Language: fr-CA\n" + article(title="Bonjour", date="2026-01-01 10:00Z"))
    site.add("plain.txt", article(title="Hello", date="2026-01-02 10:00Z"))
    build(site.settings())
    atom = parsed(site, "atom.xml")
    assert atom.feed.language == "en"
    hello, bonjour = atom.entries
    assert bonjour.content[0].language == "fr-CA"
    assert bonjour.summary_detail.language == "fr-CA"
    assert bonjour.title_detail.language == "fr-CA"
    # No Language: line: the entry is in the site's language, inherited from the feed.
    assert hello.content[0].language == "en"
    assert hello.summary_detail.language == "en"
    root = etree.fromstring(site.read("atom.xml"))
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert root.get(lang) == "en"
    assert [entry.get(lang) for entry in root.iter(f"{{{ATOM_NS}}}entry")] == [None, "fr-CA"]
    assert parsed(site, "rss.xml").feed.language == "en"
    assert [item.get("language") for item in json.loads(site.read("feed.json"))["items"]] == [
        None,
        "fr-CA",
    ]
    assert_valid(site)


def test_entry_language_is_kept_when_the_site_names_none(site: SiteFolder):
    site.config.write_text(
        site.config.read_text(encoding="utf-8").replace('language = "en"\n', ""),
        encoding="utf-8",
    )
    site.add("ja.txt", "Language: ja\n" + article(title="東京の話"))
    build(site.settings())
    assert b"xml:lang" not in site.read("atom.xml").split(b"<entry")[0]
    (entry,) = parsed(site, "atom.xml").entries
    assert entry.content[0].language == "ja"
    assert entry.summary_detail.language == "ja"
    assert_valid(site)
