"""The preview server behind ``feedtool serve``: a static site served over HTTP.

``make_server`` serves any folder as it is. ``open_preview`` is ``feedtool serve``: it
binds the address first, then builds the site for that address (``http://HOST:PORT/`` as
the site URL, entry ids as production has them) into a preview folder of its own under
the cache folder, ``.feedtool-cache/preview/<host>-<port>/site/``, so the real output
folder is never touched and every link of the preview stays in the preview.
"""

from __future__ import annotations

import contextlib
import email.utils
import errno
import gzip
import hashlib
import html
import mimetypes
import os
import re
import shutil
import socket
import socketserver
import stat
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from feedtool._build import BuildReport, EntriesRejected, build
from feedtool._cache import cache_folder
from feedtool._config import CONFIG_NAME, Settings, load_settings
from feedtool._errors import Diagnostic, FeedtoolError, ServeError
from feedtool._publish import BuildRejected, process_running
from feedtool._render.feeds import RSS_NAME
from feedtool._render.html import STYLESHEET
from feedtool._site import SiteLinks

RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
JSON_FEED = "application/feed+json; charset=utf-8"
HTML = "text/html; charset=utf-8"

# Enough for an XML declaration, a stylesheet instruction and a comment before the root.
SNIFF_BYTES = 1024

# Fixed here rather than taken from mimetypes, whose answers depend on the host's
# mime.types; a preview should send the same headers on every machine.
TYPES_BY_SUFFIX = {
    ".html": HTML,
    ".htm": HTML,
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".xsl": "text/xsl; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/vnd.microsoft.icon",
    ".woff2": "font/woff2",
    ".rss": RSS,
    ".atom": ATOM,
}

FAVICON = "/favicon.ico"
# Seconds between reloads of the page that shows a failed build.
FAILURE_REFRESH = 2

_FEED_ROOT = re.compile(rb"<(rss|rdf:RDF|feed)[\s>/]")
_ENTITY_TAG = re.compile(r'(?:W/)?"[^"]*"')
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def content_type(name: str, head: bytes) -> str:
    """The Content-Type for a file called ``name`` whose first bytes are ``head``.

    An ``.xml`` file is RSS or Atom by its root element (``<rss``/``<rdf:RDF`` or
    ``<feed``), falling back to the names ``rss.xml`` and ``atom.xml``, then to
    ``application/xml``. A ``.json`` file is a JSON Feed when it is called
    ``feed.json`` or names a ``jsonfeed.org/version``.
    """
    lowered = name.lower()
    suffix = os.path.splitext(lowered)[1]
    if suffix == ".xml":
        root = _FEED_ROOT.search(head[:SNIFF_BYTES])
        if root is not None:
            return ATOM if root.group(1) == b"feed" else RSS
        if "rss" in lowered:
            return RSS
        if "atom" in lowered:
            return ATOM
        return "application/xml; charset=utf-8"
    if suffix == ".json":
        if lowered == "feed.json" or b"jsonfeed.org/version" in head[:SNIFF_BYTES]:
            return JSON_FEED
        return "application/json; charset=utf-8"
    if suffix in TYPES_BY_SUFFIX:
        return TYPES_BY_SUFFIX[suffix]
    guessed, _ = mimetypes.guess_type(lowered)
    if guessed is None:
        return "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


def is_compressible(media_type: str) -> bool:
    """Whether gzip is worth it: text, markup and JSON, not images or fonts."""
    kind = media_type.split(";")[0]
    return kind.startswith("text/") or kind.endswith(("xml", "json")) or "javascript" in kind


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an ``Accept-Encoding`` value allows gzip (``q=0`` refuses it)."""
    if not accept_encoding:
        return False
    qualities: dict[str, float] = {}
    for part in accept_encoding.split(","):
        coding, _, params = part.partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    # A malformed weight is no consent to compress.
                    quality = 0.0
        qualities[coding.strip().lower()] = quality
    for coding in ("gzip", "x-gzip"):
        if coding in qualities:
            return qualities[coding] > 0
    return qualities.get("*", 0.0) > 0


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether an ``If-None-Match`` value names ``etag`` (weak comparison, ``*`` matches)."""
    if if_none_match.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    return any(tag.removeprefix("W/") == opaque for tag in _ENTITY_TAG.findall(if_none_match))


