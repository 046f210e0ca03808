"""Files about the site as a whole: the OPML list of its feeds, the sitemap and robots.txt.

- ``feeds.opml`` (OPML 2.0): the site's feed, then every category's feed in the order of
  the category index, so that a feed reader imports every topic at once.
- ``sitemap.xml`` (sitemaps.org 0.9): every page with its last modification date. A site of
  more pages than one sitemap file may hold (50,000 URLs, 50 MB) gets numbered sitemap
  files of 10,000 URLs, ``sitemap-1.xml`` ..., and ``sitemap.xml`` is then their index.
- ``robots.txt``: every crawler allowed everything, and where the sitemap is.

URLs in these files are absolute, under the site URL, and ASCII (RFC 3986): an IRI's host
in IDNA, anything else outside ASCII percent-encoded as UTF-8. Every date comes from the
entries, never from the clock.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlsplit, urlunsplit

from lxml import etree

from feedtool._render.feeds import FeedSpec
from feedtool._render.rss_atom import rfc2822
from feedtool._site import EPOCH, SiteLinks

OPML_NAME = "feeds.opml"
OPML_TYPE = "text/x-opml"
OPML_DOCS = "https://opml.org/spec2.opml"
SITEMAP_NAME = "sitemap.xml"
ROBOTS_NAME = "robots.txt"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# The sitemaps.org protocol's limits for one sitemap file: URLs, and bytes uncompressed.
MAX_SITEMAP_URLS = 50_000
MAX_SITEMAP_BYTES = 52_428_800
# URLs in each numbered sitemap file of a site past those limits: smaller than allowed,
# so that a new or edited entry remakes 1.3 MB, not 6.4 MB, and making one takes little
# memory (a cold build of 100,000 entries peaked 13 MB higher with files of 50,000).
NUMBERED_SITEMAP_URLS = 10_000

_SECOND = timedelta(seconds=1)
# Characters RFC 3986 allows as they are in a path, query or fragment ("%" too: a URL
# written with escapes keeps them).
_URI_SAFE = "/?#[]@!$&'()*+,;=:%~-._"


def numbered_sitemap_name(number: int) -> str:
    """The name of sitemap file ``number`` (from 1) of a site that needs more than one."""
    return f"sitemap-{number}.xml"


def as_uri(url: str) -> str:
    """``url`` in ASCII: its host in IDNA (percent-encoded if IDNA refuses it), any other
    character outside ASCII percent-encoded as UTF-8. An ASCII URL is returned as it is."""
    if url.isascii():
        return url
    parts = urlsplit(url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    host, colon, port = hostport, "", ""
    if not hostport.endswith("]"):  # not an IPv6 literal, which is ASCII anyway
        host, colon, port = hostport.rpartition(":") if ":" in hostport else (hostport, "", "")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        host = quote(host, safe="!$&'()*+,;=-._~")
    netloc = quote(userinfo, safe=_URI_SAFE) + at + host + colon + port
    return urlunsplit(
        (
            parts.scheme,
            netloc,
            quote(parts.path, safe=_URI_SAFE),
            quote(parts.query, safe=_URI_SAFE),
            quote(parts.fragment, safe=_URI_SAFE),
        )
    )


def _escape(text: str) -> str:
    """Text for XML content or a double-quoted attribute."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace('"', "&quot;")


def page_location(path: str) -> str:
    """Where a page is served, relative to the site URL: a folder's ``index.html`` as the
    folder (``categories/`` for ``categories/index.html``, "" for the home page)."""
    if path == "index.html" or path.endswith("/index.html"):
        return path[: -len("index.html")]
    return path


# Modification dates -------------------------------------------------------------------


def seconds_of(moment: datetime) -> int:
    """An instant as whole seconds since 1970 (UTC), rounded down: what a sitemap shows."""
    return (moment - EPOCH) // _SECOND


# 1000-01-01T00:00:00Z: strftime writes earlier years with fewer than four digits.
_YEAR_1000 = -30_610_224_000


def w3c_datetime(seconds: int) -> str:
    """A W3C datetime (``YYYY-MM-DDThh:mm:ss+00:00``) in UTC, as sitemaps' ``lastmod``."""
    moment = time.gmtime(seconds)
    if seconds >= _YEAR_1000:
        # Half the time of formatting the fields one by one: 50,000 dates, 0.04 s.
        return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", moment)
    return (
        f"{moment.tm_year:04d}-{moment.tm_mon:02d}-{moment.tm_mday:02d}T"
        f"{moment.tm_hour:02d}:{moment.tm_min:02d}:{moment.tm_sec:02d}+00:00"
    )


# sitemap.xml ---------------------------------------------------------------------------

