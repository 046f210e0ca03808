"""For any valid set of entries: every feed validates, reads without bozo, and round-trips."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import feedparser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from feedtool._build import build
from feedtool._render.rss_atom import ATOM_NS, CONTENT_NS
from feedtool._validate import validate_targets
from tests.conftest import SiteFolder
from tests.test_feed_content import list_items

# Any character a person could type into an article, markup and quotes included; not
# controls, surrogates, line separators or unassigned code points.
typed = st.characters(
    exclude_categories=("Cc", "Cs", "Zl", "Zp", "Co", "Cn"), exclude_characters="\x85\ufeff"
)
text = st.text(typed, min_size=1, max_size=40).map(lambda s: " ".join(s.split())).filter(bool)
# A letter first: no line can then be a bullet, a header, chrome or a keywords line.
line = st.tuples(st.characters(categories=("Lu",)), text).map(lambda p: f"{p[0]}{p[1]}")
keyword = text.filter(lambda k: "," not in k)
article = st.fixed_dictionaries(
    {
        "title": line,
        "points": st.lists(line, min_size=1, max_size=4),
        "keywords": st.lists(keyword, min_size=1, max_size=4, unique_by=str.casefold),
        "body": line,
        "day": st.integers(1, 28),
    }
)


def as_feedparser_reads(value: str) -> str:
    """feedparser "repairs" text that is UTF-8 mis-read as Latin-1 ("Â¡" becomes "¡")."""
    try:
        return value.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def write_article(site: SiteFolder, number: int, data: dict) -> None:
    points = "\n".join(data["points"])
    site.add(
        f"{number:03d}.txt",
        f"Date: 2026-02-{data['day']:02d} 10:{number:02d}\n\n{data['title']}\n\n"
        f"Strong points\n{points}\n\n{data['body']}.\n\nTags: {', '.join(data['keywords'])}\n",
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(article, min_size=1, max_size=4, unique_by=lambda data: data["title"]))
def test_every_feed_validates_and_round_trips_titles_points_and_keywords(articles):
    with tempfile.TemporaryDirectory() as folder:
        site = SiteFolder(Path(folder))
        for number, data in enumerate(articles):
            write_article(site, number, data)
        build(site.settings(), use_cache=False)

        reports = validate_targets([str(site.output)])
        assert reports and not [finding for r in reports for finding in r.errors]

        by_title = {as_feedparser_reads(data["title"]): data for data in articles}
        for name in ("rss.xml", "atom.xml"):
            parsed = feedparser.parse(site.read(name))
            assert not parsed.bozo, parsed.get("bozo_exception")
            assert sorted(entry.title for entry in parsed.entries) == sorted(by_title)
            for entry in parsed.entries:
                data = by_title[entry.title]
                terms = [tag.term for tag in entry.tags]
                assert len(terms) == len(data["keywords"])
                # feedparser repairs element text, not attributes (Atom's term="...").
                for term, keyword in zip(terms, data["keywords"], strict=True):
                    assert term in (keyword, as_feedparser_reads(keyword))
                # The points arrive as a list, one item each, in the summary and content.
                for markup in (entry.summary, entry.content[0].value):
                    items = list_items(markup)
                    assert len(items) == len(data["points"])
                    for item, point in zip(items, data["points"], strict=True):
                        assert item in (point, as_feedparser_reads(point))
        by_title = {data["title"]: data for data in articles}  # our own reading: exact
        rss = etree.fromstring(site.read("rss.xml"))
        for item in rss.iter("item"):
            data = by_title[item.findtext("title")]
            assert list_items(item.findtext("description")) == data["points"]
            assert list_items(item.findtext(f"{{{CONTENT_NS}}}encoded")) == data["points"]
        atom = etree.fromstring(site.read("atom.xml"))
        for entry in atom.iter(f"{{{ATOM_NS}}}entry"):
            data = by_title[entry.findtext(f"{{{ATOM_NS}}}title")]
            assert list_items(entry.findtext(f"{{{ATOM_NS}}}summary")) == data["points"]
            assert list_items(entry.findtext(f"{{{ATOM_NS}}}content")) == data["points"]
        for item in json.loads(site.read("feed.json"))["items"]:
            data = by_title[item["title"]]
            assert item["summary"] == "\n".join(data["points"])
            assert list_items(item["content_html"]) == data["points"]
            assert item["tags"] == data["keywords"]
