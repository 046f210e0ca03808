"""Atom 1.0 rules that RFC 4287's schema cannot express, and the links RSS borrows from Atom.

An ``AtomRules`` sees each entry once, as the document streams past, and the feed
element last, without its entries; what spans entries (ids, authors) it remembers.
"""

from __future__ import annotations

from feedtool.validate.codes import Issue
from feedtool.validate.dates import check_rfc3339
from feedtool.validate.detect import ATOM_NS
from feedtool.validate.elements import (
    Element,
    children_by_tag,
    date_issues,
    escaped_html_issues,
    line_of,
    url_issues,
)
from feedtool.validate.values import absolute_url_problem, is_mime_type

_A = f"{{{ATOM_NS}}}"
_FEED, _ENTRY, LINK = f"{_A}feed", f"{_A}entry", f"{_A}link"
_ID, _TITLE, _UPDATED, _PUBLISHED = f"{_A}id", f"{_A}title", f"{_A}updated", f"{_A}published"
_AUTHOR, _CONTRIBUTOR, _NAME, _URI = f"{_A}author", f"{_A}contributor", f"{_A}name", f"{_A}uri"
_CONTENT, _SOURCE = f"{_A}content", f"{_A}source"
_TEXT_CONSTRUCTS = {f"{_A}{name}": name for name in ("title", "subtitle", "summary", "rights")}
_ICONS = (f"{_A}icon", f"{_A}logo")
_FH_ARCHIVE = "{http://purl.org/syndication/history/1.0}archive"

# Readers fetch these links without a page around them to resolve against: RFC 5005's
# archive links, and the self link, which says where the feed itself lives.
_ABSOLUTE_RELS = frozenset({"self", "prev-archive", "next-archive", "current"})
_REQUIRED = ((_ID, "id"), (_TITLE, "title"), (_UPDATED, "updated"))


def _atom_date(value: str) -> list[tuple[str, str]]:
    return check_rfc3339(value, upper_case=True)


def link_issues(
    container: Element, links: list[Element], *, feed_level: bool, schema_checks_type: bool
) -> list[Issue]:
    """Rules for a feed's or entry's atom:link elements (also used for RSS channels).

    ``schema_checks_type``: the Atom schema already refuses a type without a slash,
    so only types that look like MIME types are checked again here.
    """
    issues: list[Issue] = []
    rels: set[str] = set()
    alternates: dict[tuple[str, str], int] = {}
    for link in links:
        rel = (link.get("rel") or "alternate").strip()
        rels.add(rel)
        issues += url_issues(
            link, link.get("href"), f"link rel={rel}", must_be_absolute=rel in _ABSOLUTE_RELS
        )
        media_type = link.get("type")
        if media_type is not None and ("/" in media_type or not schema_checks_type):
            issues += _type_issues(link, media_type, f"link rel={rel}")
        if rel == "alternate":
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


def _type_issues(element: Element, media_type: str, what: str) -> list[Issue]:
    if is_mime_type(media_type):
        return []
    message = f"{what}: type '{media_type}' is not a MIME type like text/html"
    return [Issue(line_of(element), 0, "E-TYPE", message)]


