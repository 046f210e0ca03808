"""`feedtool serve`: the site built for the address it is served at, as a user runs it (a
feed reader subscribes and polls over HTTP) and as a library (``open_preview``)."""

from __future__ import annotations

import contextlib
import html
import http.client
import json
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import feedparser
import pytest
from click.testing import CliRunner

from feedtool._build import EntriesRejected, build
from feedtool._cache import CACHE_DIR
from feedtool._cli import main
from feedtool._config import Settings
from feedtool._errors import ConfigError
from feedtool._init import CACHE_IGNORE
from feedtool._serve import OWNER_NAME, Preview, Rebuilt, open_preview, preview_settings
from tests.conftest import SITE_URL, SiteFolder, article

# A wait that should end at once; generous only so a loaded CI machine does not fail.
TIMEOUT = 10.0


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
    # The watcher's rebuild fails: pages list the error, the last good feeds stay.
    wait_until(lambda: get(port, "/")[0] == 503)
    assert b"005_broken.txt:1: error:" in get(port, "/")[2]
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


def stop(process: subprocess.Popen) -> tuple[str, str]:
    """Ctrl-C, then what the process printed; it must end cleanly."""
    process.send_signal(signal.SIGINT)
    try:
        stdout, stderr = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    return stdout, stderr


def test_serve_previews_the_served_address_and_leaves_the_output_folder_alone(
    three_entry_site: SiteFolder,
):
    process = start_serving(three_entry_site, 0)
    try:
        serving, subscribe = process.stdout.readline(), process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:(\d+)/", serving)
        assert url, serving
        port = int(url.group(1))
        assert subscribe.startswith(f"Subscribe a feed reader to {url.group(0)}rss.xml")
        _, _, body = get(port, "/rss.xml")
        feed = feedparser.parse(body)
        assert feed.feed.link == url.group(0)
        assert [entry.link for entry in feed.entries if "elsewhere" not in entry.link]
        assert all(
            entry.link.startswith(url.group(0))
            for entry in feed.entries
            if "elsewhere" not in entry.link
        )
    finally:
        stop(process)
    assert not three_entry_site.output.exists()
    assert not (three_entry_site.root / CACHE_DIR / "preview" / f"127.0.0.1-{port}").exists()


def test_serve_watch_starts_with_a_broken_article_and_serves_once_it_is_fixed(
    three_entry_site: SiteFolder,
):
    broken = three_entry_site.add("004_broken.txt", "Date: not a date\n\nBroken\n")
    port = free_port()
    process = start_serving(three_entry_site, port, "--watch")
    try:
        wait_until(lambda: _status(port) == 503)
        page = get(port, "/")[2].decode()
        assert "004_broken.txt:1: error:" in page
        broken.write_text(article(title="Mended", date="2026-04-01"), encoding="utf-8")
        wait_until(lambda: _status(port) == 200)
        assert feedparser.parse(get(port, "/rss.xml")[2]).entries[0].title == "Mended"
    finally:
        _, stderr = stop(process)
    assert "004_broken.txt:1: error:" in stderr
    assert "pages list these errors until a rebuild succeeds" in stderr


def test_serve_watch_reloads_feedtool_toml_and_survives_a_bad_one(three_entry_site: SiteFolder):
    port = free_port()
    process = start_serving(three_entry_site, port, "--watch")
    config = three_entry_site.config
    good = config.read_text()
    try:
        wait_until(lambda: _answers(port))
        config.write_text(good.replace("Test News", "Renamed News"))
        wait_until(lambda: b"Renamed News" in get(port, "/rss.xml")[2])
        config.write_text(good.replace("[site]", "[site\n"))
        wait_until(lambda: _status(port) == 503)
        assert b"not valid TOML" in get(port, "/")[2]
        assert b"Renamed News" in get(port, "/rss.xml")[2]
        config.write_text(good)
        wait_until(lambda: _status(port) == 200)
        assert b"Renamed News" not in get(port, "/rss.xml")[2]
    finally:
        _, stderr = stop(process)
    assert f"{config}:1: error: not valid TOML" in stderr
    assert "rebuilt: settings reloaded;" in stderr


def test_serve_skip_invalid_previews_the_valid_entries(three_entry_site: SiteFolder):
    three_entry_site.add("004_broken.txt", "Date: not a date\n\nBroken\n")
    port = free_port()
    process = start_serving(three_entry_site, port, "--skip-invalid")
    try:
        wait_until(lambda: _answers(port))
        assert len(feedparser.parse(get(port, "/rss.xml")[2]).entries) == 3
    finally:
        _, stderr = stop(process)
    assert "004_broken.txt:1: warning: skipped:" in stderr


def _status(port: int) -> int | None:
    try:
        return get(port, "/")[0]
    except OSError:
        return None


