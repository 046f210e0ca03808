"""RSS and Atom documents in one streaming pass: well-formedness, schema, rules.

Each item (entry) is checked against the schema and the rules as soon as the parser
has read it, then dropped from the tree; the feed element is checked last, as a
skeleton without its items. Memory stays near the document's own size whatever the
number of items, and libxml2's RELAX NG, which is slow on a large interleave (see
bench/VALIDATE.md), only ever sees one item or a small skeleton.
"""

from __future__ import annotations

import io
import re
from typing import Protocol

from lxml import etree

from feedtool._validate import schemas
from feedtool._validate.atom import AtomRules
from feedtool._validate.codes import Issue
from feedtool._validate.detect import Doctype
from feedtool._validate.elements import Element, Prescan
from feedtool._validate.rss import RssRules

# The hardened parser: entities are never expanded, no DTD is loaded, nothing is
# fetched. Recovery mode lets libxml2 go on past the first syntax error, so every one of
# them is reported. libxml2's 10 MB cap on one text node is lifted (huge_tree): a long
# article's content:encoded is one text node, and with no entity expansion the input's
# own size (capped for URLs) bounds what the parser holds.
_PARSER_OPTIONS = {
    "resolve_entities": False,
    "load_dtd": False,
    "no_network": True,
    "huge_tree": True,
    "recover": True,
}

# A namespace declaration: xmlns="..." or xmlns:prefix='...'.
_NAMESPACE_DECLARATION = re.compile(
    rb"""xmlns(?::[^\s=<>:]*+)?\s*+=\s*+(?:"([^"<]*+)"|'([^'<]*+)')"""
)

# More attributes than this on one element is no feed's, and libxml2 would hold each
# one as a node of its own, fifty times the bytes they take in the file.
ATTRIBUTE_LIMIT = 10_000
# A start tag with that many attributes is this long at least (each is ' a=""' or more).
_CROWDED_LENGTH = ATTRIBUTE_LIMIT * 5
_ATTRIBUTE = re.compile(rb"""[\s][^\s=<>]++\s*+=\s*+(?:"[^"]*+"|'[^']*+')""")

# libxml2's words for the most common slip in hand-written feeds.
_WELLFORMED_REWORDINGS = {
    "xmlParseEntityRef: no name": "a bare & (write &amp;)",
    "EntityRef: expecting ';'": "a bare & (write &amp;), or an entity without its ;",
}


class _FeedRules(Protocol):
    item_tag: str

    def is_item(self, element: Element) -> bool: ...
    def item(self, element: Element) -> list[Issue]: ...
    def feed(self, element: Element) -> list[Issue]: ...


def check_xml(data: bytes, kind: str, doctype: Doctype | None) -> list[Issue]:
    """Every problem in an RSS 2.0 (``rss2``) or Atom 1.0 (``atom1``) document."""
    issues: list[Issue] = []
    if doctype is not None and doctype.entities:
        message = "the DOCTYPE declares entities; the document is not parsed (XXE, entity bombs)"
        return [Issue(doctype.line, 0, "E-XML-ENTITY", message)]
    if doctype is not None and doctype.external:
        message = "the DOCTYPE refers to an external DTD, which is not loaded (nor by readers)"
        issues.append(Issue(doctype.line, 0, "E-XML-DTD", message))

    if crowded := _crowded_element(data):
        return [crowded]
    prescan = _prescan(data)
    rules: _FeedRules = RssRules(prescan) if kind == "rss2" else AtomRules(prescan)
    schema = schemas.relaxng(kind)
    # Without the external DTD, references to the entities it declares stay unexpanded.
    unexpanded = doctype is not None and doctype.external
    # Only the items' ends: a feed's other elements need no look until the end.
    events = etree.iterparse(
        io.BytesIO(data), events=("end",), tag=rules.item_tag, **_PARSER_OPTIONS
    )
    try:
        for _, element in events:
            if rules.is_item(element):
                if unexpanded:
                    issues += _unexpanded_entities(element)
                issues += _check_unit(schema, rules.item(element), element)
                element.getparent().remove(element)
    except etree.XMLSyntaxError:
        pass  # recovery gave up; the error log below holds what stopped it
    # Recovery can make libxml2 report one spot twice; once is enough.
    syntax = list(
        dict.fromkeys(
            Issue(entry.line, entry.column, "E-WELLFORMED", _reword(entry.message.strip()))
            for entry in events.error_log
            if entry.level >= etree.ErrorLevels.ERROR
        )
    )
    if syntax:
        # Schema and rules findings on a repaired tree would be guesses; fix these first.
        return [i for i in issues if i.code == "E-XML-DTD"] + syntax
    if unexpanded:
        issues += _unexpanded_entities(events.root)
    issues += _check_unit(schema, rules.feed(events.root), events.root)
    return issues


