"""Atom 1.0 rules that RFC 4287's schema cannot express, and the links RSS borrows from Atom.

An ``AtomRules`` sees each entry once, as the document streams past, and the feed
element last, without its entries; what spans entries (ids, authors) it remembers. A
document whose root is an entry (an Atom Entry Document, RFC 4287 section 2) is seen
once, as that entry.
"""

from __future__ import annotations

import binascii

from feedtool._validate.codes import Issue
from feedtool._validate.dates import check_rfc3339
from feedtool._validate.detect import ATOM_NS
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
from feedtool._validate.extensions import extension_issues, extension_tags
from feedtool._validate.values import is_addr_spec, is_mime_type, reference_problem

_A = f"{{{ATOM_NS}}}"
_FEED, _ENTRY, LINK = f"{_A}feed", f"{_A}entry", f"{_A}link"
_ID, _TITLE, _UPDATED, _PUBLISHED = f"{_A}id", f"{_A}title", f"{_A}updated", f"{_A}published"
_AUTHOR, _CONTRIBUTOR, _NAME, _URI = f"{_A}author", f"{_A}contributor", f"{_A}name", f"{_A}uri"
_EMAIL, _CATEGORY, _GENERATOR = f"{_A}email", f"{_A}category", f"{_A}generator"
_CONTENT, _SOURCE, _SUMMARY = f"{_A}content", f"{_A}source", f"{_A}summary"
_TEXT_CONSTRUCTS = {f"{_A}{name}": name for name in ("title", "subtitle", "summary", "rights")}
_ICONS = (f"{_A}icon", f"{_A}logo")
_FH_ARCHIVE = "{http://purl.org/syndication/history/1.0}archive"
_REQUIRED = ((_ID, "id"), (_TITLE, "title"), (_UPDATED, "updated"))
# RFC 4287 4.1.3.1: content's type is not a composite type (RFC 4288 4.2.6).
_COMPOSITE_TYPES = ("multipart/", "message/")
# Entries sharing one id are one entry at different times (RFC 4287 4.1.1), which
# readers handle as they like: a warning. But a feed of many entries that all share one
# id is a generator writing the feed's id into each entry: an error, as at the W3C.
_MANY_ENTRIES = 10


def _atom_date(value: str) -> list[tuple[str, str]]:
    return check_rfc3339(value, upper_case=True)


def link_issues(
    container: Element,
    links: list[Element],
    *,
    feed_level: bool,
    schema_checks_type: bool,
    alternates_unique: bool = True,
) -> list[Issue]:
    """Rules for a feed's or entry's atom:link elements (also used for RSS channels).

    ``schema_checks_type``: the Atom schema already refuses a type without a slash,
    so only types that look like MIME types are checked again here.
    ``alternates_unique``: RFC 4287's rule that no two alternate links share a type and
    hreflang holds in Atom feeds, entries and sources, not in an RSS channel.
    """
    issues: list[Issue] = []
    rels: set[str] = set()
    alternates: dict[tuple[str, str], int] = {}
    for link in links:
        rel = (link.get("rel") or "alternate").strip()
        rels.add(rel)
        issues += url_issues(link, link.get("href"), f"link rel={rel}", must_be_absolute=False)
        media_type = link.get("type")
        if media_type is not None and ("/" in media_type or not schema_checks_type):
            issues += _type_issues(link, media_type, f"link rel={rel}")
        length = link.get("length")
        if length is not None and not _is_non_negative_integer(length):
            message = f"link rel={rel}: length '{length}' is not a number of bytes (0 or more)"
            issues.append(Issue(line_of(link), 0, "E-SCHEMA", message))
        if rel == "alternate" and alternates_unique:
            key = ((media_type or "").strip().lower(), (link.get("hreflang") or "").lower())
            if key in alternates:
                first = alternates[key]
                message = f"another alternate link with this type and hreflang is at line {first}"
                issues.append(Issue(line_of(link), 0, "E-ATOM-LINK-DUP", message))
            else:
                alternates[key] = line_of(link)
    if feed_level:
        if "self" not in rels:
            message = "no self link; add one with the feed's own URL so readers can find it again"
            issues.append(Issue(line_of(container), 0, "W-SELF-LINK", message))
        archive = container.find(_FH_ARCHIVE)
        if archive is not None and "current" not in rels:
            message = "an archive (fh:archive) needs a link rel=current to the live feed"
            issues.append(Issue(line_of(archive), 0, "W-ARCHIVE-CURRENT", message))
    return issues