@dataclass(frozen=True)
class Redirect:
    """The request named a folder without its trailing slash."""

    location: str


def locate(root: Path, request_target: str) -> Path | Redirect | None:
    """The file under ``root`` a request target names, a redirect, or None for a 404.

    None covers everything that must not be served: ``..`` (plain or percent-encoded),
    encoded slashes, backslashes, NUL, symlinks whose real path leaves ``root``, and
    dot-files (``.well-known`` excepted). A folder serves its ``index.html``; folders
    are never listed.
    """
    path = request_target.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/"):
        return None
    segments = []
    for raw in path.split("/")[1:]:
        try:
            segment = unquote(raw, errors="strict")
        except UnicodeDecodeError:
            return None
        # Checked after decoding, so %2e%2e and ..%2f are caught like their plain forms.
        if segment == ".." or any(bad in segment for bad in ("/", "\\", "\0")):
            return None
        if os.name == "nt" and ":" in segment:
            return None  # drive letters and alternate data streams
        if segment.startswith(".") and segment not in (".", ".well-known"):
            return None  # bookkeeping such as .feedtool-manifest is not part of the site
        if segment not in ("", "."):
            segments.append(segment)
    # Resolved per request because publishing may swap the output folder underneath us.
    base = os.path.realpath(root)
    if not os.path.isdir(base):
        return None
    found = _inside(base, os.path.join(base, *segments))
    if found is None:
        return None
    if os.path.isdir(found):
        if not path.endswith("/"):
            return Redirect("/" + "".join(quote(segment) + "/" for segment in segments))
        found = _inside(base, os.path.join(found, "index.html"))
        if found is None:
            return None
    elif path.endswith("/"):
        return None  # a file is not a folder; relative links would resolve wrongly
    return Path(found) if os.path.isfile(found) else None


def _inside(base: str, candidate: str) -> str | None:
    """The real path of ``candidate`` if it exists and stays within ``base``."""
    real = os.path.realpath(candidate)
    if not os.path.exists(real):
        return None
    try:
        common = os.path.commonpath([base, real])
    except ValueError:
        return None  # another drive, on Windows
    return real if os.path.normcase(common) == os.path.normcase(base) else None


@dataclass(frozen=True)
class SiteLook:
    """What the server's own pages (404, errors) share with the site's: title and language."""

    title: str = "Home"
    language: str = "en"


@dataclass(frozen=True)
class _Validators:
    """What a response needs to know about one version of a file without reading it."""

    etag: str
    content_type: str


