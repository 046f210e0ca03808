"""HTML5 pages: the paginated home page, one page per entry, category pages.

Links between pages are relative, so the site works from any URL (a preview server,
a file browser) and feed readers find the feeds by autodiscovery wherever it is served.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import lru_cache
from html import escape
from urllib.parse import quote

from feedtool._config import Settings
from feedtool._entry import Entry
from feedtool._render.feeds import (
    ATOM_NAME,
    ATOM_TYPE,
    JSON_NAME,
    JSON_TYPE,
    RSS_NAME,
    RSS_TYPE,
    FeedSpec,
    content_html,
)
from feedtool._render.site_files import OPML_NAME, OPML_TYPE
from feedtool._site import Category, Site, SiteLinks, slugify

STYLESHEET = "style.css"
STYLE = """\
body { font: 17px/1.55 system-ui, sans-serif; max-width: 44rem; margin: 2rem auto;
       padding: 0 1rem; color: #1d1d1f; background: #fff; }
header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.4rem 1.2rem;
         margin-bottom: 1.5rem; padding-bottom: 0.7rem; border-bottom: 1px solid #d9dde3; }
header, footer { font-size: 0.9rem; color: #555; }
.site-name { margin-right: auto; font-size: 1.35rem; font-weight: 700; color: #1d1d1f;
             text-decoration: none; }
header nav { display: flex; flex-wrap: wrap; gap: 0.8rem; }
footer { margin-top: 2.5rem; }
a { color: #0b5cad; }
h1 { line-height: 1.25; }
.entry-list { list-style: none; padding: 0; }
.entry-list > li { margin: 0 0 1.8rem; }
.entry-list h2 { margin: 0 0 0.2rem; font-size: 1.25rem; }
.meta { color: #666; font-size: 0.9rem; }
.summary { margin: 0.4rem 0; }
.lead-image { display: block; max-width: 100%; height: auto; margin: 1rem 0;
              border-radius: 6px; }
.points { background: #f4f6f8; padding: 0.8rem 1rem 0.8rem 2rem; border-radius: 6px; }
.tags { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.4rem; }
.tags a { background: #eef3fa; padding: 0.1rem 0.5rem; border-radius: 4px;
          text-decoration: none; font-size: 0.85rem; }
nav.pages { display: flex; justify-content: space-between; margin: 2rem 0; }
@media (prefers-color-scheme: dark) {
  body { color: #e4e5e8; background: #16171a; }
  header { border-bottom-color: #34373d; }
  header, footer, .meta { color: #a5a9b0; }
  .site-name { color: #f3f4f6; }
  a { color: #7db8ff; }
  .points { background: #22252a; }
  .tags a { background: #1e2b3d; }
}
"""


def render_style() -> bytes:
    return STYLE.encode("utf-8")


def index_page_path(number: int) -> str:
    """Output path of page ``number`` (1-based) of a paginated listing."""
    return "index.html" if number == 1 else f"page/{number}/index.html"


@dataclass(frozen=True)
class ListingPage:
    """One page of a paginated listing (the home page or a category's), ``number`` from 1."""

    title: str
    folder: str  # "" for the home page, "categories/<slug>/" for a category
    number: int
    count: int
    entries: tuple[Entry, ...]

    @property
    def path(self) -> str:
        return self.folder + index_page_path(self.number)


def listing_pages(
    site: Site, entries: tuple[Entry, ...], title: str, folder: str
) -> list[ListingPage]:
    """``entries`` in pages of ``limit`` (all on one page when the limit is 0)."""
    size = site.settings.limit or max(len(entries), 1)
    chunks = [entries[start : start + size] for start in range(0, len(entries), size)] or [()]
    return [
        ListingPage(title, folder, number, len(chunks), chunk)
        for number, chunk in enumerate(chunks, start=1)
    ]


def index_listing(site: Site) -> list[ListingPage]:
    """The home page and its following pages: every entry, newest first."""
    return listing_pages(site, site.entries, site.settings.title, "")


def category_listing(site: Site, category: Category) -> list[ListingPage]:
    """A category's listing pages, under ``categories/<slug>/``."""
    title = f"{site.settings.title}: {category.name}"
    return listing_pages(site, category.entries, title, f"categories/{category.slug}/")


# In a listing line made once for every page it shows on: where its links start. Each
# page puts its own way back to the output folder's root there (no entry text holds NUL).
LISTING_ROOT = "\0"


def render_listing_page(feed: FeedSpec, page: ListingPage, lines: list[str]) -> bytes:
    """One listing page: its entries with title, date, summary and categories, prev/next links.

    ``lines`` are its entries' lines, made with ``LISTING_ROOT`` where their links start.
    """
    root = _root(page.path)
    here = _root(index_page_path(page.number))  # from this page back to the listing's folder
    items = "\n".join(lines).replace(LISTING_ROOT, root)
    if not lines:
        items = "<li>No entries yet.</li>"
    heading = escape(page.title)
    if page.number > 1:
        heading += f" <small>(page {page.number} of {page.count})</small>"
    description = escape(feed.description) if not page.folder else ""
    body = f"""<h1>{heading}</h1>
{f'<p class="summary">{description}</p>' if description else ""}
<ul class="entry-list">
{items}
</ul>
{_pagination(page.number, page.count, here)}"""
    page_title = page.title if page.number == 1 else f"{page.title} (page {page.number})"
    # The home page and its following pages link the list of every feed, as the category
    # index does.
    every_feed = not page.folder
    return _page(
        feed.links.settings, page_title, body, root, feed.title, here, every_feed=every_feed
    )


def _pagination(number: int, count: int, here: str) -> str:
    if count == 1:
        return ""
    links = []
    if number > 1:
        previous = here + index_page_path(number - 1)
        links.append(f'<a rel="prev" href="{previous}">← Newer</a>')
    else:
        links.append("<span></span>")
    if number < count:
        links.append(f'<a rel="next" href="{here}{index_page_path(number + 1)}">Older →</a>')
    return '<nav class="pages">' + " ".join(links) + "</nav>"


def entry_listing_line(site: SiteLinks, entry: Entry, root: str) -> str:
    """An entry in a listing: title, date, author, updated date, summary, categories;
    links start with ``root``."""
    href = root + quote(site.page_path(entry))
    summary = "<br>\n".join(escape(line) for line in entry.summary.split("\n"))
    lang = f' lang="{escape(entry.language)}"' if entry.language else ""
    return f"""<li{lang}>
<h2><a href="{href}">{escape(entry.title)}</a></h2>
<p class="meta">{_meta(entry, site.settings.timezone)}</p>
<p class="summary">{summary}</p>
{_tags(entry, root)}
</li>"""


def render_entry_page(site: SiteLinks, entry: Entry) -> bytes:
    """The entry's own page (its body read): title, date, author, points, paragraphs,
    categories, with autodiscovery links to the site's feeds."""
    path = site.page_path(entry)
    root = _root(path)
    meta = _meta(entry, site.settings.timezone)
    points = ""
    if entry.points:
        items = "\n".join(f"<li>{escape(point)}</li>" for point in entry.points)
        points = f'<ul class="points">\n{items}\n</ul>'
    paragraphs = content_html(entry.paragraphs)
    source = ""
    if entry.link:
        source = f'<p><a href="{escape(entry.link)}">Read the original</a></p>'
    lang = f' lang="{escape(entry.language)}"' if entry.language else ""
    image = ""
    if entry.image:
        # Without Image-Alt the image is decorative: an empty alt, which screen readers skip.
        alt = escape(entry.image_alt or "")
        image = f'\n<img class="lead-image" src="{escape(entry.image)}" alt="{alt}">'
    title = escape(entry.title)
    body = f"""<article{lang}>
<h1>{title}</h1>
<p class="meta">{meta}</p>{image}
{points}
{paragraphs}
{source}
{_tags(entry, root)}
</article>"""
    settings = site.settings
    head = _sharing(site, entry, title)
    return _page(settings, entry.title, body, root, settings.title, root, head)


def _sharing(site: SiteLinks, entry: Entry, title: str) -> str:
    """The entry page's canonical link and Open Graph properties (the page as link
    previews show it): title (``title``, escaped), summary, type, URL, image.

    The canonical URL, and so ``og:url``, is the entry's permalink: its ``Link:`` when the
    article lives elsewhere (the page is then a copy, and RFC 6596 points a copy at its
    original), else the page's own URL."""
    url = escape(site.permalink(entry))
    description = image = ""
    if entry.summary:
        # Plain text on one line: the points of a summary are its lines.
        text = escape(entry.summary.replace("\n", " "))
        description = f'\n<meta property="og:description" content="{text}">'
    if entry.image:
        image = f'\n<meta property="og:image" content="{escape(entry.image)}">'
        if entry.image_alt:
            image += f'\n<meta property="og:image:alt" content="{escape(entry.image_alt)}">'
    return f"""<link rel="canonical" href="{url}">
<meta property="og:type" content="article">
<meta property="og:title" content="{title}">{description}
<meta property="og:url" content="{url}">
<meta property="og:site_name" content="{escape(site.settings.title)}">{image}"""


CATEGORIES_INDEX = "categories/index.html"


def render_categories_index(site: Site, feed: FeedSpec) -> bytes:
    """``categories/index.html``: every category with its number of entries, in the order
    of their names ignoring case and accents."""
    root = _root(CATEGORIES_INDEX)
    items = "\n".join(
        f'<li><a href="{quote(category.slug)}/index.html">{escape(category.name)}</a> '
        f"({len(category.entries)})</li>"
        for category in sorted_categories(site)
    )
    every_feed = ""
    if site.categories:
        every_feed = (
            f'<p>Follow every category at once: <a href="{root}{OPML_NAME}" type="{OPML_TYPE}">'
            "import the list of all feeds (OPML)</a> into your feed reader.</p>\n"
        )
    body = f"""<h1>Categories</h1>
{every_feed}<ul>
{items or "<li>No categories yet.</li>"}
</ul>"""
    settings = site.settings
    title = f"{settings.title}: categories"
    return _page(settings, title, body, root, feed.title, root, every_feed=True)


def sorted_categories(site: Site) -> list[Category]:
    """The categories in the order of the category index (see ``_category_order``)."""
    return sorted(site.categories, key=_category_order)


def _category_order(category: Category) -> tuple[str, str, str, str]:
    """Where a category stands in the index: by its name ignoring case and accents ("Fête"
    between "Festivals" and "Food"), then ignoring case, then as written, then by slug,
    which no two categories share."""
    folded = unicodedata.normalize("NFKD", category.name.casefold().translate(_SORT_FOLDS))
    plain = "".join(char for char in folded if not unicodedata.combining(char))
    return plain, category.name.casefold(), category.name, category.slug


# Letters NFKD does not take apart, read as their slugs read them (œuvre as oeuvre).
_SORT_FOLDS = str.maketrans(
    {"æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i"}
)


def _tags(entry: Entry, root: str) -> str:
    if not entry.categories:
        return ""
    return f'<ul class="tags">{"".join([_tag(root, name) for name in entry.categories])}</ul>'


# Made once per keyword and root: a site of 100,000 entries has a few hundred keywords,
# each shown hundreds of times, and a page or listing line has one root of a few.
@lru_cache(maxsize=4096)
def _tag(root: str, name: str) -> str:
    href = f"{root}categories/{quote(slugify(name))}/index.html"
    return f'<li><a rel="tag" href="{href}">{escape(name)}</a></li>'


def _meta(entry: Entry, zone: tzinfo) -> str:
    """The line under an entry's title: when it was published, its author, and when it was
    updated if that is another time."""
    assert entry.published is not None
    # By their text, not the datetimes: two equal instants in two zones are equal datetimes.
    meta = _time_of(entry.published.isoformat(), zone)
    if entry.author:
        meta += f" · {escape(entry.author)}"
    if entry.updated is not None and entry.updated != entry.published:
        meta += f" · Updated {_time_of(entry.updated.isoformat(), zone)}"
    return meta


# The last few: an entry's page and its listing line show the same times.
@lru_cache(maxsize=8)
def _time_of(moment: str, zone: tzinfo) -> str:
    local = datetime.fromisoformat(moment).astimezone(zone)
    return (
        f'<time datetime="{moment}">'
        f"{local.strftime('%Y-%m-%d %H:%M')} {escape(local.tzname() or '')}</time>"
    )


# Every entry's page links the site's feeds alike: made once, not 100,000 times.
@lru_cache(maxsize=64)
def _alternates(feed_title: str, feed_root: str) -> str:
    """The autodiscovery links to a feed's three formats, found at ``feed_root``."""
    return "\n".join(
        f'<link rel="alternate" type="{media_type}" title="{escape(feed_title)} ({label})" '
        f'href="{feed_root}{name}">'
        for name, media_type, label in (
            (RSS_NAME, RSS_TYPE, "RSS"),
            (ATOM_NAME, ATOM_TYPE, "Atom"),
            (JSON_NAME, JSON_TYPE, "JSON Feed"),
        )
    )


def _root(path: str) -> str:
    """The relative path from the page at ``path`` back to the output folder's root."""
    return "../" * path.count("/")


def _page(
    settings: Settings,
    title: str,
    body: str,
    root: str,
    feed_title: str,
    feed_root: str,
    head: str = "",
    every_feed: bool = False,
) -> bytes:
    """A whole HTML5 document with autodiscovery links to the feed ``feed_title``, found at
    ``feed_root``. ``root`` leads from the page to the output folder; ``head`` is more of
    the ``<head>``, lines of HTML.

    With ``every_feed``, the page also links the OPML list of every feed: with
    ``<link rel="outline">`` (OPML autodiscovery; not ``alternate``, which feed readers
    would take for a feed) and among the header's links.

    Its icon is the empty ``data:,``: without one, browsers ask every site for
    ``/favicon.ico``, which feedtool does not publish, and log a 404 for every page."""
    alternates = _alternates(feed_title, feed_root)
    if head:
        head = "\n" + head
    opml_nav = ""
    if every_feed:
        opml = f'type="{OPML_TYPE}" href="{root}{OPML_NAME}"'
        every = f"{escape(settings.title)}: every feed (OPML)"
        alternates += f'\n<link rel="outline" {opml} title="{every}">'
        opml_nav = f'\n<a {opml} title="Every feed of this site, for a feed reader">OPML</a>'
    lang = escape(settings.language or "en")
    document = f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>{escape(title)}</title>
<link rel="stylesheet" href="{root}{STYLESHEET}">
<link rel="icon" href="data:,">
{alternates}{head}
</head>
<body>
<header>
<a class="site-name" href="{root}index.html">{escape(settings.title)}</a>
<nav>
<a href="{root}categories/index.html">Categories</a>
<a href="{feed_root}{RSS_NAME}">RSS</a>
<a href="{feed_root}{ATOM_NAME}">Atom</a>
<a href="{feed_root}{JSON_NAME}">JSON Feed</a>{opml_nav}
</nav>
</header>
<main>
{body}
</main>
<footer>Published with feedtool.</footer>
</body>
</html>
"""
    return document.encode("utf-8")
