"""Whole builds into tmp_path, read back by feedparser and compared field by field."""

from __future__ import annotations

import calendar
import json
import os
import subprocess
import sys
from datetime import datetime

import feedparser
import pytest
from click.testing import CliRunner

import feedtool._build
import feedtool._render.rss_atom as rss_atom
import feedtool._workers
from feedtool._build import EntriesRejected, build
from feedtool._cli import main
from feedtool._errors import PublishError
from feedtool._publish import MANIFEST_NAME, BuildRejected, StageWriter
from tests.conftest import SITE_URL, SiteFolder, article

ALPHA_ID = "tag:news.example.org,2026:001_alpha"
BETA_ID = "tag:news.example.org,2026:002_beta"
GAMMA_ID = "tag:news.example.org,2026:003_gamma"
ALPHA_POINTS_HTML = "<ul>\n<li>Point one of alpha.</li>\n<li>Point two of alpha.</li>\n</ul>"


def parsed(site: SiteFolder, relative: str) -> feedparser.FeedParserDict:
    document = feedparser.parse(site.read(relative))
    assert not document.bozo, document.get("bozo_exception")
    return document


def utc_struct(text: str):
    return datetime.fromisoformat(text).utctimetuple()


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml"])
def test_feeds_read_back_exactly_in_feedparser(three_entry_site: SiteFolder, name: str):
    site = three_entry_site
    build(site.settings())
    feed = parsed(site, name)

    assert feed.feed.title == "Test News"
    assert feed.feed.link == SITE_URL
    assert [entry.id for entry in feed.entries] == [GAMMA_ID, BETA_ID, ALPHA_ID]
    gamma, beta, alpha = feed.entries
    assert alpha.title == "Alpha & Omega: <b>first</b>"
    assert alpha.link == SITE_URL + "entries/001_alpha.html"
    assert gamma.link == "https://elsewhere.example.com/g"
    assert alpha.summary == ALPHA_POINTS_HTML
    assert beta.summary == "<ul>\n<li>Only point of beta.</li>\n</ul>"
    assert gamma.summary == (
        "<p>The body of gamma has no points, so its first paragraph is the summary.</p>"
    )
    assert [tag.term for tag in alpha.tags] == ["Transit", "Café culture"]
    assert alpha.published_parsed == utc_struct("2026-01-01T09:00:00+00:00")
    assert gamma.published_parsed == utc_struct("2026-03-01T12:30:00+00:00")
    assert gamma.author == "Grace Hopper"
    assert alpha.author == "Test Desk"
    assert alpha.content[0].value == (
        ALPHA_POINTS_HTML + "\n<p>A body paragraph that ends properly.</p>"
    )


def test_rss_guid_is_not_a_permalink_and_self_link_is_absolute(three_entry_site: SiteFolder):
    site = three_entry_site
    build(site.settings())
    rss = site.read("rss.xml").decode()
    assert f'<guid isPermaLink="false">{ALPHA_ID}</guid>' in rss
    assert f'<atom:link href="{SITE_URL}rss.xml" rel="self"' in rss
    atom = site.read("atom.xml").decode()
    assert f'<link href="{SITE_URL}atom.xml" rel="self"' in atom


def test_feed_update_time_is_newest_entry_not_build_time(three_entry_site: SiteFolder):
    site = three_entry_site
    build(site.settings())
    rss = parsed(site, "rss.xml")
    atom = parsed(site, "atom.xml")
    newest = utc_struct("2026-03-01T12:30:00+00:00")
    assert rss.feed.updated_parsed == newest
    assert atom.feed.updated_parsed == newest
    assert calendar.timegm(newest) < calendar.timegm(datetime.now().utctimetuple())


def test_json_feed_items_match_entries(three_entry_site: SiteFolder):
    site = three_entry_site
    build(site.settings())
    document = json.loads(site.read("feed.json"))
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["feed_url"] == SITE_URL + "feed.json"
    gamma, beta, alpha = document["items"]
    assert alpha == {
        "id": ALPHA_ID,
        "url": SITE_URL + "entries/001_alpha.html",
        "title": "Alpha & Omega: <b>first</b>",
        "summary": "Point one of alpha.\nPoint two of alpha.",
        "content_html": ALPHA_POINTS_HTML + "\n<p>A body paragraph that ends properly.</p>",
        "date_published": "2026-01-01T09:00:00+00:00",
        "date_modified": "2026-01-01T09:00:00+00:00",
        "authors": [{"name": "Test Desk"}],
        "tags": ["Transit", "Café culture"],
    }
    assert gamma["authors"] == [{"name": "Grace Hopper"}]