class _HTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its root and log, and can drop open connections."""

    daemon_threads = True
    # socketserver's backlog of 5 drops a page's burst of parallel requests for a second.
    request_queue_size = 128
    # On Windows SO_REUSEADDR lets a second server bind a port already in use.
    allow_reuse_address = os.name != "nt"

    def __init__(
        self,
        address: tuple[str, int],
        root: Path,
        log: Callable[[str], None],
        family: socket.AddressFamily,
    ) -> None:
        self.address_family = family
        self.root = root
        self.log = log
        self.look = SiteLook()
        # The lines of the last build's error while it stands, else None (see Preview).
        self.failure: tuple[str, ...] | None = None
        self._validators: dict[str, tuple[tuple[int, int, int], _Validators]] = {}
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host up with getfqdn, which can stall on DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def get_request(self) -> tuple[socket.socket, object]:
        connection, address = super().get_request()
        with self._lock:
            self._connections.add(connection)
        return connection, address

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self._lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        # Wakes handler threads blocked reading a kept-alive connection so they end now.
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by its handler
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: object, client_address: object) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return  # the browser went away; nothing to report
        self.log(f"error serving {client_address}:\n{traceback.format_exc().rstrip()}")

    def cached_validators(self, path: Path, status: os.stat_result) -> _Validators | None:
        """ETag and type of this version of ``path`` if it was read before."""
        with self._lock:
            cached = self._validators.get(str(path))
        if cached is not None and cached[0] == _version(status):
            return cached[1]
        return None

    def remember_validators(self, path: Path, status: os.stat_result, body: bytes) -> _Validators:
        """Hash ``body`` and sniff its type, keeping the answer for this version of ``path``."""
        found = _Validators(
            etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"',
            content_type=content_type(path.name, body[:SNIFF_BYTES]),
        )
        with self._lock:
            self._validators[str(path)] = (_version(status), found)
        return found


def _version(status: os.stat_result) -> tuple[int, int, int]:
    # The inode too: an atomic publish can replace a file within one mtime tick.
    return (status.st_size, status.st_mtime_ns, status.st_ino)


class _Handler(BaseHTTPRequestHandler):
    """Answers GET and HEAD from the server's root; every other method gets a 405."""

    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "feedtool-preview"
    error_content_type = HTML
    # Idle kept-alive connections are closed rather than holding a thread forever.
    timeout = 30

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def __getattr__(self, name: str) -> Callable[[], None]:
        # http.server answers methods without a do_ method with 501; a static site
        # knows these methods and refuses them, which is a 405.
        if name.startswith("do_"):
            return self._method_not_allowed
        raise AttributeError(name)

    def _method_not_allowed(self) -> None:
        # Any request body is left unread, so the connection cannot be reused.
        self.close_connection = True
        self._send_page(
            HTTPStatus.METHOD_NOT_ALLOWED,
            "Method not allowed",
            f"<p>{html.escape(self.command)} is not supported by the preview server.</p>",
            {"Allow": "GET, HEAD", "Connection": "close"},
        )

    def _serve(self, head: bool) -> None:
        target = locate(self.server.root, self.path)
        failure = self.server.failure
        if target is None and _path_of(self.path) == FAVICON:
            # Browsers ask for it on every page: a site without one is not an error.
            self._send(HTTPStatus.NO_CONTENT, {"Cache-Control": "no-cache"}, None, head=True)
            return
        if failure is not None and (target is None or _is_page(target)):
            # Pages show why the last build failed; feeds and the rest stay as last built.
            self._send_failure(failure, head)
            return
        if isinstance(target, Redirect):
            location = html.escape(target.location)
            self._send_page(
                HTTPStatus.MOVED_PERMANENTLY,
                "Moved",
                f'<p>Moved to <a href="{location}">{location}</a>.</p>',
                {"Location": target.location},
                head=head,
            )
            return
        if target is None:
            self._send_not_found(head)
            return
        try:
            with open(target, "rb") as file:
                # fstat on the open file, so validators and body are the same version.
                status = os.fstat(file.fileno())
                body = None
                validators = self.server.cached_validators(target, status)
                if validators is None:
                    body = file.read()
                    validators = self.server.remember_validators(target, status, body)
                gzipped = is_compressible(validators.content_type) and accepts_gzip(
                    self.headers.get("Accept-Encoding")
                )
                etag = validators.etag[:-1] + '-gz"' if gzipped else validators.etag
                headers = {
                    "ETag": etag,
                    "Last-Modified": email.utils.formatdate(status.st_mtime, usegmt=True),
                    "Cache-Control": "no-cache",
                }
                if is_compressible(validators.content_type):
                    headers["Vary"] = "Accept-Encoding"
                if self._not_modified(etag, status.st_mtime):
                    self._send(HTTPStatus.NOT_MODIFIED, headers, None, head=True)
                    return
                if body is None:
                    body = file.read()
        except (FileNotFoundError, IsADirectoryError, PermissionError):
            # Gone between locating and opening it, e.g. during a publish.
            self._send_not_found(head)
            return
        headers["Content-Type"] = validators.content_type
        if gzipped:
            # mtime=0 keeps the compressed bytes a function of the file alone.
            body = gzip.compress(body, mtime=0)
            headers["Content-Encoding"] = "gzip"
        self._send(HTTPStatus.OK, headers, body, head=head)

    def _not_modified(self, etag: str, mtime: float) -> bool:
        # RFC 9110 13.2.2: If-None-Match, when present, decides alone.
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            return etag_matches(if_none_match, etag)
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since is None:
            return False
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False  # an invalid date is ignored, as RFC 9110 13.1.3 asks
        if since.tzinfo is None:
            return False
        # HTTP dates have whole seconds; the file's sub-second part must not count.
        return int(mtime) <= since.timestamp()

    def _send_not_found(self, head: bool) -> None:
        path = html.escape(_printable(_path_of(self.path)))
        self._send_page(
            HTTPStatus.NOT_FOUND,
            "Page not found",
            f"<p>Nothing is published at <code>{path}</code>.</p>",
            head=head,
        )

    def _send_failure(self, failure: tuple[str, ...], head: bool) -> None:
        errors = html.escape("\n".join(failure))
        body = (
            "<p>feedtool serve rebuilds the preview when a file changes, and this page "
            f"reloads itself every {FAILURE_REFRESH} seconds until a build succeeds.</p>\n"
            f'<pre style="white-space: pre-wrap">{errors}</pre>\n'
            "<p>Feeds are still served as last built.</p>"
        )
        self._send_page(
            HTTPStatus.SERVICE_UNAVAILABLE,
            "The preview could not be built",
            body,
            {"Retry-After": str(FAILURE_REFRESH)},
            head=head,
            refresh=FAILURE_REFRESH,
        )

    def _send_page(
        self,
        status: HTTPStatus,
        heading: str,
        body: str,
        headers: dict[str, str] | None = None,
        head: bool = False,
        refresh: int | None = None,
    ) -> None:
        """An HTML page of the server's own, in the look of the site's pages."""
        title = f"{status.value} {status.phrase}"
        stylesheet = isinstance(locate(self.server.root, "/" + STYLESHEET), Path)
        page = server_page(self.server.look, title, heading, body, stylesheet, refresh)
        headers = {**(headers or {}), "Content-Type": HTML, "Cache-Control": "no-cache"}
        self._send(status, headers, page, head=head)

    def _send(
        self, status: HTTPStatus, headers: dict[str, str], body: bytes | None, head: bool
    ) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body is not None and not head:
            self.wfile.write(body)

    def version_string(self) -> str:
        return self.server_version

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        code = code.value if isinstance(code, HTTPStatus) else code
        # A request line that did not parse has no command or path to show.
        request = f"{self.command} {self.path}" if self.command else self.requestline
        self.server.log(_printable(f"{request} {code}"))

    def log_message(self, format: str, *args: object) -> None:
        self.server.log(_printable(format % args))


