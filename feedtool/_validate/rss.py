"""RSS 2.0 rules that a schema cannot express: dates, links, guids, emails, ttl, HTML.

An ``RssRules`` sees each item once, as the document streams past, and the channel
last, without its items; what spans items (guids) it remembers.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from feedtool._validate.atom import LINK, link_issues
from feedtool._validate.codes import Issue
from feedtool._validate.dates import check_rfc822
from feedtool._validate.elements import (
    UNSCANNED,
    Element,
    Prescan,
    children_by_tag,
    date_issues,
    escaped_html_issues,
    line_of,
    text_of,
    url_issues,
    xml_base_issues,
)
from feedtool._validate.extensions import CHANNEL, ITEM, extension_issues, extension_tags
from feedtool._validate.values import (
    is_addr_spec,
    is_language_code,
    is_mime_type,
    reference_problem,
)

_CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
# Sub-elements the spec's tables mark required, where their parent is present.
_REQUIRED = {
    "channel": ("title", "link", "description"),
    "image": ("url", "title", "link"),
    "textInput": ("title", "description", "name", "link"),
}
# A form control's name, as HTML 4 defines a name token: a letter first.
_FORM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9:._-]*+")
# A guid that says it is a permalink, yet names no page: ids, not addresses.
_NOT_PERMALINK_SCHEMES = ("tag:", "urn:uuid:")


class RssRules:
    """Rules for one RSS 2.0 document."""

    item_tag = "item"

    def __init__(self, prescan: Prescan = UNSCANNED) -> None:
        """``prescan``: what the document's bytes may hold (xml:base, namespaces)."""
        self._guids: dict[str, int] = {}
        self._xml_base = prescan.xml_base
        self._extensions = extension_tags(prescan.namespaces)

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
                issues += _uri_issues(element, text_of(element), f"<{name}>")
        for enclosure in children.get("enclosure", []):
            issues += _uri_issues(enclosure, enclosure.get("url"), "<enclosure> url")
            media_type = enclosure.get("type")
            if media_type is not None and not is_mime_type(media_type):
                message = f"<enclosure> type '{media_type}' is not a MIME type like audio/mpeg"
                issues.append(Issue(line_of(enclosure), 0, "E-TYPE", message))
        for source in children.get("source", []):
            issues += _uri_issues(source, source.get("url"), "<source> url")
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
        for link in children.get(LINK, []):
            rel = (link.get("rel") or "alternate").strip()
            issues += url_issues(
                link, link.get("href"), f"atom:link rel={rel}", must_be_absolute=False
            )
        issues += extension_issues(item, ITEM, self._extensions)
        return issues + xml_base_issues(item) if self._xml_base else issues

    def feed(self, rss: Element) -> list[Issue]:
        """Rules for the channel, once its items have been seen and removed."""
        channel = rss.find("channel")
        if channel is None:
            return [Issue(line_of(rss), 0, "E-MISSING", "<rss> has no <channel>")]
        children = children_by_tag(channel)
        issues = _required(channel, children)
        for name in ("link", "docs"):
            for element in children.get(name, []):
                issues += _uri_issues(element, text_of(element), f"<{name}>")
        for name in ("image", "textInput"):
            for element in children.get(name, []):
                parts = children_by_tag(element)
                issues += _required(element, parts)
                for part in ("url", "link"):
                    for link in parts.get(part, []):
                        issues += _uri_issues(link, text_of(link), f"<{name}> <{part}>")
                if name == "textInput":
                    issues += _form_name_issues(parts.get("name", []))
        for name in ("pubDate", "lastBuildDate"):
            for date in children.get(name, []):
                issues += date_issues(date, name, check_rfc822)
        for name in ("managingEditor", "webMaster"):
            for element in children.get(name, []):
                issues += _email_issues(element, name)
        for ttl in children.get("ttl", []):
            value = text_of(ttl)
            if not (value.isascii() and value.isdigit() and int(value) > 0):
                message = f"<ttl> '{value}' is not a positive whole number of minutes"
                issues.append(Issue(line_of(ttl), 0, "E-RSS-TTL", message))
        for language in children.get("language", []):
            value = text_of(language)
            if not is_language_code(value):
                message = f"<language> '{value}' is not a language code like en or fr-ca"
                issues.append(Issue(line_of(language), 0, "E-LANGUAGE", message))
        for skip in children.get("skipHours", []):
            issues += _skip_hours(skip)
        for skip in children.get("skipDays", []):
            issues += _repeated_values(skip, "day", {})
        # atom:link is an extension in RSS, so no schema has looked at its type, and
        # Atom's rule of one alternate link per type and language is Atom's own.
        issues += link_issues(
            channel,
            children.get(LINK, []),
            feed_level=True,
            schema_checks_type=False,
            alternates_unique=False,
        )
        issues += extension_issues(channel, CHANNEL, self._extensions)
        return issues + xml_base_issues(rss) if self._xml_base else issues

    def _guid(self, guid: Element) -> list[Issue]:
        issues: list[Issue] = []
        value = text_of(guid)
        # The spec's default: a guid without isPermaLink is a permalink.
        if guid.get("isPermaLink", "true") == "true":
            problem = reference_problem(value, absolute=True)
            if problem is None and value.lower().startswith(_NOT_PERMALINK_SCHEMES):
                problem = "is an id, not the address of a page"
            if problem is not None:
                message = (
                    f"guid '{value}' is a permalink (isPermaLink defaults to true) but {problem};"
                    ' add isPermaLink="false"'
                )
                issues.append(Issue(line_of(guid), 0, "E-GUID-PERMALINK", message))
            else:
                issues += _uri_issues(guid, value, "<guid>")
        if not value:
            return issues  # an empty guid identifies nothing, so it repeats nothing either
        if value in self._guids:
            message = f"guid '{value}' is also the guid of the item at line {self._guids[value]}"
            issues.append(Issue(line_of(guid), 0, "E-ID-DUPLICATE", message))
        else:
            self._guids[value] = line_of(guid)
        return issues


