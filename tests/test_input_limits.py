"""Input that would make a build write without bound, or fail on a name, is an error
naming the article and its line, or a working build; never a runaway or a traceback."""

from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import feedparser
import pytest
from click.testing import CliRunner

import feedtool._render
from feedtool._build import EntriesRejected, build, load_site
from feedtool._cli import main
from feedtool._render import OutputTooLarge, check_output_size, plan_outputs
from feedtool._site import collect_site, page_path_of, slugify
from tests.conftest import SITE_URL, SiteFolder, article


def keywords(count: int) -> str:
    return ", ".join(f"topic {number}" for number in range(count))


def test_an_article_with_too_many_keywords_is_refused_naming_its_line(site: SiteFolder):
    # 1,500 keywords on one short article made 400 MB of output before the limit.
    site.add("x.txt", article(keywords=keywords(1500)))
    result = CliRunner().invoke(main, ["build", "--config", str(site.config)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{site.entries / 'x.txt'}:11: error: 1500 keywords; at most 30 "
        "(raise it with --max-keywords or [build] max_keywords)"
    )
    assert not site.output.exists()


def test_a_site_may_allow_more_keywords(site: SiteFolder):
    site.add("x.txt", article(keywords=keywords(35)))
    with pytest.raises(EntriesRejected) as rejected:
        build(site.settings())
    assert [(error.path, error.line) for error in rejected.value.errors] == [
        (str(site.entries / "x.txt"), 11)
    ]
    site.write_config("[build]\nmax_keywords = 35\n")
    build(site.settings())
    assert (site.output / "categories" / "topic-34" / "rss.xml").is_file()
    result = CliRunner().invoke(
        main, ["build", "--config", str(site.config), "--max-keywords", "34"]
    )
    assert result.exit_code == 1 and "35 keywords; at most 34" in result.stderr


def test_a_file_name_of_255_bytes_and_keywords_too_long_for_a_folder_build(site: SiteFolder):
    # The stem of the longest file name Linux allows is too long for <stem>.html, and the
    # slug of each keyword too long for a folder's name: each is shortened with a hash.
    stem = "a" * 251
    long_ascii, long_japanese = "Transit " * 40, "東京" * 60
    site.add(f"{stem}.txt", article(keywords=f"{long_ascii}, {long_japanese}, Short"))
    result = CliRunner().invoke(main, ["build", "--config", str(site.config)])
    assert result.exit_code == 0, result.output
    feed = feedparser.parse(site.read("rss.xml"))
    (item,) = feed.entries
    assert item.id == f"tag:news.example.org,2026:{stem}"  # the id is kept whole
    page = item.link.removeprefix(SITE_URL)
    assert page == page_path_of(stem) and len(page.split("/")[-1].encode()) == 255
    assert (site.output / page).is_file()
    folders = {path.name for path in (site.output / "categories").iterdir() if path.is_dir()}
    assert folders == {slugify(long_ascii), slugify(long_japanese), "short"}
    assert all(len(name.encode()) <= 255 for name in folders)
    # Every category link of the page leads to a category's own page.
    html = site.read(page).decode()
    for slug in folders:
        assert f'href="../categories/{quote(slug)}/index.html"' in html
        assert (site.output / "categories" / slug / "index.html").is_file()


def non_utf8_name(folder: Path, name: bytes) -> Path:
    """A file whose name is bytes that are not UTF-8, where the file system allows one."""
    path = os.fsencode(folder) + b"/" + name
    try:
        with open(path, "wb") as handle:
            handle.write(article().encode())
    except OSError as error:  # APFS, and others that want UTF-8 names
        pytest.skip(f"this file system refuses names that are not UTF-8: {error}")
    return Path(os.fsdecode(path))


def test_a_file_name_that_is_not_utf8_is_one_error_line_naming_it(site: SiteFolder):
    non_utf8_name(site.entries, b"caf\xe9.txt")  # Latin-1, as an old archive may name it
    site.add("ok.txt", article())
    runner = CliRunner()
    result = runner.invoke(main, ["build", "--config", str(site.config)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{site.entries}/caf\\xe9.txt: error: the file's name is not valid UTF-8 "
        "(byte 0xe9): rename the file with a UTF-8 name"
    )
    assert not site.output.exists()
    result = runner.invoke(main, ["build", "--config", str(site.config), "--skip-invalid"])
    assert result.exit_code == 0
    assert "caf\\xe9.txt: warning: skipped: the file's name is not valid UTF-8" in result.stderr
    assert [path.name for path in (site.output / "entries").iterdir()] == ["ok.html"]
    result = runner.invoke(main, ["build", "--config", str(site.config), "--format", "github"])
    assert result.exit_code == 1
    assert result.stdout.startswith("::error file=")
    assert "caf\\xe9.txt,title=invalid entry::the file's name is not valid UTF-8" in result.stdout


def test_a_folder_name_that_is_not_utf8_is_named_in_the_error(site: SiteFolder):
    folder = non_utf8_name(site.entries, b"\xff")
    folder.unlink()
    folder.mkdir()
    (folder / "a.txt").write_text(article(), encoding="utf-8")
    with pytest.raises(EntriesRejected) as rejected:
        build(site.settings())
    (error,) = rejected.value.errors
    assert str(error) == (
        f"{site.entries}/\\xff/a.txt: error: the name of its folder \\xff is not valid UTF-8 "
        "(byte 0xff): rename the folder with a UTF-8 name"
    )


EDGE_VALUES = [
    *(
        f"Link: {value}"
        for value in [
            "https://e.org/a b",
            "https://例え.jp/パス?q=東京",
            "https://e.org/" + "long/" * 20_000,
            "https://e.org/a<b",
            'https://e.org/"q"',
            "https://e.org/{x}|y",
            "https://e.org\\x",
            "https://e.org/a^b`c",
            "https://e.org/\x7f",
            "https://e.org/\u200bx",
            "https://[::1",
            "https://[::1]:8080/",
            "http://e.org:99999/",
            "https:e.org",
            "HTTPS://E.ORG/",
        ]
    ),
    *(
        f"Language: {value}"
        for value in ["x-", "en-", "en--us", "i-klingon", "x-a", "zh-Hant-TW", "en-x-abcdefghi"]
    ),
]


@pytest.mark.parametrize("line", EDGE_VALUES, ids=lambda line: line[:40])
def test_a_link_or_language_is_refused_on_its_line_or_makes_valid_feeds(
    site: SiteFolder, line: str
):
    # A value the parser takes but a feed's validator refuses was once reported against
    # rss.xml: it must be the article's error, on its line, or publish valid feeds.
    site.add("a.txt", f"Date: 2026-01-02\nAuthor: Ada\n{line}\n\nTitle\n\nBody.\n\nTags: t\n")
    try:
        build(site.settings())  # every feed is validated before it is published
    except EntriesRejected as rejected:
        assert [(error.path, error.line) for error in rejected.errors] == [
            (str(site.entries / "a.txt"), 3)
        ]
    else:
        assert feedparser.parse(site.read("atom.xml")).entries[0].title == "Title"


# The output size guard -------------------------------------------------------------


def heavy_article(keyword_count: int = 300, body_bytes: int = 300_000) -> str:
    """An article whose feeds and pages would repeat it hundreds of times: 300 keywords
    (a site allowing them) on a long body."""
    body = "A sentence of the body, long enough. " * (body_bytes // 37)
    return article(title="Heavy", body=body, keywords=keywords(keyword_count))


def test_a_build_that_would_write_far_more_than_its_articles_is_refused_before_writing(
    site: SiteFolder,
):
    site.write_config("[build]\nmax_keywords = 300\n")
    site.add("a.txt", article())
    build(site.settings())
    published = site.snapshot()
    site.add("heavy.txt", heavy_article())
    for extra in ([], ["--no-cache"], ["--check"]):
        result = CliRunner().invoke(main, ["build", "--config", str(site.config), *extra])
        assert result.exit_code == 1
        (line,) = result.stderr.splitlines()
        assert re.fullmatch(
            rf"{re.escape(str(site.output))}: error: this build would write about "
            r"[\d.]+ MB, more than the 1\d\d\.\d MB it may \(200 times the 30\d\.\d KB of the "
            r"articles, plus 100 MB\); 9\d% of it would be "
            rf"{re.escape(str(site.entries / 'heavy.txt'))} \(300 keywords\), shown in full in "
            r"906 files; nothing was written \(raise the limit with --max-output-ratio or "
            r"\[build\] max_output_ratio\)",
            line,
        ), line
        assert site.snapshot() == published
        assert not list(site.root.glob(".public.feedtool-work-*"))


def test_the_output_may_be_max_output_ratio_times_the_articles_plus_the_floor(
    site: SiteFolder, monkeypatch: pytest.MonkeyPatch
):
    site.add("a.txt", article(keywords="One, Two, Three"))
    site.add("b.txt", article(title="B", keywords="Two"))
    loaded, _ = load_site(site.settings())
    articles = [(os.path.getsize(entry.source), entry) for entry in loaded.entries]
    outputs = plan_outputs(loaded)
    estimate = check_output_size(loaded, outputs, articles)
    input_size = sum(size for size, _ in articles)
    monkeypatch.setattr(feedtool._render, "OUTPUT_SIZE_FLOOR", 1000)
    ratio = -(-(estimate - 1000) // input_size)  # the smallest ratio that allows it
    allowed = collect_site(loaded.entries, replace(loaded.settings, max_output_ratio=ratio))
    assert check_output_size(allowed, outputs, articles) == estimate
    refused = collect_site(loaded.entries, replace(loaded.settings, max_output_ratio=ratio - 1))
    with pytest.raises(OutputTooLarge, match=f"\\({ratio - 1} times the "):
        check_output_size(refused, outputs, articles)


@pytest.mark.parametrize("limit", [50, 0])
def test_the_estimate_is_near_what_a_build_writes_and_far_under_the_limit(
    site: SiteFolder, limit: int
):
    generate = load_bench_generate()
    generate.generate(300, site.entries, seed=7)
    settings = site.settings(limit=limit)
    build(settings)
    written = sum(size for size in map(len, site.snapshot().values()))
    loaded, _ = load_site(settings)
    articles = [(os.path.getsize(entry.source), entry) for entry in loaded.entries]
    estimate = check_output_size(loaded, plan_outputs(loaded), articles)
    input_size = sum(size for size, _ in articles)
    assert 0.75 < estimate / written < 1.25
    # Ordinary articles, every feed complete or not: a tenth of the default limit.
    assert estimate < 20 * input_size + 100_000_000 and written < 30 * input_size


def load_bench_generate():
    path = Path(__file__).resolve().parent.parent / "bench" / "generate.py"
    spec = importlib.util.spec_from_file_location("bench_generate_for_limits", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
