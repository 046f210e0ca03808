"""RSS 2.0 and Atom 1.0 through feedgen, with its clock-reading defaults overridden.

An entry usually sits in several feeds (the site's, one per category, an archive page).
Each entry's item is written once (see ``feedtool._render.pieces``), by filling in a
template feedgen wrote for that shape of item, and each feed's head by feedgen; a feed
is its head with the items spliced in, so the cost of a build grows with the entries,
not with the number of feeds they appear in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseExtension

# Registered by class: feedgen's load_extension("dc") first tries to import a module
# feedgen.ext.dc_entry, which does not exist, and that failed search of the import path
# costs 0.2 ms in every feed head.
from feedgen.ext.dc import DcEntryExtension, DcExtension
from feedgen.feed import FeedGenerator
from feedgen.util import formatRFC2822
from lxml import etree

from feedtool import __version__
from feedtool._entry import Entry
from feedtool._render.feeds import (
    ATOM_NAME,
    ATOM_TYPE,
    GENERATOR_URI,
    RSS_NAME,
    RSS_TYPE,
    FeedSpec,
    full_content_html,
    summary_html,
)
from feedtool._site import SiteLinks

ATOM_NS = "http://www.w3.org/2005/Atom"
HISTORY_NS = "http://purl.org/syndication/history/1.0"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
# Media RSS, with the trailing slash its spec and the W3C validator expect.
MEDIA_NS = "http://search.yahoo.com/mrss/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# A detached item names its namespaces itself; inside the feed, the root declares them.
_DETACHED_NAMESPACES = (
    (f'<ns0:encoded xmlns:ns0="{CONTENT_NS}">', "<content:encoded>"),
    ("</ns0:encoded>", "</content:encoded>"),
    (f' xmlns:dc="{DC_NS}"', ""),
)


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


class WebSubHubs(BaseExtension):
    """WebSub hubs in RSS: an ``atom:link rel="hub"`` per hub, right after the self link.

    feedgen writes only the ``self`` link as ``atom:link`` in RSS, so the hubs go here.
    """

    def __init__(self) -> None:
        self.hubs: tuple[str, ...] = ()

    def extend_rss(self, feed):  # noqa: ANN001, ANN201 - feedgen's extension interface
        channel = feed.find("channel")
        place = channel.find(f"{{{ATOM_NS}}}link[@rel='self']")
        for hub in self.hubs:
            link = etree.Element(f"{{{ATOM_NS}}}link", href=hub, rel="hub")
            if place is None:
                channel.append(link)
            else:
                place.addnext(link)
            place = link
        return feed


@dataclass(frozen=True)
class Rendered:
    """A feed's bytes, and the smaller document that proves them valid.

    Every feed is its head with entries' items spliced in, and an item is the same in
    every feed that holds it. So the check document is the head with only the items this
    feed is the first to hold (see ``feedtool._render``): each head and each item is
    validated once per build.
    """

    data: bytes
    check: bytes


def with_items(head: bytes, closing: bytes, items: list[bytes], to_check: list[bytes]) -> Rendered:
    """The head with the items inserted before its closing tag, and the check document
    holding ``to_check`` of them."""
    at = head.rindex(closing)
    before, after = head[:at], head[at:]
    data = b"".join([before, *items, after])
    # Every item to check: the check document is the feed itself, not a copy.
    check = data if len(to_check) == len(items) else b"".join([before, *to_check, after])
    return Rendered(data=data, check=check)


RSS_CLOSING = b"  </channel>"
ATOM_CLOSING = b"</feed>"


def rss_head(feed: FeedSpec) -> bytes:
    """The feed as RSS 2.0 without its items."""
    return _head(feed, RSS_NAME, RSS_TYPE, ".rss").rss_str(pretty=True)


def atom_head(feed: FeedSpec) -> bytes:
    """The feed as Atom 1.0 without its entries."""
    return _head(feed, ATOM_NAME, ATOM_TYPE, ".xml").atom_str(pretty=True)


def _head(feed: FeedSpec, current: str, media_type: str, archive_extension: str) -> FeedGenerator:
    """The feed without entries: title, links, dates, author, generator."""
    settings = feed.links.settings
    generator = FeedGenerator()
    generator.register_extension("dc", DcExtension, DcEntryExtension, atom=False, rss=True)
    generator.register_extension("history", FeedHistory, atom=True, rss=True)
    hubs = feed.hubs
    if hubs:
        generator.register_extension("websub", WebSubHubs, atom=False, rss=True)
        generator.websub.hubs = hubs
    generator.id(feed.links.feed_tag_id(feed.tag_name))
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
    links += [{"href": hub, "rel": "hub"} for hub in hubs]
    links += [{"href": href, "rel": rel, "type": media_type} for rel, href in history]
    # feedgen takes RSS's <link> from the last link given: the page must come last.
    links.append({"href": feed.page_url, "rel": "alternate", "type": "text/html"})
    generator.link(links, replace=True)
    generator.history.archive = feed.archive_page is not None
    generator.history.rss_links = history
    return generator


@dataclass(frozen=True, slots=True)
class ItemValues:
    """What an entry's RSS item and Atom entry are made of, worked out from the entry and site."""

    id: str
    title: str
    link: str
    published: datetime
    updated: datetime
    author: str  # "" for none
    summary: str  # as HTML (RSS description, Atom summary type="html"); "" for none
    content: str  # the points and body as HTML; "" for none
    categories: tuple[str, ...]
    language: str = ""  # the entry's Language:, the Atom entry's xml:lang; "" for none
    image: str = ""  # the lead image's URL (Image:); "" for none
    image_alt: str = ""  # its text (Image-Alt:); "" for none
    image_type: str = ""  # its media type, known from the URL's extension; "" if not


