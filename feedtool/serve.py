"""The preview server behind ``feedtool serve``: the output folder as a static site."""

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
import socket
import socketserver
import stat
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote

from feedtool.errors import FeedtoolError, ServeError

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
            f"{self.command} is not supported by the preview server.",
            {"Allow": "GET, HEAD", "Connection": "close"},
        )

    def _serve(self, head: bool) -> None:
        target = locate(self.server.root, self.path)
        if isinstance(target, Redirect):
            self._send_page(
                HTTPStatus.MOVED_PERMANENTLY,
                f'Moved to <a href="{html.escape(target.location)}">'
                f"{html.escape(target.location)}</a>.",
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
        self._send_page(HTTPStatus.NOT_FOUND, "Nothing is published at this address.", head=head)

    def _send_page(
        self,
        status: HTTPStatus,
        message: str,
        headers: dict[str, str] | None = None,
        head: bool = False,
    ) -> None:
        title = f"{status.value} {status.phrase}"
        page = (
            f'<!doctype html>\n<html lang="en">\n<meta charset="utf-8">\n'
            f"<title>{title}</title>\n<h1>{title}</h1>\n<p>{message}</p>\n"
            f'<p><a href="/">Home</a></p>\n</html>\n'
        )
        headers = {**(headers or {}), "Content-Type": HTML, "Cache-Control": "no-cache"}
        self._send(status, headers, page.encode("utf-8"), head=head)

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


def _printable(line: str) -> str:
    # Request paths are client-controlled; control characters must not reach a terminal.
    return _CONTROL_CHARACTERS.sub(lambda match: f"\\x{ord(match[0]):02x}", line)


class PreviewServer:
    """A bound preview server for one output folder; call serve_forever, then shutdown."""

    def __init__(self, httpd: _HTTPServer, url: str) -> None:
        self._httpd = httpd
        self.url = url
        self.root = httpd.root
        self.host = httpd.server_name
        self.port = httpd.server_port
        self._lock = threading.Lock()
        self._serving = False
        self._closed = False

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
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        httpd = _HTTPServer(
            (host, port), Path(os.path.abspath(root)), log or _log_to_stderr, family
        )
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            reason = "address already in use; stop the other server or choose another port"
        elif error.errno == errno.EACCES:
            reason = "permission denied; choose a port above 1023"
        else:
            reason = error.strerror or str(error)
        raise ServeError(f"cannot serve on {_authority(host, port)}: {reason}") from error
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return PreviewServer(httpd, f"http://{_authority(shown, httpd.server_port)}/")


def _authority(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _log_to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


Snapshot = dict[str, tuple[int, int]]


def watch(
    paths: Sequence[Path],
    on_change: Callable[[], None],
    interval: float = 0.5,
    stop: threading.Event | None = None,
    on_error: Callable[[BaseException], None] | None = None,
) -> threading.Thread:
    """Start a daemon thread calling ``on_change()`` after files under ``paths`` change.

    Folders are watched recursively (files only, skipping dot-files and dot-folders);
    a path that does not exist yet is watched for its creation. Changes that arrive
    over several polls are settled into one call. An exception from ``on_change`` goes
    to ``on_error`` (default: printed to stderr) and watching goes on. Set ``stop`` to
    end the thread.
    """
    stop = stop if stop is not None else threading.Event()
    report = on_error or _report_to_stderr
    # Taken before returning, so a change made right after watch() returns is seen.
    baseline = _snapshot(paths)

    def run() -> None:
        previous = baseline
        while not stop.wait(interval):
            current = _snapshot(paths)
            if current == previous:
                continue
            # A save, git pull or generator often writes several files over a few
            # polls; wait until a poll sees no change, but never more than a few.
            for _ in range(4):
                if stop.wait(interval):
                    return
                settled = _snapshot(paths)
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


def _snapshot(paths: Sequence[Path]) -> Snapshot:
    """(size, mtime_ns) of every watched file, by path."""
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
