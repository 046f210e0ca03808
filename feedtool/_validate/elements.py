"""Reading feed elements for the rules layer: children by name, and per-value checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from feedtool._validate.codes import Issue
from feedtool._validate.markup import unbalanced_tags
from feedtool._validate.values import link_issue, reference_problem

Element = etree._Element
DateCheck = Callable[[str], list[tuple[str, str]]]

_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


@dataclass(frozen=True)
class Prescan:
    """What one look through a document's bytes tells the rules to look for in it.

    ``xml_base``: whether an element may carry xml:base. ``namespaces``: the namespaces
    the document declares, None when they could not be read off the bytes.
    """

    xml_base: bool = True
    namespaces: frozenset[str] | None = None


UNSCANNED = Prescan()  # nothing known: look for everything


# Compiled once; libxml2 walks the subtree in C, where most elements have no xml:base.
_WITH_XML_BASE = etree.XPath("descendant-or-self::*[@xml:base]")


def children_by_tag(element: Element) -> dict[str, list[Element]]:
    """The child elements of ``element`` grouped by tag (``{namespace}name``)."""
    children: dict[str, list[Element]] = {}
    for child in element:
        if isinstance(child.tag, str):  # comments and processing instructions are not
            children.setdefault(child.tag, []).append(child)
    return children


def text_of(element: Element) -> str:
    """An element's own text, without the white space around it."""
    return (element.text or "").strip()


def line_of(element: Element) -> int:
    """The line an element starts on (0 when lxml does not know it)."""
    return element.sourceline or 0


def date_issues(element: Element, name: str, check: DateCheck) -> list[Issue]:
    """Run a date check on an element's text."""
    value = (element.text or "").strip()
    return [Issue(line_of(element), 0, code, f"<{name}>: {msg}") for code, msg in check(value)]


def escaped_html_issues(element: Element, name: str) -> list[Issue]:
    """A warning when an element's text, escaped HTML, has unbalanced tags."""
    problem = unbalanced_tags(element.text or "")
    if problem is None:
        return []
    # The text starts on the element's own line, so its line n is n - 1 lines further.
    line = line_of(element) + problem.line - 1
    return [Issue(line, 0, "W-ESCAPED-HTML", f"escaped HTML in <{name}>: {problem.message}")]


def url_issues(
    element: Element, value: str | None, what: str, *, must_be_absolute: bool, iri: bool = True
) -> list[Issue]:
    """Check a link value found on ``element``: its stripped text, or an attribute as is.

    ``iri``: characters past ASCII are allowed (Atom's IRIs); RSS wants URIs.
    """
    if value is None:
        return []
    found = link_issue(value, element.base, must_be_absolute, iri=iri)
    if found is None:
        return []
    code, message = found
    return [Issue(line_of(element), 0, code, f"{what}: {message}")]


def xml_base_issues(element: Element) -> list[Issue]:
    """Every xml:base in and under ``element`` that is not a URI reference (RFC 3987)."""
    issues: list[Issue] = []
    for holder in _WITH_XML_BASE(element):
        value = holder.get(_XML_BASE)
        problem = reference_problem(value, absolute=False)
        if problem is not None:
            issues.append(Issue(line_of(holder), 0, "E-URL", f"xml:base '{value}' {problem}"))
    return issues