# The media types of the image formats browsers show, by the extension a URL's path ends in.
IMAGE_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "svg": "image/svg+xml",
    "avif": "image/avif",
}


def image_type(url: str) -> str:
    """The media type of the image at ``url`` as its path's extension says (in any case),
    or "" when the path does not end in one of ``IMAGE_TYPES``: the query is not looked at."""
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    _, dot, extension = name.rpartition(".")
    return IMAGE_TYPES.get(extension.lower(), "") if dot else ""


def item_values(site: SiteLinks, entry: Entry) -> ItemValues:
    """What the entry's items show; the entry is dated and has its body."""
    assert entry.published is not None and entry.updated is not None
    return ItemValues(
        id=site.tag_id(entry),
        title=entry.title,
        link=site.permalink(entry),
        published=entry.published,
        updated=entry.updated,
        author=entry.author or "",
        summary=summary_html(entry),
        content=full_content_html(entry, site.settings.summary_only),
        categories=entry.categories,
        language=entry.language or "",
        image=entry.image or "",
        image_alt=entry.image_alt or "",
        image_type=image_type(entry.image) if entry.image else "",
    )


def feedgen_items(values: ItemValues) -> tuple[str, str]:
    """The RSS item and the Atom entry as feedgen writes them, indented for their feeds."""
    item = FeedEntry()
    item.register_extension("dc", DcEntryExtension, atom=False, rss=True)
    item.id(values.id)
    item.guid(values.id, permalink=False)
    item.title(values.title)
    item.link(href=values.link, rel="alternate")
    item.published(values.published)
    item.updated(values.updated)
    if values.author:
        item.author({"name": values.author})
        item.dc.dc_creator(values.author)
    if values.summary:
        # Also RSS's description: HTML there too, escaped as text by the serializer.
        item.summary(values.summary, type="html")
    if values.content:
        item.content(values.content, type="html")
    for category in values.categories:
        item.category(term=category)
    rss_element = item.rss_entry()
    if values.image:
        _add_media_content(rss_element, values)
    etree.indent(rss_element, space="  ", level=2)
    rss = etree.tostring(rss_element, encoding="unicode")
    for detached, declared in _DETACHED_NAMESPACES:
        rss = rss.replace(detached, declared)
    atom_element = item.atom_entry()
    if values.language:
        # Readers inherit it in the entry's title, summary and content (RFC 4287, 2).
        atom_element.set(XML_LANG, values.language)
    if values.image:
        _add_enclosure_link(atom_element, values)
    etree.indent(atom_element, space="  ", level=1)
    return rss, etree.tostring(atom_element, encoding="unicode")


