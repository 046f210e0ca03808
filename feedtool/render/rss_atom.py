"""RSS 2.0 and Atom 1.0 through feedgen, with its clock-reading defaults overridden."""

from __future__ import annotations

from html import escape

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator

from feedtool import __version__
from feedtool.render.feeds import ATOM_NAME, ATOM_TYPE, RSS_NAME, RSS_TYPE, FeedSpec, content_html

GENERATOR_URI = "https://pypi.org/project/feedtool/"


def render_rss_atom(feed: FeedSpec) -> tuple[bytes, bytes]:
    """The feed as RSS 2.0 and as Atom 1.0 bytes, entries in the order given."""
    generator = _generator(feed)
    rss = _with_links(generator, feed, RSS_NAME, RSS_TYPE).rss_str(pretty=True)
    atom = _with_links(generator, feed, ATOM_NAME, ATOM_TYPE).atom_str(pretty=True)
    return rss, atom


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


def _generator(feed: FeedSpec) -> FeedGenerator:
    settings = feed.site.settings
    generator = FeedGenerator()
    # RSS has no author element without an e-mail address; dc:creator carries the name.
    generator.load_extension("dc", atom=False, rss=True)
    generator.register_extension(
        "html_description", BaseExtension, HtmlDescription, atom=False, rss=True
    )
    generator.id(feed.site.feed_tag_id(feed.tag_name))
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
    for entry in feed.entries:
        item = generator.add_entry(order="append")
        item.id(feed.site.tag_id(entry))
        item.guid(feed.site.tag_id(entry), permalink=False)
        item.title(entry.title)
        item.link(href=feed.site.permalink(entry), rel="alternate")
        item.published(entry.published)
        item.updated(entry.updated)
        if entry.author:
            item.author({"name": entry.author})
            item.dc.dc_creator(entry.author)
        if entry.summary:
            item.summary(entry.summary, type="text")
            item.html_description.html = escape(entry.summary, quote=False)
        if not settings.summary_only and entry.paragraphs:
            item.content(content_html(entry), type="html")
        for category in entry.categories:
            item.category(term=category)
    return generator


def _with_links(
    generator: FeedGenerator, feed: FeedSpec, name: str, media_type: str
) -> FeedGenerator:
    """Set the feed's links for one format: its page, itself as ``self``, its siblings."""
    # feedgen takes RSS's <link> from the last link given: the page must come last.
    links = [
        {"href": feed.url_of(name), "rel": "self", "type": media_type},
        {"href": feed.page_url, "rel": "alternate", "type": "text/html"},
    ]
    generator.link(links, replace=True)
    return generator
