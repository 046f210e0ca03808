"""What the user names on the command line: files, folders of files, URLs and ``-``."""

from __future__ import annotations

import codecs
import http.client
import io
import os
import socket
import stat
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import PurePath
from typing import BinaryIO

from feedtool import __version__
from feedtool._validate.codes import Issue
from feedtool._validate.detect import FEED_KINDS, detect
from feedtool._validate.document import validate_document
from feedtool._validate.report import Report, make_report

FETCH_TIMEOUT = 20.0  # seconds for the whole fetch: connections, redirects, every read
FETCH_LIMIT = 64 << 20  # bytes; a feed larger than this is not one readers will take
READ_LIMIT = FETCH_LIMIT  # the same for files and standard input
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json,"
    " application/xml;q=0.9, application/json;q=0.9, */*;q=0.5"
)
# Enough to tell markup or JSON from everything else (images, archives) in a folder.
_SNIFF_BYTES = 512

STDIN_TARGET = "-"  # as a target: one document read from standard input
STDIN_NAME = "<stdin>"  # how findings name that document


class TargetsError(ValueError):
    """Targets that cannot be validated together: standard input named more than once."""


def validate_targets(
    targets: Sequence[str], stdin: BinaryIO | None = None, *, feeds_only: bool = False
) -> list[Report]:
    """Validate files, every feed in folders (recursively, in sorted order) and URLs.

    A missing path or a failed fetch is a report with an error, never an exception.
    In a folder, a file that is not a feed is skipped; named on its own, it is an error,
    unless ``feeds_only``: then it is skipped as in a folder (for pre-commit, which
    names every changed ``.json`` and ``.xml`` file, feeds or not).
    ``-`` reads one document from ``stdin`` (default: the process's standard input),
    named ``<stdin>``; naming it twice raises ``TargetsError`` before anything is read.
    """
    if list(targets).count(STDIN_TARGET) > 1:
        raise TargetsError(f"standard input ({STDIN_TARGET!r}) can be validated only once")
    reports: list[Report] = []
    for target in targets:
        if target == STDIN_TARGET:
            reports.append(_validate_stdin(stdin))
        elif target.startswith(("http://", "https://")):
            reports.append(_validate_url(target))
        elif os.path.isdir(target):
            reports.extend(_validate_folder(target))
        elif feeds_only:
            reports.extend(_validate_if_feed(target))
        else:
            reports.append(_validate_file(target))
    return reports


def _validate_file(path: str) -> Report:
    try:
        with _open_regular(path) as stream:
            data = _read_limited(stream, path)
    except _Refused as refused:
        return refused.report
    except OSError as error:
        return _unreadable(path, error)
    return validate_document(data, path)


def _validate_if_feed(path: str) -> list[Report]:
    """The file's report if it is a feed (or cannot be read), else nothing."""
    try:
        with _open_regular(path) as stream:
            data = _read_limited(stream, path)
    except _Refused as refused:
        return [refused.report]
    except OSError as error:
        return [_unreadable(path, error)]
    if not _may_be_feed(data[:_SNIFF_BYTES]) or detect(data).kind not in FEED_KINDS:
        return []
    return [validate_document(data, path)]


class _Refused(Exception):
    """A target that is not read: not a regular file, or larger than the limit."""

    def __init__(self, report: Report, file_type: str = ""):
        super().__init__(report.findings[0].message)
        self.report = report
        self.file_type = file_type  # what the file is, when it is not a regular file


