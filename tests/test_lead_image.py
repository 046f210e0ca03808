"""The lead image of an article (``Image:``, ``Image-Alt:``): parsed with its errors, then
carried by every output: Media RSS in RSS, an enclosure link in Atom, ``image`` in JSON
Feed, an ``<img>`` and ``og:image`` on the entry's page.

Read back as readers read them: feedparser, lxml, our validator.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import feedparser
import pytest
from click.testing import CliRunner
from lxml import etree

from feedtool._build import build
from feedtool._cli import main
from feedtool._entry import parse_entry
from feedtool._errors import EntryError
from feedtool._render.rss_atom import ATOM_NS, MEDIA_NS, image_type
from feedtool._validate import validate_targets
from tests.conftest import SiteFolder, article

IMAGE = "https://img.example.com/trams/line-7.JPG?w=1200&h=800"
ALT = 'A green "Line 7" tram & its driver'


def pictured(image: str = IMAGE, alt: str | None = ALT, title: str = "Tram line opens") -> str:
    """An article with a lead image (and alt text unless ``alt`` is None)."""
    lines = f"Image: {image}\n" + (f"Image-Alt: {alt}\n" if alt is not None else "")
    return lines + article(title=title, date="2026-01-05 10:00:00+00:00")


# Parsing ---------------------------------------------------------------------------------


def test_image_and_alt_lines_give_the_entry_its_lead_image():
    entry = parse_entry(pictured(), "a.txt")
    assert entry.image == IMAGE
    assert entry.image_alt == ALT
    assert entry.title == "Tram line opens"


def test_image_keys_are_read_in_any_case_with_space_folded():
    text = "IMAGE:   https://x.example/a.png \nimage-alt :  A   tram\n\nTitle\n"
    entry = parse_entry(text, "a.txt")
    assert (entry.image, entry.image_alt) == ("https://x.example/a.png", "A tram")


def test_an_article_without_an_image_has_none():
    entry = parse_entry(article(), "a.txt")
    assert entry.image is None and entry.image_alt is None


def test_an_image_without_alt_text_has_no_alt():
    entry = parse_entry(pictured(alt=None), "a.txt")
    assert entry.image == IMAGE and entry.image_alt is None


@pytest.mark.parametrize(
    "url", ["/images/a.jpg", "img.example.com/a.jpg", "ftp://x.example/a.jpg", "https://x/a b.jpg"]
)
def test_an_image_that_is_no_absolute_http_url_is_an_error_naming_the_line(url):
    with pytest.raises(EntryError) as raised:
        parse_entry(f"Date: 2026-01-05\nImage: {url}\n\nTitle\n", "entries/a.txt")
    assert raised.value.line == 2
    assert str(raised.value) == (
        f"entries/a.txt:2: error: Image must be an absolute http(s) URL, got {url!r}"
    )


def test_alt_text_without_an_image_is_an_error_naming_its_line():
    with pytest.raises(EntryError) as raised:
        parse_entry("Date: 2026-01-05\nImage-Alt: A tram\n\nTitle\n", "entries/a.txt")
    assert raised.value.line == 2
    assert "Image-Alt given without Image:" in str(raised.value)


def test_an_image_given_twice_is_an_error():
    text = "Image: https://x.example/a.png\nImage: https://x.example/b.png\n\nTitle\n"
    with pytest.raises(EntryError, match=r"metadata 'Image' given twice \(line 1\)"):
        parse_entry(text, "a.txt")


def test_empty_alt_text_is_an_error_like_any_empty_key():
    with pytest.raises(EntryError, match="metadata 'Image-Alt' has no value"):
        parse_entry("Image: https://x.example/a.png\nImage-Alt:\n\nTitle\n", "a.txt")


def test_alt_written_with_a_space_is_no_key_and_ends_the_block():
    entry = parse_entry("Image: https://x.example/a.png\nImage Alt: A tram\n\nBody.\n", "a.txt")
    assert entry.image_alt is None
    assert entry.title == "Image Alt: A tram"


def test_a_build_reports_a_bad_image_as_path_line_error(site: SiteFolder):
    site.add("bad.txt", "Date: 2026-01-05\nImage: images/a.jpg\n\nTitle\n")
    result = CliRunner().invoke(main, ["build", "--config", str(site.config)])
    assert result.exit_code == 1
    assert "bad.txt:2: error: Image must be an absolute http(s) URL" in result.stderr
    assert not site.output.exists()


def test_show_prints_the_image_and_its_alt_text(site: SiteFolder):
    path = site.add("a.txt", pictured())
    result = CliRunner().invoke(main, ["show", str(path), "--config", str(site.config)])
    assert f"\nimage:       {IMAGE}\nimage alt:   {ALT}\n" in result.stdout
    result = CliRunner().invoke(
        main, ["show", str(path), "--config", str(site.config), "--format", "json"]
    )
    data = json.loads(result.stdout)
    assert (data["image"], data["image_alt"]) == (IMAGE, ALT)


# Media types from the URL --------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "media_type"),
    [
        ("https://x.example/a.jpg", "image/jpeg"),
        ("https://x.example/a.JPEG", "image/jpeg"),
        ("https://x.example/a.png?w=800", "image/png"),
        ("https://x.example/a.gif#top", "image/gif"),
        ("https://x.example/a.b.webp", "image/webp"),
        ("https://x.example/logo.svg", "image/svg+xml"),
        ("https://x.example/a.avif", "image/avif"),
        ("https://x.example/img/123?format=.png", ""),
        ("https://x.example/a.jpg/", ""),
        ("https://x.example/a.tiff", ""),
        ("https://x.example/jpg", ""),
        ("https://x.example/", ""),
    ],
)
def test_the_media_type_comes_from_the_paths_extension_alone(url, media_type):
    assert image_type(url) == media_type


# The feeds -------------------------------------------------------------------------------


@pytest.fixture
def pictured_site(site: SiteFolder) -> SiteFolder:
    site.add("pictured.txt", pictured())
    site.add("plain.txt", article(title="No picture", date="2026-01-04 10:00:00+00:00"))
    site.add(
        "bare.txt",
        pictured(image="https://img.example.com/p/42", alt=None, title="Bare picture")
        .replace("2026-01-05", "2026-01-03")
        .replace("Alpha, Beta", "Gamma"),
    )
    build(site.settings())
    return site


def _items_by_title(tree: etree._Element, item: str) -> dict[str, etree._Element]:
    found = {}
    for element in tree.iter(item):
        title = element.find(f"{{{ATOM_NS}}}title" if "}" in item else "title")
        found[title.text] = element
    return found


def test_rss_items_carry_the_image_as_media_rss_content(pictured_site: SiteFolder):
    tree = etree.fromstring(pictured_site.read("rss.xml"))
    items = _items_by_title(tree, "item")
    content = items["Tram line opens"].findall(f"{{{MEDIA_NS}}}content")
    assert len(content) == 1
    assert dict(content[0].attrib) == {"url": IMAGE, "type": "image/jpeg", "medium": "image"}
    description = content[0].find(f"{{{MEDIA_NS}}}description")
    assert (description.get("type"), description.text) == ("plain", ALT)
    bare = items["Bare picture"].find(f"{{{MEDIA_NS}}}content")
    assert dict(bare.attrib) == {"url": "https://img.example.com/p/42", "medium": "image"}
    assert len(bare) == 0
    assert items["No picture"].find(f"{{{MEDIA_NS}}}content") is None
    # No enclosure: its length would be a guess.
    assert tree.find(".//enclosure") is None


def test_atom_entries_carry_the_image_as_an_enclosure_link(pictured_site: SiteFolder):
    tree = etree.fromstring(pictured_site.read("atom.xml"))
    entries = _items_by_title(tree, f"{{{ATOM_NS}}}entry")
    enclosures = entries["Tram line opens"].findall(f"{{{ATOM_NS}}}link[@rel='enclosure']")
    assert [dict(link.attrib) for link in enclosures] == [
        {"href": IMAGE, "rel": "enclosure", "type": "image/jpeg", "title": ALT}
    ]
    bare = entries["Bare picture"].findall(f"{{{ATOM_NS}}}link[@rel='enclosure']")
    assert [dict(link.attrib) for link in bare] == [
        {"href": "https://img.example.com/p/42", "rel": "enclosure"}
    ]
    assert entries["No picture"].find(f"{{{ATOM_NS}}}link[@rel='enclosure']") is None


def test_json_feed_items_carry_the_image(pictured_site: SiteFolder):
    items = {item["title"]: item for item in json.loads(pictured_site.read("feed.json"))["items"]}
    assert items["Tram line opens"]["image"] == IMAGE
    assert items["Bare picture"]["image"] == "https://img.example.com/p/42"
    assert "image" not in items["No picture"]


def test_feed_readers_find_the_image(pictured_site: SiteFolder):
    rss = feedparser.parse(pictured_site.read("rss.xml"))
    assert not rss.bozo
    by_title = {entry.title: entry for entry in rss.entries}
    assert by_title["Tram line opens"].media_content == [
        {"url": IMAGE, "type": "image/jpeg", "medium": "image"}
    ]
    assert "media_content" not in by_title["No picture"]
    atom = feedparser.parse(pictured_site.read("atom.xml"))
    assert not atom.bozo
    by_title = {entry.title: entry for entry in atom.entries}
    assert [e.href for e in by_title["Tram line opens"].enclosures] == [IMAGE]
    assert by_title["No picture"].enclosures == []


def test_feeds_with_images_pass_our_validator_in_every_feed(pictured_site: SiteFolder):
    reports = validate_targets([str(pictured_site.output)])
    # The site's feeds, the categories' and the archive's.
    assert len(reports) >= 9
    assert [(r.target, f) for r in reports for f in (*r.errors, *r.warnings)] == []


def _without_image_lines(data: bytes) -> bytes:
    """A feed without the lines an image adds (Media RSS, enclosure link, JSON image)."""
    kept = [
        line
        for line in data.decode().split("\n")
        if not re.search(r"<media:|</media:|rel=\"enclosure\"|^\s*\"image\": ", line)
    ]
    return "\n".join(kept).encode()


def test_an_image_adds_its_own_lines_to_the_feeds_and_changes_nothing_else(site: SiteFolder):
    site.add("pictured.txt", article(title="Tram line opens", date="2026-01-05 10:00:00+00:00"))
    site.add("plain.txt", article(title="No picture", date="2026-01-04 10:00:00+00:00"))
    build(site.settings())
    before = site.snapshot()
    site.add("pictured.txt", pictured())
    build(site.settings())
    after = site.snapshot()
    assert after.keys() == before.keys()
    changed = {path for path in after if after[path] != before[path]}
    feeds = {path for path in after if path.endswith((".xml", ".rss", ".json"))}
    # Every feed holding the entry changes, and only by the image's own lines; of the
    # pages, only the entry's own.
    holding = {path for path in feeds if b"Tram line opens" in after[path]}
    assert len(holding) >= 9
    assert changed == holding | {"entries/pictured.html"}
    for path in feeds:
        assert _without_image_lines(after[path]) == before[path], path


# The entry's page ------------------------------------------------------------------------


class _Page(HTMLParser):
    """The ``<img>`` elements, ``<meta property>`` values and canonical links of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.images: list[dict[str, str | None]] = []
        self.properties: dict[str, list[str]] = {}
        self.canonical: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "img":
            self.images.append(values)
        elif tag == "meta" and "property" in values:
            self.properties.setdefault(values["property"] or "", []).append(values["content"])
        elif tag == "link" and values.get("rel") == "canonical":
            self.canonical.append(values["href"] or "")


