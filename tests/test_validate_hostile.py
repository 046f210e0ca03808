"""feedtool validate against hostile input: servers, file names, files and documents
made to hang it, fool it or make it use time or memory without bound.

Each case is bounded: small inputs, timing compared between two sizes, or a subprocess
with a timeout, so a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedtool._cli import main
from feedtool._validate import (
    Report,
    render_github,
    render_json,
    render_text,
    validate_document,
    validate_targets,
)
from feedtool._validate import targets as targets_module
from feedtool._validate.detect import detect
from feedtool._validate.markup import unbalanced_tags

VALID_RSS = (
    b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
    b"<title>T</title><link>https://example.org/</link><description>D</description>"
    b"</channel></rss>\n"
)


def codes(report: Report) -> list[str]:
    return [f.code for f in report.findings]


# URLs


class RawServer:
    """A TCP server on 127.0.0.1 whose every connection is handled by ``serve(conn)``."""

    def __init__(self, serve: Callable[[socket.socket], None]):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self.serve = serve
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.listener.settimeout(0.1)
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                self.serve(conn)
            except OSError:
                pass

    def close(self) -> None:
        self.stopped.set()
        self.thread.join()
        self.listener.close()


@pytest.fixture
def raw_server() -> Iterator[Callable[[Callable[[socket.socket], None]], RawServer]]:
    servers: list[RawServer] = []

    def start(serve: Callable[[socket.socket], None]) -> RawServer:
        servers.append(RawServer(serve))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def test_a_redirect_to_ftp_is_refused_without_connecting(raw_server) -> None:
    trap = raw_server(lambda conn: conn.sendall(b"220 ftp trap\r\n"))
    ftp_url = f"ftp://127.0.0.1:{trap.port}/feed.xml"
    redirect = raw_server(
        lambda conn: conn.sendall(
            b"HTTP/1.1 302 Found\r\nLocation: " + ftp_url.encode() + b"\r\n"
            b"Content-Length: 0\r\nConnection: close\r\n\r\n"
        )
    )
    [report] = validate_targets([f"{redirect.url}/feed.xml"])
    assert codes(report) == ["E-FETCH"]
    assert "not an http or https URL" in report.findings[0].message
    assert ftp_url in report.findings[0].message
    time.sleep(0.2)
    assert trap.connections == 0


def test_the_deadline_bounds_the_whole_fetch_not_each_read(raw_server, monkeypatch) -> None:
    def dribble(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n<")
        for _ in range(40):
            time.sleep(0.25)  # each read waits far less than the deadline
            conn.sendall(b" ")

    server = raw_server(dribble)
    monkeypatch.setattr(targets_module, "FETCH_TIMEOUT", 1.0)
    started = time.monotonic()
    [report] = validate_targets([f"{server.url}/feed.xml"])
    elapsed = time.monotonic() - started
    assert codes(report) == ["E-FETCH"]
    assert "within 1 seconds" in report.findings[0].message
    assert elapsed < 3


def test_slow_headers_are_bounded_too(raw_server, monkeypatch) -> None:
    def dribble(conn: socket.socket) -> None:
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"x" * 40:
            conn.sendall(bytes([byte]))
            time.sleep(0.1)

    server = raw_server(dribble)
    monkeypatch.setattr(targets_module, "FETCH_TIMEOUT", 1.0)
    started = time.monotonic()
    [report] = validate_targets([f"{server.url}/feed.xml"])
    assert codes(report) == ["E-FETCH"]
    assert time.monotonic() - started < 3


def test_a_response_shorter_than_its_content_length_is_a_fetch_error(raw_server) -> None:
    def short(conn: socket.socket) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
            % (len(VALID_RSS) + 100)
            + VALID_RSS
        )

    server = raw_server(short)
    [report] = validate_targets([f"{server.url}/feed.xml"])
    assert codes(report) == ["E-FETCH"]
    assert "100 bytes short of its Content-Length" in report.findings[0].message


def test_a_complete_response_is_still_validated(raw_server) -> None:
    def whole(conn: socket.socket) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(VALID_RSS)
            + VALID_RSS
        )

    server = raw_server(whole)
    [report] = validate_targets([f"{server.url}/feed.xml"])
    assert report.kind == "rss2" and "E-FETCH" not in codes(report)


# Printed paths


FORGED = "evil\nfake.xml:1:0: error: E-FAKE: forged\x1b[2K"


def test_a_file_name_cannot_forge_a_finding_line(tmp_path: Path) -> None:
    folder = tmp_path / "feeds"
    folder.mkdir()
    (folder / FORGED).write_bytes(b"<rss version='2.0'><channel></channel></rss>")
    (folder / "café.xml").write_bytes(b"<rss version='2.0'><channel></channel></rss>")
    text = render_text(validate_targets([str(folder)]))
    assert not any(line.startswith("fake.xml") for line in text.splitlines())
    assert "E-FAKE" in text and "evil\\nfake.xml" in text and "\\x1b[2K" in text
    assert "\x1b" not in text
    assert "café.xml" in text  # non-ASCII names stay readable
    github = render_github(validate_targets([str(folder)]), tmp_path)
    assert all(line.startswith("::") or "feeds:" in line for line in github.splitlines())
    parsed = json.loads(render_json(validate_targets([str(folder)])))
    assert {Path(r["path"]).name for r in parsed} == {FORGED, "café.xml"}


def test_a_file_name_that_is_not_utf8_is_printed_and_does_not_crash(tmp_path: Path) -> None:
    folder = os.fsencode(tmp_path) + b"/feeds"
    os.mkdir(folder)
    with open(folder + b"/bad\xff.xml", "wb") as stream:
        stream.write(b"<rss version='2.0'><channel></channel></rss>")
    reports = validate_targets([os.fsdecode(folder)])
    text = render_text(reports)
    assert "bad\\xff.xml" in text
    text.encode("utf-8")  # no lone surrogate left to crash the output
    render_json(reports).encode("utf-8")
    result = CliRunner().invoke(main, ["validate", os.fsdecode(folder)])
    assert result.exit_code == 1
    assert "bad\\xff.xml" in result.output


# Entity declarations, however hidden


@pytest.mark.parametrize(
    "subset",
    [
        b'<?x \'?> <!ENTITY a "b">',  # a quote in a processing instruction
        b'<?x "?> <!ENTITY a "b">',
        b'<?x <!-- ?> <!ENTITY a "b"> <!-- -->',  # a comment's start in one
        b'<!-- \' --> <!ENTITY a "b">',  # a quote in a comment
        b'<!ATTLIST rss x CDATA "\'"> <!ENTITY a "b">',  # a quote in a literal
        b' \' <!ENTITY a "b">',  # a stray quote outside any declaration
    ],
)
def test_an_entity_declaration_is_found_whatever_precedes_it(subset: bytes) -> None:
    data = b"<!DOCTYPE rss [" + subset + b']><rss version="2.0"><channel>&a;</channel></rss>'
    assert codes(validate_document(data, "x.xml")) == ["E-XML-ENTITY"]


@pytest.mark.parametrize(
    "subset",
    [
        b'<!ATTLIST rss x CDATA \'unclosed <!ENTITY a "b">',  # a literal left open
        b'<?x never closed <!ENTITY a "b">',
        b'<!-- never closed <!ENTITY a "b">',
    ],
)
def test_a_subset_left_open_is_never_parsed(subset: bytes) -> None:
    data = b"<!DOCTYPE rss [" + subset + b']><rss version="2.0"><channel>&a;</channel></rss>'
    assert codes(validate_document(data, "x.xml")) in (["E-XML-ENTITY"], ["E-NOT-FEED"])


def test_a_second_doctype_does_not_hide_the_first_ones_entities() -> None:
    data = b'<!DOCTYPE rss [<!ENTITY a "b">]><!DOCTYPE rss><rss version="2.0"><channel/></rss>'
    assert codes(validate_document(data, "x.xml")) == ["E-XML-ENTITY"]


def test_entity_in_a_literal_or_comment_is_no_declaration() -> None:
    data = (
        b'<!DOCTYPE rss [<!-- <!ENTITY a "b"> --><?x <!ENTITY ?>'
        b'<!ATTLIST rss x CDATA "<!ENTITY]>">]>' + VALID_RSS.split(b"\n", 1)[1]
    )
    assert "E-XML-ENTITY" not in codes(validate_document(data, "x.xml"))


# Time linear in the input


def seconds(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def test_a_root_tag_with_a_long_attribute_and_no_equals_sign_is_read_quickly() -> None:
    # 26.5 s at 50 KB when each character started a search for "=" over the rest.
    data = b"<rss " + b"a" * 50_000 + b' version="2.0"><channel/></rss>'
    assert seconds(lambda: validate_document(data, "x.xml")) < 1
    assert detect(data).kind == "rss2"  # the attribute after it still counts
    many = b"<rss " + b"a " * 25_000 + b"version='0.91'>"
    assert seconds(lambda: detect(many)) < 1 and detect(many).kind == "rss0.9x"


def test_a_run_of_namespace_prefixes_without_equals_sign_is_read_quickly() -> None:
    # 6.4 s at 120 KB when each "xmlns:" scanned the whole run after it.
    data = b'<rss version="2.0"><channel ' + b"xmlns:" * 20_000 + b"/></rss>"
    assert seconds(lambda: validate_document(data, "x.xml")) < 1


@pytest.mark.parametrize(
    "unit",
    ["<a", "<a x='", '<a "', "<!--", "<!-- x", "<script></script>", "<script>", "</a", "<div>"],
)
def test_escaped_html_is_checked_in_linear_time(unit: str) -> None:
    # 25,000 "<a" took 8-27 s when each "<" searched the rest for its ">".
    small, large = unit * 10_000, unit * 40_000
    unbalanced_tags(small)  # warm up
    assert seconds(lambda: unbalanced_tags(large)) < 1
    # Linear: four times the text in well under sixteen times the time.
    best_small = min(seconds(lambda: unbalanced_tags(small)) for _ in range(3))
    best_large = min(seconds(lambda: unbalanced_tags(large)) for _ in range(3))
    assert best_large < 10 * best_small + 0.01


# Files that never end


def run_validate(*args: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    """``feedtool validate ARGS`` in a subprocess, so that a hang fails the test."""
    command = [sys.executable, "-m", "feedtool", "validate", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_or_in_a_folder_is_not_read(tmp_path: Path) -> None:
    folder = tmp_path / "feeds"
    folder.mkdir()
    (folder / "rss.xml").write_bytes(VALID_RSS)
    os.mkfifo(folder / "pipe.xml")
    named = run_validate(str(folder / "pipe.xml"))
    assert named.returncode == 1
    assert f"{folder / 'pipe.xml'}:1:0: error: E-READ: cannot read" in named.stdout
    assert "not a regular file (a FIFO)" in named.stdout
    walked = run_validate(str(folder))
    assert walked.returncode == 0, walked.stdout  # a warning only
    assert f"{folder / 'pipe.xml'}:1:0: warning: W-NOT-REGULAR:" in walked.stdout
    assert f"{folder / 'rss.xml'}: rss2, 0 errors" in walked.stdout
    only_pipe = tmp_path / "pipes"
    only_pipe.mkdir()
    os.mkfifo(only_pipe / "pipe.xml")
    assert "E-NO-FEEDS" in run_validate(str(only_pipe)).stdout


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_device_is_refused_and_standard_input_is_capped(tmp_path: Path) -> None:
    device = run_validate("/dev/zero")
    assert device.returncode == 1
    assert "/dev/zero:1:0: error: E-READ: cannot read /dev/zero: not a regular file" in (
        device.stdout
    )
    with open("/dev/zero", "rb") as zeros:
        command = [sys.executable, "-m", "feedtool", "validate", "-"]
        piped = subprocess.run(command, stdin=zeros, capture_output=True, text=True, timeout=60)
    assert "<stdin>:1:0: error: E-READ: cannot read <stdin>: larger than 64 MiB" in piped.stdout


def test_a_file_larger_than_the_limit_is_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(targets_module, "READ_LIMIT", 100)
    big = tmp_path / "big.xml"
    big.write_bytes(VALID_RSS + b" " * 100)
    [report] = validate_targets([str(big)])
    assert codes(report) == ["E-READ"] and "larger than" in report.findings[0].message


# JSON that json.loads reads but is not JSON, or not one value per name


JSON_HEAD = '{"version": "https://jsonfeed.org/version/1.1", "title": "T", "items": []'


def json_findings(text: str) -> list[tuple[int, int, str, str]]:
    report = validate_document(text.encode("utf-8"), "feed.json")
    return [(f.line, f.column, f.code, f.message) for f in report.findings if f.code[0] == "E"]


def test_a_five_thousand_digit_number_is_a_finding_not_a_crash() -> None:
    [finding] = json_findings(JSON_HEAD + ',\n"_n": ' + "1" * 5000 + "}")
    assert finding[:3] == (2, 7, "E-JSON-SYNTAX")
    assert "5000 digits" in finding[3]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(constant: str) -> None:
    text = JSON_HEAD.replace('"T"', '"NaN Infinity"') + f',\n "_x": [1, {constant}]}}'
    [finding] = json_findings(text)
    assert finding[:3] == (2, 12, "E-JSON-SYNTAX")
    assert finding[3].startswith(f"{constant} is not JSON")


def test_a_name_twice_in_one_object_is_an_error() -> None:
    text = (
        '{"version": "https://jsonfeed.org/version/1",\n"title": "T",\n'
        '"version": "https://jsonfeed.org/version/1.1",\n'
        '"items": [{"id": "1", "content_text": "a", "id": "2"}]}'
    )
    found = json_findings(text)
    assert [(code, message.split("'")[1]) for _, _, code, message in found] == [
        ("E-JSON-SYNTAX", "version"),
        ("E-JSON-SYNTAX", "id"),
    ]
    assert found[1][0] == 4  # where the item is
    text = JSON_HEAD + ',\n"items": []}'
    assert [f[0] for f in json_findings(text)] == [1]  # the name's first place


def test_a_lone_surrogate_is_a_finding_and_every_report_survives(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(JSON_HEAD + ', "_t": "x\\ud800"}')
    (tmp_path / "b.json").write_text(JSON_HEAD.replace('"T"', '"ok \\ud83d\\ude00"') + "}")
    reports = validate_targets([str(tmp_path)])
    assert [codes(r) for r in reports] == [["W-SELF-LINK", "E-JSON-SYNTAX"], ["W-SELF-LINK"]]
    assert "\\ud800 is a lone surrogate" in reports[0].findings[1].message
    for output_format in ("text", "json", "github"):
        result = CliRunner().invoke(main, ["validate", "--format", output_format, str(tmp_path)])
        assert result.exit_code == 1
        result.output.encode("utf-8")
        assert "b.json" in result.output


# Memory bounded by the document


def crowded_rss(attributes: int) -> bytes:
    names = " ".join(f'a{i}="{i}"' for i in range(attributes))
    return (
        b'<rss version="2.0"><channel><title>T</title><link>https://e.org/</link>'
        b"<description>D</description><item " + names.encode() + b"><title>x</title>"
        b"</item></channel></rss>"
    )


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="no /proc here")
def test_an_element_with_too_many_attributes_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "crowded.xml"
    path.write_bytes(crowded_rss(200_000))  # 3 MB; 152 MB at its peak when parsed
    script = (
        "import sys\n"
        "from feedtool._validate import validate_targets\n"
        "[report] = validate_targets([sys.argv[1]])\n"
        "print(report.findings[0])\n"
        # VmHWM is this program's own peak; ru_maxrss keeps the parent's across exec.
        "status = open('/proc/self/status').read()\n"
        "print(status.split('VmHWM:')[1].split()[0])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=60
    )
    finding, peak_kib = done.stdout.splitlines()
    assert finding == (
        f"{path}:1:0: error: E-WELLFORMED: an element with 200,000 attributes"
        " (more than 10,000); the document is not parsed"
    )
    assert int(peak_kib) < 90 * 1024  # the interpreter and lxml take about 30 MB


def test_many_attributes_below_the_limit_are_parsed() -> None:
    report = validate_document(crowded_rss(9_000), "x.xml")
    assert "attributes (more than" not in "".join(f.message for f in report.findings)
    assert report.kind == "rss2"
