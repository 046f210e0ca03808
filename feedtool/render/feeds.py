"""What every output format needs to know about one feed: the site's, or a category's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from urllib.parse import quote

from feedtool.entry import Entry
from feedtool.site import Category, Site, newest_update

RSS_NAME = "rss.xml"
ATOM_NAME = "atom.xml"
JSON_NAME = "feed.json"

RSS_TYPE = "application/rss+xml"
ATOM_TYPE = "application/atom+xml"
JSON_TYPE = "application/feed+json"


@dataclass(frozen=True)
class FeedSpec:
    """One feed, published in all three formats under ``folder`` of the output."""

    site: Site
    title: str
    description: str
    folder: str  # "" for the site's feeds, "categories/<slug>/" for a category's
    tag_name: str  # the feed's own name inside its tag: id
    entries: tuple[Entry, ...]

    @property
    def page_url(self) -> str:
        return self.site.url + _quote_path(self.folder)

    def url_of(self, name: str) -> str:
        return self.site.url + _quote_path(self.folder + name)

    @property
    def updated(self) -> datetime:
        return newest_update(self.entries)


def _quote_path(path: str) -> str:
    return quote(path)


def site_feed(site: Site) -> FeedSpec:
    return FeedSpec(
        site=site,
        title=site.settings.title,
        description=site.settings.description or site.settings.title,
        folder="",
        tag_name="feed",
        entries=_newest(site, site.entries),
    )


def category_feed(site: Site, category: Category) -> FeedSpec:
    title = f"{site.settings.title}: {category.name}"
    return FeedSpec(
        site=site,
        title=title,
        description=f"Entries about {category.name} from {site.settings.title}",
        folder=f"categories/{category.slug}/",
        tag_name=f"category/{category.slug}",
        entries=_newest(site, category.entries),
    )


def _newest(site: Site, entries: tuple[Entry, ...]) -> tuple[Entry, ...]:
    limit = site.settings.limit
    return entries[:limit] if limit else entries


def content_html(entry: Entry) -> str:
    """The entry's full content: one escaped HTML paragraph per body block."""
    return "\n".join(f"<p>{escape(paragraph, quote=False)}</p>" for paragraph in entry.paragraphs)