def _add_media_content(item: etree._Element, values: ItemValues) -> None:
    """The lead image as Media RSS ``media:content``, its alt text as ``media:description``.

    Not an RSS ``enclosure``: that needs the image's length in bytes, which its URL does
    not tell. The namespace is declared on the element itself, so that the feeds of
    entries without an image stay as they were.
    """
    content = etree.SubElement(item, f"{{{MEDIA_NS}}}content", nsmap={"media": MEDIA_NS})
    content.set("url", values.image)
    if values.image_type:
        content.set("type", values.image_type)
    content.set("medium", "image")
    if values.image_alt:
        description = etree.SubElement(content, f"{{{MEDIA_NS}}}description", type="plain")
        description.text = values.image_alt


def _add_enclosure_link(entry: etree._Element, values: ItemValues) -> None:
    """The lead image as ``link rel="enclosure"`` after the entry's alternate link: its
    type when the URL's extension tells it, its alt text as the title, no length (unknown)."""
    # Unqualified, as feedgen writes the entry: the feed's root makes Atom the default.
    link = etree.Element("link", href=values.image, rel="enclosure")
    if values.image_type:
        link.set("type", values.image_type)
    if values.image_alt:
        link.set("title", values.image_alt)
    entry.find("link").addnext(link)


# Template values: marks lxml writes as they are, and dates no entry has.
_MARK = "\ue000{}\ue001"
_MARKED = re.compile("\ue000([a-z_0-9]+)\ue001")
_TEMPLATE_PUBLISHED = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)
_TEMPLATE_UPDATED = datetime(1902, 3, 4, 5, 6, 7, tzinfo=UTC)
# Characters lxml refuses, or best left to it: an item holding one is written by feedgen.
_NOT_PLAIN_XML = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc2822(moment: datetime) -> str:
    """The date as feedgen's ``formatRFC2822`` writes it, without switching the locale.

    feedgen switches the whole process to the C locale and back for each date, for the
    English day and month names; those come from the tables above instead.
    """
    day, month = _DAYS[moment.weekday()], _MONTHS[moment.month - 1]
    offset = moment.utcoffset()
    if offset is None or offset % _MINUTE or moment.year < 1000:
        # strftime for what is rare: no zone, a zone of odd seconds, a three-digit year.
        return f"{day}, {moment:%d} {month} {moment:%Y %H:%M:%S %z}"
    # The same text from numbers: strftime costs three times as much, once per item.
    sign, minutes = ("-", -offset // _MINUTE) if offset < _NO_OFFSET else ("+", offset // _MINUTE)
    return (
        f"{day}, {moment.day:02d} {month} {moment.year} "
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} "
        f"{sign}{minutes // 60:02d}{minutes % 60:02d}"
    )


_MINUTE = timedelta(minutes=1)
_NO_OFFSET = timedelta(0)


def _escape_text(text: str) -> str:
    """Text content escaped exactly as lxml (libxml2) serializes it."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _escape_attribute(text: str) -> str:
    """An attribute value escaped exactly as lxml (libxml2) serializes it."""
    return _escape_text(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


class _Template:
    """One serialized item with marks where its values go: literal text and slots, a slot
    being (field name, whether inside an attribute)."""

    def __init__(self, marked: str):
        # Literal text and slots in their order: literals are str, slots tuples.
        self.parts: list[str | tuple[str, bool]] = []
        position = 0
        for match in _MARKED.finditer(marked):
            start = match.start()
            self.parts.append(marked[position:start])
            # Inside a tag when its last < is after its last > (lxml escapes both in text
            # and in attributes): looked for in all before, as a tag may hold several slots.
            in_tag = marked.rfind("<", 0, start) > marked.rfind(">", 0, start)
            self.parts.append((match.group(1), in_tag))
            position = match.end()
        self.parts.append(marked[position:])
        self.slots = frozenset(part for part in self.parts if isinstance(part, tuple))

    def fill(self, escaped: dict[tuple[str, bool], str]) -> str:
        """The item, ``escaped`` holding each slot's value escaped for its place."""
        return "".join([part if part.__class__ is str else escaped[part] for part in self.parts])


