"""WebSub: the feeds name their hubs, and `build --ping` / `feedtool ping` tell the hubs
which feeds changed, against a hub served on 127.0.0.1 that records what it is sent."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import feedparser
import pytest
from click.testing import CliRunner
from lxml import etree

from feedtool._build import build
from feedtool._cli import main
from feedtool._errors import ConfigError, ConfigProblems, PublishError
from feedtool._validate import validate_targets
from feedtool._websub import (
    PingResult,
    feed_urls,
    is_subscription_feed,
    ping,
    ping_warnings,
    published_feed_paths,
    unnamed_hub_warnings,
)
from tests.conftest import SITE_URL, SiteFolder, article

ATOM = "{http://www.w3.org/2005/Atom}"
HUB = "https://hub.example/"
OTHER_HUB = "https://other-hub.example/websub?a=1&b=2"

# The subscription feeds of a site whose entries are all in one category, Alpha.
SITE_FEEDS = ["atom.xml", "feed.json", "rss.xml"]
ALPHA_FEEDS = [f"categories/alpha/{name}" for name in SITE_FEEDS]


# A hub on 127.0.0.1 -------------------------------------------------------------------


@dataclass
class Received:
    path: str
    method: str
    content_type: str | None
    body: bytes

    @property
    def form(self) -> list[tuple[str, str]]:
        return parse_qsl(self.body.decode("ascii"), strict_parsing=True)


@dataclass
class Hub:
    """A hub that records every request; what it answers depends on the path:
    /ok 204, /accepted 202, /fail 500 (with a text reason), /slow never answers in time,
    /moved 301 and /temporary 307 to /ok, /to-ftp 307 to an ftp: URL."""

    url: str
    received: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def bodies(self, path: str) -> list[bytes]:
        return [request.body for request in self.received if request.path == path]

    def pinged(self, path: str) -> list[str]:
        """The feed URLs the hub at ``path`` was told about, in order."""
        return [dict(request.form)["hub.url"] for request in self.received if request.path == path]


@pytest.fixture
def hub() -> Iterator[Hub]:
    recorder = Hub(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            recorder.received.append(
                Received(self.path, self.command, self.headers.get("Content-Type"), body)
            )
            if self.path == "/slow":
                recorder.release.wait(10)
                return
            if self.path in ("/moved", "/temporary"):
                code = 301 if self.path == "/moved" else 307
                self._answer(code, b"", location=recorder.url + "ok")
                return
            if self.path == "/to-ftp":
                self._answer(307, b"", location="ftp://files.example/hub")
                return
            codes = {"/ok": 204, "/accepted": 202, "/fail": 500}
            self._answer(codes.get(self.path, 404), b"hub.url is not allowed here\n")

        def do_GET(self) -> None:  # noqa: N802 - a redirected ping that became a GET
            recorder.received.append(Received(self.path, self.command, None, b""))
            self._answer(200, b"")

        def _answer(self, code: int, body: bytes, location: str | None = None) -> None:
            self.send_response(code)
            if location:
                self.send_header("Location", location)
            if code != 204:
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if code != 204:
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        recorder.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def hub_site(site: SiteFolder, *hubs: str) -> SiteFolder:
    """The site with ``hubs`` in its config and two entries of the category Alpha."""
    listed = ", ".join(f'"{hub}"' for hub in hubs)
    site.write_config(f"websub_hub = [{listed}]\n")
    site.add("001_first.txt", article(title="First", keywords="Alpha"))
    site.add("002_second.txt", article(title="Second", keywords="Alpha", date="2026-01-03"))
    return site


def run(site: SiteFolder, *args: str):  # noqa: ANN201 - click's Result
    return CliRunner().invoke(main, [*args, "--config", str(site.config)])


# Settings -----------------------------------------------------------------------------


def test_one_hub_may_be_a_string_and_several_a_list(site: SiteFolder):
    site.write_config(f'websub_hub = "{HUB}"\n')
    assert site.settings().websub_hubs == (HUB,)
    site.write_config(f'websub_hub = ["{HUB}", "{OTHER_HUB}"]\n')
    assert site.settings().websub_hubs == (HUB, OTHER_HUB)
    site.write_config("")
    assert site.settings().websub_hubs == ()


def test_every_bad_hub_is_reported_at_once_on_the_keys_line(site: SiteFolder):
    site.write_config(
        'websub_hub = ["hub.example/", "ftp://hub.example/", 7, "https://a.example/", '
        '"https://a.example/"]\n'
    )
    with pytest.raises(ConfigProblems) as raised:
        site.settings()
    line = (
        site.config.read_text()
        .splitlines()
        .index(next(text for text in site.config.read_text().splitlines() if "websub_hub" in text))
    )
    messages = [(problem.line, problem.message) for problem in raised.value.problems]
    assert messages == [
        (
            line + 1,
            "WebSub hub 'hub.example/' is not an absolute http(s) URL "
            "(--websub-hub / [site] websub_hub), e.g. https://pubsubhubbub.appspot.com/",
        ),
        (
            line + 1,
            "WebSub hub 'ftp://hub.example/' is not an absolute http(s) URL "
            "(--websub-hub / [site] websub_hub), e.g. https://pubsubhubbub.appspot.com/",
        ),
        (line + 1, "site.websub_hub must be a string or a list of strings, got 7"),
        (
            line + 1,
            "WebSub hub 'https://a.example/' is named twice (--websub-hub / [site] websub_hub)",
        ),
    ]


def test_a_hub_of_the_wrong_type_is_a_type_error(site: SiteFolder):
    site.write_config("websub_hub = 3\n")
    with pytest.raises(ConfigError, match=r"site.websub_hub must be a string or a list of strings"):
        site.settings()


def test_the_websub_hub_option_replaces_the_configs_hubs(site: SiteFolder):
    hub_site(site, HUB)
    result = run(site, "build", "--websub-hub", OTHER_HUB, "--websub-hub", "https://third.example/")
    assert result.exit_code == 0, result.output
    links = feedparser.parse(site.read("atom.xml")).feed.links
    assert [link.href for link in links if link.rel == "hub"] == [
        OTHER_HUB,
        "https://third.example/",
    ]


def test_a_bad_websub_hub_option_is_a_usage_error_without_a_line(site: SiteFolder):
    hub_site(site, HUB)
    result = run(site, "build", "--websub-hub", "/relative")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: WebSub hub '/relative' is not an absolute http(s) URL")
    assert not site.output.exists()


# The feeds name their hubs --------------------------------------------------------------


def test_every_subscription_feed_names_every_hub(site: SiteFolder):
    hub_site(site, HUB, OTHER_HUB)
    build(site.settings())
    for folder in ("", "categories/alpha/"):
        for name in ("rss.xml", "atom.xml"):
            links = feedparser.parse(site.read(folder + name)).feed.links
            assert [link.href for link in links if link.rel == "hub"] == [HUB, OTHER_HUB]
        document = json.loads(site.read(folder + "feed.json"))
        assert document["hubs"] == [
            {"type": "WebSub", "url": HUB},
            {"type": "WebSub", "url": OTHER_HUB},
        ]


def test_rss_names_its_hubs_right_after_its_self_link(site: SiteFolder):
    hub_site(site, HUB, OTHER_HUB)
    build(site.settings())
    channel = etree.fromstring(site.read("rss.xml")).find("channel")
    links = [(link.get("rel"), link.get("href")) for link in channel.iter(f"{ATOM}link")]
    assert links[:3] == [("self", SITE_URL + "rss.xml"), ("hub", HUB), ("hub", OTHER_HUB)]
    self_link = channel.find(f"{ATOM}link")
    following = [self_link.getnext(), self_link.getnext().getnext()]
    assert [element.get("href") for element in following] == [HUB, OTHER_HUB]
    # The ampersand is escaped once, as XML needs.
    assert b'<atom:link href="https://other-hub.example/websub?a=1&amp;b=2" rel="hub"/>' in (
        site.read("rss.xml")
    )


def test_atom_names_its_hubs_as_feed_links(site: SiteFolder):
    hub_site(site, HUB)
    build(site.settings())
    feed = etree.fromstring(site.read("categories/alpha/atom.xml"))
    rels = [(link.get("rel"), link.get("href")) for link in feed.findall(f"{ATOM}link")]
    assert rels == [
        ("self", SITE_URL + "categories/alpha/atom.xml"),
        ("hub", HUB),
        ("alternate", SITE_URL + "categories/alpha/"),
    ]


def test_archive_pages_name_no_hub(site: SiteFolder):
    hub_site(site, HUB)
    build(site.settings(archive_size=1))
    archives = sorted(path.name for path in (site.output / "archive").iterdir())
    assert archives == ["1.rss", "1.xml", "2.rss", "2.xml"]
    for name in archives:
        assert b"hub" not in site.read(f"archive/{name}")


def test_feeds_with_hubs_pass_our_validator_without_a_warning(site: SiteFolder):
    hub_site(site, HUB, OTHER_HUB)
    build(site.settings(archive_size=1))
    reports = validate_targets([str(site.output)])
    assert len(reports) == 10
    assert [finding for report in reports for finding in report.findings] == []
    result = CliRunner().invoke(main, ["validate", "--strict", str(site.output)])
    assert result.exit_code == 0, result.output


def test_without_a_hub_no_feed_mentions_one(site: SiteFolder):
    hub_site(site)  # websub_hub = []
    build(site.settings(archive_size=1))
    for path in site.output.rglob("*"):
        if path.is_file():
            assert b"hub" not in path.read_bytes(), path


def test_adding_a_hub_rewrites_only_the_subscription_feeds(site: SiteFolder):
    hub_site(site)
    build(site.settings())
    site.write_config(f'websub_hub = "{HUB}"\n')
    report = build(site.settings())
    assert report.result.written == sorted(ALPHA_FEEDS + SITE_FEEDS)


# Pinging ------------------------------------------------------------------------------


def test_a_ping_is_one_form_encoded_post_per_feed_per_hub(hub: Hub):
    feeds = [SITE_URL + "rss.xml", SITE_URL + "categories/caf%C3%A9/atom.xml"]
    results = ping([hub.url + "ok", hub.url + "accepted"], feeds)
    assert results == [
        PingResult(hub.url + "ok", feeds[0], 204),
        PingResult(hub.url + "ok", feeds[1], 204),
        PingResult(hub.url + "accepted", feeds[0], 202),
        PingResult(hub.url + "accepted", feeds[1], 202),
    ]
    assert all(result.ok for result in results)
    assert ping_warnings(results) == []
    assert hub.bodies("/ok") == [
        b"hub.mode=publish&hub.url=https%3A%2F%2Fnews.example.org%2Frss.xml",
        b"hub.mode=publish&hub.url=https%3A%2F%2Fnews.example.org%2Fcategories%2Fcaf%25C3%25A9%2Fatom.xml",
    ]
    assert {request.method for request in hub.received} == {"POST"}
    assert {request.content_type for request in hub.received} == {
        "application/x-www-form-urlencoded"
    }


def test_build_ping_tells_each_hub_about_every_feed_of_a_first_build(site: SiteFolder, hub: Hub):
    hub_site(site, hub.url + "ok", hub.url + "accepted")
    result = run(site, "build", "--ping", "--archive-size", "1")
    assert result.exit_code == 0, result.output
    expected = [SITE_URL + path for path in sorted(ALPHA_FEEDS + SITE_FEEDS)]
    assert hub.pinged("/ok") == expected
    assert hub.pinged("/accepted") == expected
    assert (
        result.stdout.splitlines()[-1]
        == "WebSub: 12 of 12 pings accepted (6 changed feeds, 2 hubs)"
    )
    assert result.stderr == ""


def test_a_build_that_changes_no_feed_pings_nothing(site: SiteFolder, hub: Hub):
    hub_site(site, hub.url + "ok")
    assert run(site, "build", "--ping").exit_code == 0
    hub.received.clear()
    for options in ([], ["--no-cache"]):
        result = run(site, "build", "--ping", *options)
        assert result.exit_code == 0, result.output
        assert hub.received == []
        assert result.stdout.splitlines()[-1] == "WebSub: no changed feed; no hub pinged"


def test_only_the_feeds_that_changed_are_pinged(site: SiteFolder, hub: Hub):
    hub_site(site, hub.url + "ok")
    site.add("003_third.txt", article(title="Third", keywords="Beta", date="2025-12-01"))
    assert run(site, "build", "--ping").exit_code == 0
    hub.received.clear()
    # An edit of an entry of Beta alone: the site's feeds and Beta's change, not Alpha's.
    site.add("003_third.txt", article(title="Third, corrected", keywords="Beta", date="2025-12-01"))
    result = run(site, "build", "--ping")
    assert result.exit_code == 0, result.output
    beta = [f"categories/beta/{name}" for name in SITE_FEEDS]
    assert hub.pinged("/ok") == [SITE_URL + path for path in sorted(SITE_FEEDS + beta)]


def test_a_hub_answering_500_is_a_warning_and_the_publish_stands(site: SiteFolder, hub: Hub):
    hub_site(site, hub.url + "fail", hub.url + "ok")
    result = run(site, "build", "--ping")
    assert result.exit_code == 0, result.output
    assert (site.output / "rss.xml").is_file()
    warnings = result.stderr.splitlines()
    assert warnings == [
        f"warning: WebSub hub {hub.url}fail answered 500 for {SITE_URL}{path}: "
        "hub.url is not allowed here"
        for path in sorted(ALPHA_FEEDS + SITE_FEEDS)
    ]
    assert len(hub.pinged("/ok")) == 6
    assert (
        result.stdout.splitlines()[-1] == "WebSub: 6 of 12 pings accepted (6 changed feeds, 2 hubs)"
    )


def test_a_hub_that_does_not_answer_in_time_is_given_up(hub: Hub):
    feeds = [SITE_URL + "atom.xml", SITE_URL + "rss.xml", SITE_URL + "feed.json"]
    results = ping([hub.url + "slow", hub.url + "ok"], feeds, timeout=0.3)
    slow = hub.url + "slow"
    assert results[0] == PingResult(
        slow, feeds[0], problem=f"did not answer within 0.3 s for {feeds[0]}"
    )
    assert [result.skipped for result in results[:3]] == [False, True, True]
    # Only the first feed waited: the others were not sent to that hub.
    assert len(hub.bodies("/slow")) == 1
    # The other hub was told about every feed all the same.
    assert results[3:] == [PingResult(hub.url + "ok", feed, 204) for feed in feeds]
    assert [str(warning) for warning in ping_warnings(results)] == [
        f"warning: WebSub hub {slow} did not answer within 0.3 s for {feeds[0]}",
        f"warning: WebSub hub {slow} was not told about 2 more feeds, since it could not be "
        "reached; run feedtool ping once it is back",
    ]


def test_a_refused_connection_is_a_warning(site: SiteFolder, hub: Hub, closed_port_url: str):
    hub_site(site, closed_port_url, hub.url + "ok")
    result = run(site, "build", "--ping")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"warning: WebSub hub {closed_port_url} could not be reached for "
        f"{SITE_URL}atom.xml: Connection refused",
        f"warning: WebSub hub {closed_port_url} was not told about 5 more feeds, since it "
        "could not be reached; run feedtool ping once it is back",
    ]
    assert len(hub.pinged("/ok")) == 6


def test_a_307_is_followed_with_the_same_post(hub: Hub):
    feed = SITE_URL + "rss.xml"
    [result] = ping([hub.url + "temporary"], [feed])
    assert result == PingResult(hub.url + "temporary", feed, 204)
    assert [(request.path, request.method) for request in hub.received] == [
        ("/temporary", "POST"),
        ("/ok", "POST"),
    ]
    assert hub.bodies("/ok") == hub.bodies("/temporary")


def test_a_301_is_not_followed_and_says_where_the_hub_went(hub: Hub):
    feed = SITE_URL + "rss.xml"
    [result] = ping([hub.url + "moved"], [feed])
    assert result.status == 301
    assert result.message == (
        f"WebSub hub {hub.url}moved answered 301 for {feed}: a redirect to {hub.url}ok, "
        "which a ping does not follow; set [site] websub_hub to the hub's new URL"
    )
    assert [request.path for request in hub.received] == ["/moved"]


def test_a_redirect_to_another_scheme_is_not_followed(hub: Hub):
    [result] = ping([hub.url + "to-ftp"], [SITE_URL + "rss.xml"])
    assert result.status == 307
    assert not result.ok
    assert "ftp://files.example/hub" in result.message
    assert [request.path for request in hub.received] == ["/to-ftp"]


def test_build_ping_without_a_hub_is_a_usage_error_before_building(site: SiteFolder):
    hub_site(site)
    result = run(site, "build", "--ping")
    assert result.exit_code == 2
    assert result.stderr == (
        f"{site.config}: error: no WebSub hub to ping: set [site] websub_hub "
        '(e.g. "https://pubsubhubbub.appspot.com/") or pass --websub-hub\n'
    )
    assert not site.output.exists()


def test_check_never_pings(site: SiteFolder, hub: Hub):
    hub_site(site, hub.url + "ok")
    result = run(site, "build", "--check", "--ping")
    assert result.exit_code == 2
    assert "--ping cannot go with --check" in result.output
    assert run(site, "build", "--check").exit_code == 1
    assert hub.received == []


def test_quiet_build_ping_prints_only_the_warnings(site: SiteFolder, hub: Hub):
    hub_site(site, hub.url + "fail")
    result = run(site, "build", "--ping", "--quiet")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 6


def test_ping_warnings_as_github_annotations(site: SiteFolder, hub: Hub):
    hub_site(site, hub.url + "fail")
    result = run(site, "build", "--ping", "--format", "github", "--quiet")
    assert result.exit_code == 0
    annotations = result.stdout.splitlines()
    assert len(annotations) == 6
    assert annotations[0].startswith("::warning title=WebSub::WebSub hub ")
    assert f"answered 500 for {SITE_URL}atom.xml" in annotations[0]


# feedtool ping --------------------------------------------------------------------------


def test_ping_tells_the_hubs_about_every_feed_of_the_last_build(site: SiteFolder, hub: Hub):
    hub_site(site, hub.url + "ok")
    assert run(site, "build", "--archive-size", "1").exit_code == 0
    assert hub.received == []
    for _ in range(2):  # every feed, each time: not only the changed ones
        hub.received.clear()
        result = run(site, "ping")
        assert result.exit_code == 0, result.output
        assert hub.pinged("/ok") == [SITE_URL + path for path in sorted(ALPHA_FEEDS + SITE_FEEDS)]
        assert result.stdout == "WebSub: 6 of 6 pings accepted (6 feeds, 1 hub)\n"
        assert result.stderr == ""


def test_ping_reads_the_feeds_from_the_manifest(site: SiteFolder):
    hub_site(site, HUB)
    build(site.settings(archive_size=1))
    (site.output / "categories/alpha/feed.json").unlink()
    (site.output / "mine.xml").write_text("<rss/>")
    assert published_feed_paths(site.output) == [
        "atom.xml",
        "categories/alpha/atom.xml",
        "categories/alpha/rss.xml",
        "feed.json",
        "rss.xml",
    ]


def test_ping_before_any_build_is_an_error(site: SiteFolder):
    hub_site(site, HUB)
    with pytest.raises(PublishError, match="nothing published here"):
        published_feed_paths(site.output)
    result = run(site, "ping")
    assert result.exit_code == 1
    assert result.stderr == (
        f"{site.output}: error: nothing published here (no .feedtool-manifest): "
        "run feedtool build first\n"
    )


def test_ping_without_a_hub_is_a_usage_error(site: SiteFolder):
    hub_site(site)
    build(site.settings())
    result = run(site, "ping")
    assert result.exit_code == 2
    assert "no WebSub hub to ping" in result.stderr


def test_ping_warns_of_a_hub_the_published_feeds_do_not_name(site: SiteFolder, hub: Hub):
    hub_site(site, hub.url + "ok")
    build(site.settings())
    result = run(site, "ping", "--websub-hub", hub.url + "accepted")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"{site.output / 'atom.xml'}: warning: the published feeds do not name WebSub hub "
        f"{hub.url}accepted, so no subscriber uses it: run feedtool build to add it\n"
    )
    assert len(hub.pinged("/accepted")) == 6
    assert unnamed_hub_warnings(site.settings()) == []


def test_ping_with_a_failing_hub_exits_0_with_warnings(site: SiteFolder, hub: Hub):
    hub_site(site, hub.url + "fail")
    build(site.settings())
    result = run(site, "ping")
    assert result.exit_code == 0
    assert len(result.stderr.splitlines()) == 6
    assert result.stdout == "WebSub: 0 of 6 pings accepted (6 feeds, 1 hub)\n"


# Which feeds ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "subscribed"),
    [
        ("rss.xml", True),
        ("atom.xml", True),
        ("feed.json", True),
        ("categories/transit/rss.xml", True),
        ("categories/%E6%9D%B1/feed.json", True),
        ("archive/1.xml", False),
        ("archive/1.rss", False),
        ("index.html", False),
        ("categories/transit/index.html", False),
        ("entries/rss.xml", False),
        ("categories/a/b/rss.xml", False),
    ],
)
def test_only_the_sites_and_categories_feeds_are_subscription_feeds(path: str, subscribed: bool):
    assert is_subscription_feed(path) is subscribed


def test_feed_urls_are_the_feeds_self_links(site: SiteFolder):
    hub_site(site, HUB)
    site.add("003_cafe.txt", article(title="Café", keywords="Café culture"))
    settings = site.settings()
    report = build(settings)
    feeds = [path for path in report.result.written if is_subscription_feed(path)]
    assert "categories/cafe-culture/rss.xml" in feeds
    assert len(feeds) == 9
    for path, url in zip(feeds, feed_urls(settings, feeds), strict=True):
        if path.endswith(".json"):
            assert json.loads(site.read(path))["feed_url"] == url
        else:
            links = feedparser.parse(site.read(path)).feed.links
            assert [link.href for link in links if link.rel == "self"] == [url]
