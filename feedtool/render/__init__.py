"""Render a site to output files: a stream of ``(relative path, bytes)`` pairs."""

from __future__ import annotations

from collections.abc import Iterator

from feedtool.render.feeds import (
    ATOM_NAME,
    JSON_NAME,
    RSS_NAME,
    FeedSpec,
    category_feed,
    site_feed,
)
from feedtool.render.html import (
    STYLESHEET,
    render_categories_index,
    render_category_pages,
    render_entry_page,
    render_index_pages,
    render_style,
)
from feedtool.render.jsonfeed import render_jsonfeed
from feedtool.render.rss_atom import render_rss_atom
from feedtool.site import Site

FEED_NAMES = (RSS_NAME, ATOM_NAME, JSON_NAME)


def render_feed(feed: FeedSpec) -> Iterator[tuple[str, bytes]]:
    """One feed in all three formats."""
    rss, atom = render_rss_atom(feed)
    yield feed.folder + RSS_NAME, rss
    yield feed.folder + ATOM_NAME, atom
    yield feed.folder + JSON_NAME, render_jsonfeed(feed)


def render_site(site: Site) -> Iterator[tuple[str, bytes]]:
    """Every output file of the site, lazily, in a fixed order."""
    main_feed = site_feed(site)
    yield from render_feed(main_feed)
    yield STYLESHEET, render_style()
    yield from render_index_pages(site, main_feed)
    for entry in site.entries:
        yield render_entry_page(site, entry, main_feed)
    yield render_categories_index(site, main_feed)
    for category in site.categories:
        feed = category_feed(site, category)
        yield from render_feed(feed)
        yield from render_category_pages(site, category, feed)


def planned_output_count(site: Site) -> int:
    """How many files ``render_site`` yields, known before rendering (for a progress bar)."""
    listing_pages = len(_pages(site, len(site.entries)))
    category_files = sum(
        len(FEED_NAMES) + len(_pages(site, len(category.entries))) for category in site.categories
    )
    # Site feeds, the stylesheet, listing pages, entry pages, the categories index.
    return len(FEED_NAMES) + 1 + listing_pages + len(site.entries) + 1 + category_files


def _pages(site: Site, count: int) -> range:
    size = site.settings.limit or max(count, 1)
    return range(max(1, -(-count // size)))