def test_summary_only_leaves_content_out(three_entry_site: SiteFolder):
    site = three_entry_site
    build(site.settings(summary_only=True))
    for name in ("rss.xml", "atom.xml"):
        entry = parsed(site, name).entries[-1]
        assert "content" not in entry
        assert entry.summary == ALPHA_POINTS_HTML
    assert b"content:encoded" not in site.read("rss.xml")
    item = json.loads(site.read("feed.json"))["items"][-1]
    assert item["summary"] == "Point one of alpha.\nPoint two of alpha."
    assert "content_text" not in item
    assert item["content_html"] == ALPHA_POINTS_HTML  # the summary stands in, as HTML


def test_limit_keeps_newest_entries_in_feeds(three_entry_site: SiteFolder):
    site = three_entry_site
    build(site.settings(limit=2))
    assert [e.id for e in parsed(site, "rss.xml").entries] == [GAMMA_ID, BETA_ID]
    assert len(json.loads(site.read("feed.json"))["items"]) == 2


def test_limit_zero_means_all(three_entry_site: SiteFolder):
    site = three_entry_site
    build(site.settings(limit=0))
    assert len(parsed(site, "atom.xml").entries) == 3


def test_entry_pages_exist_for_every_item_link(three_entry_site: SiteFolder):
    site = three_entry_site
    build(site.settings())
    for entry_id in ("001_alpha", "002_beta", "003_gamma"):
        page = site.read(f"entries/{entry_id}.html").decode()
        assert page.startswith("<!DOCTYPE html>")
    alpha = site.read("entries/001_alpha.html").decode()
    assert "<h1>Alpha &amp; Omega: &lt;b&gt;first&lt;/b&gt;</h1>" in alpha
    assert "<li>Point one of alpha.</li>" in alpha
    assert 'href="../categories/cafe-culture/index.html"' in alpha


def test_index_has_autodiscovery_for_all_three_feeds(three_entry_site: SiteFolder):
    site = three_entry_site
    build(site.settings())
    index = site.read("index.html").decode()
    assert '<link rel="alternate" type="application/rss+xml"' in index
    assert 'type="application/atom+xml"' in index and 'href="atom.xml"' in index
    assert 'type="application/feed+json"' in index and 'href="feed.json"' in index
    # Newest first, with title, summary and categories.
    assert index.index("Gamma third") < index.index("Beta second") < index.index("Alpha &amp;")
    assert "Only point of beta." in index


def test_building_twice_gives_identical_bytes(three_entry_site: SiteFolder, tmp_path):
    site = three_entry_site
    build(site.settings())
    first = site.snapshot()
    other = tmp_path / "again"
    build(site.settings(output=other))
    second = {
        path.relative_to(other).as_posix(): path.read_bytes()
        for path in sorted(other.rglob("*"))
        if path.is_file()
    }
    assert first == second


def test_output_does_not_depend_on_machine_time_zone(three_entry_site: SiteFolder, tmp_path):
    site = three_entry_site
    build(site.settings())
    expected = site.snapshot()
    other = tmp_path / "other-tz"
    env = dict(os.environ, TZ="Pacific/Kiritimati")
    subprocess.run(
        [sys.executable, "-m", "feedtool", "build", "--config", str(site.config)]
        + ["--output", str(other)],
        check=True,
        env=env,
        capture_output=True,
    )
    assert {
        path.relative_to(other).as_posix(): path.read_bytes()
        for path in sorted(other.rglob("*"))
        if path.is_file()
    } == expected


def test_check_reports_nothing_when_current_and_changes_when_not(three_entry_site: SiteFolder):
    site = three_entry_site
    build(site.settings())
    assert build(site.settings(), check_only=True).result.changed == []
    site.add("002_beta.txt", article(title="Beta renamed", date="2026-02-01 09:00:00+00:00"))
    before = site.snapshot()
    changed = build(site.settings(), check_only=True).result.changed
    assert "rss.xml" in changed and "entries/002_beta.html" in changed
    assert "entries/001_alpha.html" not in changed
    assert site.snapshot() == before  # --check writes nothing


def test_invalid_entries_are_all_reported_and_nothing_is_written(site: SiteFolder):
    site.add("001_good.txt", article())
    site.add("002_bad_date.txt", "Date: not a date at all\n\nTitle\n")
    site.add("003_empty.txt", "\n\n")
    with pytest.raises(EntriesRejected) as caught:
        build(site.settings())
    errors = {(error.path.rsplit("/", 1)[-1], error.line) for error in caught.value.errors}
    assert errors == {("002_bad_date.txt", 1), ("003_empty.txt", 1)}
    assert not site.output.exists()


def test_skip_invalid_publishes_the_good_ones_with_warnings(site: SiteFolder):
    site.add("001_good.txt", article(title="Good one"))
    site.add("002_bad.txt", "Date: 2026-13-45\n\nBad\n")
    report = build(site.settings(), skip_invalid=True)
    assert [entry.title for entry in parsed(site, "atom.xml").entries] == ["Good one"]
    assert any("002_bad.txt" in str(warning) for warning in report.warnings)


