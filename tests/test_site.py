"""The site as data: order, categories and slugs, feeds and pages per category."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime

import feedparser
import pytest

from feedtool._build import build, load_site
from feedtool._entry import parse_entry
from feedtool._publish import MANIFEST_NAME
from feedtool._render import render_site
from feedtool._site import collect_site, future_date_warnings, page_path_of, slugify
from tests.conftest import SITE_URL, SiteFolder, article


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def entry(name: str, date: str, keywords: str = ""):
    text = f"Date: {date}\n\nTitle of {name}\n\nBody.\n\nTags: {keywords}\n"
    return parse_entry(text, f"{name}.txt")


@pytest.mark.parametrize(
    ("keyword", "slug"),
    [
        ("Open Source", "open-source"),
        ("Café culture", "cafe-culture"),
        ("Ærø naïve Straße", "aero-naive-strasse"),
        ("東京", "東京"),
        ("Київ", "київ"),
        ("C++ & Rust!", "c-rust"),
        ("  -- spaced -- ", "spaced"),
        ("2026 elections", "2026-elections"),
    ],
)
def test_slugs_fold_accents_and_keep_letters_of_any_script(keyword: str, slug: str):
    assert slugify(keyword) == slug


def test_keyword_without_usable_characters_gets_a_stable_hashed_slug():
    assert slugify("!!!") == slugify("!!!")
    assert slugify("!!!").startswith("c-") and slugify("!!!") != slugify("???")


def test_a_slug_too_long_for_a_folder_name_is_shortened_with_a_stable_hash():
    # Up to 255 bytes a slug is the folder's name as it is, in any script.
    assert slugify("x" * 255) == "x" * 255
    assert slugify("東京" * 42) == "東京" * 42  # 252 bytes
    long_ascii, long_japanese = "Transit " * 40, "東京" * 60
    for keyword in (long_ascii, long_japanese, long_ascii + "a", long_ascii + "b"):
        slug = slugify(keyword)
        assert len(slug.encode()) <= 255
        assert slug[:100] == slugify(keyword[:200])[:100]  # it starts as the whole slug
        assert re.fullmatch(r".*[^-]-[0-9a-f]{10}", slug)
    # Slugs that share their first 255 bytes stay apart; the same keyword, the same slug.
    assert slugify(long_ascii + "a") != slugify(long_ascii + "b")
    # The cut, then the first hex digits of the whole slug's SHA-256, on every machine.
    whole = "-".join(["transit"] * 40) + "-a"
    assert sha256(whole)[:10] == "7cad4a5b1c"
    slugify.cache_clear()
    assert slugify(long_ascii + "a") == whole[:244] + "-7cad4a5b1c"
    # Keywords that share a slug share its shortened form: one category.
    assert slugify(long_ascii.upper()) == slugify(long_ascii)


def test_a_page_name_too_long_for_a_file_name_is_shortened_but_the_id_is_kept(site):
    for entry_id in ("a" * 250, "東京" * 41 + "ab"):  # 250 bytes: entries/<id>.html fits
        assert page_path_of(entry_id) == f"entries/{entry_id}.html"
    long_id = "a" * 251  # the stem of a file named with 255 bytes
    assert page_path_of(long_id) == f"entries/{'a' * 239}-{sha256(long_id)[:10]}.html"
    assert page_path_of(long_id + "b") != page_path_of(long_id)
    links = collect_site((), site.settings()).links
    long_entry = entry("x", "2026-01-01")._replace(id=long_id)
    assert links.tag_id(long_entry) == f"tag:news.example.org,2026:{long_id}"
    assert links.page_url(long_entry) == SITE_URL + page_path_of(long_id)


def test_entries_sort_newest_first_ties_by_id_descending(site: SiteFolder):
    entries = [
        entry("a", "2026-01-01"),
        entry("b", "2026-01-01"),
        entry("ab", "2026-01-01"),
        entry("z", "2025-01-01"),
        entry("c", "2026-02-01"),
    ]
    ordered = collect_site(entries, site.settings()).entries
    assert [e.id for e in ordered] == ["c", "b", "ab", "a", "z"]


def test_keywords_sharing_a_slug_share_a_category_named_by_the_common_spelling(site):
    entries = [
        entry("a", "2026-01-01", "Open Source"),
        entry("b", "2026-01-02", "open source"),
        entry("c", "2026-01-03", "open-source"),
        entry("d", "2026-01-04", "open source, Other"),
    ]
    site_data = collect_site(entries, site.settings())
    category = site_data.category_by_slug("open-source")
    assert category.name == "open source"
    assert [e.id for e in category.entries] == ["d", "c", "b", "a"]
    assert [c.slug for c in site_data.categories] == ["open-source", "other"]


def test_future_dates_are_warned_about():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    future = entry("f", "2030-01-01 00:00+00:00")
    present = entry("p", "2026-01-01 12:00+00:00")
    warnings = future_date_warnings((future, present), now)
    assert [w.path for w in warnings] == ["f.txt"]


def test_category_feeds_hold_just_that_topic(three_entry_site: SiteFolder):
    site = three_entry_site
    build(site.settings())
    feed = feedparser.parse(site.read("categories/science/rss.xml"))
    assert not feed.bozo
    assert feed.feed.title == "Test News: Science"
    assert [e.title for e in feed.entries] == ["Gamma third", "Beta second"]
    assert (
        f'href="{SITE_URL}categories/science/rss.xml" rel="self"'
        in site.read("categories/science/rss.xml").decode()
    )
    atom = feedparser.parse(site.read("categories/transit/atom.xml"))
    assert [e.title for e in atom.entries] == ["Beta second", "Alpha & Omega: <b>first</b>"]
    document = json.loads(site.read("categories/cafe-culture/feed.json"))
    assert document["feed_url"] == SITE_URL + "categories/cafe-culture/feed.json"
    assert [item["title"] for item in document["items"]] == ["Alpha & Omega: <b>first</b>"]


def test_category_pages_and_index(three_entry_site: SiteFolder):
    site = three_entry_site
    build(site.settings())
    index = site.read("categories/index.html").decode()
    assert '<a href="science/index.html">Science</a> (2)' in index
    assert '<a href="cafe-culture/index.html">Café culture</a> (1)' in index
    page = site.read("categories/science/index.html").decode()
    assert 'type="application/rss+xml"' in page and 'href="rss.xml"' in page
    assert "Gamma third" in page and "Alpha" not in page
    assert 'href="categories/index.html"' in site.read("index.html").decode()


def test_index_is_paginated_so_every_entry_is_reachable(site: SiteFolder):
    for number in range(5):
        site.add(
            f"{number:03d}.txt", article(title=f"Entry {number}", date=f"2026-01-0{number + 1}")
        )
    build(site.settings(limit=2))
    first = site.read("index.html").decode()
    assert 'rel="next" href="page/2/index.html"' in first and 'rel="prev"' not in first
    second = site.read("page/2/index.html").decode()
    assert 'rel="prev" href="../../index.html"' in second
    assert 'rel="next" href="../../page/3/index.html"' in second
    third = site.read("page/3/index.html").decode()
    assert "Entry 0" in third and 'rel="next"' not in third
    pages = first + second + third
    assert all(f"Entry {number}" in pages for number in range(5))
    assert 'href="../../rss.xml"' in second  # autodiscovery from a deeper page


def test_emptied_category_is_removed_on_rebuild(three_entry_site: SiteFolder):
    site = three_entry_site
    build(site.settings())
    assert (site.output / "categories/cafe-culture/rss.xml").exists()
    site.add("001_alpha.txt", article(keywords="Transit"))
    result = build(site.settings()).result
    assert "categories/cafe-culture/rss.xml" in result.removed
    assert not (site.output / "categories/cafe-culture").exists()


def test_rendering_a_loaded_site_in_memory_gives_the_files_a_build_publishes(
    three_entry_site: SiteFolder,
):
    site = three_entry_site
    for limit in (0, 1, 2, 50):
        settings = site.settings(limit=limit)
        build(settings, use_cache=False)
        site_data, _ = load_site(settings)
        published = {
            path.relative_to(site.output).as_posix(): path.read_bytes()
            for path in site.output.rglob("*")
            if path.is_file() and path.name != MANIFEST_NAME
        }
        assert dict(render_site(site_data)) == published


@pytest.mark.parametrize(
    ("name", "tag"),
    [
        ("feed", "tag:news.example.org,2026:feed"),
        ("archive/12", "tag:news.example.org,2026:archive/12"),
        ("category/open-source", "tag:news.example.org,2026:category/open-source"),
        ("category/c-1a2b3c4d5e", "tag:news.example.org,2026:category/c-1a2b3c4d5e"),
        ("category/東京", "tag:news.example.org,2026:category/%E6%9D%B1%E4%BA%AC"),
        ("category/київ", "tag:news.example.org,2026:category/%D0%BA%D0%B8%D1%97%D0%B2"),
    ],
)
def test_feed_tag_ids_percent_encode_what_is_not_ascii_and_keep_ascii_names(
    site: SiteFolder, name: str, tag: str
):
    assert collect_site((), site.settings()).feed_tag_id(name) == tag


@pytest.mark.parametrize(
    ("entry_id", "tag"),
    [
        ("001_alpha", "tag:news.example.org,2026:001_alpha"),
        ("v1.2-final~draft", "tag:news.example.org,2026:v1.2-final~draft"),
        ("東京の話", "tag:news.example.org,2026:%E6%9D%B1%E4%BA%AC%E3%81%AE%E8%A9%B1"),
        ("café", "tag:news.example.org,2026:caf%C3%A9"),
        ("a b#c?", "tag:news.example.org,2026:a%20b%23c%3F"),
    ],
)
def test_entry_tag_ids_percent_encode_what_is_not_uri_characters(
    site: SiteFolder, entry_id: str, tag: str
):
    links = collect_site((), site.settings()).links
    assert links.tag_id(entry(entry_id, "2026-01-01")._replace(id=entry_id)) == tag
