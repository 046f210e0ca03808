"""JSON Feed 1.0 and 1.1: syntax, schema and the rules the schema cannot express."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from feedtool._validate.codes import Issue
from feedtool._validate.dates import check_rfc3339
from feedtool._validate.detect import jsonfeed_kind
from feedtool._validate.jsonpos import JsonPath, locate
from feedtool._validate.markup import unbalanced_tags
from feedtool._validate.schemas import check_json
from feedtool._validate.values import is_mime_type, link_issue

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
    duplicates = _Duplicates()
    try:
        document = json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_int=_integer,
            object_pairs_hook=duplicates.hook,
        )
    except json.JSONDecodeError as error:
        return detected_kind, [Issue(error.lineno, error.colno, "E-JSON-SYNTAX", error.msg)]
    except RecursionError:
        message = "arrays or objects nested too deeply to read"
        return detected_kind, [Issue(1, 1, "E-JSON-SYNTAX", message)]
    except _NotJson as error:
        line, column = _position(text, error.offset(text))
        return detected_kind, [Issue(line, column, "E-JSON-SYNTAX", error.message)]

    kind = jsonfeed_kind(document.get("version")) if isinstance(document, dict) else detected_kind
    located = duplicates.found(document) + _surrogates(text, document)
    located += check_json(document) + _rules(document, kind)
    positions = locate(text, {path for path, _, _ in located})
    issues = []
    for path, code, message in located:
        # A path always names something json.loads read, but never let a miss lose a finding.
        line, column = positions.get(path, (1, 1))
        issues.append(Issue(line, column, code, message))
    return kind, issues


class _NotJson(ValueError):
    """A number json.loads reads but JSON has not, or one no reader can take."""

    def __init__(self, message: str, pattern: str):
        super().__init__(message)
        self.message, self.pattern = message, pattern

    def offset(self, text: str) -> int:
        """Where the number is: the first match of ``pattern`` outside strings."""
        for match in re.finditer(f'"(?:[^"\\\\]|\\\\.)*+"|({self.pattern})', text, re.DOTALL):
            if match.group(1) is not None:
                return match.start(1)
        return 0


def _refuse_constant(name: str) -> float:
    # Python's json reads NaN, Infinity and -Infinity; JSON (RFC 8259) has no such values.
    message = f"{name} is not JSON (RFC 8259 has no NaN or Infinity); readers refuse it"
    raise _NotJson(message, re.escape(name) + "(?![A-Za-z0-9])")


_INT_DIGITS = 4300  # Python's default limit (sys.int_info.default_max_str_digits)


def _integer(digits: str) -> int:
    if len(digits.lstrip("-")) > min(_INT_DIGITS, sys.get_int_max_str_digits() or _INT_DIGITS):
        message = f"a number of {len(digits.lstrip('-'))} digits, which no reader can take"
        raise _NotJson(message, re.escape(digits) + "(?![0-9])")
    return int(digits)


class _Duplicates:
    """An ``object_pairs_hook`` that notes objects in which a name appears twice."""

    def __init__(self) -> None:
        self.objects: list[tuple[dict, list[str]]] = []

    def hook(self, pairs: list[tuple[str, Any]]) -> dict:
        result = dict(pairs)
        if len(result) != len(pairs):
            seen: set[str] = set()
            twice = [name for name, _ in pairs if name in seen or seen.add(name)]
            self.objects.append((result, list(dict.fromkeys(twice))))
        return result

    def found(self, document: Any) -> list[Located]:
        if not self.objects:
            return []
        where = {id(value): path for path, value in _values(document) if isinstance(value, dict)}
        found: list[Located] = []
        for holder, names in self.objects:
            path = where.get(id(holder), ())
            for name in names:
                message = (
                    f"the name '{name}' appears twice in one object; readers keep either value"
                )
                found.append(((*path, name), "E-JSON-SYNTAX", message))
        return found


# A \u escape of a surrogate; only a document with one is looked through for lone ones.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogates(text: str, document: Any) -> list[Located]:
    """Strings (and names) holding a lone surrogate, which is no character at all."""
    if _SURROGATE_ESCAPE.search(text) is None:
        return []
    found: list[Located] = []
    for path, value in _values(document):
        key = path[-1] if path else None
        for held in (value, key):
            if isinstance(held, str) and (lone := _LONE_SURROGATE.search(held)):
                message = f"\\u{ord(lone.group(0)):04x} is a lone surrogate, not a character"
                found.append((path, "E-JSON-SYNTAX", message))
                break
    return found


def _values(document: Any) -> list[tuple[JsonPath, Any]]:
    """Every value in ``document`` with its path, without recursion."""
    found: list[tuple[JsonPath, Any]] = []
    stack: list[tuple[JsonPath, Any]] = [((), document)]
    while stack:
        path, value = stack.pop()
        found.append((path, value))
        if isinstance(value, dict):
            stack.extend(((*path, name), item) for name, item in value.items())
        elif isinstance(value, list):
            stack.extend(((*path, index), item) for index, item in enumerate(value))
    return found


def _position(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


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