def _open_regular(path: str) -> BinaryIO:
    """``path`` opened for reading, if it is a regular file (after symbolic links).

    A FIFO, a device (``/dev/zero``) or a socket is refused (``_Refused``, E-READ)
    without waiting: it is opened without blocking, then looked at, so nothing can be
    swapped in between.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            message = f"cannot read {path}: not a regular file ({_file_type(mode)})"
            raise _Refused(_failure(path, "E-READ", message), _file_type(mode))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _read_limited(stream: BinaryIO, name: str) -> bytes:
    """All of ``stream``, or ``_Refused`` (E-READ) past ``READ_LIMIT`` bytes."""
    data = stream.read(READ_LIMIT + 1)
    if len(data) > READ_LIMIT:
        message = f"cannot read {name}: larger than {READ_LIMIT >> 20} MiB"
        raise _Refused(_failure(name, "E-READ", message))
    return data


def _file_type(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
    ):
        if test(mode):
            return name
    return "not a file"


def _validate_stdin(stdin: BinaryIO | None) -> Report:
    if stdin is None:
        stdin = getattr(sys.stdin, "buffer", None)
    if stdin is None:  # no standard input at all, as under pythonw
        return _failure(
            STDIN_NAME, "E-READ", f"cannot read {STDIN_NAME}: there is no standard input"
        )
    try:
        data = _read_limited(stdin, STDIN_NAME)
    except _Refused as refused:
        return refused.report
    except OSError as error:
        return _unreadable(STDIN_NAME, error)
    except ValueError:  # a closed stream
        return _failure(STDIN_NAME, "E-READ", f"cannot read {STDIN_NAME}: it is closed")
    return validate_document(data, STDIN_NAME)


def _validate_folder(folder: str) -> list[Report]:
    reports: list[Report] = []
    feeds = 0
    for path in _files_under(folder):
        try:
            with _open_regular(path) as stream:
                head = stream.read(_SNIFF_BYTES)
                if not _may_be_feed(head):
                    continue
                stream.seek(0)  # rather than head + rest: no second copy of a large feed
                data = _read_limited(stream, path)
        except _Refused as refused:
            if refused.file_type:  # skipped, with a word: reading it could never end
                message = f"skipped: not a regular file ({refused.file_type})"
                issue = Issue(1, 0, "W-NOT-REGULAR", message)
                reports.append(make_report(path, "unknown", [issue]))
            else:
                reports.append(refused.report)
            continue
        except OSError as error:
            reports.append(_unreadable(path, error))
            continue
        if detect(data).kind in FEED_KINDS:
            feeds += 1
            reports.append(validate_document(data, path))
    if not feeds and not any(r.errors for r in reports):
        message = f"no RSS, Atom or JSON feeds in {folder}"
        reports.append(make_report(folder, "folder", [Issue(1, 0, "E-NO-FEEDS", message)]))
    return reports


def _files_under(folder: str) -> list[str]:
    paths = [
        os.path.join(directory, name) for directory, _, names in os.walk(folder) for name in names
    ]
    # By path components, so a folder's files and subfolders interleave by name.
    return sorted(paths, key=lambda path: PurePath(path).parts)


def _may_be_feed(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    text = head.removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n")
    return text[:1] in (b"<", b"{")


def _validate_url(url: str) -> Report:
    headers = {"User-Agent": f"feedtool/{__version__} (validate)", "Accept": _ACCEPT}
    try:
        request = urllib.request.Request(url, headers=headers)
        data = _fetch(request, time.monotonic() + FETCH_TIMEOUT)
    except urllib.error.HTTPError as error:
        return _failure(url, "E-FETCH", f"HTTP {error.code} {error.reason}")
    except urllib.error.URLError as error:
        return _failure(url, "E-FETCH", f"cannot fetch {url}: {error.reason}")
    except TimeoutError:
        message = f"cannot fetch {url}: no complete response within {FETCH_TIMEOUT:g} seconds"
        return _failure(url, "E-FETCH", message)
    except (OSError, http.client.HTTPException, ValueError) as error:
        return _failure(url, "E-FETCH", f"cannot fetch {url}: {error}")
    if data is None:
        return _failure(url, "E-FETCH", f"{url} is larger than {FETCH_LIMIT >> 20} MiB")
    return validate_document(data, url)


def _fetch(request: urllib.request.Request, deadline: float) -> bytes | None:
    """The body of the response to ``request``, or None past ``FETCH_LIMIT`` bytes.

    Only http and https are spoken, redirects included. Every connection and every read
    of every response (headers too) has the time left until ``deadline``, a monotonic
    time, so a server that sends a byte now and then cannot hold the fetch past it.
    A body shorter than its Content-Length is an error, not a shorter document.
    """
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        _DeadlineHTTPHandler(deadline),
        _DeadlineHTTPSHandler(deadline),
        urllib.request.HTTPDefaultErrorHandler(),
        _HttpOnlyRedirectHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    with opener.open(request, timeout=_remaining(deadline)) as response:
        chunks: list[bytes] = []
        size = 0
        while size <= FETCH_LIMIT:
            chunk = response.read(min(1 << 20, FETCH_LIMIT + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        missing = getattr(response, "length", None)
        if size <= FETCH_LIMIT and missing:
            raise http.client.HTTPException(
                f"the response ended {missing} bytes short of its Content-Length"
            )
    return b"".join(chunks) if size <= FETCH_LIMIT else None


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the fetch took too long")
    return left


class _DeadlineReader(io.RawIOBase):
    """A socket's reader whose every read times out at the fetch's deadline."""

    def __init__(self, reader: io.RawIOBase, sock: socket.socket, deadline: float):
        self.reader, self.sock, self.deadline = reader, sock, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int | None:  # type: ignore[no-untyped-def]
        self.sock.settimeout(_remaining(self.deadline))
        return self.reader.readinto(buffer)

    def close(self) -> None:
        self.reader.close()
        super().close()


def _deadline_connection(base: type[http.client.HTTPConnection], deadline: float) -> type:
    class _Response(http.client.HTTPResponse):
        def __init__(self, sock: socket.socket, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            super().__init__(sock, *args, **kwargs)
            # The socket's own reader stays open inside: it keeps the socket alive.
            self.fp = io.BufferedReader(_DeadlineReader(self.fp.detach(), sock, deadline))

    class _Connection(base):  # type: ignore[valid-type, misc]
        response_class = _Response

        def connect(self) -> None:
            self.timeout = _remaining(deadline)
            super().connect()

    return _Connection


class _DeadlineHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: float):
        super().__init__()
        self.connection = _deadline_connection(http.client.HTTPConnection, deadline)

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self.connection, req)


class _DeadlineHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: float):
        super().__init__()
        self.connection = _deadline_connection(http.client.HTTPSConnection, deadline)

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self.connection, req, context=self._context)


class _HttpOnlyRedirectHandler(urllib.request.HTTPRedirectHandler):
    """Redirects are followed to http and https URLs only (never ftp:, file: ...)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        scheme = urllib.parse.urlsplit(newurl).scheme.lower()
        if scheme not in ("http", "https"):
            reason = f"redirected to {newurl}, which is not an http or https URL"
            raise urllib.error.URLError(reason)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _unreadable(path: str, error: OSError) -> Report:
    return _failure(path, "E-READ", f"cannot read {path}: {error.strerror or error}")


def _failure(path: str, code: str, message: str) -> Report:
    return make_report(path, "unknown", [Issue(1, 0, code, message)])
