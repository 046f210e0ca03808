"""WebSub (W3C Recommendation, 2018): telling hubs that feeds changed, so that subscribers
get new entries in seconds instead of at their next poll.

The feeds name their hubs (``[site] websub_hub``: RSS and Atom ``link rel="hub"``, JSON
Feed ``hubs``); after a publish, each hub is sent one publish notification per changed
feed, the form most hubs accept: a form-encoded POST of ``hub.mode=publish`` and
``hub.url=<feed URL>``. Only the subscription feeds (the site's and each category's) are
pinged: RFC 5005 archive pages name no hub, since no one subscribes to them.

A ping never fails a publish: each one's outcome is a ``PingResult``, and what went wrong
becomes a warning (``ping_warnings``).
"""

from __future__ import annotations

import http.client
import os
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from lxml import etree

from feedtool import __version__
from feedtool._config import Settings
from feedtool._errors import ConfigError, Diagnostic, PublishError
from feedtool._publish import MANIFEST_NAME
from feedtool._render.feeds import ATOM_NAME, GENERATOR_URI, JSON_NAME, RSS_NAME

DEFAULT_TIMEOUT = 10.0
# What is read of a hub's answer: enough for a reason given as text.
_ANSWER_LIMIT = 64 * 1024
_REASON_LIMIT = 200
_USER_AGENT = f"feedtool/{__version__} (+{GENERATOR_URI})"
_FEED_NAMES = (RSS_NAME, ATOM_NAME, JSON_NAME)
_ATOM_LINK = "{http://www.w3.org/2005/Atom}link"
_ATOM_ENTRY = "{http://www.w3.org/2005/Atom}entry"


@dataclass(frozen=True)
class PingResult:
    """What became of one notification: ``hub`` told that the feed at ``feed`` changed.

    ``status`` is the HTTP status the hub answered (None when it gave none); ``problem``
    says what went wrong, None when the hub accepted (any 2xx). ``skipped``: not sent,
    because an earlier ping found the hub unreachable.
    """

    hub: str
    feed: str
    status: int | None = None
    problem: str | None = None
    skipped: bool = False

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def message(self) -> str:
        """The outcome as one sentence naming the hub and the feed."""
        if self.ok:
            return f"WebSub hub {self.hub} accepted {self.feed} ({self.status})"
        return f"WebSub hub {self.hub} {self.problem}"


def require_hubs(settings: Settings) -> tuple[str, ...]:
    """The site's hubs; raises ``ConfigError`` when it names none (nothing to ping)."""
    if not settings.websub_hubs:
        raise ConfigError(
            "no WebSub hub to ping: set [site] websub_hub (e.g. "
            '"https://pubsubhubbub.appspot.com/") or pass --websub-hub',
            settings.config_name,
        )
    return settings.websub_hubs


def is_subscription_feed(relative: str) -> bool:
    """Whether an output path is a feed a reader subscribes to: the site's or a category's
    (``categories/<slug>/``), never an archive page."""
    folder, _, name = relative.rpartition("/")
    if name not in _FEED_NAMES:
        return False
    parts = folder.split("/")
    return folder == "" or (len(parts) == 2 and parts[0] == "categories")


def feed_urls(settings: Settings, paths: Iterable[str]) -> list[str]:
    """The URLs of the subscription feeds among output ``paths``, in the paths' order."""
    assert settings.url is not None  # load_settings guarantees it
    return [settings.url + quote(path) for path in paths if is_subscription_feed(path)]


