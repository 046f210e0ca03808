"""RSS 2.0 and Atom 1.0 through feedgen, with its clock-reading defaults overridden.

An entry usually sits in several feeds (the site's, one per category, an archive page).
feedgen writes each entry's item once, and each feed's head once; a feed is its head
with the items spliced in, so the cost of a build grows with the entries, not with the
number of feeds they appear in.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from html import escape

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from feedtool import __version__
from feedtool.entry import Entry
from feedtool.render.feeds import (
    ATOM_NAME,
    ATOM_TYPE,
    GENERATOR_URI,
    RSS_NAME,
    RSS_TYPE,
    FeedSpec,
    content_html,
)
from feedtool.site import Site

ATOM_NS = "http://www.w3.org/2005/Atom"
HISTORY_NS = "http://purl.org/syndication/history/1.0"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"

# Items kept for reuse: enough for the newest entries, which most feeds share, while
# memory stays flat however many entries the site has.
ITEM_CACHE_SIZE = 2048

# A detached item names its namespaces itself; inside the feed, the root declares them.
_DETACHED_NAMESPACES = (
    (f'<ns0:encoded xmlns:ns0="{CONTENT_NS}">', "<content:encoded>"),
    ("</ns0:encoded>", "</content:encoded>"),
    (f' xmlns:dc="{DC_NS}"', ""),
)


class HtmlDescription(BaseEntryExtension):
    """RSS readers take ``description`` as HTML, so the plain-text summary is escaped once more.

    Otherwise a summary mentioning ``<script>`` would be markup to the reader. Atom says
    ``type="text"`` instead, and keeps the summary as it is.
    """

    def __init__(self) -> None:
        self.html: str | None = None

    def extend_rss(self, item):  # noqa: ANN001, ANN201 - feedgen's extension interface
        if self.html is not None:
            item.find("description").text = self.html
        return item


class FeedHistory(BaseExtension):
    """RFC 5005 (feed paging and archiving): ``fh:archive`` and the archive links.

    feedgen writes only the ``self`` link as ``atom:link`` in RSS, so the others go here.
    """

    def __init__(self) -> None:
        self.archive = False
        self.rss_links: list[tuple[str, str]] = []

    def extend_ns(self) -> dict[str, str]:
        return {"fh": HISTORY_NS} if self.archive else {}

    def extend_rss(self, feed):  # noqa: ANN001, ANN201 - feedgen's extension interface
        channel = feed.find("channel")
        for rel, href in self.rss_links:
            etree.SubElement(channel, f"{{{ATOM_NS}}}link", href=href, rel=rel, type=RSS_TYPE)
        if self.archive:
            etree.SubElement(channel, f"{{{HISTORY_NS}}}archive")
        return feed

    def extend_atom(self, feed):  # noqa: ANN001, ANN201 - feedgen's extension interface
        if self.archive:
            feed.append(etree.Element(f"{{{HISTORY_NS}}}archive"))
        return feed


@dataclass(frozen=True)
class Rendered:
    """A feed's bytes, and the smaller document that proves them valid.

    Every feed is its head with entries' items spliced in, and an item is the same in
    every feed that holds it. So the check document is the head with only the items no
    earlier check document held: each head and each item is validated once per build.
    """

    data: bytes
    check: bytes


class FeedWriter:
    """Writes the RSS and Atom feeds of one site, each entry's items rendered once."""

    def __init__(self, site: Site):
        self.site = site
        # entry id: (RSS item, Atom entry), for the entries used most recently
        self._items: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self._checked: tuple[set[str], set[str]] = (set(), set())

    def rss(self, feed: FeedSpec) -> Rendered:
        """The feed as RSS 2.0."""
        head = self._head(feed, RSS_NAME, RSS_TYPE, ".rss").rss_str(pretty=True).decode("utf-8")
        return self._assemble(head, "  </channel>", "    ", feed.entries, 0)

    def atom(self, feed: FeedSpec) -> Rendered:
        """The feed as Atom 1.0."""
        head = self._head(feed, ATOM_NAME, ATOM_TYPE, ".xml").atom_str(pretty=True).decode("utf-8")
        return self._assemble(head, "</feed>", "  ", feed.entries, 1)

    def _assemble(
        self, head: str, closing: str, indent: str, entries: tuple[Entry, ...], kind: int
    ) -> Rendered:
        items = [(entry.id, self._fragments(entry)[kind]) for entry in entries]
        checked = self._checked[kind]
        unchecked = [text for entry_id, text in items if entry_id not in checked]
        checked.update(entry_id for entry_id, _ in items)
        return Rendered(
            data=_splice(head, closing, "".join(f"{indent}{text}\n" for _, text in items)),
            check=_splice(head, closing, "".join(f"{indent}{text}\n" for text in unchecked)),
        )

    def _fragments(self, entry: Entry) -> tuple[str, str]:
        fragments = self._items.get(entry.id)
        if fragments is not None:
            self._items.move_to_end(entry.id)
        else:
            feed_entry = self._feed_entry(entry)
            item = feed_entry.rss_entry()
            etree.indent(item, space="  ", level=2)
            rss = etree.tostring(item, encoding="unicode")
            for detached, declared in _DETACHED_NAMESPACES:
                rss = rss.replace(detached, declared)
            atom_entry = feed_entry.atom_entry()
            etree.indent(atom_entry, space="  ", level=1)
            fragments = rss, etree.tostring(atom_entry, encoding="unicode")
            self._items[entry.id] = fragments
            if len(self._items) > ITEM_CACHE_SIZE:
                self._items.popitem(last=False)
        return fragments

    def _feed_entry(self, entry: Entry) -> FeedEntry:
        site = self.site
        item = FeedEntry()
        item.load_extension("dc", atom=False, rss=True)
        item.register_extension("html_description", HtmlDescription, atom=False, rss=True)
        item.id(site.tag_id(entry))
        item.guid(site.tag_id(entry), permalink=False)
        item.title(entry.title)
        item.link(href=site.permalink(entry), rel="alternate")
        item.published(entry.published)
        item.updated(entry.updated)
        if entry.author:
            item.author({"name": entry.author})
            item.dc.dc_creator(entry.author)
        if entry.summary:
            item.summary(entry.summary, type="text")
            item.html_description.html = escape(entry.summary, quote=False)
        paragraphs = () if site.settings.summary_only else site.paragraphs(entry)
        if paragraphs:
            item.content(content_html(paragraphs), type="html")
        for category in entry.categories:
            item.category(term=category)
        return item

    def _head(
        self, feed: FeedSpec, current: str, media_type: str, archive_extension: str
    ) -> FeedGenerator:
        """The feed without entries: title, links, dates, author, generator."""
        settings = self.site.settings
        generator = FeedGenerator()
        generator.load_extension("dc", atom=False, rss=True)
        generator.register_extension("history", FeedHistory, atom=True, rss=True)
        generator.id(self.site.feed_tag_id(feed.tag_name))
        generator.title(feed.title)
        generator.subtitle(feed.description)
        generator.description(feed.description)
        if settings.language:
            generator.language(settings.language)
        # Atom needs an author on the feed when an entry has none; the site's name stands in.
        generator.author({"name": settings.author or settings.title})
        generator.generator("feedtool", version=__version__, uri=GENERATOR_URI)
        # feedgen stamps the clock on these when left unset; the newest entry's time is stable.
        generator.updated(feed.updated)
        generator.lastBuildDate(feed.updated)
        name = feed.atom_name if media_type == ATOM_TYPE else feed.rss_name
        history = feed.history_links(archive_extension, current)
        links = [{"href": feed.url_of(name), "rel": "self", "type": media_type}]
        links += [{"href": href, "rel": rel, "type": media_type} for rel, href in history]
        # feedgen takes RSS's <link> from the last link given: the page must come last.
        links.append({"href": feed.page_url, "rel": "alternate", "type": "text/html"})
        generator.link(links, replace=True)
        generator.history.archive = feed.archive_page is not None
        generator.history.rss_links = history
        return generator


def _splice(head: str, closing: str, items: str) -> bytes:
    """Insert serialized items before the feed's closing tag."""
    at = head.rindex(closing)
    return (head[:at] + items + head[at:]).encode("utf-8")
