"""The head of an entry's page: its canonical URL and the Open Graph properties that link
previews read (title, summary as plain text, type, URL, site name, image)."""

from __future__ import annotations

from feedtool._build import build
from tests.conftest import SITE_URL, SiteFolder, article
from tests.test_lead_image import read_page

ORIGINAL = "https://elsewhere.example.com/story?id=7&lang=en"


def test_an_entry_page_is_described_for_link_previews(site: SiteFolder):
    site.add(
        "tram.txt",
        article(title='Tram "Line 7" <opens> & runs', points=("First <point>.", "Second point.")),
    )
    build(site.settings())
    page = read_page(site, "entries/tram.html")
    assert page.properties == {
        "og:type": ["article"],
        "og:title": ['Tram "Line 7" <opens> & runs'],
        # The summary as plain text on one line: its points joined by a space.
        "og:description": ["First <point>. Second point."],
        "og:url": [f"{SITE_URL}entries/tram.html"],
        "og:site_name": ["Test News"],
    }
    assert page.canonical == [f"{SITE_URL}entries/tram.html"]


def test_the_summary_line_is_the_description(site: SiteFolder):
    site.add("a.txt", "Date: 2026-01-05\nSummary: What the council decided.\n\nTitle\n\nBody.\n")
    build(site.settings())
    assert read_page(site, "entries/a.html").properties["og:description"] == [
        "What the council decided."
    ]


def test_an_entry_without_a_summary_has_no_description(site: SiteFolder):
    site.add("a.txt", "Date: 2026-01-05\n\nOnly a title\n")
    build(site.settings())
    page = read_page(site, "entries/a.html")
    assert "og:description" not in page.properties
    assert page.properties["og:title"] == ["Only a title"]


def test_an_article_that_lives_elsewhere_names_its_original_as_canonical(site: SiteFolder):
    site.add("a.txt", f"Date: 2026-01-05\nLink: {ORIGINAL}\n\nCopied story\n\nBody.\n")
    build(site.settings())
    page = read_page(site, "entries/a.html")
    assert page.canonical == [ORIGINAL]
    assert page.properties["og:url"] == [ORIGINAL]
    # Escaped in the markup, the & of its query included.
    assert 'href="https://elsewhere.example.com/story?id=7&amp;lang=en"' in (
        site.read("entries/a.html").decode()
    )


def test_the_canonical_url_follows_the_site_url_and_encodes_the_id(site: SiteFolder):
    site.add("café crème.txt", article(title="Coffee"))
    build(site.settings())
    page = read_page(site, "entries/café crème.html")
    assert page.canonical == [f"{SITE_URL}entries/caf%C3%A9%20cr%C3%A8me.html"]
    assert page.properties["og:url"] == page.canonical


def test_listing_pages_carry_no_entry_properties(site: SiteFolder):
    site.add("a.txt", article())
    build(site.settings())
    for path in ("index.html", "categories/index.html", "categories/alpha/index.html"):
        page = read_page(site, path)
        assert page.properties == {} and page.canonical == [], path


def test_the_head_lines_sit_inside_the_head_after_the_feed_links(site: SiteFolder):
    site.add("a.txt", article())
    build(site.settings())
    html = site.read("entries/a.html").decode()
    head = html[: html.index("</head>")]
    assert head.index('type="application/feed+json"') < head.index('rel="canonical"')
    assert head.index('rel="canonical"') < head.index('property="og:site_name"')