def server_page(
    look: SiteLook,
    title: str,
    heading: str,
    body: str,
    stylesheet: bool,
    refresh: int | None = None,
) -> bytes:
    """A page of the server's own (404, errors), built like the site's pages: the site's
    stylesheet when it has one, a header and a link to the home page."""
    # Absolute paths: the page answers for an address at any depth.
    style = f'<link rel="stylesheet" href="/{STYLESHEET}">\n' if stylesheet else ""
    reload = f'<meta http-equiv="refresh" content="{refresh}">\n' if refresh else ""
    site = html.escape(look.title)
    document = f"""<!DOCTYPE html>
<html lang="{html.escape(look.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{reload}<title>{html.escape(title)} · {site}</title>
{style}</head>
<body>
<header>
<a href="/">{site}</a>
</header>
<main>
<h1>{html.escape(heading)}</h1>
{body}
<p><a href="/">Go to the home page</a></p>
</main>
<footer>{html.escape(title)} · feedtool preview server.</footer>
</body>
</html>
"""
    return document.encode("utf-8")


def _path_of(request_target: str) -> str:
    return request_target.split("?", 1)[0].split("#", 1)[0]


def _is_page(target: Path | Redirect) -> bool:
    return isinstance(target, Path) and target.suffix.lower() in (".html", ".htm")


def _printable(line: str) -> str:
    # Request paths are client-controlled; control characters must not reach a terminal.
    return _CONTROL_CHARACTERS.sub(lambda match: f"\\x{ord(match[0]):02x}", line)


class PreviewServer:
    """A bound preview server for one output folder; call serve_forever, then shutdown."""

    def __init__(self, httpd: _HTTPServer, url: str) -> None:
        self._httpd = httpd
        self.url = url
        self.host = httpd.server_name
        self.port = httpd.server_port
        self._lock = threading.Lock()
        self._serving = False
        self._closed = False

    @property
    def root(self) -> Path:
        """The folder served; it need not exist (everything is a 404 then)."""
        return self._httpd.root

    @root.setter
    def root(self, folder: Path) -> None:
        self._httpd.root = folder

    @property
    def look(self) -> SiteLook:
        """The site title and language of the server's own pages."""
        return self._httpd.look

    @look.setter
    def look(self, look: SiteLook) -> None:
        self._httpd.look = look

    @property
    def failure(self) -> tuple[str, ...] | None:
        """Why the last build failed, line by line; None when it succeeded.

        While set, every page (an HTML file, or an address with nothing published) is a
        503 listing these lines; feeds and other files are served as they are.
        """
        return self._httpd.failure

    @failure.setter
    def failure(self, lines: tuple[str, ...] | None) -> None:
        self._httpd.failure = lines

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Answer requests until shutdown() is called (from another thread) or Ctrl-C."""
        with self._lock:
            if self._closed:
                return
            self._serving = True
        try:
            self._httpd.serve_forever(poll_interval)
        finally:
            with self._lock:
                self._serving = False

    def shutdown(self) -> None:
        """Stop serve_forever, end open connections and close the socket; safe to repeat."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            serving = self._serving
        # BaseServer.shutdown waits for a running serve_forever loop and would wait
        # forever if none runs, as after Ctrl-C has already ended it.
        if serving:
            self._httpd.shutdown()
        self._httpd.close_connections()
        self._httpd.server_close()

    def __enter__(self) -> PreviewServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()