def read_page(site: SiteFolder, relative: str) -> _Page:
    page = _Page()
    page.feed(site.read(relative).decode())
    page.close()
    return page


def test_the_entry_page_shows_the_image_with_its_alt_text(pictured_site: SiteFolder):
    page = read_page(pictured_site, "entries/pictured.html")
    assert page.images == [{"class": "lead-image", "src": IMAGE, "alt": ALT}]
    assert page.properties["og:image"] == [IMAGE]
    assert page.properties["og:image:alt"] == [ALT]


def test_an_image_without_alt_text_is_shown_as_decorative(pictured_site: SiteFolder):
    page = read_page(pictured_site, "entries/bare.html")
    assert page.images == [
        {"class": "lead-image", "src": "https://img.example.com/p/42", "alt": ""}
    ]
    assert page.properties["og:image"] == ["https://img.example.com/p/42"]
    assert "og:image:alt" not in page.properties
    # The empty alt is written, not left out: a missing alt is an accessibility error.
    assert 'alt=""' in pictured_site.read("entries/bare.html").decode()


def test_pages_without_an_image_show_none(pictured_site: SiteFolder):
    page = read_page(pictured_site, "entries/plain.html")
    assert page.images == []
    assert "og:image" not in page.properties
    # The listing pages do not show the image.
    assert read_page(pictured_site, "index.html").images == []