def _is_non_negative_integer(value: str) -> bool:
    digits = value.strip().removeprefix("+")
    return digits.isascii() and digits.isdigit()


def _type_issues(element: Element, media_type: str, what: str) -> list[Issue]:
    if is_mime_type(media_type):
        return []
    message = f"{what}: type '{media_type}' is not a MIME type like text/html"
    return [Issue(line_of(element), 0, "E-TYPE", message)]


def _whitespace_issues(element: Element, name: str) -> list[Issue]:
    """RFC 4287's ids, IRIs and dates hold no white space, not even around them."""
    value = element.text or ""
    if value == value.strip():
        return []
    message = f"<{name}> '{value.strip()}' has white space around it, which it may not hold"
    return [Issue(line_of(element), 0, "E-WHITESPACE", message)]


class AtomRules:
    """Rules for one Atom feed or entry document."""

    item_tag = _ENTRY

    def __init__(self, prescan: Prescan = UNSCANNED) -> None:
        """``prescan``: what the document's bytes may hold (xml:base, namespaces)."""
        self._ids: dict[str, int] = {}
        self._xml_base = prescan.xml_base
        self._extensions = extension_tags(prescan.namespaces)
        self._entries = 0
        self._repeated_ids = 0  # entries whose id an earlier entry has
        self._authorless_entries: list[int] = []
        self._first_entry_line: int | None = None

    def is_item(self, element: Element) -> bool:
        """True for an entry of the feed (not an element elsewhere that is named entry)."""
        parent = element.getparent()
        return (
            element.tag == _ENTRY
            and parent is not None
            and parent.tag == _FEED
            and parent.getparent() is None
        )

    def item(self, entry: Element) -> list[Issue]:
        """Rules for one entry of a feed."""
        if self._first_entry_line is None:
            self._first_entry_line = line_of(entry)
        self._entries += 1
        issues, has_author = self._entry(entry)
        if not has_author:
            self._authorless_entries.append(line_of(entry))
        return issues + xml_base_issues(entry) if self._xml_base else issues

    def feed(self, root: Element) -> list[Issue]:
        """Rules for the feed element, once its entries have been seen and removed.

        In an entry document, the root entry: its rules, and an author of its own.
        """
        if root.tag == _ENTRY:
            issues, has_author = self._entry(root)
            if not has_author:
                message = "the entry has no <author> (nor has its <source>)"
                issues.append(Issue(line_of(root), 0, "E-ATOM-AUTHOR", message))
            return issues + xml_base_issues(root) if self._xml_base else issues
        children = children_by_tag(root)
        issues = self._common(root, children, "feed")
        issues += link_issues(
            root, children.get(LINK, []), feed_level=True, schema_checks_type=True
        )
        issues += extension_issues(root, "feed", self._extensions)
        if _AUTHOR not in children:
            message = "the entry has no <author>, and neither has the feed"
            issues += [
                Issue(line, 0, "E-ATOM-AUTHOR", message) for line in self._authorless_entries
            ]
        if self._entries >= _MANY_ENTRIES and self._repeated_ids == self._entries - 1:
            message = f"all {self._entries} entries have the same id; each needs its own"
            issues.append(Issue(self._first_entry_line or 0, 0, "E-ID-DUPLICATE", message))
        if self._first_entry_line is not None:
            # The entries are gone from the tree by now, but RFC 4287's schema wants
            # them after all of the feed's own elements; a later element breaks that.
            for child in root.iterchildren("*"):
                if line_of(child) > self._first_entry_line:
                    name = _written_name(child)
                    message = f"<{name}> comes after the first entry; entries must come last"
                    issues.append(Issue(line_of(child), 0, "E-SCHEMA", message))
        return issues + xml_base_issues(root) if self._xml_base else issues

    def _entry(self, entry: Element) -> tuple[list[Issue], bool]:
        """An entry's issues, and whether it has an author (its own or its source's)."""
        children = children_by_tag(entry)
        issues = self._common(entry, children, "entry")
        issues += link_issues(
            entry, children.get(LINK, []), feed_level=False, schema_checks_type=True
        )
        issues += self._content(entry, children)
        issues += self._duplicate_id(children)
        issues += extension_issues(entry, "entry", self._extensions)
        has_author = _AUTHOR in children
        for source in children.get(_SOURCE, []):
            parts = children_by_tag(source)
            issues += self._common(source, parts, "source")
            issues += link_issues(
                source, parts.get(LINK, []), feed_level=False, schema_checks_type=True
            )
            has_author = has_author or _AUTHOR in parts
        return issues, has_author

    def _common(
        self, element: Element, children: dict[str, list[Element]], what: str
    ) -> list[Issue]:
        """Rules shared by feed, entry and source: ids, dates, text, people, metadata."""
        issues: list[Issue] = []
        if what != "source":  # a source copies what it likes of its feed's metadata
            for tag, name in _REQUIRED:
                if tag not in children:
                    message = f"<{what}> has no <{name}>"
                    issues.append(Issue(line_of(element), 0, "E-MISSING", message))
        for atom_id in children.get(_ID, []):
            issues += _whitespace_issues(atom_id, "id")
            value = text_of(atom_id)
            problem = reference_problem(value, absolute=True)
            if problem == "is relative":
                problem += "; an id must be an absolute IRI, such as a tag: URI"
            if problem is not None:
                issues.append(Issue(line_of(atom_id), 0, "E-URL", f"<id> '{value}' {problem}"))
        for tag, name in ((_UPDATED, "updated"), (_PUBLISHED, "published")):
            for date in children.get(tag, []):
                issues += _whitespace_issues(date, name)
                issues += date_issues(date, name, _atom_date)
        for tag, name in _TEXT_CONSTRUCTS.items():
            for construct in children.get(tag, []):
                if construct.get("type") == "html":
                    issues += escaped_html_issues(construct, name)
        for tag in (_AUTHOR, _CONTRIBUTOR):
            for person in children.get(tag, []):
                issues += self._person(person, tag[len(_A) :])
        for category in children.get(_CATEGORY, []):
            scheme = category.get("scheme")
            if scheme is not None:
                problem = reference_problem(scheme, absolute=True)
                if problem == "is relative":
                    problem += "; a scheme is an absolute IRI"
                if problem is not None:
                    message = f"<category> scheme '{scheme}' {problem}"
                    issues.append(Issue(line_of(category), 0, "E-URL", message))
        for generator in children.get(_GENERATOR, []):
            issues += url_issues(
                generator, generator.get("uri"), "<generator> uri", must_be_absolute=False
            )
        for tag in _ICONS:
            for icon in children.get(tag, []):
                name = tag[len(_A) :]
                issues += _whitespace_issues(icon, name)
                issues += url_issues(icon, text_of(icon), f"<{name}>", must_be_absolute=False)
        return issues

    def _person(self, person: Element, what: str) -> list[Issue]:
        issues: list[Issue] = []
        if person.find(_NAME) is None:
            issues.append(Issue(line_of(person), 0, "E-MISSING", f"<{what}> has no <name>"))
        for uri in person.iterchildren(_URI):
            issues += _whitespace_issues(uri, "uri")
            issues += url_issues(uri, text_of(uri), f"<{what}> <uri>", must_be_absolute=False)
        for email in person.iterchildren(_EMAIL):
            value = email.text or ""
            if not is_addr_spec(value):
                message = (
                    f"<{what}> <email> '{value}' is not a bare address like jo@example.org"
                    " (no name, no brackets)"
                )
                issues.append(Issue(line_of(email), 0, "E-ATOM-EMAIL", message))
        return issues

    def _content(self, entry: Element, children: dict[str, list[Element]]) -> list[Issue]:
        issues: list[Issue] = []
        contents = children.get(_CONTENT, [])
        needs_summary = False
        for content in contents:
            issues += _content_issues(content)
            needs_summary = needs_summary or content.get("src") is not None
            needs_summary = needs_summary or _is_base64_type(content.get("type") or "")
        if needs_summary and _SUMMARY not in children:
            message = (
                "the entry's <content> is not text readers can show (src, or base64);"
                " add a <summary>"
            )
            issues.append(Issue(line_of(entry), 0, "E-MISSING", message))
        links = children.get(LINK, [])
        has_alternate = any(
            (link.get("rel") or "alternate").strip() == "alternate" for link in links
        )
        if not contents and not has_alternate:
            message = "the entry has neither <content> nor a link rel=alternate to read it at"
            issues.append(Issue(line_of(entry), 0, "E-ATOM-ALTERNATE", message))
        return issues

    def _duplicate_id(self, children: dict[str, list[Element]]) -> list[Issue]:
        ids = children.get(_ID, [])
        if not ids:
            return []
        atom_id = ids[0]
        value = text_of(atom_id)
        if value not in self._ids:
            self._ids[value] = line_of(atom_id)
            return []
        self._repeated_ids += 1
        # RFC 4287 4.1.1: entries sharing an id are one entry at different times.
        message = (
            f"id '{value}' is also the id of the entry at line {self._ids[value]};"
            " readers may show only one of them"
        )
        return [Issue(line_of(atom_id), 0, "W-ID-DUPLICATE", message)]


