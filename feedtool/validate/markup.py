"""Is escaped HTML balanced enough to show? A check for feed content, not an HTML validator.

Readers paste a feed's HTML into their own pages, so a ``<div>`` left open or a stray
``</b>`` can swallow or restyle everything after the entry. Elements whose end tag HTML
lets you leave out (``<p>``, ``<li>`` ...) and void elements (``<br>``) are fine.

A regular expression finds the tags: html.parser does the same job several times
slower, which shows on a feed of tens of megabytes (bench/VALIDATE.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TAG = re.compile(
    r"""<!--.*?-->
      | <(?P<end>/?)(?P<name>[A-Za-z][A-Za-z0-9:-]*)(?P<rest>(?:[^>"']|"[^"]*"|'[^']*')*)>""",
    re.VERBOSE | re.DOTALL,
)
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)
_END_TAG_OPTIONAL = frozenset(
    {"html", "head", "body", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th"}
    | {"thead", "tbody", "tfoot", "colgroup", "caption", "rb", "rt", "rtc", "rp"}
)
# Elements whose content is text, not markup, up to their own end tag.
_RAW_TEXT = frozenset({"script", "style", "textarea", "title"})


@dataclass(frozen=True)
class MarkupProblem:
    """The first imbalance found; ``line`` counts from 1 within the HTML text."""

    line: int
    message: str


# The same tags, for the common HTML with no comment and no raw-text element: all found
# in one call, then followed in a loop over plain tuples (see unbalanced_tags).
_PLAIN_TAG = re.compile(r"""<(/?)([A-Za-z][A-Za-z0-9:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_RAW_TEXT_START = re.compile(r"<(?:script|style|textarea|title)", re.IGNORECASE)
# Paragraphs of text, one per line, each closed: balanced at a glance (feedtool's own
# content is this, and so is much of everyone's).
_PLAIN_PARAGRAPHS = re.compile(r"(?:<p>[^<]*</p>\n)*<p>[^<]*</p>")


def unbalanced_tags(html: str) -> MarkupProblem | None:
    """The first unclosed or stray tag in ``html``, or None when it is balanced."""
    if "<" not in html or _PLAIN_PARAGRAPHS.fullmatch(html):
        return None
    # A feed of 100,000 items checks each one's HTML: most are balanced, and without
    # comments or raw text the quick pass below says so (it follows the same rules).
    plain = "<!--" not in html and not _RAW_TEXT_START.search(html)
    if plain and _plain_tags_balance(_PLAIN_TAG.findall(html)):
        return None
    return _first_problem(html)


def _plain_tags_balance(tags: list[tuple[str, str, str]]) -> bool:
    """Whether these (end mark, name, rest) tags balance, by the rules of _first_problem."""
    open_tags: list[str] = []
    for end, name, rest in tags:
        name = name.lower()
        if name in _VOID or rest.endswith("/"):
            continue
        if not end:
            open_tags.append(name)
            continue
        if name not in open_tags:
            return False
        while open_tags:
            open_name = open_tags.pop()
            if open_name == name:
                break
            if open_name not in _END_TAG_OPTIONAL:
                return False
    return all(open_name in _END_TAG_OPTIONAL for open_name in open_tags)


def _first_problem(html: str) -> MarkupProblem | None:
    open_tags: list[tuple[str, int]] = []  # name and offset of each open element
    pos = 0
    while (match := _TAG.search(html, pos)) is not None:
        pos = match.end()
        name = (match["name"] or "").lower()
        if not name or name in _VOID or match["rest"].endswith("/"):
            continue  # a comment, a void element or a self-closed one
        if not match["end"]:
            open_tags.append((name, match.start()))
            if name in _RAW_TEXT:
                closing = html.lower().find(f"</{name}", pos)
                pos = len(html) if closing < 0 else closing
            continue
        if all(open_name != name for open_name, _ in open_tags):
            return _problem(html, match.start(), f"</{name}> closes nothing")
        while open_tags:
            open_name, _ = open_tags.pop()
            if open_name == name:
                break
            if open_name not in _END_TAG_OPTIONAL:
                return _problem(html, match.start(), f"<{open_name}> is still open at </{name}>")
    for open_name, offset in open_tags:
        if open_name not in _END_TAG_OPTIONAL:
            return _problem(html, offset, f"<{open_name}> is never closed")
    return None


def _problem(html: str, offset: int, message: str) -> MarkupProblem:
    return MarkupProblem(html.count("\n", 0, offset) + 1, message)