# Author or not, summary or not, content or not, how many categories, language or not,
# image or not, and with it alt text or not and a type or not.
_Shape = tuple[bool, bool, bool, int, bool, bool, bool, bool]


class ItemTemplates:
    """Items written by filling in templates that feedgen wrote, one per shape of item.

    Building feedgen's objects for every entry costs ten times what the writing does. The
    shape (author or not, summary or not, content or not, how many categories, language or
    not) decides every element feedgen writes; the values only fill them in, escaped as
    lxml escapes them. ``tests/test_render.py`` checks the result is feedgen's, byte for byte.
    """

    def __init__(self) -> None:
        # Per shape: the RSS and Atom templates, and the slots of both.
        self._shapes: dict[_Shape, tuple[_Template, _Template, frozenset[tuple[str, bool]]]] = {}

    def render(self, values: ItemValues) -> tuple[str, str]:
        """The RSS item and the Atom entry, as ``feedgen_items`` writes them."""
        texts = (values.id, values.title, values.link, *values.categories)
        optional = (values.author, values.summary, values.content, values.language)
        image = (values.image, values.image_alt, values.image_type)
        if not all(texts) or _NOT_PLAIN_XML.search("".join((*texts, *optional, *image))):
            return feedgen_items(values)  # it decides what to make of empty or odd values
        shape = (
            bool(values.author),
            bool(values.summary),
            bool(values.content),
            len(values.categories),
            bool(values.language),
            bool(values.image),
            bool(values.image and values.image_alt),
            bool(values.image and values.image_type),
        )
        templates = self._shapes.get(shape)
        if templates is None:
            rss, atom = _templates(*shape)
            templates = self._shapes[shape] = (rss, atom, rss.slots | atom.slots)
        filled = {
            "id": values.id,
            "title": values.title,
            "link": values.link,
            "author": values.author,
            "summary": values.summary,
            "content": values.content,
            "language": values.language,
            "image": values.image,
            "image_alt": values.image_alt,
            "image_type": values.image_type,
            "published_rfc": rfc2822(values.published),
            "published_iso": values.published.isoformat(),
            "updated_iso": values.updated.isoformat(),
        }
        for number, category in enumerate(values.categories):
            filled[f"category_{number}"] = category
        rss, atom, slots = templates
        # Each value escaped once for both items (the content is most of their size).
        escaped = {
            slot: _escape_attribute(filled[slot[0]]) if slot[1] else _escape_text(filled[slot[0]])
            for slot in slots
        }
        return rss.fill(escaped), atom.fill(escaped)


def _templates(
    has_author: bool,
    has_summary: bool,
    has_content: bool,
    categories: int,
    has_language: bool,
    has_image: bool,
    has_image_alt: bool,
    has_image_type: bool,
) -> tuple[_Template, _Template]:
    marked = ItemValues(
        id=_MARK.format("id"),
        title=_MARK.format("title"),
        link=_MARK.format("link"),
        published=_TEMPLATE_PUBLISHED,
        updated=_TEMPLATE_UPDATED,
        author=_MARK.format("author") if has_author else "",
        summary=_MARK.format("summary") if has_summary else "",
        content=_MARK.format("content") if has_content else "",
        categories=tuple(_MARK.format(f"category_{number}") for number in range(categories)),
        language=_MARK.format("language") if has_language else "",
        image=_MARK.format("image") if has_image else "",
        image_alt=_MARK.format("image_alt") if has_image_alt else "",
        image_type=_MARK.format("image_type") if has_image_type else "",
    )
    rss, atom = feedgen_items(marked)
    rss = rss.replace(formatRFC2822(_TEMPLATE_PUBLISHED), _MARK.format("published_rfc"))
    atom = atom.replace(_TEMPLATE_PUBLISHED.isoformat(), _MARK.format("published_iso"))
    atom = atom.replace(_TEMPLATE_UPDATED.isoformat(), _MARK.format("updated_iso"))
    return _Template(rss), _Template(atom)