def _uri_issues(element: Element, value: str | None, what: str) -> list[Issue]:
    """RSS links are absolute URIs: characters past ASCII are percent-encoded."""
    return url_issues(element, value, what, must_be_absolute=True, iri=False)


def _required(element: Element, children: dict[str, list[Element]]) -> list[Issue]:
    name = element.tag
    return [
        Issue(line_of(element), 0, "E-MISSING", f"<{name}> has no <{part}>")
        for part in _REQUIRED[name]
        if part not in children
    ]


def _form_name_issues(names: list[Element]) -> list[Issue]:
    issues: list[Issue] = []
    for form_name in names:
        value = text_of(form_name)
        if _FORM_NAME.fullmatch(value) is None:
            message = f"<textInput> <name> '{value}' is not a form field name (a letter first)"
            issues.append(Issue(line_of(form_name), 0, "E-SCHEMA", message))
    return issues


def _skip_hours(skip: Element) -> list[Issue]:
    issues: list[Issue] = []
    for hour in skip.iterchildren("hour"):
        if text_of(hour) == "24":
            message = "<hour> 24 is midnight, which RSS writes 0"
            issues.append(Issue(line_of(hour), 0, "W-RSS-PROFILE", message))
    # 0 and 24 are the same hour.
    return issues + _repeated_values(skip, "hour", {"24": "0"})


def _repeated_values(skip: Element, part: str, same: dict[str, str]) -> list[Issue]:
    issues: list[Issue] = []
    seen: dict[str, int] = {}
    for element in skip.iterchildren(part):
        value = text_of(element)
        key = same.get(value, value)
        if key in seen:
            message = f"<{part}> {value} is already listed at line {seen[key]}"
            issues.append(Issue(line_of(element), 0, "E-SCHEMA", message))
        else:
            seen[key] = line_of(element)
    return issues


def _email_issues(element: Element, name: str) -> list[Issue]:
    """RSS's ``address (Name)``; other ways of writing an address are only discouraged."""
    value = text_of(element)
    written = unquote(value[len("mailto:") :]) if value.startswith("mailto:") else value
    if written.find("@") > 0 and not written.endswith(")"):
        message = f"<{name}> '{value}': write the address, then the name: jo@example.org (Jo Smith)"
        return [Issue(line_of(element), 0, "W-RSS-PROFILE", message)]
    if is_addr_spec(_address_of(written)):
        return []
    message = f"<{name}> '{value}' is not an email address like 'jo@example.org (Jo Smith)'"
    return [Issue(line_of(element), 0, "E-RSS-EMAIL", message)]


def _address_of(written: str) -> str:
    """The address in ``address (Name)``, or in ``Name <address>``."""
    address = written.split("(", 1)[0].strip()
    if address.endswith(">") and "<" in address:
        address = address[address.rindex("<") + 1 : -1]
    return address
