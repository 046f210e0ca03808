"""The user-facing docs stay true: their links lead to files of the repository, they send
no reader outside it, and docs/article-format.md states what the parser does."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from feedtool._cli import main
from feedtool._entry import (
    CHROME_LINES,
    KEYWORDS_HEADERS,
    METADATA_KEYS,
    POINTS_HEADERS,
    SUMMARY_LIMIT,
    parse_entry,
)

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FORMAT_DOC = ROOT / "docs" / "article-format.md"
FORMAT = FORMAT_DOC.read_text(encoding="utf-8")

# [text](target) and <a href="target">; images too. Code spans and blocks are left out.
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|href=\"([^\"]+)\"")
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"`[^`\n]*`")


def _prose(text: str) -> str:
    """The text without fenced blocks and code spans, where links are not links."""
    return _CODE_SPAN.sub("", _FENCE.sub("", text))


def _links(text: str) -> list[str]:
    return [a or b for a, b in _LINK.findall(_prose(text))]


def _anchors(text: str) -> set[str]:
    """The anchors GitHub gives a Markdown file's headings."""
    anchors: set[str] = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", _FENCE.sub("", text), re.MULTILINE):
        plain = heading.replace("`", "").strip().lower()
        slug = "".join(
            char for char in plain if char in " -_" or unicodedata.category(char)[0] in "LN"
        ).replace(" ", "-")
        anchor, number = slug, 0
        while anchor in anchors:
            number += 1
            anchor = f"{slug}-{number}"
        anchors.add(anchor)
    return anchors


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_relative_link_leads_to_a_file_of_the_repository(doc):
    text = doc.read_text(encoding="utf-8")
    checked = 0
    for link in _links(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", link, re.IGNORECASE):  # http:, mailto: ...
            continue
        target, _, fragment = unquote(link).partition("#")
        path = (doc.parent / target).resolve() if target else doc
        assert path.is_relative_to(ROOT), f"{link} leads outside the repository"
        assert path.exists(), f"{link}: no such file"
        if fragment and path.suffix == ".md":
            assert fragment in _anchors(path.read_text(encoding="utf-8")), f"{link}: no heading"
        checked += 1
    if doc == FORMAT_DOC or doc.name == "README.md":
        assert checked, "the link check found no link: is _LINK still right?"


# A reader of the repository has no shared folder and none of these paths.
_OUTSIDE = re.compile(
    r"shared folder|shared/format|(?-i:ARTICLE-FORMAT\.md)|\.\./|(?<![\w.~])/(?:work|tmp|home)/",
    re.IGNORECASE,
)


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_no_doc_sends_the_reader_outside_the_repository(doc):
    for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), start=1):
        found = _OUTSIDE.search(line)
        assert not found, f"{doc.name}:{number}: {found.group(0)!r} in {line!r}"


def test_the_readme_sends_the_reader_to_the_format_doc():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    writing = readme.split("## Writing articles", 1)[1].split("\n## ", 1)[0]
    assert "(docs/article-format.md)" in writing


# What the parser accepts, as the format doc lists it ---------------------------------


def _marked(name: str) -> str:
    """The paragraph (or table) after ``<!-- list: name -->`` in the format doc."""
    marker = f"<!-- list: {name} -->\n"
    assert FORMAT.count(marker) == 1, marker
    return FORMAT.split(marker, 1)[1].split("\n\n", 1)[0]


def _listed(name: str) -> list[str]:
    return re.findall(r"`([^`]+)`", _marked(name))


def test_every_metadata_key_is_in_the_format_doc():
    for key in METADATA_KEYS:
        assert re.search(rf"`{key}:`", FORMAT, re.IGNORECASE), key


def test_the_doc_lists_exactly_the_metadata_keys_and_aliases():
    rows = [row for row in _marked("metadata-keys").splitlines() if row.startswith("| `")]
    named = [re.findall(r"`([A-Za-z-]+):`", row.split("|")[1]) for row in rows]
    assert sorted(key.lower() for keys in named for key in keys) == sorted(METADATA_KEYS)
    # Aliases share a row: Date/Published, Link/URL.
    for row, keys in zip(rows, named, strict=True):
        assert len({METADATA_KEYS[key.lower()] for key in keys}) == 1, row


def test_the_doc_lists_exactly_the_points_headers():
    listed = _listed("points-headers")
    assert sorted(header.casefold() for header in listed) == sorted(POINTS_HEADERS)