def test_the_image_comes_between_the_date_line_and_the_points(pictured_site: SiteFolder):
    html = pictured_site.read("entries/pictured.html").decode()
    assert html.index('<p class="meta">') < html.index("<img ") < html.index('class="points"')


def test_the_stylesheet_keeps_the_image_within_the_page(pictured_site: SiteFolder):
    style = pictured_site.read("style.css").decode()
    rule = re.search(r"\.lead-image \{([^}]*)\}", style)
    assert rule and "max-width: 100%" in rule.group(1) and "height: auto" in rule.group(1)


def test_adding_changing_and_removing_an_image_rebuilds_as_a_clean_build(
    site: SiteFolder, tmp_path
):
    site.add("pictured.txt", article(title="Tram line opens", date="2026-01-05 10:00:00+00:00"))
    site.add("plain.txt", article(title="No picture", date="2026-01-04 10:00:00+00:00"))
    build(site.settings())
    for text in (pictured(), pictured(alt="Another view"), pictured(alt=None), article()):
        site.add("pictured.txt", text)
        build(site.settings())  # with the cache of the build before
        clean = tmp_path / "clean"
        build(site.settings(output=clean), use_cache=False)
        incremental = site.snapshot()
        assert incremental == {
            path.relative_to(clean).as_posix(): path.read_bytes()
            for path in sorted(clean.rglob("*"))
            if path.is_file()
        }
