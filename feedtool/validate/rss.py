"""RSS 2.0 rules that a schema cannot express: dates, links, guids, emails, ttl, HTML.

An ``RssRules`` sees each item once, as the document streams past, and the channel
last, without its items; what spans items (guids) it remembers.
"""

from __future__ import annotations

from feedtool.validate.atom import LINK, link_issues
from feedtool.validate.codes import Issue
from feedtool.validate.dates import check_rfc822
from feedtool.validate.elements import (
    Element,
    children_by_tag,
    date_issues,
    escaped_html_issues,
    line_of,
    url_issues,
)
from feedtool.validate.values import is_mime_type, is_rss_email, is_web_url

_CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
# Sub-elements the spec's tables mark required, where their parent is present.
_REQUIRED = {
    "channel": ("title", "link", "description"),
    "image": ("url", "title", "link"),
    "textInput": ("title", "description", "name", "link"),
}


class RssRules:
    """Rules for one RSS 2.0 document."""

    item_tag = "item"

    def __init__(self) -> None:
        self._guids: dict[str, int] = {}

    def is_item(self, element: Element) -> bool:
        """True for an item of the channel (not an element elsewhere that is named item)."""
        if element.tag != "item":
            return False
        channel = element.getparent()
        if channel is None or channel.tag != "channel":
            return False
        root = channel.getparent()
        return root is not None and root.getparent() is None

    def item(self, item: Element) -> list[Issue]:
        """Rules for one item."""
        children = children_by_tag(item)
        issues: list[Issue] = []
        if "title" not in children and "description" not in children:
            message = "<item> needs a <title> or a <description>"
            issues.append(Issue(line_of(item), 0, "E-MISSING", message))
        for name in ("link", "comments"):
            for element in children.get(name, []):
                issues += url_issues(
                    element, element.text or "", f"<{name}>", must_be_absolute=True
                )
        for enclosure in children.get("enclosure", []):
            issues += url_issues(
                enclosure, enclosure.get("url"), "<enclosure> url", must_be_absolute=True
            )
            media_type = enclosure.get("type")
            if media_type is not None and not is_mime_type(media_type):
                message = f"<enclosure> type '{media_type}' is not a MIME type like audio/mpeg"
                issues.append(Issue(line_of(enclosure), 0, "E-TYPE", message))
        for source in children.get("source", []):
            issues += url_issues(source, source.get("url"), "<source> url", must_be_absolute=True)
        for guid in children.get("guid", []):
            issues += self._guid(guid)
        for date in children.get("pubDate", []):
            issues += date_issues(date, "pubDate", check_rfc822)
        for author in children.get("author", []):
            issues += _email_issues(author, "author")
        for description in children.get("description", []):
            issues += escaped_html_issues(description, "description")
        for encoded in children.get(_CONTENT_ENCODED, []):
            issues += escaped_html_issues(encoded, "content:encoded")
        return issues

    def feed(self, rss: Element) -> list[Issue]:
        """Rules for the channel, once its items have been seen and removed."""
        channel = rss.find("channel")
        if channel is None:
            return [Issue(line_of(rss), 0, "E-MISSING", "<rss> has no <channel>")]
        children = children_by_tag(channel)
        issues = _required(channel, children)
        for name in ("link", "docs"):
            for element in children.get(name, []):
                issues += url_issues(
                    element, element.text or "", f"<{name}>", must_be_absolute=True
                )
        for name in ("image", "textInput"):
            for element in children.get(name, []):
                parts = children_by_tag(element)
                issues += _required(element, parts)
                for part in ("url", "link"):
                    for link in parts.get(part, []):
                        issues += url_issues(
                            link, link.text or "", f"<{name}> <{part}>", must_be_absolute=True
                        )
        for name in ("pubDate", "lastBuildDate"):
            for date in children.get(name, []):
                issues += date_issues(date, name, check_rfc822)
        for name in ("managingEditor", "webMaster"):
            for element in children.get(name, []):
                issues += _email_issues(element, name)
        for ttl in children.get("ttl", []):
            value = (ttl.text or "").strip()
            if not (value.isascii() and value.isdigit()):
                message = f"<ttl> '{value}' is not a whole number of minutes"
                issues.append(Issue(line_of(ttl), 0, "E-RSS-TTL", message))
        # atom:link is an extension in RSS, so no schema has looked at its type.
        issues += link_issues(
            channel, children.get(LINK, []), feed_level=True, schema_checks_type=False
        )
        return issues

    def _guid(self, guid: Element) -> list[Issue]:
        issues: list[Issue] = []
        value = (guid.text or "").strip()
        # The spec's default: a guid without isPermaLink is a permalink.
        if guid.get("isPermaLink", "true") == "true" and not is_web_url(value):
            message = (
                f"guid '{value}' is a permalink (isPermaLink defaults to true) but not an"
                ' http(s) URL; add isPermaLink="false"'
            )
            issues.append(Issue(line_of(guid), 0, "E-GUID-PERMALINK", message))
        if value in self._guids:
            message = f"guid '{value}' is also the guid of the item at line {self._guids[value]}"
            issues.append(Issue(line_of(guid), 0, "E-ID-DUPLICATE", message))
        else:
            self._guids[value] = line_of(guid)
        return issues


def _required(element: Element, children: dict[str, list[Element]]) -> list[Issue]:
    name = element.tag
    return [
        Issue(line_of(element), 0, "E-MISSING", f"<{name}> has no <{part}>")
        for part in _REQUIRED[name]
        if part not in children
    ]


def _email_issues(element: Element, name: str) -> list[Issue]:
    value = (element.text or "").strip()
    if is_rss_email(value):
        return []
    message = f"<{name}> '{value}' is not an email address like 'jo@example.org (Jo Smith)'"
    return [Issue(line_of(element), 0, "E-RSS-EMAIL", message)]
