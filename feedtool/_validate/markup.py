"""Is escaped HTML balanced enough to show? A check for feed content, not an HTML validator.

Readers paste a feed's HTML into their own pages, so a ``<div>`` left open or a stray
``</b>`` can swallow or restyle everything after the entry. Elements whose end tag HTML
lets you leave out (``<p>``, ``<li>`` ...) and void elements (``<br>``) are fine.

Regular expressions find the tags: html.parser does the same job several times slower,
which shows on a feed of tens of megabytes (bench/VALIDATE.md). One pass follows them,
and its time is linear in the text whatever the text is: no search starts over from
each ``<``, and what a search found out about the rest of the text is kept (a tag
without its ``>``, a comment never closed, thousands of script elements).

feedtool's own content, ``<p>`` paragraphs one per line after the points' ``<ul>`` list
(one ``<li>`` per line), is confirmed by one fullmatch instead: 1.0 µs for an item of
eight paragraphs where the pass takes 12.7 µs, so ``validate_document`` of a 4,000-item
RSS feed of such items (6.5 MB) takes 85 ms, not 138 ms; 1.4 µs for the list and
paragraphs of a generated article where the pass takes 14.1 µs. A cold build of 10,000
entries checks 47,262 texts (summaries and contents), every one of them so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# A comment's start, or a tag's start with its attributes up to the first "<", ">" or
# quote left open. Quoted values stop at "<" too, so that each search ends before the
# next "<" and no text is searched twice; a tag that goes on past a "<" is followed by
# _TagEnds. Possessive quantifiers: nothing here ever backtracks.
_TAG_START = re.compile(
    r"""<!--
      | <(?P<end>/?)(?P<name>[A-Za-z][A-Za-z0-9:-]*+)
        (?P<attributes>(?:[^<>"']++|"[^"<]*+"|'[^'<]*+')*+)(?P<close>>)?""",
    re.VERBOSE,
)
# Where an attribute scan has to look again: a "<", a ">" or a quote.
_TAG_STOP = re.compile(r"""[<>"']""")
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)
_END_TAG_OPTIONAL = frozenset(
    {"html", "head", "body", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th"}
    | {"thead", "tbody", "tfoot", "colgroup", "caption", "rb", "rt", "rtc", "rp"}
)
# Elements whose content is text, not markup, up to their own end tag, found in any
# case (ASCII only: as str.lower() sees these names).
_RAW_TEXT_END = {
    name: re.compile(f"</{name}", re.IGNORECASE | re.ASCII)
    for name in ("script", "style", "textarea", "title")
}
# Paragraphs of text, maybe after a list of text items, one element per line and each
# closed: balanced at a glance (feedtool's own summaries and content are this, and so is
# much of everyone's).
_PLAIN_PARAGRAPHS = re.compile(
    r"(?:<ul>\n(?:<li>[^<]*+</li>\n)*+</ul>|<p>[^<]*+</p>)(?:\n<p>[^<]*+</p>)*+"
)


@dataclass(frozen=True)
class MarkupProblem:
    """The first imbalance found; ``line`` counts from 1 within the HTML text."""

    line: int
    message: str


def unbalanced_tags(html: str) -> MarkupProblem | None:
    """The first unclosed or stray tag in ``html``, or None when it is balanced.

    A tag is ``<name ...>`` or ``</name ...>``, quotes in it may hold ``>``; a ``<``
    that starts no tag is text, and so is everything in a comment. Void elements and
    tags ending in ``/>`` need no end tag, elements with an optional end tag are closed
    by their parent's, and script, style, textarea and title hold text up to their own
    end tag.
    """
    if "<" not in html or _PLAIN_PARAGRAPHS.fullmatch(html):
        return None
    open_names: list[str] = []  # each open element's name, innermost last
    open_starts: list[int] = []  # and where its start tag is
    for end_mark, name, start in _element_tags(html):
        if not end_mark:
            open_names.append(name)
            open_starts.append(start)
        elif open_names and open_names[-1] == name:
            open_names.pop()
            open_starts.pop()
        elif problem := _close(open_names, open_starts, name):
            return _problem(html, start, problem)
    for open_name, offset in zip(open_names, open_starts, strict=True):
        if open_name not in _END_TAG_OPTIONAL:
            return _problem(html, offset, f"<{open_name}> is never closed")
    return None


def _element_tags(html: str) -> Iterator[tuple[str, str, int]]:
    """The start and end tags that open or close an element: (end mark, name, offset).

    Void and self-closed tags are left out, and so are comments and raw text.
    """
    tag_ends = None  # a _TagEnds, made for the first tag that needs one
    comments_close = True  # until a "<!--" finds no "-->" after it, nor will a later one
    pos = 0  # where the text not yet taken as a tag, comment or raw text starts
    # A match holds no "<" after its first character, so no tag starts inside one: the
    # next match from finditer is the one a search from pos would find, once past pos.
    for match in _TAG_START.finditer(html):
        start = match.start()
        if start < pos:
            continue  # in a comment, in raw text, or in a quoted value holding "<"
        end_mark, name, attributes, closed = match.groups()
        if name is None:  # "<!--"
            comment_close = html.find("-->", start + 4) if comments_close else -1
            comments_close = comment_close >= 0
            if comments_close:
                pos = comment_close + 3
            continue
        if closed:
            pos = match.end()
        else:  # the attributes go on past a "<" or an open quote, or to the end
            tag_ends = tag_ends or _TagEnds(html)
            close = tag_ends.close_after(match.end())
            if close < 0:
                continue  # no tag after all: this "<" is text
            attributes = html[match.end("name") : close]
            pos = close + 1
        name = name.lower()
        if name in _VOID or attributes.endswith("/"):
            continue
        yield end_mark, name, start
        if not end_mark and name in _RAW_TEXT_END:
            end_tag = _RAW_TEXT_END[name].search(html, pos)
            pos = len(html) if end_tag is None else end_tag.start()


def _close(open_names: list[str], open_starts: list[int], name: str) -> str | None:
    """Close the innermost open element named ``name``; what is wrong, if that is.

    Looking from the inside out costs no more than the elements this end tag closes,
    or one look through them all when it closes nothing and the check ends.
    """
    index = len(open_names) - 1
    while index >= 0 and open_names[index] != name:
        index -= 1
    if index < 0:
        return f"</{name}> closes nothing"
    for open_name in reversed(open_names[index + 1 :]):
        if open_name not in _END_TAG_OPTIONAL:
            return f"<{open_name}> is still open at </{name}>"
    del open_names[index:], open_starts[index:]
    return None


class _TagEnds:
    """Where tags end whose attributes reach a ``<``, a quote not closed before one, or the end.

    Such a tag ends at the first ``>`` outside quotes, and where that is depends only on
    the first stop (``<``, quote or end of text) its attributes reach. Every stop passed
    is remembered with the answer, so tags that reach the same stops (thousands of
    ``<a`` without ``>``) cost one walk to the end of the text, not one each.
    """

    def __init__(self, html: str):
        self.html = html
        self.close_from: dict[int, int] = {}  # stop -> offset of the ">", or -1

    def close_after(self, stop: int) -> int:
        """The offset of the ``>`` ending a tag whose attributes reached ``stop``, or -1."""
        html, close_from = self.html, self.close_from
        passed: list[int] = []
        while (close := close_from.get(stop)) is None:
            if stop == len(html):
                close = -1
                break
            char = html[stop]
            if char == ">":
                close = stop
                break
            passed.append(stop)
            if char == "<":
                resume = stop + 1
            else:  # a quote: what it holds, ">" and "<" included, is the attribute's value
                closing_quote = html.find(char, stop + 1)
                if closing_quote < 0:
                    close = -1
                    break
                resume = closing_quote + 1
            next_stop = _TAG_STOP.search(html, resume)
            stop = len(html) if next_stop is None else next_stop.start()
        for passed_stop in passed:
            close_from[passed_stop] = close
        return close


def _problem(html: str, offset: int, message: str) -> MarkupProblem:
    return MarkupProblem(html.count("\n", 0, offset) + 1, message)
