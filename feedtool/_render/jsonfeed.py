"""JSON Feed 1.1 through the standard json module, each entry's item serialized once."""

from __future__ import annotations

import json
from typing import Any

from feedtool import __version__
from feedtool._entry import Entry
from feedtool._render.feeds import GENERATOR_URI, FeedSpec, full_content_html, summary_html
from feedtool._render.rss_atom import Rendered
from feedtool._site import SiteLinks

VERSION_URL = "https://jsonfeed.org/version/1.1"


def json_head(feed: FeedSpec) -> bytes:
    """The feed as JSON Feed 1.1 without its items: a JSON object lacking its closing brace
    (UTF-8, keys in a fixed order, 2-space indent)."""
    assert feed.json_name is not None
    settings = feed.links.settings
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
    if feed.hubs:
        document["hubs"] = [{"type": "WebSub", "url": hub} for hub in feed.hubs]
    document["_feedtool"] = {"about": GENERATOR_URI, "version": __version__}
    return json.dumps(document, ensure_ascii=False, indent=2)[:-2].encode()


def with_json_items(head: bytes, items: list[bytes], to_check: list[bytes]) -> Rendered:
    """The feed with its items, and the check document holding ``to_check`` of them."""
    data = _with_items(head, items)
    # Every item to check: the check document is the feed itself, not a copy.
    check = data if len(to_check) == len(items) else _with_items(head, to_check)
    return Rendered(data=data, check=check)


def json_item(site: SiteLinks, entry: Entry) -> str:
    """One entry's item, indented for its place in a feed's ``items`` array.

    The text ``json.dumps(item, ensure_ascii=False, indent=2)`` gives, each line indented
    four more spaces; written directly, as every entry's item is, it costs a third.
    """
    return _item_text(item_of(site, entry))


def _item_text(item: dict[str, Any]) -> str:
    """``"    " + _indented(item, "    ")``, the item's own members written inline (most
    are text), nested values through _indented."""
    members = [
        f"      {_encode_text(key)}: "
        + (_encode_text(value) if value.__class__ is str else _indented(value, "      "))
        for key, value in item.items()
    ]
    return "    {\n" + ",\n".join(members) + "\n    }"


# How json.dumps(ensure_ascii=False) writes a string: the C encoder it uses itself.
_encode_text = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _indented(value: Any, indent: str) -> str:
    """``value`` (text, lists and objects of them) as json.dumps writes it with indent=2."""
    if isinstance(value, str):
        return _encode_text(value)
    inner = indent + "  "
    if isinstance(value, list) and value:
        members = [inner + _indented(member, inner) for member in value]
        return "[\n" + ",\n".join(members) + "\n" + indent + "]"
    if isinstance(value, dict) and value:
        members = [f"{inner}{_encode_text(k)}: {_indented(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(members) + "\n" + indent + "}"
    return json.dumps(value, ensure_ascii=False)


def _with_items(head: bytes, items: list[bytes]) -> bytes:
    """The head (a JSON object without its closing brace) with the items array added."""
    if not items:
        return head + b',\n  "items": []\n}\n'
    return b"".join([head, b',\n  "items": [\n', b",\n".join(items), b"\n  ]\n}\n"])


def item_of(site: SiteLinks, entry: Entry) -> dict[str, Any]:
    """One entry (dated, with its body) as a JSON Feed item."""
    assert entry.published is not None and entry.updated is not None
    item: dict[str, Any] = {
        "id": site.tag_id(entry),
        "url": site.permalink(entry),
        "title": entry.title,
    }
    if entry.summary:
        # Plain text, one point per line: JSON Feed's summary is not HTML.
        item["summary"] = entry.summary
    content = full_content_html(entry, site.settings.summary_only)
    if not content:
        # JSON Feed requires content on every item: the summary stands in for the body,
        # as the HTML of RSS's description, so that the points stay a list.
        content = summary_html(entry)
    if content:
        item["content_html"] = content
    else:
        item["content_text"] = entry.title
    if entry.image:
        # JSON Feed has no place for the image's alt text.
        item["image"] = entry.image
    item["date_published"] = entry.published.isoformat()
    item["date_modified"] = entry.updated.isoformat()
    if entry.author:
        item["authors"] = [{"name": entry.author}]
    if entry.categories:
        item["tags"] = list(entry.categories)
    if entry.language:
        item["language"] = entry.language
    return item
