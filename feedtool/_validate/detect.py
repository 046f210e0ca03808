"""Which format a document is in, decided by its content and never by its name.

Detection reads only the prolog and the root start tag (or, for JSON, looks for the
JSON Feed version URL, and parses the document when the URL is not written plainly),
so a folder of pages and images is sorted quickly and a document that is not
well-formed further down is still recognised as the feed it means to be. The DOCTYPE
is inspected here too: a document that declares entities is refused before any parser
sees it.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass

from feedtool._validate.codes import Issue

ATOM_NS = "http://www.w3.org/2005/Atom"
_ATOM03_NS = "http://purl.org/atom/ns#"
_RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RSS_RDF_NAMESPACES = ("http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/")

# A prolog longer than this (comments, a DOCTYPE's internal subset) is not a feed's.
_PROLOG_LIMIT = 1 << 20

_JSONFEED_VERSION = re.compile(
    rb'"version"\s*:\s*"(https?://(?:www\.)?jsonfeed\.org/version/[^"]*)"'
)
# The same, with the slashes escaped as JSON allows (PHP's json_encode writes \/).
_JSONFEED_VERSION_ESCAPED = re.compile(
    rb'"version"\s*:\s*"(https?:\\?/\\?/(?:www\.)?jsonfeed\.org\\?/version\\?/[^"]*)"'
)
_JSONFEED_URL = re.compile(r"https?://(?:www\.)?jsonfeed\.org/version/")
_NAME = re.compile(r"[^\s/>\[]+")
# The attributes of a start tag, read left to right: a name and maybe its value, a
# quoted string, or any other character. Each match ends where the next one starts and
# nothing backtracks, so a name with no "=" (or a tag of thousands of them) costs its
# length once, not once per character.
_ATTRIBUTE = re.compile(
    r"""([^\s=/>"']++)(?:\s*+=\s*+(?:"([^"]*+)"|'([^']*+)'))?|"[^"]*+"|'[^']*+'|.""",
    re.DOTALL,
)
_START_TAG_REST = re.compile(r"""(?:[^>"']++|"[^"]*+"|'[^']*+')*+""")

# Every value a report's ``kind`` can take, in the order of the README's table: the
# validated formats, the recognised formats that are not validated, then what a target
# is when it is no feed at all. Scripts match on these; never rename one.
KINDS: tuple[str, ...] = (
    "rss2",
    "atom1",
    "jsonfeed1.0",
    "jsonfeed1.1",
    "jsonfeed",  # a JSON Feed whose version is neither 1 nor 1.1
    "rss0.9x",
    "rss1.0",
    "atom0.3",
    "html",
    "empty",
    "unknown",  # not a feed, or not read at all (E-NOT-FEED, E-READ, E-FETCH)
    "folder",  # a folder with no feed in it (E-NO-FEEDS)
)

# Kinds that are feeds, validatable or not: a folder reports these and skips the rest.
FEED_KINDS = frozenset(
    {"rss2", "atom1", "jsonfeed", "jsonfeed1.0", "jsonfeed1.1", "rss0.9x", "rss1.0", "atom0.3"}
)


@dataclass(frozen=True)
class Doctype:
    """What a DOCTYPE declaration asks of a parser."""

    line: int
    external: bool  # has a SYSTEM or PUBLIC identifier: an external DTD
    entities: bool  # its internal subset declares entities


@dataclass(frozen=True)
class Detected:
    """The format of a document, with its DOCTYPE if it is a feed that has one.

    ``problem`` says why the document cannot be validated, when it cannot.
    """

    kind: str
    doctype: Doctype | None = None
    problem: Issue | None = None


def detect(data: bytes) -> Detected:
    """Decide the format of ``data`` from its first bytes."""
    text = _head_text(data)
    start = len(text) - len(text.lstrip())
    if start == len(text):
        return Detected("empty", problem=Issue(1, 0, "E-EMPTY", "the document is empty"))
    if text[start] == "{":
        return _detect_json(data)
    if text[start] == "<":
        return _detect_xml(text, start)
    return _not_feed(_line_at(text, start), "neither XML nor JSON")


def jsonfeed_kind(version: object) -> str:
    """The kind named by a JSON Feed ``version`` value."""
    if version == "https://jsonfeed.org/version/1":
        return "jsonfeed1.0"
    if version == "https://jsonfeed.org/version/1.1":
        return "jsonfeed1.1"
    return "jsonfeed"


def _head_text(data: bytes) -> str:
    head = data[:_PROLOG_LIMIT]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="replace")
    # Markup and JSON punctuation are ASCII, and Latin-1 maps every byte to one
    # character, so positions and line breaks survive whatever the real encoding is.
    return head.removeprefix(codecs.BOM_UTF8).decode("latin-1")


def _detect_json(data: bytes) -> Detected:
    match = _JSONFEED_VERSION.search(data)
    if match is not None:  # the usual case, found without parsing
        return Detected(jsonfeed_kind(match.group(1).decode("ascii", errors="replace")))
    version = _parsed_version(data)
    if version is not None:
        return Detected(jsonfeed_kind(version))
    # Not at the top, or the JSON is broken: a JSON Feed still, whose errors say what.
    match = _JSONFEED_VERSION_ESCAPED.search(data)
    if match is None:
        return _not_feed(1, 'JSON without a JSON Feed "version" (https://jsonfeed.org/version/1.1)')
    written = match.group(1).decode("ascii", errors="replace").replace("\\/", "/")
    return Detected(jsonfeed_kind(written))


def _parsed_version(data: bytes) -> str | None:
    """The top-level ``version`` of a JSON document, when it names a JSON Feed version."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError too
        return None
    version = document.get("version") if isinstance(document, dict) else None
    if isinstance(version, str) and _JSONFEED_URL.match(version):
        return version
    return None


def _detect_xml(text: str, pos: int) -> Detected:
    doctype: Doctype | None = None
    doctype_name = ""
    while pos < len(text):
        if text.startswith("<?", pos):
            pos = _skip_past(text, pos, "?>")
        elif text.startswith("<!--", pos):
            pos = _skip_past(text, pos, "-->")
        elif text[pos : pos + 9].upper() == "<!DOCTYPE":
            earlier = doctype
            doctype, doctype_name, pos = _read_doctype(text, pos)
            if earlier is not None:  # not well-formed; but no DOCTYPE hides another's
                doctype = Doctype(
                    earlier.line,
                    earlier.external or doctype.external,
                    earlier.entities or doctype.entities,
                )
        elif text.startswith("<", pos):
            return _classify_root(text, pos, doctype, doctype_name)
        else:
            return _not_feed(_line_at(text, pos), "text before the first element")
        pos += len(text[pos:]) - len(text[pos:].lstrip())
    if doctype_name.lower() == "html":
        return Detected("html", problem=Issue(1, 0, "E-HTML", "an HTML page, not a feed"))
    return _not_feed(1, "no root element")


def _skip_past(text: str, pos: int, end: str) -> int:
    found = text.find(end, pos)
    return len(text) if found < 0 else found + len(end)


def _read_doctype(text: str, pos: int) -> tuple[Doctype, str, int]:
    """Read ``<!DOCTYPE name ... [subset]>`` starting at pos; return it and the end."""
    line = _line_at(text, pos)
    i = pos + 9
    name_match = _NAME.search(text, i)
    name = name_match.group(0) if name_match else ""
    external = entities = False
    quote = ""
    while i < len(text):
        char = text[i]
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "[":
            i, entities = _read_internal_subset(text, i + 1)
            continue
        elif char == ">":
            break
        elif text.startswith(("SYSTEM", "PUBLIC"), i):
            external = True
        i += 1
    return Doctype(line, external, entities), name, i + 1


def _read_internal_subset(text: str, i: int) -> tuple[int, bool]:
    """Skip an internal subset from just after ``[``; say whether it declares entities.

    One pass, as XML reads it: processing instructions and comments are skipped whole
    (quotes in them quote nothing), quotes count only inside a markup declaration, and
    an entity declaration is found whatever comes before it. Whatever is left open (a
    comment, a processing instruction, a literal) makes every ``<!ENTITY`` after it
    count too: a parser that recovers might still read it.
    """
    end = len(text)
    entities = False
    while i < end:
        if text.startswith("<?", i):
            close = text.find("?>", i + 2)
            if close < 0:
                return end, entities or "<!ENTITY" in text[i:]
            i = close + 2
        elif text.startswith("<!--", i):
            close = text.find("-->", i + 4)
            if close < 0:
                return end, entities or "<!ENTITY" in text[i:]
            i = close + 3
        elif text.startswith("<!", i):
            entities = entities or text.startswith("<!ENTITY", i)
            i, unclosed = _skip_declaration(text, i)
            if unclosed:
                return end, entities or "<!ENTITY" in text[i:]
        elif text[i] == "]":
            return i + 1, entities
        else:
            i += 1
    return i, entities


def _skip_declaration(text: str, i: int) -> tuple[int, bool]:
    """The end of the markup declaration at ``i`` (past its ``>``, quoted ``>`` not
    counting), and whether a literal in it is never closed (then ``i`` is where it opens)."""
    end = len(text)
    i += 2
    while i < end:
        char = text[i]
        if char in "\"'":
            close = text.find(char, i + 1)
            if close < 0:
                return i, True
            i = close + 1
        elif char == ">":
            return i + 1, False
        elif char in "<]":  # a declaration left open: what follows is read anew
            return i, False
        else:
            i += 1
    return i, False


def _classify_root(text: str, pos: int, doctype: Doctype | None, doctype_name: str) -> Detected:
    line = _line_at(text, pos)
    name_match = _NAME.match(text, pos + 1)
    qname = name_match.group(0) if name_match else ""
    rest = _START_TAG_REST.match(text, pos + 1 + len(qname))
    attributes = {
        m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
        for m in _ATTRIBUTE.finditer(rest.group(0) if rest else "")
        if m.group(2) is not None or m.group(3) is not None
    }
    prefix, _, local = qname.rpartition(":")
    namespace = attributes.get(f"xmlns:{prefix}" if prefix else "xmlns", "")

    if local.lower() == "html" or doctype_name.lower() == "html":
        return Detected("html", problem=Issue(line, 0, "E-HTML", "an HTML page, not a feed"))
    if local == "rss" and not namespace:
        version = attributes.get("version", "")
        if version.startswith("0."):
            message = f"RSS {version} is not validated; feedtool validates RSS 2.0"
            return Detected("rss0.9x", problem=Issue(line, 0, "E-RSS-LEGACY", message))
        return Detected("rss2", doctype)
    if local == "feed" and namespace == ATOM_NS:
        return Detected("atom1", doctype)
    if local == "feed" and namespace == _ATOM03_NS:
        message = "Atom 0.3 is not validated; feedtool validates Atom 1.0 (RFC 4287)"
        return Detected("atom0.3", problem=Issue(line, 0, "E-ATOM-LEGACY", message))
    if local == "RDF" and namespace == _RDF_NS and any(ns in text for ns in _RSS_RDF_NAMESPACES):
        message = "RSS 1.0 (RDF) is not validated; feedtool validates RSS 2.0"
        return Detected("rss1.0", problem=Issue(line, 0, "E-RSS-RDF", message))
    if local == "entry" and namespace == ATOM_NS:
        return Detected("atom1", doctype)  # an Atom Entry Document (RFC 4287 section 2)
    return _not_feed(line, f"the root element is <{qname}>")


def _not_feed(line: int, why: str) -> Detected:
    return Detected("unknown", problem=Issue(line, 0, "E-NOT-FEED", f"not a feed: {why}"))


def _line_at(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1