def make_server(
    root: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    log: Callable[[str], None] | None = None,
) -> PreviewServer:
    """Bind a preview server for the folder ``root`` on ``host:port`` (port 0: any free one).

    ``log`` receives one short line per request (default: stderr). Raises ServeError
    when ``root`` is not a folder or the address cannot be bound.
    """
    if not os.path.isdir(root):
        raise ServeError("not a folder; build the site before serving it", path=str(root))
    return _bind(Path(os.path.abspath(root)), host, port, log)


def _bind(root: Path, host: str, port: int, log: Callable[[str], None] | None) -> PreviewServer:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        httpd = _HTTPServer((host, port), root, log or _log_to_stderr, family)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            reason = "address already in use; stop the other server or choose another port"
        elif error.errno == errno.EACCES:
            reason = "permission denied; choose a port above 1023"
        else:
            reason = error.strerror or str(error)
        raise ServeError(f"cannot serve on {_authority(host, port)}: {reason}") from error
    return PreviewServer(httpd, served_url(host, httpd.server_port))


def served_url(host: str, port: int) -> str:
    """The address at which this machine reaches a server bound to ``host:port``.

    A server on every address (``0.0.0.0``, ``::``) is named by the loopback address;
    an IPv6 address is bracketed.
    """
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return f"http://{_authority(shown, port)}/"