# A page for the sitemap: its path in the output and its last modification, in whole
# seconds since 1970 (None for a page that shows no entry).
SitemapPage = tuple[str, int | None]

_SITEMAP_HEAD = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">\n'
_SITEMAP_TAIL = "</urlset>\n"
_INDEX_HEAD = f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">\n'
_INDEX_TAIL = "</sitemapindex>\n"
_URL_LINE = "<url><loc></loc><lastmod>2000-01-01T00:00:00+00:00</lastmod></url>\n"


def render_sitemap(links: SiteLinks, blocks: Iterable[list[SitemapPage]]) -> bytes:
    """A sitemap (``<urlset>``) of the pages of ``blocks``, one ``<url>`` a line, in order.

    Written a block at a time: 50,000 URLs (6.4 MB) take 7 MB at their peak, not 22 MB.
    """
    base = _escape(as_uri(links.url))
    document = io.BytesIO()
    document.write(_SITEMAP_HEAD.encode())
    for pages in blocks:
        lines = []
        for path, modified in pages:
            lastmod = "" if modified is None else f"<lastmod>{w3c_datetime(modified)}</lastmod>"
            lines.append(f"<url><loc>{base}{quote(page_location(path))}</loc>{lastmod}</url>\n")
        document.write("".join(lines).encode("utf-8"))
    document.write(_SITEMAP_TAIL.encode())
    return document.getvalue()


def render_sitemap_index(links: SiteLinks, files: Iterable[tuple[str, int | None]]) -> bytes:
    """A sitemap index (``<sitemapindex>``) of sitemap files ``(name, modified)``, each
    dated by its newest page."""
    base = _escape(as_uri(links.url))
    lines = [_INDEX_HEAD]
    for name, modified in files:
        lastmod = "" if modified is None else f"<lastmod>{w3c_datetime(modified)}</lastmod>"
        lines.append(f"<sitemap><loc>{base}{quote(name)}</loc>{lastmod}</sitemap>\n")
    lines.append(_INDEX_TAIL)
    return "".join(lines).encode("utf-8")


def sitemap_capacity(links: SiteLinks, paths: list[str]) -> int:
    """How many URLs one sitemap file of pages at ``paths`` holds: 50,000, or fewer when
    their paths are so long that 50,000 of them could pass 50 MB."""
    longest = max(map(len, paths), default=0)
    # Percent-encoding makes a character at most three (ASCII) or twelve (four UTF-8 bytes).
    longest *= 3 if all(map(str.isascii, paths)) else 12
    line = len(_URL_LINE) + len(_escape(as_uri(links.url))) + longest
    room = MAX_SITEMAP_BYTES - len(_SITEMAP_HEAD) - len(_SITEMAP_TAIL)
    return max(1, min(MAX_SITEMAP_URLS, room // line))


# robots.txt ----------------------------------------------------------------------------


def render_robots(links: SiteLinks) -> bytes:
    """``robots.txt``: every crawler may fetch everything; the sitemap is named."""
    sitemap = as_uri(links.url) + SITEMAP_NAME
    return f"User-agent: *\nAllow: /\n\nSitemap: {sitemap}\n".encode()


# feeds.opml ----------------------------------------------------------------------------


def render_opml(links: SiteLinks, feeds: list[FeedSpec], modified: int | None) -> bytes:
    """``feeds.opml``: an OPML 2.0 subscription list of ``feeds`` (their RSS), in order.

    ``modified`` (the newest entry's updated time in seconds since 1970, or None for a
    site without entries) is its ``dateModified``, in UTC.
    """
    settings = links.settings
    opml = etree.Element("opml", version="2.0")
    head = etree.SubElement(opml, "head")
    etree.SubElement(head, "title").text = f"{settings.title}: every feed"
    if modified is not None:
        moment = datetime.fromtimestamp(modified, UTC)
        etree.SubElement(head, "dateModified").text = rfc2822(moment)
    if settings.author:
        etree.SubElement(head, "ownerName").text = settings.author
    etree.SubElement(head, "docs").text = OPML_DOCS
    body = etree.SubElement(opml, "body")
    for feed in feeds:
        outline = etree.SubElement(body, "outline")
        outline.set("type", "rss")
        outline.set("text", feed.title)
        outline.set("title", feed.title)
        outline.set("description", feed.description)
        outline.set("xmlUrl", as_uri(feed.url_of(feed.rss_name)))
        outline.set("htmlUrl", as_uri(feed.page_url))
        outline.set("version", "RSS2")
        if settings.language:
            outline.set("language", settings.language)
    document = etree.tostring(opml, encoding="UTF-8", pretty_print=True, xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + document
