"""`feedtool serve --watch` as a user runs it: a feed reader subscribes and polls over HTTP."""

from __future__ import annotations

import http.client
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin

import feedparser
import pytest

from tests.conftest import SiteFolder, article


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def wait_until(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


@pytest.fixture
def serving(three_entry_site: SiteFolder):
    port = free_port()
    process = start_serving(three_entry_site, port, "--watch")
    try:
        wait_until(lambda: _answers(port))
        yield three_entry_site, port, process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_reader_finds_feeds_by_autodiscovery_and_polls_with_304(serving):
    site, port, _ = serving
    status, _, page = get(port, "/")
    links = re.findall(r'<link rel="alternate" type="([^"]+)"[^>]*href="([^"]+)"', page.decode())
    assert [media_type for media_type, _ in links] == [
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
    ]
    feed_url = urljoin(f"http://127.0.0.1:{port}/", links[0][1])
    status, headers, body = get(port, feed_url.split(str(port), 1)[1])
    assert status == 200 and headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert [entry.title for entry in feedparser.parse(body).entries][0] == "Gamma third"
    status, _, body = get(port, "/rss.xml", {"If-None-Match": headers["ETag"]})
    assert status == 304 and body == b""
    status, headers, body = get(port, "/categories/science/rss.xml")
    assert [entry.title for entry in feedparser.parse(body).entries] == [
        "Gamma third",
        "Beta second",
    ]


def test_watch_rebuilds_on_a_new_file_and_keeps_serving_through_errors(serving):
    site, port, _ = serving
    _, headers, _ = get(port, "/rss.xml")
    site.add("004_delta.txt", article(title="Delta fourth", date="2026-04-01"))
    wait_until(lambda: b"Delta fourth" in get(port, "/rss.xml")[2])
    status, _, _ = get(port, "/rss.xml", {"If-None-Match": headers["ETag"]})
    assert status == 200  # changed feed, new ETag

    site.add("005_broken.txt", "Date: not a date\n\nBroken\n")
    time.sleep(2)  # the watcher's rebuild fails; the last good build stays
    status, _, body = get(port, "/rss.xml")
    assert status == 200 and b"Delta fourth" in body and b"Broken" not in body


def start_serving(site: SiteFolder, port: int, *options: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "feedtool", "serve", "--port", str(port), *options]
        + ["--config", str(site.config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_ctrl_c_stops_the_server_cleanly(three_entry_site: SiteFolder):
    port = free_port()
    process = start_serving(three_entry_site, port)
    wait_until(lambda: _answers(port))
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "Traceback" not in stderr
    with pytest.raises(OSError):
        get(port, "/")


def _answers(port: int) -> bool:
    try:
        return get(port, "/")[0] == 200
    except OSError:
        return False


def test_serving_without_a_built_site_builds_first(three_entry_site: SiteFolder):
    assert not (three_entry_site.output / "index.html").exists()
    port = free_port()
    process = start_serving(three_entry_site, port)
    try:
        wait_until(lambda: _answers(port))
        assert Path(three_entry_site.output / "index.html").exists()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