def _authority(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _log_to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


Snapshot = dict[str, tuple[int, int]]


def watch(
    paths: Sequence[Path] | Callable[[], Sequence[Path]],
    on_change: Callable[[], None],
    interval: float = 0.5,
    stop: threading.Event | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    baseline: Snapshot | None = None,
) -> threading.Thread:
    """Start a daemon thread calling ``on_change()`` after files under ``paths`` change.

    Folders are watched recursively (files only, skipping dot-files and dot-folders);
    a path that does not exist yet is watched for its creation. ``paths`` may be a
    function, asked again at every poll (for paths that ``on_change`` may change).
    Changes that arrive over several polls are settled into one call. An exception from
    ``on_change`` goes to ``on_error`` (default: printed to stderr) and watching goes
    on. Set ``stop`` to end the thread. ``baseline`` (a ``snapshot``) is the state
    changes are seen against; by default the state when watch() is called.
    """
    stop = stop if stop is not None else threading.Event()
    report = on_error or _report_to_stderr
    current_paths = paths if callable(paths) else lambda: paths
    # Taken before returning, so a change made right after watch() returns is seen.
    first = baseline if baseline is not None else snapshot(current_paths())

    def run() -> None:
        previous = first
        while not stop.wait(interval):
            current = snapshot(current_paths())
            if current == previous:
                continue
            # A save, git pull or generator often writes several files over a few
            # polls; wait until a poll sees no change, but never more than a few.
            for _ in range(4):
                if stop.wait(interval):
                    return
                settled = snapshot(current_paths())
                if settled == current:
                    break
                current = settled
            previous = current
            try:
                on_change()
            except (Exception, SystemExit) as error:  # a failed build must not end watching
                try:
                    report(error)
                except Exception:
                    traceback.print_exc()

    thread = threading.Thread(target=run, name="feedtool-watch", daemon=True)
    thread.start()
    return thread


def snapshot(paths: Sequence[Path]) -> Snapshot:
    """(size, mtime_ns) of every file watched under ``paths``, by path."""
    files: Snapshot = {}
    for path in paths:
        try:
            status = os.stat(path)
        except OSError:
            continue
        if not stat.S_ISDIR(status.st_mode):
            files[os.fspath(path)] = (status.st_size, status.st_mtime_ns)
            continue
        for folder, folders, names in os.walk(path):
            # Editors' swap files and version-control folders churn without meaning.
            folders[:] = [name for name in folders if not name.startswith(".")]
            for name in names:
                if name.startswith(".") or name.endswith("~"):
                    continue
                full = os.path.join(folder, name)
                try:
                    status = os.stat(full)
                except OSError:
                    continue  # removed between listing and stat; the next poll sees it
                files[full] = (status.st_size, status.st_mtime_ns)
    return files


def _report_to_stderr(error: BaseException) -> None:
    if isinstance(error, FeedtoolError):
        print(error, file=sys.stderr, flush=True)
    else:
        # Anything else is a bug; the traceback is what makes it fixable.
        traceback.print_exception(error, file=sys.stderr)
    print("feedtool: rebuild failed; still serving the last good build", file=sys.stderr)


# The preview of `feedtool serve`

PREVIEW_DIR = "preview"
# In the preview folder of a port the system picked: the process id of its server. The
# server removes the folder when it stops; the next one removes it if that server was killed.
OWNER_NAME = "owner.pid"


def preview_folder(settings: Settings, url: str) -> Path:
    """Where the preview served at ``url`` is built: ``.feedtool-cache/preview/<host>-<port>/``.

    Under the cache folder, so it is ignored by git as the cache is (``feedtool init``
    writes that line), never published, and safe to delete. One folder per address: two
    servers never build into the same folder, and a server started again on the same
    address rebuilds only what changed (a folder of a port the system picked is removed
    when its server stops). It holds ``site/`` (what is served) and ``cache/`` (that
    build's own cache; the real build's is left alone).
    """
    parts = urlsplit(url)
    host = re.sub(r"[^A-Za-z0-9.-]", "_", parts.hostname or "")
    return cache_folder(settings) / PREVIEW_DIR / f"{host}-{parts.port}"


def preview_settings(settings: Settings, url: str, folder: Path) -> Settings:
    """The settings of a preview build: ``url`` as the site URL, the output in ``folder``.

    Entry and feed ids are ``tag:`` URIs whose authority, when ``[site] id_authority`` is
    not set, comes from the site URL's host: it is computed here from the real settings,
    so the preview shows the ids production publishes, not ids under ``127.0.0.1``.
    A preview names no WebSub hub: no hub may fetch a feed from the preview's address.
    """
    authority = SiteLinks(settings).id_authority
    return replace(
        settings, url=url, output=folder / "site", id_authority=authority, websub_hubs=()
    )


@dataclass(frozen=True)
class Rebuilt:
    """A preview build that succeeded."""

    report: BuildReport
    # The config was read again and its settings differ from the last build's.
    settings_changed: bool


class Preview:
    """``feedtool serve``: the site built for the address it is served at, and the server.

    Made by ``open_preview``. ``rebuild()`` reads the config again and builds; while the
    last build failed, the server's pages list its errors. Use as a context manager, or
    call ``shutdown()``.
    """

    def __init__(
        self,
        server: PreviewServer,
        folder: Path,
        config: Path | None,
        overrides: dict[str, Any],
        settings: Settings,
        skip_invalid: bool,
        temporary: bool,
    ) -> None:
        self.server = server
        self.url = server.url
        self.folder = folder
        # The settings as read from the config and options, before the preview's changes.
        self.settings = settings
        self._config = config
        self._overrides = overrides
        self._skip_invalid = skip_invalid
        self._temporary = temporary
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._before_last_build: Snapshot | None = None

    @property
    def feed_url(self) -> str:
        """The address of the site's RSS feed in the preview, for a feed reader."""
        return self.url + RSS_NAME

    def watched_paths(self) -> list[Path]:
        """The config file (watched for its creation too) and the entries folder."""
        config = self._config if self._config is not None else Path(CONFIG_NAME)
        return [config, self.settings.entries]

    def rebuild(self) -> Rebuilt:
        """Read the config again and build the preview.

        Raises what loading the settings or building raises; the server's pages then
        list the error until a rebuild succeeds, and the last good build's feeds and
        files stay served.
        """
        try:
            settings = load_settings(self._config, self._overrides)
            changed = settings != self.settings
            self.settings = settings
            self.server.look = SiteLook(settings.title, settings.language or "en")
            self._before_last_build = snapshot(self.watched_paths())
            preview = preview_settings(settings, self.url, self.folder)
            cache = self.folder / "cache"
            report = build(preview, skip_invalid=self._skip_invalid, cache_dir=cache)
        except Exception as error:
            self.server.failure = error_lines(error)
            raise
        if not settings.id_authority:
            # The build does not warn, since the preview's settings name the authority.
            report.warnings.append(_id_authority_warning(settings))
        self.server.failure = None
        return Rebuilt(report, changed)

    def watch(
        self,
        on_rebuilt: Callable[[Rebuilt], None],
        on_error: Callable[[BaseException], None] | None = None,
        interval: float = 0.5,
    ) -> threading.Thread:
        """Rebuild whenever the config or a file of the entries folder changes, until
        ``shutdown()``, handing each result to ``on_rebuilt`` and each error to
        ``on_error``. Changes made during the last build are seen too."""
        self._watcher = watch(
            self.watched_paths,
            lambda: on_rebuilt(self.rebuild()),
            interval=interval,
            stop=self._stop,
            on_error=on_error,
            baseline=self._before_last_build,
        )
        return self._watcher

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Answer requests until ``shutdown()`` is called (from another thread) or Ctrl-C."""
        self.server.serve_forever(poll_interval)

    def shutdown(self) -> None:
        """Stop watching and serving. The preview folder of a port the system picked
        (``--port 0``) is removed: no later server will have that address again."""
        self._stop.set()
        self.server.shutdown()
        if self._watcher is not None:
            self._watcher.join()  # a rebuild under way ends first
        if self._temporary:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Preview:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()


def open_preview(
    config: Path | None = None,
    overrides: dict[str, Any] | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    skip_invalid: bool = False,
    log: Callable[[str], None] | None = None,
) -> Preview:
    """Read the settings (as ``load_settings(config, overrides)``), bind ``host:port``
    (port 0: any free one) and make the preview's folder. Nothing is built yet: call
    ``rebuild()``, then ``serve_forever()``.

    Raises ``ConfigError`` for settings that cannot be used, ``ServeError`` when the
    address cannot be bound or the folder made.
    """
    overrides = dict(overrides or {})
    settings = load_settings(config, overrides)
    server = _bind(Path(), host, port, log)
    folder = preview_folder(settings, server.url)
    server.root = Path(os.path.abspath(folder / "site"))
    temporary = port == 0
    try:
        _remove_abandoned(folder.parent)
        folder.mkdir(parents=True, exist_ok=True)
        if temporary:
            (folder / OWNER_NAME).write_text(f"{os.getpid()}\n", encoding="utf-8")
    except OSError as error:
        server.shutdown()
        reason = f"cannot make the preview folder: {error.strerror or error}"
        raise ServeError(reason, error.filename or str(folder)) from None
    return Preview(server, folder, config, overrides, settings, skip_invalid, temporary)


def _remove_abandoned(previews: Path) -> None:
    """Remove the preview folders of picked ports whose server was killed before it could."""
    for owner in previews.glob(f"*/{OWNER_NAME}"):
        try:
            pid = int(owner.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not process_running(pid):
            shutil.rmtree(owner.parent, ignore_errors=True)


def error_lines(error: BaseException) -> tuple[str, ...]:
    """A failed build's error as the CLI prints it: each problem it gathers, then itself."""
    if not isinstance(error, FeedtoolError):
        return (f"internal error: {type(error).__name__}: {error}",)
    lines: list[str] = []
    if isinstance(error, EntriesRejected):
        lines += [str(entry_error) for entry_error in error.errors]
    if isinstance(error, BuildRejected):
        lines += error.problems
    return (*lines, *str(error).splitlines())


def _id_authority_warning(settings: Settings) -> Diagnostic:
    """What ``build`` warns when ``[site] id_authority`` is not set (in its own words)."""
    return Diagnostic(
        "warning",
        f"no [site] id_authority: entry ids are tag: URIs under "
        f"{SiteLinks(settings).id_authority!r}, "
        "so they change if the site's host changes; set id_authority to keep them",
        str(settings.config_path) if settings.config_path else None,
    )