def test_the_doc_lists_exactly_the_keywords_headers():
    listed = _listed("keywords-headers")
    assert sorted(header.casefold() for header in listed) == sorted(KEYWORDS_HEADERS)


def test_the_doc_lists_exactly_the_page_furniture():
    listed = _listed("chrome-lines")
    assert sorted(line.casefold() for line in listed) == sorted(CHROME_LINES)


def test_the_doc_states_the_summary_limit():
    assert f"at most {SUMMARY_LIMIT} characters" in FORMAT


# The complete example ----------------------------------------------------------------


def _block_after(marker: str) -> str:
    """The fenced ```text block right after ``marker`` in the format doc."""
    found = re.search(
        rf"^{re.escape(marker)}\n```text\n(.*?)^```$", FORMAT, re.MULTILINE | re.DOTALL
    )
    assert found, f"no ```text block after {marker}"
    return found.group(1)


EXAMPLE = _block_after("<!-- example-article -->")
SHOWN = _block_after("<!-- example-article-show -->")
# What the doc says about the example: where it is saved and in which time zone.
EXAMPLE_PATH = "entries/042_5e1f0a9b7c3d2e14.txt"
EXAMPLE_ZONE = "Europe/London"


def _shown(field: str) -> str:
    found = re.search(rf"^{field}:\s+(.*)$", SHOWN, re.MULTILINE)
    assert found, field
    return found.group(1)


def _shown_list(field: str) -> list[str]:
    """The indented lines under ``field (n):``, without their ``- `` or ``n. `` marks."""
    found = re.search(rf"^{field} \((\d+)\):\n((?:  .*\n)*)", SHOWN, re.MULTILINE)
    assert found, field
    items = [re.sub(r"^  (?:- |\d+\. )", "", line) for line in found.group(2).splitlines()]
    assert len(items) == int(found.group(1))
    return items


def test_the_doc_places_and_zones_the_example_as_the_test_does():
    prose = " ".join(FORMAT.split())
    where = f"saved as `{EXAMPLE_PATH}` in a site whose `[site] timezone` is `{EXAMPLE_ZONE}`"
    assert where in prose


def test_the_complete_example_parses_as_the_doc_says():
    entry = parse_entry(EXAMPLE, EXAMPLE_PATH, timezone=ZoneInfo(EXAMPLE_ZONE))
    assert entry.id == _shown("id") == "tram-line-7-opens"
    assert entry.title == _shown("title")
    assert entry.title == "Eastside tram line opens to passengers after three years of works"
    assert list(entry.points) == _shown_list("points")
    assert entry.points == (
        "The new Line 7 tram links the central station with the Eastside estates.",
        "Trams run every six minutes at peak times and every ten in the evening.",
        "Fares are the same as on the city's buses.",
    )
    assert entry.summary == "\n".join(entry.points)
    assert list(entry.paragraphs) == _shown_list("paragraphs")
    assert list(entry.dropped) == _shown_list("dropped")
    assert ", ".join(entry.categories) == _shown("categories")
    assert entry.categories == ("Transit", "Trams", "City council")
    assert entry.published.isoformat() == _shown("published") == "2026-06-14T09:30:00+01:00"
    assert entry.updated.isoformat() == _shown("updated") == "2026-06-15T08:00:00+00:00"
    assert entry.author == _shown("author") == "Marta Lindqvist"
    assert entry.link == _shown("link")
    assert entry.language == "en-GB"
    assert entry.image == _shown("image") == "https://news.example.org/images/tram-line-7.jpg"
    assert entry.image_alt == _shown("image alt")
    assert entry.dated_in_file
    assert entry.warnings == ()
    # The example shows every part of the format, every metadata line that does not
    # replace what the text gives (Title:, Summary:) among them.
    for key in ("Date", "Updated", "Author", "Link", "Id", "Language", "Image", "Image-Alt"):
        assert re.search(rf"^{key}: ", EXAMPLE, re.MULTILINE), key


def test_the_complete_example_shows_as_the_doc_prints_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "feedtool.toml").write_text(
        f'[site]\ntimezone = "{EXAMPLE_ZONE}"\n', encoding="utf-8"
    )
    article = tmp_path / EXAMPLE_PATH
    article.parent.mkdir()
    article.write_text(EXAMPLE, encoding="utf-8")
    result = CliRunner().invoke(main, ["show", EXAMPLE_PATH])
    assert result.exit_code == 0, result.output
    assert result.stdout == SHOWN
