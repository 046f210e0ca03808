"""What every output format needs to know about one feed: the site's, a category's, an archive's."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from html import escape
from urllib.parse import quote

from feedtool._entry import Entry
from feedtool._site import Category, Site, SiteLinks, newest_update

RSS_NAME = "rss.xml"
ATOM_NAME = "atom.xml"
JSON_NAME = "feed.json"
ARCHIVE_FOLDER = "archive/"
GENERATOR_URI = "https://pypi.org/project/feedtool/"

RSS_TYPE = "application/rss+xml"
ATOM_TYPE = "application/atom+xml"
JSON_TYPE = "application/feed+json"


@dataclass(frozen=True)
class FeedSpec:
    """One feed, published in up to three formats under ``folder`` of the output.

    Archive pages (RFC 5005) are feeds too: ``archive_page`` is their number, 1 the oldest.
    ``updated`` is the newest ``updated`` of its entries: the feed's own update time.
    """

    links: SiteLinks
    title: str
    description: str
    folder: str  # "" for the site's feeds, "categories/<slug>/" for a category's
    tag_name: str  # the feed's own name inside its tag: id
    entries: tuple[Entry, ...]
    updated: datetime
    rss_name: str = RSS_NAME
    atom_name: str = ATOM_NAME
    json_name: str | None = JSON_NAME
    archive_page: int | None = None
    # How many archive pages the site has: subscription feeds link the newest one.
    archive_pages: int = 0

    @property
    def page_url(self) -> str:
        return self.links.url + quote(self.folder if self.archive_page is None else "")

    @property
    def hubs(self) -> tuple[str, ...]:
        """The WebSub hubs the feed names: the site's, except on an archive page, which
        no one subscribes to (RFC 5005 archives are fetched once, by paging back)."""
        return () if self.archive_page is not None else self.links.settings.websub_hubs

    def url_of(self, name: str) -> str:
        return self.links.url + quote(self.folder + name)

    def without_entries(self) -> FeedSpec:
        """The feed's head alone: what a worker needs besides the entries' pieces."""
        return replace(self, entries=())

    def history_links(self, extension: str, current: str) -> list[tuple[str, str]]:
        """RFC 5005 links ``(rel, href)`` for the format whose archives end in ``extension``."""
        site = self.links
        if self.archive_page is None:
            if self.folder or not self.archive_pages:
                return []
            return [("prev-archive", archive_url(site, self.archive_pages, extension))]
        links = [("current", site.url + current)]
        if self.archive_page > 1:
            links.append(("prev-archive", archive_url(site, self.archive_page - 1, extension)))
        if self.archive_page < self.archive_pages:
            links.append(("next-archive", archive_url(site, self.archive_page + 1, extension)))
        return links


def archive_url(site: SiteLinks, number: int, extension: str) -> str:
    return f"{site.url}{ARCHIVE_FOLDER}{number}{extension}"


def site_feed(site: Site) -> FeedSpec:
    entries = _newest(site, site.entries)
    return FeedSpec(
        links=site.links,
        title=site.settings.title,
        description=site.settings.description or site.settings.title,
        folder="",
        tag_name="feed",
        entries=entries,
        updated=newest_update(entries),
        archive_pages=len(archive_chunks(site)),
    )


def category_feed(site: Site, category: Category) -> FeedSpec:
    entries = _newest(site, category.entries)
    return FeedSpec(
        links=site.links,
        title=f"{site.settings.title}: {category.name}",
        description=f"Entries about {category.name} from {site.settings.title}",
        folder=f"categories/{category.slug}/",
        tag_name=f"category/{category.slug}",
        entries=entries,
        updated=newest_update(entries),
    )


def archive_feeds(site: Site) -> list[FeedSpec]:
    """Every entry in fixed-size archive pages, oldest first, so a full page never changes."""
    chunks = archive_chunks(site)
    return [
        FeedSpec(
            links=site.links,
            # No page count in the title: a full page must not change when pages are added.
            title=f"{site.settings.title} (archive {number})",
            description=site.settings.description or site.settings.title,
            folder=ARCHIVE_FOLDER,
            tag_name=f"archive/{number}",
            entries=chunk,
            updated=newest_update(chunk),
            rss_name=f"{number}.rss",
            atom_name=f"{number}.xml",
            json_name=None,
            archive_page=number,
            archive_pages=len(chunks),
        )
        for number, chunk in enumerate(chunks, start=1)
    ]


def archive_chunks(site: Site) -> list[tuple[Entry, ...]]:
    """Entries oldest first in pages of ``archive_size``; each page lists newest first."""
    oldest_first = site.entries[::-1]
    size = site.settings.archive_size
    return [oldest_first[start : start + size][::-1] for start in range(0, len(oldest_first), size)]


def _newest(site: Site, entries: tuple[Entry, ...]) -> tuple[Entry, ...]:
    limit = site.settings.limit
    return entries[:limit] if limit else entries


# The last few: an entry's RSS and Atom items, JSON item and page each show its content.
@lru_cache(maxsize=4)
def content_html(paragraphs: tuple[str, ...]) -> str:
    """An entry's paragraphs as HTML: one escaped ``<p>`` per body block, one per line."""
    return "\n".join(f"<p>{escape(paragraph, quote=False)}</p>" for paragraph in paragraphs)


def points_html(points: tuple[str, ...]) -> str:
    """The strong points as an HTML list, one escaped ``<li>`` per point, one per line."""
    items = "".join(f"<li>{escape(point, quote=False)}</li>\n" for point in points)
    return f"<ul>\n{items}</ul>"


def summary_html(entry: Entry) -> str:
    """The summary as feeds give it to HTML readers (RSS ``description``, Atom ``summary``).

    A summary made of the points is their list, so that readers show one point per line
    and not one run-on line; any other summary (the first paragraph shortened, or a
    ``Summary:`` line) is one escaped paragraph. "" for an entry without a summary.
    """
    if not entry.summary:
        return ""
    if entry.points and entry.summary == "\n".join(entry.points):
        return points_html(entry.points)
    return f"<p>{escape(entry.summary, quote=False)}</p>"


def full_content_html(entry: Entry, summary_only: bool) -> str:
    """The content feeds carry (RSS ``content:encoded``, Atom ``content``, JSON
    ``content_html``): what the entry's page shows, the points' list then the paragraphs.

    "" when there is none: with ``summary_only``, or for an entry without points or body.
    """
    if summary_only:
        return ""
    return _points_and_paragraphs(entry.points, entry.paragraphs)


# The last few: an entry's RSS and Atom items and its JSON item show the same content.
@lru_cache(maxsize=4)
def _points_and_paragraphs(points: tuple[str, ...], paragraphs: tuple[str, ...]) -> str:
    parts = []
    if points:
        parts.append(points_html(points))
    if paragraphs:
        parts.append(content_html(paragraphs))
    return "\n".join(parts)