def _crowded_element(data: bytes) -> Issue | None:
    """An element with more than ``ATTRIBUTE_LIMIT`` attributes, refused before parsing.

    Most documents have fewer "=" in all than that, which one count tells (10 ms for
    50 MB). In the others, a tag long enough is a run of bytes without ">" that holds
    one of the windows of half its least length laid end to end: one look for ">" in
    each window (3 ms for 36 MB), and only the tags of the runs found are counted.
    """
    if data.count(b"=") <= ATTRIBUTE_LIMIT:
        return None
    window = _CROWDED_LENGTH // 2
    run_end = 0
    for start in range(0, len(data), window):
        if start < run_end or data.find(b">", start, start + window) >= 0:
            continue
        run_end = data.find(b">", start)
        run_end = len(data) if run_end < 0 else run_end
        # The window before this one holds a ">", so this looks back one window at most.
        tag = data.rfind(b"<", data.rfind(b">", 0, start) + 1, run_end)
        if tag < 0 or run_end - tag < _CROWDED_LENGTH:
            continue
        count = sum(1 for _ in _ATTRIBUTE.finditer(data, tag, run_end))
        if count > ATTRIBUTE_LIMIT:
            line = data.count(b"\n", 0, tag) + 1
            message = (
                f"an element with {count:,} attributes (more than {ATTRIBUTE_LIMIT:,});"
                " the document is not parsed"
            )
            return Issue(line, 0, "E-WELLFORMED", message)
    return None


def _prescan(data: bytes) -> Prescan:
    """What the rules need look for: xml:base, and the namespaces the bytes declare.

    Most feeds write neither xml:base nor an extension namespace feedtool checks, and
    looking for them in every item took 9 % and 15 % of the time per item (RSS of
    234,000 small items); a look through the bytes takes 20 ms for 50 MB. A document in
    UTF-16 or UTF-32 (a zero byte in its first four) writes them otherwise: it is looked
    through element by element.
    """
    if b"\x00" in data[:4] or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Prescan()
    namespaces = set()
    for match in _NAMESPACE_DECLARATION.finditer(data):
        value = match.group(1) if match.group(1) is not None else match.group(2)
        if b"&" in value:  # a reference, which only the parser can expand
            return Prescan(b"xml:base" in data)
        namespaces.add(value.decode("utf-8", errors="replace"))
    return Prescan(b"xml:base" in data, frozenset(namespaces))


def _unexpanded_entities(element: Element) -> list[Issue]:
    """Report entity references left unexpanded, and turn them back into their text.

    As text, ``&copy;`` is what a reader that does not load DTDs sees, and the schema
    and rules then judge the rest of the element instead of the reference.
    """
    issues: list[Issue] = []
    for entity in list(element.iter(etree.Entity)):
        message = f"{entity.text} is declared only in the external DTD, which is not loaded"
        line = entity.sourceline or entity.getparent().sourceline or 0
        issues.append(Issue(line, 0, "E-XML-DTD", message))
        parent, previous = entity.getparent(), entity.getprevious()
        text = entity.text + (entity.tail or "")
        if previous is not None:
            previous.tail = (previous.tail or "") + text
        else:
            parent.text = (parent.text or "") + text
        parent.remove(entity)
    return issues


def _reword(message: str) -> str:
    return _WELLFORMED_REWORDINGS.get(message, message)


def _check_unit(schema: etree.RelaxNG, rule_issues: list[Issue], element: Element) -> list[Issue]:
    explained = {issue.line for issue in rule_issues if issue.code == "E-MISSING"}
    return rule_issues + schemas.check_element(schema, element, explained)