def _is_xml_type(media_type: str) -> bool:
    return media_type == "xhtml" or media_type.endswith(("+xml", "/xml"))


def _is_base64_type(media_type: str) -> bool:
    """RFC 4287 4.1.3.3: content of other media types is base64, unless it is text."""
    return (
        "/" in media_type
        and not (_is_xml_type(media_type) or media_type.lower().startswith("text/"))
        and not media_type.lower().startswith(_COMPOSITE_TYPES)
        and is_mime_type(media_type)
    )


def _content_issues(content: Element) -> list[Issue]:
    issues: list[Issue] = []
    line = line_of(content)
    src = content.get("src")
    media_type = content.get("type") or ("text" if src is None else "")
    if "/" in media_type:
        issues += _type_issues(content, media_type, "<content>")
        if media_type.lower().startswith(_COMPOSITE_TYPES):
            message = f"<content> type '{media_type}' is a composite type, which content may not be"
            issues.append(Issue(line, 0, "E-TYPE", message))
    if media_type == "html":
        issues += escaped_html_issues(content, "content")
    issues += url_issues(content, src, "<content> src", must_be_absolute=False)
    elements = [child for child in content if isinstance(child.tag, str)]
    if elements and not _is_xml_type(media_type):
        message = (
            f"<content> of type {media_type or 'text'} holds elements; escape them,"
            ' or use type="xhtml" or an XML media type'
        )
        issues.append(Issue(line_of(elements[0]), 0, "E-SCHEMA", message))
    elif elements and media_type != "xhtml" and any((e.tail or "").strip() for e in elements):
        message = f"<content> of type {media_type} mixes text with its XML elements"
        issues.append(Issue(line, 0, "E-SCHEMA", message))
    if src is None and not elements and _is_base64_type(media_type):
        try:
            binascii.a2b_base64((content.text or "").encode("ascii"))
        except (binascii.Error, UnicodeEncodeError):
            message = f"<content> of type {media_type} is not base64, as RFC 4287 requires"
            issues.append(Issue(line, 0, "E-SCHEMA", message))
    return issues


def _written_name(element: Element) -> str:
    """An element's name as written, prefix included where it had one."""
    local = element.tag.rpartition("}")[2]
    return f"{element.prefix}:{local}" if element.prefix else local
