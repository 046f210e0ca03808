"""The preview server, over real HTTP on 127.0.0.1, and the polling watcher."""

from __future__ import annotations

import email.utils
import gzip
import http.client
import os
import queue
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from feedtool._errors import ServeError
from feedtool._serve import (
    ATOM,
    HTML,
    JSON_FEED,
    RSS,
    PreviewServer,
    Redirect,
    SiteLook,
    accepts_gzip,
    content_type,
    etag_matches,
    locate,
    make_server,
    served_url,
    watch,
)

SECRET = b"TOP-SECRET-CONTENT"
RSS_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<rss version="2.0"><channel><title>Notes</title>' + b"<item/>" * 50 + b"</channel></rss>\n"
)
ATOM_BODY = (
    b'<?xml version="1.0" encoding="utf-8"?>\n'
    b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Notes</title></feed>\n'
)
JSON_BODY = b'{"version": "https://jsonfeed.org/version/1.1", "title": "Notes", "items": []}\n'
INDEX_BODY = b"<!doctype html><title>Notes</title><h1>Notes</h1>\n"
CATEGORY_BODY = b"<!doctype html><title>Category x</title>\n"

# A wait that should end at once; generous only so a loaded CI machine does not fail.
TIMEOUT = 5.0


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "public"
    (root / "categories" / "x").mkdir(parents=True)
    (root / "rss.xml").write_bytes(RSS_BODY)
    (root / "atom.xml").write_bytes(ATOM_BODY)
    (root / "archive-2024.xml").write_bytes(ATOM_BODY)
    (root / "feed.json").write_bytes(JSON_BODY)
    (root / "index.html").write_bytes(INDEX_BODY)
    (root / "style.css").write_bytes(b"body { margin: 0 }\n")
    (root / "categories" / "index.html").write_bytes(b"<!doctype html><title>All</title>\n")
    (root / "categories" / "x" / "index.html").write_bytes(CATEGORY_BODY)
    (tmp_path / "secret.txt").write_bytes(SECRET)
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "index.html").write_bytes(SECRET)
    (root / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (root / "outside").symlink_to(tmp_path)
    (root / "leaked-folder").symlink_to(tmp_path / "private")
    (root / "latest.xml").symlink_to(root / "rss.xml")
    return root


@pytest.fixture
def server(site: Path) -> Iterator[PreviewServer]:
    preview = make_server(site, host="127.0.0.1", port=0, log=lambda line: None)
    thread = threading.Thread(
        target=preview.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield preview
    preview.shutdown()
    thread.join(TIMEOUT)
    assert not thread.is_alive()


def fetch(
    preview: PreviewServer,
    path: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request on a fresh connection; the path is sent exactly as given."""
    connection = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=TIMEOUT)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


# Content types


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/rss.xml", RSS),
        ("/atom.xml", ATOM),
        ("/archive-2024.xml", ATOM),
        ("/latest.xml", RSS),
        ("/feed.json", JSON_FEED),
        ("/index.html", HTML),
        ("/style.css", "text/css; charset=utf-8"),
    ],
)
def test_each_kind_of_file_gets_its_content_type(
    server: PreviewServer, path: str, expected: str
) -> None:
    status, headers, _ = fetch(server, path)
    assert status == 200
    assert headers["Content-Type"] == expected


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("anything.xml", b'<?xml version="1.0"?>\n<rss version="2.0">', RSS),
        ("rss.xml", b'<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">', ATOM),
        ("index.xml", b'<?xml version="1.0"?><?xml-stylesheet href="rss.xsl"?><rdf:RDF>', RSS),
        ("rss.xml", b"", RSS),
        ("atom.xml", b"", ATOM),
        ("sitemap.xml", b"<urlset>", "application/xml; charset=utf-8"),
        ("feed.json", b"{}", JSON_FEED),
        ("notes.json", b'{"version": "https://jsonfeed.org/version/1"}', JSON_FEED),
        ("data.json", b"{}", "application/json; charset=utf-8"),
        ("photo.png", b"\x89PNG", "image/png"),
        ("mystery.unknown-suffix", b"", "application/octet-stream"),
    ],
)
def test_content_type_sniffs_feeds_before_trusting_names(
    name: str, head: bytes, expected: str
) -> None:
    assert content_type(name, head) == expected


# Validators and conditional requests


def test_every_file_has_a_strong_etag_and_last_modified(server: PreviewServer, site: Path) -> None:
    _, headers, _ = fetch(server, "/rss.xml")
    assert headers["ETag"].startswith('"') and headers["ETag"].endswith('"')
    assert headers["Last-Modified"] == email.utils.formatdate(
        (site / "rss.xml").stat().st_mtime, usegmt=True
    )
    assert headers["Cache-Control"] == "no-cache"


def test_if_none_match_with_the_etag_is_answered_304_without_body(server: PreviewServer) -> None:
    _, first, _ = fetch(server, "/atom.xml")
    status, headers, body = fetch(server, "/atom.xml", headers={"If-None-Match": first["ETag"]})
    assert status == 304
    assert body == b""
    assert headers["ETag"] == first["ETag"]


@pytest.mark.parametrize("form", ['"stale", {etag}', "W/{etag}", "*"])
def test_if_none_match_accepts_lists_weak_tags_and_star(server: PreviewServer, form: str) -> None:
    _, first, _ = fetch(server, "/feed.json")
    if_none_match = form.format(etag=first["ETag"])
    status, _, body = fetch(server, "/feed.json", headers={"If-None-Match": if_none_match})
    assert (status, body) == (304, b"")


def test_if_none_match_with_another_etag_sends_the_file(server: PreviewServer) -> None:
    status, _, body = fetch(server, "/feed.json", headers={"If-None-Match": '"stale"'})
    assert (status, body) == (200, JSON_BODY)


def test_if_modified_since_last_modified_is_answered_304(server: PreviewServer) -> None:
    _, first, _ = fetch(server, "/rss.xml")
    since = {"If-Modified-Since": first["Last-Modified"]}
    status, _, body = fetch(server, "/rss.xml", headers=since)
    assert (status, body) == (304, b"")


def test_if_modified_since_an_older_date_sends_the_file(server: PreviewServer) -> None:
    older = {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}
    status, _, body = fetch(server, "/rss.xml", headers=older)
    assert (status, body) == (200, RSS_BODY)


def test_if_none_match_takes_precedence_over_if_modified_since(server: PreviewServer) -> None:
    _, first, _ = fetch(server, "/rss.xml")
    headers = {"If-None-Match": '"stale"', "If-Modified-Since": first["Last-Modified"]}
    status, _, body = fetch(server, "/rss.xml", headers=headers)
    assert (status, body) == (200, RSS_BODY)


def test_an_invalid_if_modified_since_is_ignored(server: PreviewServer) -> None:
    status, _, _ = fetch(server, "/rss.xml", headers={"If-Modified-Since": "yesterday"})
    assert status == 200


def test_a_republished_file_gets_a_new_etag_and_body(server: PreviewServer, site: Path) -> None:
    _, first, _ = fetch(server, "/rss.xml")
    staged = site / "rss.xml.new"
    staged.write_bytes(RSS_BODY.replace(b"Notes", b"Newer notes"))
    os.replace(staged, site / "rss.xml")
    status, headers, body = fetch(server, "/rss.xml", headers={"If-None-Match": first["ETag"]})
    assert status == 200
    assert b"Newer notes" in body
    assert headers["ETag"] != first["ETag"]


def test_etag_matches_compares_weakly() -> None:
    assert etag_matches('W/"a"', '"a"')
    assert etag_matches('"b", "a"', '"a"')
    assert not etag_matches('"a-gz"', '"a"')
    assert not etag_matches("", '"a"')


# HEAD and gzip


def test_head_sends_the_headers_of_get_and_no_body(server: PreviewServer) -> None:
    _, get_headers, _ = fetch(server, "/index.html")
    status, headers, body = fetch(server, "/index.html", method="HEAD")
    assert status == 200
    assert body == b""
    assert headers["Content-Length"] == str(len(INDEX_BODY))
    for name in ("Content-Type", "ETag", "Last-Modified"):
        assert headers[name] == get_headers[name]


def test_gzip_is_sent_when_accepted(server: PreviewServer) -> None:
    _, plain, _ = fetch(server, "/rss.xml")
    status, headers, body = fetch(server, "/rss.xml", headers={"Accept-Encoding": "br, gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert headers["Vary"] == "Accept-Encoding"
    assert headers["Content-Length"] == str(len(body))
    assert gzip.decompress(body) == RSS_BODY
    assert headers["ETag"] != plain["ETag"]
    assert headers["ETag"].endswith('-gz"')


@pytest.mark.parametrize("accept", [None, "identity", "gzip;q=0", "br", "*;q=0"])
def test_gzip_is_not_sent_unless_accepted(server: PreviewServer, accept: str | None) -> None:
    headers = {"Accept-Encoding": accept} if accept is not None else {}
    status, response, body = fetch(server, "/rss.xml", headers=headers)
    assert status == 200
    assert "Content-Encoding" not in response
    assert response["Vary"] == "Accept-Encoding"
    assert body == RSS_BODY


def test_the_gzip_etag_validates_the_gzip_response(server: PreviewServer) -> None:
    accept = {"Accept-Encoding": "gzip"}
    _, first, _ = fetch(server, "/feed.json", headers=accept)
    again = {**accept, "If-None-Match": first["ETag"]}
    status, _, body = fetch(server, "/feed.json", headers=again)
    assert (status, body) == (304, b"")


def test_head_with_gzip_reports_the_compressed_length(server: PreviewServer) -> None:
    accept = {"Accept-Encoding": "gzip"}
    _, _, body = fetch(server, "/rss.xml", headers=accept)
    status, headers, head_body = fetch(server, "/rss.xml", method="HEAD", headers=accept)
    assert (status, head_body) == (200, b"")
    assert headers["Content-Length"] == str(len(body))


def test_accepts_gzip_respects_weights() -> None:
    assert accepts_gzip("gzip, deflate")
    assert accepts_gzip("GZIP;Q=0.5")
    assert accepts_gzip("*")
    assert not accepts_gzip("*, gzip;q=0")
    assert not accepts_gzip("gzip;q=0.0")
    assert not accepts_gzip("gzip;q=nonsense")
    assert not accepts_gzip(None)


# Folders, redirects, 404 and 405


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", INDEX_BODY),
        ("/categories/x/", CATEGORY_BODY),
        ("/categories/x/?utm_source=feed", CATEGORY_BODY),
        ("//categories//x/", CATEGORY_BODY),
    ],
)
def test_a_folder_url_serves_its_index_html(
    server: PreviewServer, path: str, expected: bytes
) -> None:
    status, headers, body = fetch(server, path)
    assert status == 200
    assert headers["Content-Type"] == HTML
    assert body == expected


def test_query_strings_are_ignored(server: PreviewServer) -> None:
    status, _, body = fetch(server, "/rss.xml?page=2#top")
    assert (status, body) == (200, RSS_BODY)


@pytest.mark.parametrize(
    ("path", "location"),
    [("/categories", "/categories/"), ("/categories/x", "/categories/x/")],
)
def test_a_folder_url_without_slash_redirects_to_the_slash_form(
    server: PreviewServer, path: str, location: str
) -> None:
    status, headers, _ = fetch(server, path)
    assert status == 301
    assert headers["Location"] == location


def test_a_missing_file_is_a_404_html_page(server: PreviewServer) -> None:
    status, headers, body = fetch(server, "/no-such-page.html")
    assert status == 404
    assert headers["Content-Type"] == HTML
    assert b"404" in body
    assert headers["Content-Length"] == str(len(body))


def test_the_404_page_looks_like_the_site_and_leads_home(server: PreviewServer) -> None:
    server.look = SiteLook(title="Notes & Co", language="fr")
    status, _, body = fetch(server, "/deep/er/<script>.html")
    page = body.decode()
    assert status == 404
    assert '<html lang="fr">' in page
    assert '<link rel="stylesheet" href="/style.css">' in page
    assert '<header>\n<a href="/">Notes &amp; Co</a>\n</header>' in page
    assert "<title>404 Not Found · Notes &amp; Co</title>" in page
    assert "Nothing is published at <code>/deep/er/&lt;script&gt;.html</code>" in page
    assert "<script>" not in page


def test_the_404_page_links_no_stylesheet_when_the_site_has_none(
    server: PreviewServer, site: Path
) -> None:
    (site / "style.css").unlink()
    _, _, body = fetch(server, "/missing")
    assert b"stylesheet" not in body
    assert b'<a href="/">Home</a>' in body


def test_a_missing_favicon_is_204_no_content_not_a_logged_404(site: Path) -> None:
    lines: list[str] = []
    with make_server(site, port=0, log=lines.append) as preview:
        thread = threading.Thread(target=preview.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        status, headers, body = fetch(preview, "/favicon.ico")
        head_status, _, _ = fetch(preview, "/favicon.ico", method="HEAD")
        preview.shutdown()
        thread.join(TIMEOUT)
    assert (status, body, head_status) == (204, b"", 204)
    assert "Content-Length" not in headers
    assert lines == ["GET /favicon.ico 204", "HEAD /favicon.ico 204"]


def test_a_favicon_of_the_site_is_served(server: PreviewServer, site: Path) -> None:
    (site / "favicon.ico").write_bytes(b"\0\0\1\0icon")
    status, headers, body = fetch(server, "/favicon.ico")
    assert (status, body) == (200, b"\0\0\1\0icon")
    assert headers["Content-Type"] == "image/vnd.microsoft.icon"


def test_while_a_build_failure_stands_pages_list_it_and_feeds_stay(
    server: PreviewServer,
) -> None:
    server.failure = ("entries/a.txt:3: error: bad <date>", "1 invalid entry; nothing published")
    for path in ("/", "/categories/x/", "/index.html", "/missing"):
        status, headers, body = fetch(server, path)
        page = body.decode()
        assert status == 503, path
        assert headers["Retry-After"] == "2"
        assert '<meta http-equiv="refresh" content="2">' in page
        assert "entries/a.txt:3: error: bad &lt;date&gt;\n1 invalid entry" in page
    status, _, body = fetch(server, "/rss.xml")
    assert (status, body) == (200, RSS_BODY)
    assert fetch(server, "/style.css")[0] == 200
    assert fetch(server, "/favicon.ico")[0] == 204
    server.failure = None
    status, _, body = fetch(server, "/")
    assert (status, body) == (200, INDEX_BODY)


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8000/"),
        ("0.0.0.0", "http://127.0.0.1:8000/"),
        ("::", "http://[::1]:8000/"),
        ("::1", "http://[::1]:8000/"),
        ("localhost", "http://localhost:8000/"),
        ("192.168.1.20", "http://192.168.1.20:8000/"),
    ],
)
def test_served_url_names_an_address_this_machine_reaches(host: str, url: str) -> None:
    assert served_url(host, 8000) == url


def test_a_file_with_a_trailing_slash_is_a_404(server: PreviewServer) -> None:
    status, _, _ = fetch(server, "/rss.xml/")
    assert status == 404


def test_a_folder_without_index_html_is_a_404_not_a_listing(
    server: PreviewServer, site: Path
) -> None:
    (site / "images").mkdir()
    (site / "images" / "logo.png").write_bytes(b"\x89PNG")
    status, _, body = fetch(server, "/images/")
    assert status == 404
    assert b"logo.png" not in body


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_methods_other_than_get_and_head_are_405(server: PreviewServer, method: str) -> None:
    status, headers, _ = fetch(server, "/rss.xml", method=method, body=b"x=1")
    assert status == 405
    assert headers["Allow"] == "GET, HEAD"


# Never outside the root


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/categories/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/..\\secret.txt",
        "/%5c..%5csecret.txt",
        "/secret.txt%00",
        "/leak.txt",
        "/outside/secret.txt",
        "/outside/private/",
        "/leaked-folder/",
        "/leaked-folder",
        "/%ff%fe",
    ],
)
def test_nothing_outside_the_root_is_ever_served(server: PreviewServer, path: str) -> None:
    status, _, body = fetch(server, path)
    assert status == 404
    assert SECRET not in body


def test_dot_files_are_not_served_but_well_known_is(server: PreviewServer, site: Path) -> None:
    (site / ".feedtool-manifest").write_text("rss.xml\n")
    (site / ".well-known").mkdir()
    (site / ".well-known" / "security.txt").write_text("Contact: mailto:a@example.org\n")
    assert fetch(server, "/.feedtool-manifest")[0] == 404
    assert fetch(server, "/.well-known/security.txt")[0] == 200


def test_locate_refuses_a_literal_nul_and_non_paths(site: Path) -> None:
    assert locate(site, "/rss.xml\0") is None
    assert locate(site, "rss.xml") is None
    assert locate(site, "http://127.0.0.1/rss.xml") is None


def test_locate_follows_symlinks_that_stay_inside(site: Path) -> None:
    assert locate(site, "/latest.xml") == (site / "rss.xml").resolve()
    assert locate(site, "/categories") == Redirect("/categories/")


# Binding and stopping


def test_a_port_in_use_is_a_serve_error_naming_the_address(site: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServeError, match=f"127.0.0.1:{port}.*address already in use"):
            make_server(site, port=port, log=lambda line: None)


def test_a_second_server_on_the_same_port_is_a_serve_error(
    server: PreviewServer, site: Path
) -> None:
    with pytest.raises(ServeError, match="address already in use"):
        make_server(site, port=server.port, log=lambda line: None)


def test_a_root_that_is_not_a_folder_is_a_serve_error(tmp_path: Path) -> None:
    with pytest.raises(ServeError, match="not a folder"):
        make_server(tmp_path / "missing", port=0)


def test_the_url_names_the_bound_port(server: PreviewServer) -> None:
    assert server.port != 0
    assert server.url == f"http://127.0.0.1:{server.port}/"


def test_each_request_is_logged_in_one_short_line(site: Path) -> None:
    lines: list[str] = []
    with make_server(site, port=0, log=lines.append) as preview:
        thread = threading.Thread(target=preview.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        fetch(preview, "/rss.xml")
        fetch(preview, "/missing")
        preview.shutdown()
        thread.join(TIMEOUT)
    assert lines == ["GET /rss.xml 200", "GET /missing 404"]


def test_malformed_requests_are_logged_as_escaped_lines_without_tracebacks(
    site: Path,
) -> None:
    lines: list[str] = []
    with make_server(site, port=0, log=lines.append) as preview:
        thread = threading.Thread(target=preview.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        garbage = send_raw(preview, b"GARBAGE\r\n\r\n")
        nul = send_raw(preview, b"GET /rss.xml\x00 HTTP/1.0\r\n\r\n")
        preview.shutdown()
        thread.join(TIMEOUT)
    assert b"400" in garbage  # answered as HTTP/0.9: a body without a status line
    assert nul.startswith(b"HTTP/1.1 404 ")
    assert "GET /rss.xml\\x00 404" in lines
    assert not any("Traceback" in line or "\0" in line for line in lines)


def test_the_server_header_names_the_preview_without_python_versions(
    server: PreviewServer,
) -> None:
    _, headers, _ = fetch(server, "/")
    assert headers["Server"] == "feedtool-preview"


def send_raw(preview: PreviewServer, request: bytes) -> bytes:
    """Send bytes http.client would refuse to send and read until the server closes."""
    with socket.create_connection(("127.0.0.1", preview.port), timeout=TIMEOUT) as raw:
        raw.sendall(request)
        response = b""
        while chunk := raw.recv(4096):
            response += chunk
    return response


def test_shutdown_returns_while_a_connection_is_kept_alive(site: Path) -> None:
    preview = make_server(site, port=0, log=lambda line: None)
    thread = threading.Thread(target=preview.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    connection = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=TIMEOUT)
    try:
        connection.request("GET", "/rss.xml")
        connection.getresponse().read()
        _run_bounded(preview.shutdown)
        thread.join(TIMEOUT)
        assert not thread.is_alive()
    finally:
        connection.close()


def test_shutdown_without_serving_and_twice_does_not_hang(site: Path) -> None:
    preview = make_server(site, port=0, log=lambda line: None)
    _run_bounded(preview.shutdown)
    _run_bounded(preview.shutdown)
    preview.serve_forever()  # returns at once: the server is closed


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to self is POSIX only")
def test_ctrl_c_then_shutdown_ends_cleanly(site: Path) -> None:
    preview = make_server(site, port=0, log=lambda line: None)
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            preview.serve_forever(0.05)
    finally:
        timer.cancel()
    _run_bounded(preview.shutdown)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", preview.port), timeout=TIMEOUT)


def test_parallel_requests_are_all_answered(server: PreviewServer) -> None:
    results: queue.Queue[int] = queue.Queue()
    threads = [
        threading.Thread(target=lambda: results.put(fetch(server, "/feed.json")[0]))
        for _ in range(16)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert [results.get_nowait() for _ in threads] == [200] * 16


def _run_bounded(action: Callable[[], None]) -> None:
    """Run ``action`` in a thread and fail, rather than hang, if it does not finish."""
    thread = threading.Thread(target=action, daemon=True)
    thread.start()
    thread.join(TIMEOUT)
    assert not thread.is_alive(), f"{action} did not return within {TIMEOUT}s"


# Watching


@pytest.fixture
def start_watch() -> Iterator[Callable[..., threading.Thread]]:
    stops: list[tuple[threading.Event, threading.Thread]] = []

    def start(paths: list[Path], on_change: Callable[[], None], **options: object):
        stop = threading.Event()
        thread = watch(paths, on_change, interval=0.02, stop=stop, **options)
        stops.append((stop, thread))
        return thread

    yield start
    for stop, thread in stops:
        stop.set()
        thread.join(TIMEOUT)
        assert not thread.is_alive()


def assert_no_more(changes: queue.Queue[str]) -> None:
    with pytest.raises(queue.Empty):
        changes.get(timeout=0.2)


def test_watch_sees_creation_modification_and_deletion(
    tmp_path: Path, start_watch: Callable[..., threading.Thread]
) -> None:
    changes: queue.Queue[str] = queue.Queue()
    (tmp_path / "entries" / "2024").mkdir(parents=True)
    start_watch([tmp_path / "entries"], lambda: changes.put("change"))
    article = tmp_path / "entries" / "2024" / "first.txt"

    article.write_text("Title\n")
    assert changes.get(timeout=TIMEOUT) == "change"
    article.write_text("Title\n\nA longer body.\n")
    assert changes.get(timeout=TIMEOUT) == "change"
    article.unlink()
    assert changes.get(timeout=TIMEOUT) == "change"
    assert_no_more(changes)


def test_watch_calls_once_for_files_written_together(
    tmp_path: Path, start_watch: Callable[..., threading.Thread]
) -> None:
    changes: queue.Queue[str] = queue.Queue()
    start_watch([tmp_path], lambda: changes.put("change"))
    for number in range(5):
        (tmp_path / f"{number}.txt").write_text("x")
    assert changes.get(timeout=TIMEOUT) == "change"
    assert_no_more(changes)


def test_watch_sees_a_single_file_created_later(
    tmp_path: Path, start_watch: Callable[..., threading.Thread]
) -> None:
    changes: queue.Queue[str] = queue.Queue()
    config = tmp_path / "feedtool.toml"
    start_watch([config], lambda: changes.put("change"))
    config.write_text('title = "Notes"\n')
    assert changes.get(timeout=TIMEOUT) == "change"


def test_watch_asks_a_function_for_its_paths_at_every_poll(
    tmp_path: Path, start_watch: Callable[..., threading.Thread]
) -> None:
    changes: queue.Queue[str] = queue.Queue()
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    watched = [first]
    start_watch(lambda: list(watched), lambda: changes.put("change"))
    (second / "a.txt").write_text("x")
    assert_no_more(changes)
    watched[:] = [second]
    assert changes.get(timeout=TIMEOUT) == "change"  # the new folder's files appeared
    (second / "b.txt").write_text("x")
    assert changes.get(timeout=TIMEOUT) == "change"


def test_watch_ignores_dot_files_and_dot_folders(
    tmp_path: Path, start_watch: Callable[..., threading.Thread]
) -> None:
    changes: queue.Queue[str] = queue.Queue()
    (tmp_path / ".git").mkdir()
    start_watch([tmp_path], lambda: changes.put("change"))
    (tmp_path / ".first.txt.swp").write_text("x")
    (tmp_path / ".git" / "index").write_text("x")
    assert_no_more(changes)


def test_watch_survives_an_exception_in_on_change(
    tmp_path: Path, start_watch: Callable[..., threading.Thread]
) -> None:
    builds: queue.Queue[str] = queue.Queue()
    errors: queue.Queue[BaseException] = queue.Queue()
    outcomes = iter(["fail", "ok"])

    def rebuild() -> None:
        outcome = next(outcomes)
        builds.put(outcome)
        if outcome == "fail":
            raise ServeError("broken article")

    thread = start_watch([tmp_path], rebuild, on_error=errors.put)
    (tmp_path / "a.txt").write_text("x")
    assert builds.get(timeout=TIMEOUT) == "fail"
    assert str(errors.get(timeout=TIMEOUT)) == "error: broken article"
    (tmp_path / "b.txt").write_text("x")
    assert builds.get(timeout=TIMEOUT) == "ok"
    assert thread.is_alive()
    assert errors.empty()


def test_watch_reports_errors_to_stderr_by_default(
    tmp_path: Path,
    start_watch: Callable[..., threading.Thread],
    capsys: pytest.CaptureFixture[str],
) -> None:
    def rebuild() -> None:
        raise ServeError("broken article", path="entries/a.txt", line=3)

    start_watch([tmp_path], rebuild)
    (tmp_path / "a.txt").write_text("x")
    deadline = time.monotonic() + TIMEOUT
    seen = ""
    while "still serving" not in seen and time.monotonic() < deadline:
        time.sleep(0.02)
        seen += capsys.readouterr().err
    assert "entries/a.txt:3: error: broken article" in seen
    assert "still serving the last good build" in seen