def test_an_ids_page_is_the_kept_entrys_and_a_left_out_entrys_page_is_not_published(
    site: SiteFolder,
):
    # Parse workers write each entry's page in place, in the build's stage: the entries
    # the site leaves out must leave no page there, and the kept one's must be its own.
    site.add("a/same.txt", article(title="Kept"))
    site.add("b/same.txt", article(title="Left out"))
    site.add("c/Same.txt", article(title="Also left out"))  # the same id, but for case
    report = build(site.settings(), skip_invalid=True)
    assert sum("duplicate id" in warning.message for warning in report.warnings) == 2
    assert sorted(path.name for path in (site.output / "entries").iterdir()) == ["same.html"]
    page = (site.output / "entries/same.html").read_text(encoding="utf-8")
    assert "Kept" in page and "left out" not in page.lower()


def test_an_output_that_would_land_outside_the_stage_is_refused_before_it_is_written(
    tmp_path,
):
    stage = tmp_path / "work" / "stage"
    stage.mkdir(parents=True)
    # Renderers never make such a path (ids are checked, see test_entry.py); the writer
    # of the stage checks anyway.
    with pytest.raises(PublishError, match="outside the output folder"):
        StageWriter(str(stage)).write("entries/../../../escaped.html", b"page")
    assert not list(tmp_path.rglob("escaped*"))


def test_missing_id_authority_falls_back_to_host_and_warns(three_entry_site: SiteFolder):
    site = three_entry_site
    site.write_config(id_authority=None)
    report = build(site.settings())
    assert parsed(site, "atom.xml").entries[-1].id == "tag:news.example.org,2000:001_alpha"
    assert any("id_authority" in warning.message for warning in report.warnings)


def test_ids_survive_a_change_of_site_url(three_entry_site: SiteFolder):
    site = three_entry_site
    build(site.settings())
    before = [entry.id for entry in parsed(site, "atom.xml").entries]
    build(site.settings(url="http://mirror.example.net/news/"))
    after = parsed(site, "atom.xml")
    assert [entry.id for entry in after.entries] == before
    assert after.entries[-1].link == "http://mirror.example.net/news/entries/001_alpha.html"


def test_manifest_lists_every_published_file(three_entry_site: SiteFolder):
    site = three_entry_site
    build(site.settings())
    listed = site.read(MANIFEST_NAME).decode().split()
    assert sorted(set(site.snapshot()) - {MANIFEST_NAME}) == listed


@pytest.mark.parametrize("parallel_from", [10**9, 1], ids=["in-process", "worker-processes"])
def test_an_invalid_feed_is_never_published(
    three_entry_site: SiteFolder, monkeypatch, parallel_from: int
):
    monkeypatch.setattr(feedtool._workers, "PARALLEL_MIN_ITEMS", parallel_from)
    site = three_entry_site
    build(site.settings())
    before = site.snapshot()
    site.add("004_delta.txt", article(title="Delta", date="2026-04-01"))
    real_render = rss_atom.ItemTemplates.render

    def broken_dates(self, values):
        rss, atom = real_render(self, values)
        if values.id.endswith("004_delta"):  # as if a renderer bug wrote an impossible date
            rss = rss.replace("<pubDate>Wed, 01 Apr", "<pubDate>Mon, 01 Apr")
        return rss, atom

    monkeypatch.setattr(rss_atom.ItemTemplates, "render", broken_dates)
    with pytest.raises(BuildRejected) as caught:
        build(site.settings())
    assert any(
        "rss.xml" in problem and "E-DATE-WEEKDAY" in problem for problem in caught.value.problems
    )
    assert site.snapshot() == before


def test_progress_is_reported_to_a_callback_up_to_every_output_of_a_big_build(
    site: SiteFolder,
):
    calls: list[tuple[int, int]] = []
    for number in range(feedtool._build.PROGRESS_MIN_OUTPUTS):
        site.add(f"{number:04d}.txt", article(title=f"Entry {number}", date="2026-01-01"))
    build(
        site.settings(), use_cache=False, progress=lambda done, total: calls.append((done, total))
    )
    outputs = len(site.snapshot()) - 1  # all but the manifest
    assert calls[0] == (0, outputs) and calls[-1] == (outputs, outputs)
    assert [done for done, _ in calls] == sorted({done for done, _ in calls})


def test_small_builds_and_piped_output_show_no_progress_bar(three_entry_site: SiteFolder):
    calls: list[tuple[int, int]] = []
    build(three_entry_site.settings(), progress=lambda done, total: calls.append((done, total)))
    assert calls == []
    result = CliRunner().invoke(main, ["build", "--config", str(three_entry_site.config)])
    assert "Building" not in result.output
