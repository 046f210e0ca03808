"""JSON Feed 1.1 through the standard json module."""

from __future__ import annotations

import json

from feedtool import __version__
from feedtool.render.feeds import JSON_NAME, FeedSpec, content_html

VERSION_URL = "https://jsonfeed.org/version/1.1"


def render_jsonfeed(feed: FeedSpec) -> bytes:
    """The feed as JSON Feed 1.1 bytes (UTF-8, keys in a fixed order)."""
    settings = feed.site.settings
    document: dict = {
        "version": VERSION_URL,
        "title": feed.title,
        "home_page_url": feed.page_url,
        "feed_url": feed.url_of(JSON_NAME),
        "description": feed.description,
    }
    if settings.language:
        document["language"] = settings.language
    document["authors"] = [{"name": settings.author or settings.title}]
    document["_feedtool"] = {"about": "https://pypi.org/project/feedtool/", "version": __version__}
    document["items"] = [_item(feed, entry) for entry in feed.entries]
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _item(feed: FeedSpec, entry) -> dict:
    site = feed.site
    item: dict = {
        "id": site.tag_id(entry),
        "url": site.permalink(entry),
        "title": entry.title,
    }
    if entry.summary:
        item["summary"] = entry.summary
    if site.settings.summary_only or not entry.paragraphs:
        # JSON Feed requires content on every item: the summary stands in for the body.
        item["content_text"] = entry.summary or entry.title
    else:
        item["content_html"] = content_html(entry)
    item["date_published"] = entry.published.isoformat()
    item["date_modified"] = entry.updated.isoformat()
    if entry.author:
        item["authors"] = [{"name": entry.author}]
    if entry.categories:
        item["tags"] = list(entry.categories)
    if entry.language:
        item["language"] = entry.language
    return item