class AtomRules:
    """Rules for one Atom feed document."""

    item_tag = _ENTRY

    def __init__(self) -> None:
        self._ids: dict[str, tuple[int, str]] = {}
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
        """Rules for one entry."""
        if self._first_entry_line is None:
            self._first_entry_line = line_of(entry)
        children = children_by_tag(entry)
        issues = self._common(entry, children, "entry")
        issues += link_issues(
            entry, children.get(LINK, []), feed_level=False, schema_checks_type=True
        )
        issues += self._content(entry, children)
        issues += self._duplicate_id(children)
        source = children.get(_SOURCE, [])
        if _AUTHOR not in children and not any(s.find(_AUTHOR) is not None for s in source):
            self._authorless_entries.append(line_of(entry))
        return issues

    def feed(self, feed: Element) -> list[Issue]:
        """Rules for the feed element, once its entries have been seen and removed."""
        children = children_by_tag(feed)
        issues = self._common(feed, children, "feed")
        issues += link_issues(
            feed, children.get(LINK, []), feed_level=True, schema_checks_type=True
        )
        for tag in _ICONS:
            for icon in children.get(tag, []):
                issues += url_issues(
                    icon, icon.text or "", f"<{tag[len(_A) :]}>", must_be_absolute=False
                )
        if _AUTHOR not in children:
            message = "the entry has no <author>, and neither has the feed"
            issues += [
                Issue(line, 0, "E-ATOM-AUTHOR", message) for line in self._authorless_entries
            ]
        if self._first_entry_line is not None:
            # The entries are gone from the tree by now, but RFC 4287's schema wants
            # them after all of the feed's own elements; a later element breaks that.
            for child in feed.iterchildren("*"):
                if line_of(child) > self._first_entry_line:
                    name = _written_name(child)
                    message = f"<{name}> comes after the first entry; entries must come last"
                    issues.append(Issue(line_of(child), 0, "E-SCHEMA", message))
        return issues

    def _common(
        self, element: Element, children: dict[str, list[Element]], what: str
    ) -> list[Issue]:
        issues: list[Issue] = []
        for tag, name in _REQUIRED:
            if tag not in children:
                issues.append(Issue(line_of(element), 0, "E-MISSING", f"<{what}> has no <{name}>"))
        for atom_id in children.get(_ID, []):
            value = (atom_id.text or "").strip()
            problem = absolute_url_problem(value)
            if problem == "is relative":
                problem += "; an id must be an absolute IRI, such as a tag: URI"
            if problem is not None:
                issues.append(Issue(line_of(atom_id), 0, "E-URL", f"<id> '{value}' {problem}"))
        for tag, name in ((_UPDATED, "updated"), (_PUBLISHED, "published")):
            for date in children.get(tag, []):
                issues += date_issues(date, name, _atom_date)
        for tag, name in _TEXT_CONSTRUCTS.items():
            for construct in children.get(tag, []):
                if construct.get("type") == "html":
                    issues += escaped_html_issues(construct, name)
        for tag in (_AUTHOR, _CONTRIBUTOR):
            for person in children.get(tag, []):
                issues += self._person(person, tag[len(_A) :])
        return issues

    def _person(self, person: Element, what: str) -> list[Issue]:
        issues: list[Issue] = []
        if person.find(_NAME) is None:
            issues.append(Issue(line_of(person), 0, "E-MISSING", f"<{what}> has no <name>"))
        for uri in person.iterchildren(_URI):
            issues += url_issues(uri, uri.text or "", f"<{what}> <uri>", must_be_absolute=False)
        return issues

    def _content(self, entry: Element, children: dict[str, list[Element]]) -> list[Issue]:
        issues: list[Issue] = []
        contents = children.get(_CONTENT, [])
        for content in contents:
            content_type = content.get("type")
            if content_type is not None and "/" in content_type:
                issues += _type_issues(content, content_type, "<content>")
            if content_type == "html":
                issues += escaped_html_issues(content, "content")
            issues += url_issues(
                content, content.get("src"), "<content> src", must_be_absolute=False
            )
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
        value = (atom_id.text or "").strip()
        updated = "".join((u.text or "").strip() for u in children.get(_UPDATED, []))
        if value not in self._ids:
            self._ids[value] = (line_of(atom_id), updated)
            return []
        first_line, first_updated = self._ids[value]
        if updated == first_updated:
            message = f"id '{value}' is also the id of the entry at line {first_line}"
            return [Issue(line_of(atom_id), 0, "E-ID-DUPLICATE", message)]
        # RFC 4287 4.1.1: entries sharing an id are one entry at different times.
        message = (
            f"id '{value}' is also the id of the entry at line {first_line}; readers may show one"
        )
        return [Issue(line_of(atom_id), 0, "W-ID-DUPLICATE", message)]


def _written_name(element: Element) -> str:
    """An element's name as written, prefix included where it had one."""
    local = element.tag.rpartition("}")[2]
    return f"{element.prefix}:{local}" if element.prefix else local