def run_serve(site: SiteFolder, *options: str):
    return CliRunner().invoke(
        main, ["serve", "--config", str(site.config), "--port", "0", *options]
    )


def test_serve_without_watch_exits_1_on_a_broken_article_and_names_skip_invalid(
    three_entry_site: SiteFolder,
):
    three_entry_site.add("004_broken.txt", "Date: not a date\n\nBroken\n")
    result = run_serve(three_entry_site)
    assert result.exit_code == 1
    assert "004_broken.txt:1: error:" in result.stderr
    assert "--skip-invalid" in result.stderr
    assert list((three_entry_site.root / CACHE_DIR / "preview").iterdir()) == []


def test_serve_exits_2_on_a_bad_config_at_start(three_entry_site: SiteFolder):
    three_entry_site.write_config(extra="[build]\nlimit = -1\n")
    result = run_serve(three_entry_site, "--watch")
    assert result.exit_code == 2
    assert "limit must be 0" in result.stderr


# The preview as a library: open_preview, rebuild, watch


@contextlib.contextmanager
def previewing(site: SiteFolder, port: int = 0, host: str = "127.0.0.1", **options):
    """A preview of ``site`` (not built yet) served from a thread."""
    preview = open_preview(site.config, {}, host, port, log=lambda line: None, **options)
    thread = threading.Thread(target=preview.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield preview
    finally:
        preview.shutdown()
        thread.join(TIMEOUT)
        assert not thread.is_alive()


def fetch(preview: Preview, path: str) -> tuple[int, dict, bytes]:
    parts = urlsplit(preview.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def feed_of(preview: Preview, path: str = "/rss.xml") -> feedparser.FeedParserDict:
    status, _, body = fetch(preview, path)
    assert status == 200
    return feedparser.parse(body)


def test_preview_feeds_link_to_the_served_address(three_entry_site: SiteFolder):
    with previewing(three_entry_site) as preview:
        preview.rebuild()
        assert preview.url == f"http://127.0.0.1:{preview.server.port}/"
        for path in ("/rss.xml", "/atom.xml"):
            feed = feed_of(preview, path)
            assert feed.feed.link == preview.url, path
            links = {entry.title: entry.link for entry in feed.entries}
            # Gamma's Link: line names its original elsewhere; the others are pages here.
            assert links.pop("Gamma third") == "https://elsewhere.example.com/g"
            assert links and all(link.startswith(preview.url) for link in links.values())
            for link in links.values():
                assert fetch(preview, urlsplit(link).path)[0] == 200
        category = feed_of(preview, "/categories/transit/rss.xml")
        assert category.feed.link.startswith(preview.url)
        assert all(entry.link.startswith(preview.url) for entry in category.entries)
        _, _, json_body = fetch(preview, "/feed.json")
        document = json.loads(json_body)
        assert document["home_page_url"] == preview.url
        assert document["feed_url"] == preview.url + "feed.json"
        urls = [item["url"] for item in document["items"]]
        assert sum(url.startswith(preview.url) for url in urls) == 2
    assert SITE_URL not in json_body.decode()


@pytest.mark.parametrize("id_authority", ["news.example.org,2026", None])
def test_preview_ids_are_the_ids_production_publishes(
    three_entry_site: SiteFolder, tmp_path: Path, id_authority: str | None
):
    three_entry_site.write_config(id_authority=id_authority)
    production = tmp_path / "production"
    build(three_entry_site.settings(output=production), use_cache=False)
    with previewing(three_entry_site) as preview:
        preview.rebuild()
        for path, name in (("/rss.xml", "rss.xml"), ("/atom.xml", "atom.xml")):
            published = feedparser.parse((production / name).read_bytes())
            previewed = feed_of(preview, path)
            assert [entry.id for entry in previewed.entries] == [
                entry.id for entry in published.entries
            ]
            assert previewed.feed.get("id") == published.feed.get("id")
        published_json = json.loads((production / "feed.json").read_bytes())
        previewed_json = json.loads(fetch(preview, "/feed.json")[2])
        assert [item["id"] for item in previewed_json["items"]] == [
            item["id"] for item in published_json["items"]
        ]
    expected = id_authority or "news.example.org,2000"
    assert all(item["id"].startswith(f"tag:{expected}:") for item in published_json["items"])


def test_preview_warns_as_build_does(three_entry_site: SiteFolder, tmp_path: Path):
    three_entry_site.write_config(id_authority=None)
    report = build(three_entry_site.settings(output=tmp_path / "production"), use_cache=False)
    assert any("id_authority" in warning.message for warning in report.warnings)
    with previewing(three_entry_site) as preview:
        assert [str(w) for w in preview.rebuild().report.warnings] == [
            str(w) for w in report.warnings
        ]
        # A rebuild that finds nothing changed reports them again.
        again = preview.rebuild().report
        assert again.nothing_changed
        assert [str(w) for w in again.warnings] == [str(w) for w in report.warnings]


def test_preview_does_not_create_the_output_folder(three_entry_site: SiteFolder):
    with previewing(three_entry_site) as preview:
        preview.rebuild()
        three_entry_site.add("004_delta.txt", article(title="Delta", date="2026-04-01"))
        preview.rebuild()
    assert not three_entry_site.output.exists()
    assert not any(three_entry_site.root.glob(".public*"))


def test_preview_leaves_a_built_output_folder_and_its_cache_untouched(
    three_entry_site: SiteFolder,
):
    build(three_entry_site.settings())
    cache = three_entry_site.root / CACHE_DIR

    def state() -> dict[str, tuple[bytes, int]]:
        files = [*three_entry_site.output.rglob("*"), *cache.glob("*")]
        return {str(p): (p.read_bytes(), p.stat().st_mtime_ns) for p in files if p.is_file()}

    before = state()
    with previewing(three_entry_site) as preview:
        preview.rebuild()
        preview.rebuild()
        assert fetch(preview, "/")[0] == 200
    assert state() == before
    # The next real build finds its cache as it left it: nothing to do.
    assert build(three_entry_site.settings()).nothing_changed


def test_the_preview_is_built_under_the_cache_folder_which_git_ignores(
    three_entry_site: SiteFolder,
):
    init_ignore = three_entry_site.root / ".gitignore"
    init_ignore.write_text(CACHE_IGNORE + "\n", encoding="utf-8")
    with previewing(three_entry_site) as preview:
        preview.rebuild()
        folder = three_entry_site.root / CACHE_DIR / "preview" / f"127.0.0.1-{preview.server.port}"
        assert preview.folder == folder
        assert preview.server.root == (folder / "site").resolve()
        assert (folder / "site" / "index.html").is_file()
        if shutil.which("git"):
            subprocess.run(["git", "init", "-q", str(three_entry_site.root)], check=True)
            ignored = subprocess.run(
                [
                    "git",
                    "-C",
                    str(three_entry_site.root),
                    "check-ignore",
                    "-q",
                    str(folder / "site" / "rss.xml"),
                ]
            )
            assert ignored.returncode == 0


def test_a_picked_port_s_preview_is_removed_when_the_server_stops(three_entry_site: SiteFolder):
    with previewing(three_entry_site) as preview:
        preview.rebuild()
        folder = preview.folder
        assert folder.is_dir()
    assert not folder.exists()


def test_a_fixed_port_s_preview_is_kept_and_rebuilt_only_where_changed(
    three_entry_site: SiteFolder,
):
    port = free_port()
    with previewing(three_entry_site, port=port) as preview:
        assert not preview.rebuild().report.nothing_changed
        folder = preview.folder
    assert (folder / "site" / "rss.xml").is_file()
    with previewing(three_entry_site, port=port) as preview:
        assert preview.rebuild().report.nothing_changed
        assert feed_of(preview).feed.link == f"http://127.0.0.1:{port}/"


def test_an_abandoned_picked_port_preview_is_removed_by_the_next_server(
    three_entry_site: SiteFolder,
):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    previews = three_entry_site.root / CACHE_DIR / "preview"
    abandoned, kept = previews / "127.0.0.1-1", previews / "127.0.0.1-8000"
    for folder in (abandoned, kept):
        (folder / "site").mkdir(parents=True)
    (abandoned / OWNER_NAME).write_text(f"{gone.pid}\n")
    with previewing(three_entry_site):
        assert not abandoned.exists()
        assert kept.is_dir()


def test_an_ipv6_preview_brackets_its_address(three_entry_site: SiteFolder):
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with previewing(three_entry_site, host="::1") as preview:
        preview.rebuild()
        assert preview.url == f"http://[::1]:{preview.server.port}/"
        assert preview.folder.name == f"__1-{preview.server.port}"
        feed = feed_of(preview)
        assert feed.feed.link == preview.url
        assert any(entry.link.startswith(preview.url) for entry in feed.entries)


def test_rebuild_reads_the_config_again(three_entry_site: SiteFolder):
    with previewing(three_entry_site) as preview:
        assert not preview.rebuild().settings_changed
        text = three_entry_site.config.read_text().replace("Test News", "Renamed News")
        three_entry_site.config.write_text(text)
        assert preview.rebuild().settings_changed
        assert feed_of(preview).feed.title == "Renamed News"
        assert b"<title>404 Not Found \xc2\xb7 Renamed News</title>" in fetch(preview, "/x")[2]


def test_a_bad_config_fails_the_rebuild_and_keeps_the_last_good_feeds(
    three_entry_site: SiteFolder,
):
    with previewing(three_entry_site) as preview:
        preview.rebuild()
        _, _, good_feed = fetch(preview, "/rss.xml")
        three_entry_site.write_config(extra="[build]\nlimit = -3\n")
        with pytest.raises(ConfigError) as raised:
            preview.rebuild()
        status, _, page = fetch(preview, "/")
        assert status == 503
        assert html.escape(str(raised.value), quote=False) in page.decode()
        assert fetch(preview, "/rss.xml")[2] == good_feed
        three_entry_site.write_config()
        preview.rebuild()
        assert fetch(preview, "/")[0] == 200


def test_a_broken_article_at_the_first_build_is_listed_on_every_page_until_fixed(
    three_entry_site: SiteFolder,
):
    broken = three_entry_site.add("004_broken.txt", "Date: not a date\n\nBroken\n")
    with previewing(three_entry_site) as preview:
        with pytest.raises(EntriesRejected):
            preview.rebuild()
        for path in ("/", "/rss.xml", "/entries/"):
            status, _, page = fetch(preview, path)
            assert status == 503, path
            assert "004_broken.txt:1: error:" in page.decode()
            assert "1 invalid entry; nothing published" in page.decode()
        broken.write_text(article(title="Mended", date="2026-04-01"), encoding="utf-8")
        preview.rebuild()
        assert fetch(preview, "/")[0] == 200
        assert feed_of(preview).entries[0].title == "Mended"


def test_skip_invalid_previews_the_valid_entries(three_entry_site: SiteFolder):
    three_entry_site.add("004_broken.txt", "Date: not a date\n\nBroken\n")
    with previewing(three_entry_site, skip_invalid=True) as preview:
        report = preview.rebuild().report
        assert report.entries == 3
        assert any(w.message.startswith("skipped:") for w in report.warnings)
        assert fetch(preview, "/")[0] == 200


def test_watch_rebuilds_on_config_edits_good_and_bad_and_on_a_broken_article(
    three_entry_site: SiteFolder,
):
    rebuilt: queue.Queue[Rebuilt] = queue.Queue()
    errors: queue.Queue[BaseException] = queue.Queue()
    with previewing(three_entry_site) as preview:
        preview.rebuild()
        preview.watch(rebuilt.put, on_error=errors.put, interval=0.02)
        config = three_entry_site.config
        good = config.read_text()

        config.write_text(good.replace("Test News", "Watched News"))
        assert rebuilt.get(timeout=TIMEOUT).settings_changed
        assert feed_of(preview).feed.title == "Watched News"

        config.write_text(good + "[build]\nunknown = 1\n")
        assert isinstance(errors.get(timeout=TIMEOUT), ConfigError)
        assert fetch(preview, "/")[0] == 503
        assert feed_of(preview).feed.title == "Watched News"

        config.write_text(good)
        assert rebuilt.get(timeout=TIMEOUT).settings_changed
        assert fetch(preview, "/")[0] == 200

        broken = three_entry_site.add("004_broken.txt", "Date: not a date\n\nBroken\n")
        assert isinstance(errors.get(timeout=TIMEOUT), EntriesRejected)
        assert fetch(preview, "/")[0] == 503
        broken.write_text(article(title="Mended", date="2026-04-01"), encoding="utf-8")
        assert not rebuilt.get(timeout=TIMEOUT).settings_changed
        assert feed_of(preview).entries[0].title == "Mended"
    assert errors.empty()


def test_watch_follows_the_entries_folder_the_config_names(three_entry_site: SiteFolder):
    rebuilt: queue.Queue[Rebuilt] = queue.Queue()
    other = three_entry_site.root / "drafts"
    other.mkdir()
    (other / "001_draft.txt").write_text(article(title="Draft one"), encoding="utf-8")
    with previewing(three_entry_site) as preview:
        preview.rebuild()
        preview.watch(rebuilt.put, interval=0.02)
        three_entry_site.write_config(extra='[build]\nentries = "drafts"\n')
        assert rebuilt.get(timeout=TIMEOUT).report.entries == 1
        (other / "002_draft.txt").write_text(article(title="Draft two"), encoding="utf-8")
        deadline = time.monotonic() + TIMEOUT
        while len(feed_of(preview).entries) != 2 and time.monotonic() < deadline:
            rebuilt.get(timeout=TIMEOUT)
        assert len(feed_of(preview).entries) == 2


def test_a_preview_names_no_websub_hub(tmp_path: Path):
    settings = Settings(url="https://news.example.org/", websub_hubs=("https://hub.example/",))
    preview = preview_settings(settings, "http://127.0.0.1:8000/", tmp_path)
    assert preview.websub_hubs == () and preview.url == "http://127.0.0.1:8000/"
