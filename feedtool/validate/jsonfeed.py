"""JSON Feed 1.0 and 1.1: syntax, schema and the rules the schema cannot express."""

from __future__ import annotations

import json
from typing import Any

from feedtool.validate.codes import Issue
from feedtool.validate.dates import check_rfc3339
from feedtool.validate.detect import jsonfeed_kind
from feedtool.validate.jsonpos import JsonPath, locate
from feedtool.validate.markup import unbalanced_tags
from feedtool.validate.schemas import check_json
from feedtool.validate.values import is_mime_type, link_issue

Located = tuple[JsonPath, str, str]

_FEED_LINKS = ("home_page_url", "next_url", "icon", "favicon")
_ITEM_LINKS = ("url", "external_url", "image", "banner_image")
_PERSON_LINKS = ("url", "avatar")
# Members JSON Feed 1.1 added; a feed that declares 1.0 and uses them is misread.
_NEW_IN_1_1 = ("authors", "language")


def check_jsonfeed(data: bytes, detected_kind: str) -> tuple[str, list[Issue]]:
    """The kind (from the parsed version) and every problem in a JSON Feed document."""
    try:
        # JSON is UTF-8 (RFC 8259); a byte order mark is tolerated, as most parsers do.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - data.rfind(b"\n", 0, error.start)
        message = f"not UTF-8: byte 0x{data[error.start]:02x} cannot be decoded"
        return detected_kind, [Issue(line, column, "E-JSON-SYNTAX", message)]
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return detected_kind, [Issue(error.lineno, error.colno, "E-JSON-SYNTAX", error.msg)]
    except RecursionError:
        message = "arrays or objects nested too deeply to read"
        return detected_kind, [Issue(1, 1, "E-JSON-SYNTAX", message)]

    kind = jsonfeed_kind(document.get("version")) if isinstance(document, dict) else detected_kind
    located = check_json(document) + _rules(document, kind)
    positions = locate(text, {path for path, _, _ in located})
    issues = []
    for path, code, message in located:
        # A path always names something json.loads read, but never let a miss lose a finding.
        line, column = positions.get(path, (1, 1))
        issues.append(Issue(line, column, code, message))
    return kind, issues


def _rules(feed: Any, kind: str) -> list[Located]:
    if not isinstance(feed, dict):
        return []
    found: list[Located] = []
    feed_url = feed.get("feed_url")
    if feed_url is None:
        message = "no feed_url: readers cannot tell where the feed lives (its self link)"
        found.append(((), "W-SELF-LINK", message))
    found += _links(feed, (), ("feed_url",), must_be_absolute=True)
    found += _links(feed, (), _FEED_LINKS, must_be_absolute=False)
    found += _version(feed, (), kind)
    found += _authors(feed, ())
    items = feed.get("items")
    if isinstance(items, list):
        ids: dict[str, int] = {}
        for index, item in enumerate(items):
            if isinstance(item, dict):
                found += _item(item, index, kind, ids)
    return found


def _item(item: dict, index: int, kind: str, ids: dict[str, int]) -> list[Located]:
    path: JsonPath = ("items", index)
    found: list[Located] = []
    item_id = item.get("id")
    if isinstance(item_id, str):
        if item_id in ids:
            message = f"id '{item_id}' is also the id of /items/{ids[item_id]}"
            found.append(((*path, "id"), "E-ID-DUPLICATE", message))
        else:
            ids[item_id] = index
    for name in ("date_published", "date_modified"):
        value = item.get(name)
        if isinstance(value, str):
            found += [((*path, name), code, f"{name}: {msg}") for code, msg in check_rfc3339(value)]
    html = item.get("content_html")
    if isinstance(html, str):
        problem = unbalanced_tags(html)
        if problem is not None:
            message = f"escaped HTML in content_html: {problem.message}"
            found.append(((*path, "content_html"), "W-ESCAPED-HTML", message))
    found += _links(item, path, _ITEM_LINKS, must_be_absolute=False)
    found += _version(item, path, kind)
    found += _authors(item, path)
    attachments = item.get("attachments")
    if isinstance(attachments, list):
        for index, attachment in enumerate(attachments):
            if isinstance(attachment, dict):
                found += _attachment(attachment, (*path, "attachments", index))
    return found


def _attachment(attachment: dict, path: JsonPath) -> list[Located]:
    found = _links(attachment, path, ("url",), must_be_absolute=False)
    mime_type = attachment.get("mime_type")
    if isinstance(mime_type, str) and not is_mime_type(mime_type):
        message = f"mime_type '{mime_type}' is not a MIME type like audio/mpeg"
        found.append(((*path, "mime_type"), "E-TYPE", message))
    return found


def _authors(holder: dict, path: JsonPath) -> list[Located]:
    found: list[Located] = []
    people = holder.get("authors")
    if isinstance(people, list):
        for index, person in enumerate(people):
            if isinstance(person, dict):
                found += _links(person, (*path, "authors", index), _PERSON_LINKS, False)
    author = holder.get("author")
    if isinstance(author, dict):
        found += _links(author, (*path, "author"), _PERSON_LINKS, False)
    return found


def _links(
    holder: dict, path: JsonPath, names: tuple[str, ...], must_be_absolute: bool
) -> list[Located]:
    found: list[Located] = []
    for name in names:
        value = holder.get(name)
        if isinstance(value, str):
            issue = link_issue(value, None, must_be_absolute)
            if issue is not None:
                found.append(((*path, name), issue[0], f"{name}: {issue[1]}"))
    return found


def _version(holder: dict, path: JsonPath, kind: str) -> list[Located]:
    found: list[Located] = []
    if kind == "jsonfeed1.1" and "author" in holder and "authors" not in holder:
        message = "author is deprecated in JSON Feed 1.1; write authors (a list) too"
        found.append(((*path, "author"), "W-JSON-VERSION", message))
    if kind == "jsonfeed1.0":
        for name in _NEW_IN_1_1:
            if name in holder:
                message = f"{name} is new in JSON Feed 1.1, but the feed declares version 1"
                found.append(((*path, name), "W-JSON-VERSION", message))
    return found
