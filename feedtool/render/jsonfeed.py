"""JSON Feed 1.1 through the standard json module, each entry's item serialized once."""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from feedtool import __version__
from feedtool.entry import Entry
from feedtool.render.feeds import GENERATOR_URI, FeedSpec, content_html
from feedtool.render.rss_atom import ITEM_CACHE_SIZE, Rendered
from feedtool.site import Site

VERSION_URL = "https://jsonfeed.org/version/1.1"


class JsonFeedWriter:
    """Writes the JSON Feeds of one site; an item shared by several feeds is encoded once.

    Like ``FeedWriter``, it hands back with each feed a check document holding only the
    items not validated before in this build.
    """

    def __init__(self, site: Site):
        self.site = site
        self._items: OrderedDict[str, str] = OrderedDict()
        self._checked: set[str] = set()

    def render(self, feed: FeedSpec) -> Rendered:
        """The feed as JSON Feed 1.1 bytes (UTF-8, keys in a fixed order, 2-space indent)."""
        assert feed.json_name is not None
        settings = self.site.settings
        document: dict[str, Any] = {
            "version": VERSION_URL,
            "title": feed.title,
            "home_page_url": feed.page_url,
            "feed_url": feed.url_of(feed.json_name),
            "description": feed.description,
        }
        if settings.language:
            document["language"] = settings.language
        document["authors"] = [{"name": settings.author or settings.title}]
        document["_feedtool"] = {"about": GENERATOR_URI, "version": __version__}
        head = json.dumps(document, ensure_ascii=False, indent=2)[:-2]
        items = [(entry.id, self._item(entry)) for entry in feed.entries]
        unchecked = [text for entry_id, text in items if entry_id not in self._checked]
        self._checked.update(entry_id for entry_id, _ in items)
        return Rendered(
            data=_with_items(head, [text for _, text in items]),
            check=_with_items(head, unchecked),
        )

    def _item(self, entry: Entry) -> str:
        text = self._items.get(entry.id)
        if text is not None:
            self._items.move_to_end(entry.id)
        else:
            encoded = json.dumps(item_of(self.site, entry), ensure_ascii=False, indent=2)
            # JSON strings hold no raw newlines, so indenting line by line is safe.
            text = "\n".join(f"    {line}" for line in encoded.split("\n"))
            self._items[entry.id] = text
            if len(self._items) > ITEM_CACHE_SIZE:
                self._items.popitem(last=False)
        return text


def _with_items(head: str, items: list[str]) -> bytes:
    """The head (a JSON object without its closing brace) with the items array added."""
    body = '  "items": [\n' + ",\n".join(items) + "\n  ]" if items else '  "items": []'
    return f"{head},\n{body}\n}}\n".encode()


def item_of(site: Site, entry: Entry) -> dict[str, Any]:
    """One entry as a JSON Feed item."""
    assert entry.published is not None and entry.updated is not None
    item: dict[str, Any] = {
        "id": site.tag_id(entry),
        "url": site.permalink(entry),
        "title": entry.title,
    }
    if entry.summary:
        item["summary"] = entry.summary
    paragraphs = () if site.settings.summary_only else site.paragraphs(entry)
    if paragraphs:
        item["content_html"] = content_html(paragraphs)
    else:
        # JSON Feed requires content on every item: the summary stands in for the body.
        item["content_text"] = entry.summary or entry.title
    item["date_published"] = entry.published.isoformat()
    item["date_modified"] = entry.updated.isoformat()
    if entry.author:
        item["authors"] = [{"name": entry.author}]
    if entry.categories:
        item["tags"] = list(entry.categories)
    if entry.language:
        item["language"] = entry.language
    return item
