"""feedtool._validate: the public API, files, folders and URLs, hostile XML, feedgen output.

The per-rule cases live in the corpus (test_validate_corpus.py); these tests cover what
a single document cannot show.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime
import email.utils
import http.server
import io
import json
import re
import socket
import threading
import time
import timeit
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from feedgen.feed import FeedGenerator
from hypothesis import given, settings
from hypothesis import strategies as st

from feedtool._validate import (
    CODES,
    KINDS,
    Finding,
    Report,
    TargetsError,
    exit_status,
    render_json,
    render_text,
    validate_document,
    validate_targets,
)
from feedtool._validate import targets as targets_module
from feedtool._validate.dates import check_rfc822, check_rfc3339, check_w3cdtf
from feedtool._validate.detect import FEED_KINDS
from feedtool._validate.jsonpos import locate
from feedtool._validate.schemas import jsonfeed_validator
from feedtool._validate.values import (
    is_addr_spec,
    is_language_code,
    is_mime_type,
    link_issue,
    reference_problem,
)
from feedtool._validate.xmlstream import check_xml

CORPUS = Path(__file__).parent / "validate_corpus"
VALID_RSS = (CORPUS / "rss" / "valid-build.xml").read_bytes()
VALID_ATOM = (CORPUS / "atom" / "valid-build.xml").read_bytes()
VALID_JSON = (CORPUS / "json" / "valid-build.json").read_bytes()
BILLION_LAUGHS = (CORPUS / "hostile" / "billion-laughs.xml").read_bytes()


@dataclasses.dataclass(frozen=True)
class LocalServer:
    url: str
    root: Path
    requests: list[str]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    """An HTTP server on 127.0.0.1 (port chosen by the OS) serving tmp_path/site."""
    root = tmp_path / "site"
    root.mkdir()
    requests: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self) -> None:
            requests.append(self.path)
            super().do_GET()

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield LocalServer(f"http://127.0.0.1:{httpd.server_address[1]}", root, requests)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def codes(report: Report) -> list[str]:
    return [f.code for f in report.findings]


# The public API


def test_findings_and_reports_are_frozen() -> None:
    report = validate_document(VALID_RSS, "rss.xml")
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.kind = "atom1"  # type: ignore[misc]
    finding = Finding("a.xml", 1, 0, "error", "E-URL", "x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.line = 2  # type: ignore[misc]


def test_the_feeds_feedtool_builds_are_recognised_and_clean() -> None:
    for data, kind in ((VALID_RSS, "rss2"), (VALID_ATOM, "atom1"), (VALID_JSON, "jsonfeed1.1")):
        report = validate_document(data, "feed")
        assert (report.kind, report.findings) == (kind, ())


def test_report_splits_errors_from_warnings() -> None:
    error = Finding("f", 3, 0, "error", "E-URL", "relative")
    warning = Finding("f", 1, 0, "warning", "W-SELF-LINK", "no self link")
    report = Report("f", "rss2", (warning, error))
    assert report.errors == (error,)
    assert report.warnings == (warning,)


def test_render_text_gives_a_line_per_finding_then_a_summary_per_file() -> None:
    reports = [
        Report(
            "public/rss.xml",
            "rss2",
            (Finding("public/rss.xml", 7, 0, "warning", "W-SELF-LINK", "no self link"),),
        ),
        Report(
            "public/feed.json",
            "jsonfeed1.1",
            (
                Finding("public/feed.json", 3, 5, "error", "E-URL", "a"),
                Finding("public/feed.json", 9, 1, "error", "E-URL", "b"),
            ),
        ),
    ]
    assert render_text(reports) == (
        "public/rss.xml:7:0: warning: W-SELF-LINK: no self link\n"
        "public/rss.xml: rss2, 0 errors, 1 warning\n"
        "public/feed.json:3:5: error: E-URL: a\n"
        "public/feed.json:9:1: error: E-URL: b\n"
        "public/feed.json: jsonfeed1.1, 2 errors, 0 warnings\n"
        "2 feeds: 2 errors, 1 warning"
    )


def test_render_text_ends_with_one_total_line_in_the_singular_or_plural() -> None:
    error = Report("a.xml", "rss2", (Finding("a.xml", 2, 0, "error", "E-URL", "x"),))
    warned = Report("b.xml", "atom1", (Finding("b.xml", 1, 0, "warning", "W-SELF-LINK", "y"),))
    clean = Report("c.json", "jsonfeed1.1", ())
    assert render_text([error]).splitlines()[-1] == "1 feed: 1 error, 0 warnings"
    assert render_text([warned]).splitlines()[-1] == "1 feed: 0 errors, 1 warning"
    assert render_text([error, error, warned, clean]).splitlines()[-1] == (
        "4 feeds: 2 errors, 1 warning"
    )
    assert render_text([clean]) == "c.json: jsonfeed1.1, 0 errors, 0 warnings\n" + (
        "1 feed: 0 errors, 0 warnings"
    )


def test_render_text_quiet_is_the_findings_only() -> None:
    error = Report("a.xml", "rss2", (Finding("a.xml", 2, 0, "error", "E-URL", "x"),))
    warned = Report("b.xml", "atom1", (Finding("b.xml", 1, 0, "warning", "W-SELF-LINK", "y"),))
    clean = Report("c.json", "jsonfeed1.1", ())
    assert render_text([error, clean, warned], quiet=True) == (
        "a.xml:2:0: error: E-URL: x\nb.xml:1:0: warning: W-SELF-LINK: y"
    )
    assert render_text([clean], quiet=True) == ""


def test_render_json_stays_a_list_of_reports_without_a_total() -> None:
    reports = [Report("a.xml", "rss2", ()), Report("b.json", "jsonfeed1.1", ())]
    parsed = json.loads(render_json(reports))
    assert [sorted(report) for report in parsed] == [
        ["errors", "findings", "kind", "path", "warnings"]
    ] * 2


def test_render_json_is_a_list_of_reports_with_their_findings() -> None:
    report = validate_document((CORPUS / "rss" / "many-problems.xml").read_bytes(), "r.xml")
    parsed = json.loads(render_json([report]))
    assert parsed[0]["path"] == "r.xml"
    assert parsed[0]["kind"] == "rss2"
    assert parsed[0]["errors"] == len(report.errors)
    assert parsed[0]["findings"][0] == dataclasses.asdict(report.findings[0])
    assert set(parsed[0]["findings"][0]) == {"path", "line", "column", "level", "code", "message"}


def test_exit_status_fails_on_errors_and_on_warnings_only_when_strict() -> None:
    clean = Report("a", "rss2", ())
    warned = Report("b", "rss2", (Finding("b", 1, 0, "warning", "W-SELF-LINK", "m"),))
    failed = Report("c", "rss2", (Finding("c", 1, 0, "error", "E-URL", "m"),))
    assert exit_status([clean, warned], strict=False) == 0
    assert exit_status([clean, warned], strict=True) == 1
    assert exit_status([clean, failed], strict=False) == 1
    assert exit_status([clean], strict=True) == 0


def test_findings_come_in_document_order() -> None:
    report = validate_document((CORPUS / "rss" / "many-problems.xml").read_bytes(), "r.xml")
    lines = [f.line for f in report.findings]
    assert lines == sorted(lines)


def test_every_code_has_a_level_prefix_and_a_meaning() -> None:
    for code, meaning in CODES.items():
        assert re.fullmatch(r"[EW]-[A-Z0-9-]+", code)
        assert meaning and len(meaning) < 100


# Files, folders and URLs


def test_a_missing_path_is_a_report_not_an_exception(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere.xml")
    [report] = validate_targets([missing])
    assert (report.path, report.kind, codes(report)) == (missing, "unknown", ["E-READ"])


def test_a_file_named_explicitly_that_is_no_feed_is_an_error(tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_text("<!DOCTYPE html><html><body>hi</body></html>")
    [report] = validate_targets([str(page)])
    assert codes(report) == ["E-HTML"]


def test_a_folder_reports_its_feeds_by_content_recursively_in_sorted_order(
    tmp_path: Path,
) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "z" / "deep").mkdir(parents=True)
    (tmp_path / "b" / "feed.txt").write_bytes(VALID_RSS)  # the name does not matter
    (tmp_path / "a.json").write_bytes(VALID_JSON)
    (tmp_path / "z" / "deep" / "atom").write_bytes(VALID_ATOM)
    (tmp_path / "z" / "broken.xml").write_bytes(b'<rss version="2.0"><channel>')
    (tmp_path / "index.html").write_text("<!DOCTYPE html><html></html>")
    (tmp_path / "sitemap.xml").write_text('<urlset xmlns="http://www.sitemaps.org/"/>')
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (tmp_path / "package.json").write_text('{"name": "site"}')
    (tmp_path / "empty.xml").write_bytes(b"")

    reports = validate_targets([str(tmp_path)])

    relative = [Path(r.path).relative_to(tmp_path).as_posix() for r in reports]
    assert relative == ["a.json", "b/feed.txt", "z/broken.xml", "z/deep/atom"]
    assert [r.kind for r in reports] == ["jsonfeed1.1", "rss2", "rss2", "atom1"]
    assert codes(reports[2]) == ["E-WELLFORMED"]


def test_a_folder_without_feeds_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<html></html>")
    [report] = validate_targets([str(tmp_path)])
    assert (report.kind, codes(report)) == ("folder", ["E-NO-FEEDS"])


def test_targets_keep_their_order(tmp_path: Path) -> None:
    (tmp_path / "x.xml").write_bytes(VALID_ATOM)
    (tmp_path / "y.xml").write_bytes(VALID_RSS)
    reports = validate_targets([str(tmp_path / "y.xml"), str(tmp_path / "x.xml")])
    assert [r.kind for r in reports] == ["rss2", "atom1"]


def test_dash_reads_one_document_from_stdin_named_stdin(tmp_path: Path) -> None:
    (tmp_path / "x.xml").write_bytes(VALID_RSS)
    reports = validate_targets([str(tmp_path / "x.xml"), "-"], stdin=io.BytesIO(VALID_ATOM))
    assert [(r.path, r.kind, r.findings) for r in reports] == [
        (str(tmp_path / "x.xml"), "rss2", ()),
        ("<stdin>", "atom1", ()),
    ]


def test_dash_reads_the_process_standard_input_by_default(monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(VALID_JSON)))
    [report] = validate_targets(["-"])
    assert (report.path, report.kind, report.findings) == ("<stdin>", "jsonfeed1.1", ())


@pytest.mark.parametrize(
    "data, kind, found",
    [
        (b"", "empty", "<stdin>:1:0: error: E-EMPTY: the document is empty"),
        (b" \n\t\n", "empty", "<stdin>:1:0: error: E-EMPTY: the document is empty"),
        (
            bytes(range(256)),
            "unknown",
            "<stdin>:1:0: error: E-NOT-FEED: not a feed: neither XML nor JSON",
        ),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00",
            "unknown",
            "<stdin>:1:0: error: E-NOT-FEED: not a feed: neither XML nor JSON",
        ),
    ],
)
def test_bad_stdin_is_a_report_not_an_exception(data: bytes, kind: str, found: str) -> None:
    [report] = validate_targets(["-"], stdin=io.BytesIO(data))
    assert (report.kind, [str(f) for f in report.findings]) == (kind, [found])


def test_stdin_that_cannot_be_read_is_a_report_not_an_exception(monkeypatch) -> None:
    class Broken(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            raise OSError(5, "Input/output error")

    [report] = validate_targets(["-"], stdin=Broken())
    assert [str(f) for f in report.findings] == [
        "<stdin>:1:0: error: E-READ: cannot read <stdin>: Input/output error"
    ]
    closed = io.BytesIO(VALID_RSS)
    closed.close()
    [report] = validate_targets(["-"], stdin=closed)
    assert codes(report) == ["E-READ"] and report.kind == "unknown"
    monkeypatch.setattr("sys.stdin", None)
    [report] = validate_targets(["-"])
    assert [str(f) for f in report.findings] == [
        "<stdin>:1:0: error: E-READ: cannot read <stdin>: there is no standard input"
    ]


def test_dash_twice_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    stdin = io.BytesIO(VALID_RSS)
    with pytest.raises(TargetsError, match=r"^standard input \('-'\) can be validated only once$"):
        validate_targets(["-", str(tmp_path), "-"], stdin=stdin)
    assert stdin.tell() == 0


def test_a_url_is_fetched_and_validated(server: LocalServer) -> None:
    (server.root / "rss.xml").write_bytes(VALID_RSS)
    url = f"{server.url}/rss.xml"
    [report] = validate_targets([url])
    assert (report.path, report.kind, report.findings) == (url, "rss2", ())
    assert server.requests == ["/rss.xml"]


def test_a_url_that_fails_is_a_report_not_an_exception(server: LocalServer) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]
    not_found, refused, hostless = validate_targets(
        [f"{server.url}/missing.xml", f"http://127.0.0.1:{closed_port}/rss.xml", "http://"]
    )
    assert codes(not_found) == ["E-FETCH"] and "404" in not_found.findings[0].message
    assert codes(refused) == ["E-FETCH"]
    assert codes(hostless) == ["E-FETCH"]


def test_a_url_larger_than_the_limit_is_not_read_whole(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(targets_module, "FETCH_LIMIT", 100)
    (server.root / "rss.xml").write_bytes(VALID_RSS)
    [report] = validate_targets([f"{server.url}/rss.xml"])
    assert codes(report) == ["E-FETCH"]
    assert "larger than" in report.findings[0].message


# Hostile XML


def test_billion_laughs_is_refused_without_expansion() -> None:
    started = time.perf_counter()
    report = validate_document(BILLION_LAUGHS, "laughs.xml")
    assert codes(report) == ["E-XML-ENTITY"]
    assert time.perf_counter() - started < 1
    assert len(render_text([report])) < 500


def test_the_parser_itself_never_expands_entities_even_when_detection_is_bypassed() -> None:
    # Detection refuses a DOCTYPE with entities before parsing; this is the second wall.
    started = time.perf_counter()
    issues = check_xml(BILLION_LAUGHS, "rss2", doctype=None)
    assert time.perf_counter() - started < 1
    assert {i.code for i in issues} == {"E-WELLFORMED"}
    assert all("lollol" not in i.message for i in issues)


def test_an_external_entity_never_leaks_a_local_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOKEN-8c1f2e")
    document = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY s SYSTEM "{secret.as_uri()}">]>\n'
        '<rss version="2.0"><channel><title>&s;</title><link>https://example.org/</link>'
        '<description attr="&s;">&s;</description></channel></rss>'
    ).encode()
    report = validate_document(document, "xxe.xml")
    assert codes(report) == ["E-XML-ENTITY"]
    for output in (render_text([report]), render_json([report])):
        assert "TOKEN-8c1f2e" not in output
    direct = check_xml(document, "rss2", doctype=None)
    assert all("TOKEN-8c1f2e" not in i.message for i in direct)


def test_hostile_documents_fetch_nothing(server: LocalServer, tmp_path: Path) -> None:
    (server.root / "evil.dtd").write_text('<!ENTITY copy "(c)">')
    documents = [
        f'<!DOCTYPE rss SYSTEM "{server.url}/evil.dtd">\n<rss version="2.0"><channel>'
        "<title>&copy;</title><link>https://example.org/</link><description>d</description>"
        "</channel></rss>",
        f'<!DOCTYPE rss [<!ENTITY % p SYSTEM "{server.url}/evil.dtd"> %p;]>\n<rss version="2.0"/>',
        f'<!DOCTYPE rss [<!ENTITY e SYSTEM "{server.url}/evil.dtd">]>\n<rss version="2.0">&e;'
        "</rss>",
    ]
    for index, document in enumerate(documents):
        path = tmp_path / f"hostile-{index}.xml"
        path.write_text(document)
        validate_document(path.read_bytes(), str(path))
        check_xml(path.read_bytes(), "rss2", doctype=None)
    assert server.requests == []


# What the build writes


def test_feedgen_rss_and_atom_validate_clean() -> None:
    when = datetime.datetime(2022, 9, 10, 8, 0, tzinfo=datetime.UTC)
    feed = FeedGenerator()
    feed.id("tag:example.org,2022:feed")
    feed.title("Field Notes")
    feed.author({"name": "Jo Smith", "email": "jo@example.org"})
    feed.link(href="https://example.org/", rel="alternate")
    feed.link(href="https://example.org/feed.xml", rel="self")
    feed.description("Notes from the field")
    feed.language("en")
    feed.lastBuildDate(when)
    feed.updated(when)
    for n in range(3):
        entry = feed.add_entry()
        entry.id(f"tag:example.org,2022:post-{n}")
        entry.guid(f"tag:example.org,2022:post-{n}", permalink=False)
        entry.title(f"Post {n}")
        entry.link(href=f"https://example.org/posts/{n}/")
        entry.content(f"<p>Post <em>{n}</em></p><p>More", type="html")
        entry.summary(f"Post {n} in brief")
        entry.category(term="notes")
        entry.published(when + datetime.timedelta(days=n))
        entry.updated(when + datetime.timedelta(days=n))

    rss = feed.rss_str(pretty=True)
    atom = feed.atom_str(pretty=True)
    assert b'isPermaLink="false"' in rss and b"content:encoded" in rss and b'rel="self"' in rss
    for data, kind in ((rss, "rss2"), (atom, "atom1")):
        report = validate_document(data, kind)
        assert (report.kind, report.findings) == (kind, ()), render_text([report])


# Scale


def test_lines_past_65535_are_reported_exactly() -> None:
    filler = "<category>x</category>\n" * 70_000
    document = (
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n'
        "<title>t</title>\n<link>https://example.org/</link>\n<description>d</description>\n"
        '<atom:link href="https://example.org/rss.xml" rel="self"/>\n'
        f"<item>\n<title>t</title>\n{filler}<link>relative</link>\n</item>\n</channel>\n</rss>\n"
    ).encode()
    report = validate_document(document, "big.xml")
    assert [(f.code, f.line) for f in report.findings] == [("E-URL", 70_009)]


def test_every_item_of_a_long_feed_is_checked() -> None:
    items = "".join(f"<item><title>{n}</title><guid>post-{n}</guid></item>\n" for n in range(5_000))
    document = (
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        "<title>t</title><link>https://example.org/</link><description>d</description>"
        f'<atom:link href="https://example.org/rss.xml" rel="self"/>\n{items}</channel></rss>'
    ).encode()
    report = validate_document(document, "long.xml")
    assert codes(report) == ["E-GUID-PERMALINK"] * 5_000
    assert [f.line for f in report.findings] == list(range(2, 5_002))


def test_nesting_too_deep_to_read_is_reported_not_a_crash() -> None:
    deep_json = b'{"version": "https://jsonfeed.org/version/1.1", "_x": '
    deep_json += b"[" * 100_000 + b"]" * 100_000 + b"}"
    deep_xml = b'<rss version="2.0">' + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</rss>"
    assert codes(validate_document(deep_json, "deep.json")) == ["E-JSON-SYNTAX"]
    assert codes(validate_document(deep_xml, "deep.xml")) == ["E-WELLFORMED"]


# Properties


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_any_bytes_give_a_report_never_an_exception(data: bytes) -> None:
    report = validate_document(data, "fuzz")
    assert report.kind in KINDS
    assert all(f.code in CODES for f in report.findings)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(
        [
            b'<rss version="2.0"><channel>',
            b'<feed xmlns="http://www.w3.org/2005/Atom">',
            b'{"version": "https://jsonfeed.org/version/1.1", "items": [',
        ]
    ),
    st.text(max_size=500),
)
def test_any_feed_shaped_text_gives_a_report_never_an_exception(start: bytes, rest: str) -> None:
    report = validate_document(start + rest.encode("utf-8"), "fuzz")
    assert report.kind in {"rss2", "atom1", "jsonfeed1.1"}
    assert all(f.code in CODES and f.line >= 0 for f in report.findings)


@given(
    st.datetimes(
        min_value=datetime.datetime(1000, 1, 1),
        max_value=datetime.datetime(9999, 12, 31),
        timezones=st.sampled_from(
            [datetime.UTC, datetime.timezone(datetime.timedelta(hours=-5, minutes=-30))]
        ),
    )
)
def test_every_date_email_utils_writes_is_a_good_rss_date(when: datetime.datetime) -> None:
    assert check_rfc822(email.utils.format_datetime(when)) == []


@given(
    st.datetimes(
        min_value=datetime.datetime(1, 1, 1),
        timezones=st.sampled_from(
            [datetime.UTC, datetime.timezone(datetime.timedelta(hours=14)), None]
        ),
    )
)
def test_isoformat_dates_are_rfc3339_exactly_when_they_have_a_zone(
    when: datetime.datetime,
) -> None:
    problems = check_rfc3339(when.isoformat(), upper_case=True)
    assert (problems == []) == (when.tzinfo is not None)


# Pieces worth pinning down on their own


def test_json_positions_point_at_keys_and_array_items() -> None:
    text = '{\n  "items": [\n    {"id": "1"},\n    {\n      "id": 2\n    }\n  ]\n}'
    positions = locate(text, [(), ("items", 1), ("items", 1, "id"), ("missing",)])
    assert positions == {(): (1, 1), ("items", 1): (4, 5), ("items", 1, "id"): (5, 7)}


def test_the_json_feed_schema_is_a_valid_draft_2020_12_schema() -> None:
    validator = jsonfeed_validator()
    validator.check_schema(validator.schema)


def test_the_atom_schema_says_where_it_departs_from_the_rfc() -> None:
    atom_rng = Path(__file__).parents[1] / "feedtool" / "_validate" / "schemas" / "atom.rng"
    text = atom_rng.read_text(encoding="utf-8")
    assert 'xml:lang=""' in text and "trang" in text
    assert text.count("feedtool:") >= 2


# Kinds: every value a report's kind can take is in KINDS and in the README

# One document for each kind validate_document reports; "folder" and the "unknown" of an
# unreadable path come from validate_targets.
KIND_EXAMPLES: dict[str, list[bytes]] = {
    "rss2": [VALID_RSS, b'<rss version="2.0"><channel>'],
    "atom1": [VALID_ATOM, (CORPUS / "detect" / "atom-entry-document.xml").read_bytes()],
    "jsonfeed1.0": [(CORPUS / "json" / "valid-version-1.json").read_bytes()],
    "jsonfeed1.1": [
        VALID_JSON,
        b'{"version": "https://jsonfeed.org/version/1.1", "items": [',
        b'{"version": "https:\\/\\/jsonfeed.org\\/version\\/1.1", "items": []}',
        b'{"version": "https:\\u002f\\u002fjsonfeed.org/version/1.1", "items": []}',
    ],
    "jsonfeed": [
        (CORPUS / "json" / "version-unknown.json").read_bytes(),
        b'{"title": "no version", "_x": {"version": "https://jsonfeed.org/version/1.1"}}',
    ],
    "rss0.9x": [b'<rss version="0.91"><channel></channel></rss>'],
    "rss1.0": [
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        b' xmlns="http://purl.org/rss/1.0/"></rdf:RDF>'
    ],
    "atom0.3": [b'<feed version="0.3" xmlns="http://purl.org/atom/ns#"></feed>'],
    "html": [b"<!DOCTYPE html><html></html>", b"<html><body>hi</body></html>"],
    "empty": [b"", b"\xef\xbb\xbf  \n"],
    "unknown": [
        bytes(range(256)),
        b'{"name": "package"}',
        b'<urlset xmlns="http://www.sitemaps.org/"/>',
        b"<?xml version='1.0'?>",
    ],
}


def test_kinds_are_the_documented_values_and_the_feed_kinds_among_them() -> None:
    assert len(set(KINDS)) == len(KINDS)
    assert FEED_KINDS.issubset(KINDS)


def test_every_kind_is_produced_by_some_input_and_nothing_else_is(tmp_path: Path) -> None:
    for kind, documents in KIND_EXAMPLES.items():
        for data in documents:
            assert validate_document(data, "doc").kind == kind, data[:60]
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "index.html").write_text("<html></html>")
    targets = [str(tmp_path / "pages"), str(tmp_path / "missing.xml"), "-"]
    by_targets = validate_targets(targets, stdin=io.BytesIO(b""))
    assert [r.kind for r in by_targets] == ["folder", "unknown", "empty"]
    produced = set(KIND_EXAMPLES) | {r.kind for r in by_targets}
    assert produced == set(KINDS)


def _kinds_written_in_the_code() -> set[str]:
    """Every literal kind in feedtool/_validate: Detected(kind), make_report(path, kind)
    and what jsonfeed_kind returns; other kinds are variables carrying one of these."""
    package = Path(__file__).parents[1] / "feedtool" / "_validate"
    kind_argument = {"Detected": 0, "make_report": 1, "Report": 1}
    found: set[str] = set()
    for module in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                position = kind_argument.get(node.func.id)
                if position is not None and len(node.args) > position:
                    argument = node.args[position]
                    if isinstance(argument, ast.Constant):
                        found.add(argument.value)
            if isinstance(node, ast.FunctionDef) and node.name == "jsonfeed_kind":
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Return) and isinstance(inner.value, ast.Constant):
                        found.add(inner.value.value)
    return found


def test_every_kind_the_code_names_is_in_kinds() -> None:
    written = _kinds_written_in_the_code()
    # The scan must see the code: these literals are there today.
    assert {"empty", "html", "unknown", "folder", "jsonfeed", "rss2"} <= written
    assert sorted(written - set(KINDS)) == []


def test_the_readme_lists_exactly_the_kinds_in_order() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n### Kinds\n", 1)[1].split("\n#", 1)[0]
    listed = re.findall(r"^\| `([^`]+)` \|", section, re.MULTILINE)
    assert listed == list(KINDS)


def test_the_readme_documents_every_code() -> None:
    readme = Path(__file__).parents[1] / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    if "## Validate feeds" not in text:
        pytest.skip("README.md has no 'Validate feeds' section yet")
    section = text.split("## Validate feeds", 1)[1].split("\n## ", 1)[0]
    assert [code for code in CODES if f"`{code}`" not in section] == []


# --- the fast JSON Schema pass gives jsonschema's verdict --------------------------------

_CORPUS_JSON = sorted((Path(__file__).parent / "validate_corpus" / "json").glob("*.json"))
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)


def _mutated(document, path: list, value):
    """The document with the member or element at ``path`` (indexes wrapped) set or removed."""
    document = json.loads(json.dumps(document))
    node = document
    for step in path[:-1]:
        if isinstance(node, dict) and node:
            node = node[sorted(node)[step % len(node)]]
        elif isinstance(node, list) and node:
            node = node[step % len(node)]
    if isinstance(node, dict) and node:
        key = sorted(node)[path[-1] % len(node)]
        if value is _REMOVE:
            del node[key]
        else:
            node[key] = value
    return document


_REMOVE = object()


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(_CORPUS_JSON),
    st.lists(st.integers(0, 50), min_size=1, max_size=4),
    st.just(_REMOVE) | _json_values,
)
def test_the_fast_json_schema_pass_agrees_with_jsonschema(source, path, value):
    from feedtool._validate.schemas import check_json, jsonfeed_validator

    try:
        document = json.loads(source.read_text(encoding="utf-8"))
    except ValueError:
        return  # a corpus case about broken JSON: nothing for a schema to see
    document = _mutated(document, path, value)
    # check_json answers [] from the fast pass alone; jsonschema must find nothing either.
    assert (check_json(document) == []) == (not list(jsonfeed_validator().iter_errors(document)))


@given(
    st.sampled_from(["http", "HTTPS", "https", "ftp"]),
    st.sampled_from([":", "://", ":///", "://host", "://:80", "://[::1]", "://[bad", "://x]"]),
    st.sampled_from(["", "/", "/path?q#f", "?q", "#f"]),
)
def test_the_quick_host_check_agrees_with_urlsplit(scheme: str, middle: str, tail: str):
    from urllib.parse import urlsplit

    from feedtool._validate.values import absolute_url_problem

    value = scheme + middle + tail
    problem = absolute_url_problem(value)
    if scheme.lower() not in ("http", "https"):
        assert problem is None
        return
    try:
        has_host = bool(urlsplit(value).netloc)
    except ValueError:  # a bracket left open: a problem named, never an exception
        assert problem is not None and "unmatched [ ]" in problem
        return
    assert (problem == "has no host") == (not has_host)
    assert problem in (None, "has no host")


# --- every value check is linear on hostile text -------------------------------------------
# Text of n and of 4n characters (100 KB): a check whose time grows with the square of
# its input shows it as 16 times the time, and takes seconds on a large attribute.


def _best_seconds(check: Callable[[], object]) -> float:
    return min(timeit.repeat(check, number=1, repeat=3))


_HOSTILE_VALUES = [
    pytest.param(lambda n: reference_problem("http://" + "a" * n + " ", absolute=True), id="uri"),
    pytest.param(lambda n: reference_problem("a" * n + "!", absolute=True), id="scheme-like"),
    pytest.param(lambda n: reference_problem("http://[" + ":" * n, absolute=True), id="host"),
    pytest.param(lambda n: link_issue("a/" * (n // 2), "https://e.org/", False), id="base"),
    pytest.param(lambda n: is_addr_spec("a@" + "a." * (n // 2) + "!"), id="email dots"),
    pytest.param(lambda n: is_addr_spec("a@a" + "-" * n + "!"), id="email dashes"),
    pytest.param(lambda n: is_language_code("en" + "-aaaaa" * (n // 6) + "!"), id="language"),
    pytest.param(lambda n: is_language_code("en" + "-a-bb" * (n // 5) + "!"), id="extensions"),
    pytest.param(lambda n: check_rfc822("(" * (n // 2) + ")" * (n // 2)), id="comments"),
    pytest.param(lambda n: check_rfc822("1 Feb 2006 01:39 GMT" + "(a)" * (n // 3)), id="many"),
    pytest.param(lambda n: check_rfc822("(" + "\\" * n), id="escapes"),
    pytest.param(lambda n: check_w3cdtf("2022-" + "0" * n), id="w3cdtf"),
    pytest.param(lambda n: is_mime_type("a/b" + ";a=b" * (n // 4) + ";"), id="mime"),
]


@pytest.mark.parametrize("check", _HOSTILE_VALUES)
def test_hostile_values_are_checked_in_linear_time(check: Callable[[int], object]) -> None:
    quarter = _best_seconds(lambda: check(25_000))
    whole = _best_seconds(lambda: check(100_000))
    assert whole < 0.5
    # Four times the text may take four times as long, eight with noise; quadratic is 16.
    assert whole < 8 * quarter + 0.01


def _extension_feed(item: str) -> bytes:
    return (
        '<rss version="2.0" xmlns:georss="http://www.georss.org/georss"'
        ' xmlns:media="http://search.yahoo.com/mrss/" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>T</title>'
        f"<link>https://e.org/</link><description>D</description><item>{item}</item>"
        "</channel></rss>"
    ).encode()


_HOSTILE_EXTENSIONS = [
    pytest.param(lambda n: f"<georss:line>{'1 ' * (n // 2)}x</georss:line>", id="georss line"),
    pytest.param(
        lambda n: f"<media:rating scheme='urn:icra'>r ({'cz 1 ' * (n // 5)}</media:rating>",
        id="icra",
    ),
    pytest.param(lambda n: f"<dc:date>{'2' * n}</dc:date>", id="dc:date"),
    pytest.param(lambda n: f"<itunes:duration>{'1:' * (n // 2)}</itunes:duration>", id="duration"),
    pytest.param(lambda n: "<dc:title>t</dc:title>" * (n // 22), id="repeated elements"),
]


@pytest.mark.parametrize("item", _HOSTILE_EXTENSIONS)
def test_hostile_extension_values_are_checked_in_linear_time(item: Callable[[int], str]) -> None:
    quarter = _best_seconds(lambda: validate_document(_extension_feed(item(25_000)), "q"))
    whole = _best_seconds(lambda: validate_document(_extension_feed(item(100_000)), "w"))
    assert whole < 1.0
    assert whole < 8 * quarter + 0.02


# --- the values W3C and feedtool read alike ------------------------------------------------


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("en", True),
        ("en-us", True),
        ("fr-CA", True),
        ("epo", True),  # Esperanto, ISO 639-2
        ("UND", True),
        ("x-klingon", True),
        ("English", False),  # BCP 47's shape allows 5 to 8 letters; no such language exists
        ("xx", False),  # two letters, but no ISO 639-1 code
        ("en_US", False),
        ("", False),
    ],
)
def test_a_language_code_is_an_iso_639_language_with_bcp_47_subtags(value: str, valid: bool):
    assert is_language_code(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("jo@example.org", True),
        ("jo.smith+feeds@mail.example.co.uk", True),
        ("jo@localhost", True),  # a host name without a dot, as the W3C's looser pattern takes
        ("Jo Smith <jo@example.org>", False),
        ("jo@example.org (Jo Smith)", False),
        ("jo@@example.org", False),
        ("@example.org", False),
    ],
)
def test_an_atom_email_is_an_addr_spec(value: str, valid: bool):
    assert is_addr_spec(value) is valid


def test_a_json_feed_is_recognised_by_its_parsed_version_however_escaped() -> None:
    escaped = b'{"version":"https:\\/\\/jsonfeed.org\\/version\\/1","title":"T","items":[]}'
    report = validate_document(escaped, "feed.json")
    assert report.kind == "jsonfeed1.0"
    assert [f.code for f in report.errors] == []
    nested = b'{"title":"T","_x":{"version":"https:\\/\\/jsonfeed.org\\/version\\/1.1"}}'
    assert validate_document(nested, "x.json").kind == "jsonfeed"
    assert validate_document(b'{"version": "1.0"}', "package.json").kind == "unknown"