def published_feed_paths(output: Path) -> list[str]:
    """The subscription feeds of the last build published into ``output``, sorted.

    Read from its manifest; a feed listed there but gone from the folder is left out.
    Raises ``PublishError`` when nothing was published there.
    """
    try:
        text = (output / MANIFEST_NAME).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PublishError(
            f"nothing published here (no {MANIFEST_NAME}): run feedtool build first",
            str(output),
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise PublishError(f"cannot read {MANIFEST_NAME}: {error}", str(output)) from None
    return sorted(
        path
        for path in text.split("\n")
        if is_subscription_feed(path) and os.path.isfile(output / path)
    )


def unnamed_hub_warnings(settings: Settings) -> list[Diagnostic]:
    """A warning for each hub the published site's Atom feed does not name.

    Subscribers find a hub in the feed: pinging one the feed does not name (set after the
    last build) reaches no subscriber until the site is built again.
    """
    path = settings.output / ATOM_NAME
    try:
        named = _atom_hubs(path)
    except (OSError, etree.XMLSyntaxError):
        return []  # no Atom feed to read: nothing to say about it
    return [
        Diagnostic(
            "warning",
            f"the published feeds do not name WebSub hub {hub}, so no subscriber uses it: "
            "run feedtool build to add it",
            str(path),
        )
        for hub in settings.websub_hubs
        if hub not in named
    ]


def _atom_hubs(path: Path) -> set[str]:
    """The hubs an Atom feed names, read up to its first entry only."""
    hubs: set[str] = set()
    for _, element in etree.iterparse(str(path), events=("start",), resolve_entities=False):
        if element.tag == _ATOM_ENTRY:
            break
        if element.tag == _ATOM_LINK and element.get("rel") == "hub":
            hubs.add(element.get("href", ""))
    return hubs


def ping(
    hubs: Sequence[str], feeds: Sequence[str], timeout: float = DEFAULT_TIMEOUT
) -> list[PingResult]:
    """Tell each hub that each feed URL changed: one POST per feed per hub.

    Results come hub by hub (in the order given), feed by feed. The hubs are asked at the
    same time, each one feed after another; after a hub cannot be reached (refused, timed
    out after ``timeout`` seconds), its remaining feeds are skipped, not each waited for.
    """
    if not hubs or not feeds:
        return []
    with ThreadPoolExecutor(max_workers=len(hubs)) as pool:
        per_hub = list(pool.map(lambda hub: _ping_hub(hub, feeds, timeout), hubs))
    return [result for results in per_hub for result in results]


def ping_warnings(results: Iterable[PingResult]) -> list[Diagnostic]:
    """A warning per ping that failed; the pings a hub skipped are one warning, after its
    failure."""
    results = list(results)
    skipped = Counter(result.hub for result in results if result.skipped)
    warnings = []
    for result in results:
        if not result.ok and not result.skipped:
            warnings.append(Diagnostic("warning", result.message))
            count = skipped[result.hub]
            if count and result.status is None:  # the failure that stopped the pings
                feeds = "feed" if count == 1 else "feeds"
                message = (
                    f"WebSub hub {result.hub} was not told about {count} more {feeds}, since "
                    "it could not be reached; run feedtool ping once it is back"
                )
                warnings.append(Diagnostic("warning", message))
    return warnings


def _ping_hub(hub: str, feeds: Sequence[str], timeout: float) -> list[PingResult]:
    results: list[PingResult] = []
    for feed in feeds:
        result = _ping_one(hub, feed, timeout)
        results.append(result)
        if result.status is None:  # unreachable: the next feed would wait as long
            not_sent = "was not pinged for {}: it could not be reached"
            results += [
                PingResult(hub, rest, problem=not_sent.format(rest), skipped=True)
                for rest in feeds[len(results) :]
            ]
            break
    return results


class _KeepThePost(urllib.request.HTTPRedirectHandler):
    """Follows only redirects that keep the POST and its body (307, 308), and only to
    http(s) URLs; any other redirect is the hub's answer (a 301 would turn the ping into
    a GET, which notifies no hub)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, ANN201 - urllib's interface
        if code not in (307, 308) or urlsplit(newurl).scheme not in ("http", "https"):
            return None
        return urllib.request.Request(
            newurl, data=req.data, headers=dict(req.header_items()), method="POST"
        )


_OPENER = urllib.request.build_opener(_KeepThePost)


def _ping_one(hub: str, feed: str, timeout: float) -> PingResult:
    """One publish notification, and what came of it."""
    body = urlencode([("hub.mode", "publish"), ("hub.url", feed)]).encode("ascii")
    request = urllib.request.Request(
        hub,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": _USER_AGENT,
        },
    )
    waited = f"did not answer within {timeout:g} s for {feed}"
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read(_ANSWER_LIMIT)
            status = response.status
    except urllib.error.HTTPError as error:
        return PingResult(hub, feed, error.code, _refusal(error, feed))
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, TimeoutError):
            return PingResult(hub, feed, problem=waited)
        return PingResult(hub, feed, problem=f"could not be reached for {feed}: {_why(reason)}")
    except TimeoutError:
        return PingResult(hub, feed, problem=waited)
    except (OSError, http.client.HTTPException) as error:
        return PingResult(hub, feed, problem=f"gave no HTTP answer for {feed}: {_why(error)}")
    if not 200 <= status < 300:
        return PingResult(hub, feed, status, f"answered {status} for {feed}")
    return PingResult(hub, feed, status)


def _refusal(error: urllib.error.HTTPError, feed: str) -> str:
    """What a hub that answered with an error status said."""
    problem = f"answered {error.code} for {feed}"
    location = error.headers.get("Location") if error.headers else None
    if 300 <= error.code < 400 and location:
        return (
            f"{problem}: a redirect to {location}, which a ping does not follow; "
            "set [site] websub_hub to the hub's new URL"
        )
    try:
        answer = error.read(_ANSWER_LIMIT)
    except (OSError, http.client.HTTPException):
        answer = b""
    content_type = error.headers.get_content_type() if error.headers else ""
    reason = answer.decode("utf-8", "replace").strip().split("\n", 1)[0].strip()
    if content_type == "text/plain" and reason and reason.isprintable():
        return f"{problem}: {reason[:_REASON_LIMIT]}"
    return problem


def _why(reason: object) -> str:
    """An OS error's reason without its number (``Connection refused``)."""
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__
