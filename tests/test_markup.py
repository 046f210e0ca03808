"""feedtool._validate.markup: which escaped HTML is balanced, where a problem is, how fast.

The validator's corpus (test_validate_corpus.py) shows the check inside whole feeds;
these tests state its rules one by one and hold it to linear time on hostile text.
"""

from __future__ import annotations

import timeit
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedtool._validate.markup import MarkupProblem, unbalanced_tags


def problem(html: str) -> tuple[int, str] | None:
    found = unbalanced_tags(html)
    return None if found is None else (found.line, found.message)


# The rules, one by one.


def test_text_without_tags_is_balanced() -> None:
    assert unbalanced_tags("") is None
    assert unbalanced_tags("Plain text, & an ampersand > a bracket") is None


def test_nested_elements_each_closed_are_balanced() -> None:
    html = (
        '<div class="a"><h2>Title</h2><p>Some <em>text</em> and <a href="/x">a link</a>.</p></div>'
    )
    assert unbalanced_tags(html) is None


def test_unclosed_div_is_reported_on_its_line() -> None:
    assert unbalanced_tags("<p>one</p>\n<div>two\n<p>three</p>") == MarkupProblem(
        2, "<div> is never closed"
    )


def test_a_stray_end_tag_closes_nothing() -> None:
    assert problem("<p>text</p>\n</b>") == (2, "</b> closes nothing")


def test_an_end_tag_reports_an_element_still_open_inside_it() -> None:
    assert problem("<div>\n<b>bold</div>") == (2, "<b> is still open at </div>")


def test_elements_crossing_each_other_are_reported_where_the_first_end_tag_is() -> None:
    assert problem("<p>Second <em>paragraph.</p></em>") == (1, "<em> is still open at </p>")


def test_only_the_first_problem_is_reported() -> None:
    assert problem("</i>\n<div>\n</span>") == (1, "</i> closes nothing")


def test_elements_whose_end_tag_html_lets_you_leave_out_may_stay_open() -> None:
    assert unbalanced_tags("<p>one\n<p>two") is None
    assert unbalanced_tags("<ul><li>one<li>two</ul>") is None
    assert unbalanced_tags("<table><tr><td>a<td>b<tr><td>c</table>") is None
    assert unbalanced_tags("<div><p>text</div>") is None


def test_an_end_tag_closes_the_innermost_element_of_its_name() -> None:
    assert unbalanced_tags("<div><p>a<div><p>b</div></div>") is None
    assert problem("<div><div>inner</div>") == (1, "<div> is never closed")


def test_void_elements_need_no_end_tag_and_their_end_tags_are_ignored() -> None:
    assert unbalanced_tags("<p>a<br>b<hr><img src=x.png></p></br>") is None


def test_self_closed_tags_need_no_end_tag() -> None:
    assert unbalanced_tags('<span/><div class="x" /><img src=x/>') is None
    # An end tag ending in "/" is taken as self-closed too, and closes nothing.
    assert problem("<b>a</b/>") == (1, "<b> is never closed")


def test_tag_names_are_compared_in_any_case() -> None:
    assert unbalanced_tags("<DIV>text</div><Em>x</eM>") is None
    assert problem("<DIV>") == (1, "<div> is never closed")


def test_quoted_attribute_values_may_hold_angle_brackets() -> None:
    assert unbalanced_tags("<a title=\"x>y\">a</a><b title='<i>'>b</b>") is None
    assert unbalanced_tags('<div data-x="<\n>">\n</div>') is None


def test_a_less_than_sign_that_starts_no_tag_is_text() -> None:
    assert unbalanced_tags("a < b, 1<2, <> and </> are text") is None


def test_a_tag_without_its_closing_bracket_is_text() -> None:
    assert unbalanced_tags("<b>bold</b> and <div class='x") is None
    assert unbalanced_tags("<div") is None
    # The tag's open quote runs on to the end, so the <b> in it still counts as a tag.
    assert problem('<a href="x <b>') == (1, "<b> is never closed")


def test_comments_are_skipped() -> None:
    assert unbalanced_tags("<p>a<!-- <div> </b> -->b</p>") is None
    assert unbalanced_tags("<!---->") is None


def test_a_comment_never_closed_is_text() -> None:
    assert unbalanced_tags("<!-- <b></b>") is None
    assert problem("<!-- <b>") == (1, "<b> is never closed")


def test_raw_text_elements_hold_text_up_to_their_end_tag_in_any_case() -> None:
    assert unbalanced_tags("<script>if (a<b) { x = '</div>' }</script>") is None
    assert unbalanced_tags("<STYLE>p > b {}</Style><textarea><b></TEXTAREA>") is None
    assert unbalanced_tags("<title><i>Title</title>") is None


def test_a_raw_text_element_never_closed_is_reported() -> None:
    assert problem("<p>a</p>\n<script>var b = '</p>';") == (2, "<script> is never closed")


def test_a_self_closed_raw_text_element_holds_no_text() -> None:
    assert problem("<script/><b>") == (1, "<b> is never closed")


def test_plain_paragraphs_one_per_line_are_balanced() -> None:
    # feedtool's own content, which the check confirms by a quick path of its own.
    assert unbalanced_tags("<p>One &amp; two.</p>\n<p>Three > two.</p>") is None
    assert unbalanced_tags("<p></p>") is None
    assert problem("<p>One.</p>\n<p>Two.</p>\n</div>") == (3, "</div> closes nothing")


def test_a_list_of_points_before_plain_paragraphs_is_balanced() -> None:
    # feedtool's summaries and content: the points' list, then the paragraphs.
    assert unbalanced_tags("<ul>\n<li>One &amp; two.</li>\n<li>Three.</li>\n</ul>") is None
    assert unbalanced_tags("<ul>\n<li>One.</li>\n</ul>\n<p>Body.</p>\n<p>More.</p>") is None
    assert problem("<ul>\n<li>One.</li>\n</ul>\n<p>Body.</p>\n</ul>") == (
        5,
        "</ul> closes nothing",
    )
    assert problem("<ul>\n<li>One.</li>\n<p>Body.</p>") == (1, "<ul> is never closed")


# The rules on generated HTML: elements nested in any way, each closed, are balanced,
# and leaving out one end tag that HTML requires is always reported.

_TEXT = st.sampled_from(["", "text", " a < b ", "1<2", "x > y", "&lt;b&gt;", "\n"])
_LEAVES = _TEXT | st.sampled_from(
    ["<br>", "<img src=x.png alt='<b>'>", "<hr/>", "<span/>", "<!-- <div> -->"]
    + ["<script>if (a<b) {}</script>", "<STYLE>p > b {}</style>", "<title><b></title>"]
)
_ATTRIBUTES = st.sampled_from(["", ' class="a"', " title='x>y'", ' data-x="<b>"', " hidden"])
_NAMES = st.sampled_from(["div", "span", "b", "em", "a", "blockquote", "x:y", "my-el", "p", "li"])


@st.composite
def _element(draw: st.DrawFn, children: st.SearchStrategy) -> list[tuple[str, bool]]:
    """An element as pieces of HTML, each marked when it is an end tag HTML requires."""
    name = draw(_NAMES)
    start = f"<{name}{draw(_ATTRIBUTES)}>"
    pieces = [(draw(st.sampled_from([start, start.upper()])), False)]
    for child in draw(st.lists(children, max_size=4)):
        pieces += child
    if name in ("p", "li"):
        if draw(st.booleans()):
            pieces.append((f"</{name}>", False))
    else:
        pieces.append((f"</{name}>", True))
    return pieces


_HTML = st.recursive(
    _LEAVES.map(lambda leaf: [(leaf, False)]), lambda children: _element(children), max_leaves=20
)


@given(st.lists(_HTML, max_size=4))
def test_generated_html_with_every_element_closed_is_balanced(
    parts: list[list[tuple[str, bool]]],
) -> None:
    assert unbalanced_tags("".join(piece for part in parts for piece, _ in part)) is None


@given(st.lists(_HTML, min_size=1, max_size=4), st.data())
def test_generated_html_missing_one_required_end_tag_is_reported(
    parts: list[list[tuple[str, bool]]], data: st.DataObject
) -> None:
    pieces = [piece for part in parts for piece in part]
    required = [index for index, (_, is_required) in enumerate(pieces) if is_required]
    if not required:
        return  # nothing HTML requires, nothing to leave out
    left_out = data.draw(st.sampled_from(required))
    html = "".join(piece for index, (piece, _) in enumerate(pieces) if index != left_out)
    assert unbalanced_tags(html) is not None


# Linear time: hostile text of n and of 4n characters. Each case took seconds, up to
# minutes, when every "<" started a new search to the end of the text.


def _seconds(html: str) -> float:
    """The best of three runs of the check on ``html``, in seconds."""
    return min(timeit.repeat(lambda: unbalanced_tags(html), number=1, repeat=3))


_HOSTILE = [
    pytest.param(lambda count: "<a" * count, 50_000, id="50,000 <a without >"),
    pytest.param(
        lambda count: "<!--" + "<!-- " * count,
        20_000,
        id="an unclosed comment, then 100 KB of comment starts",
    ),
    pytest.param(lambda count: "<script></script>" * count, 40_000, id="40,000 script elements"),
    pytest.param(
        lambda count: '<a title="' + "<b " * count + '"',
        33_000,
        id="a 100 KB attribute value of tags, no >",
    ),
    pytest.param(lambda count: "a<b " * count, 25_000, id="a < before every word"),
    pytest.param(lambda count: "<a\"<a'" * count, 16_000, id="open quotes of both kinds"),
    pytest.param(
        lambda count: "".join(f"<e{number}>" for number in range(count // 4)) + "<b></b>" * count,
        20_000,
        id="end tags deep in distinct open elements",
    ),
]


@pytest.mark.parametrize(("make", "count"), _HOSTILE)
def test_hostile_html_is_checked_in_linear_time(make: Callable[[int], str], count: int) -> None:
    quarter_seconds = _seconds(make(count // 4))
    whole_seconds = _seconds(make(count))
    assert whole_seconds < 1.0
    # Four times the text may take four times as long, eight with noise; quadratic is 16.
    assert whole_seconds < 8 * quarter_seconds + 0.01
