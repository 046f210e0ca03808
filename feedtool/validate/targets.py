"""What the user names on the command line: files, folders of files, URLs and ``-``."""

from __future__ import annotations

import codecs
import http.client
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import PurePath
from typing import BinaryIO

from feedtool import __version__
from feedtool.validate.codes import Issue
from feedtool.validate.detect import FEED_KINDS, detect
from feedtool.validate.document import validate_document
from feedtool.validate.report import Report, make_report

FETCH_TIMEOUT = 20.0  # seconds, for connecting and for each read
FETCH_LIMIT = 64 << 20  # bytes; a feed larger than this is not one readers will take
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
        with open(path, "rb") as stream:
            data = stream.read()
    except OSError as error:
        return _unreadable(path, error)
    return validate_document(data, path)


def _validate_if_feed(path: str) -> list[Report]:
    """The file's report if it is a feed (or cannot be read), else nothing."""
    try:
        with open(path, "rb") as stream:
            data = stream.read()
    except OSError as error:
        return [_unreadable(path, error)]
    if not _may_be_feed(data[:_SNIFF_BYTES]) or detect(data).kind not in FEED_KINDS:
        return []
    return [validate_document(data, path)]


def _validate_stdin(stdin: BinaryIO | None) -> Report:
    if stdin is None:
        stdin = getattr(sys.stdin, "buffer", None)
    if stdin is None:  # no standard input at all, as under pythonw
        return _failure(
            STDIN_NAME, "E-READ", f"cannot read {STDIN_NAME}: there is no standard input"
        )
    try:
        data = stdin.read()
    except OSError as error:
        return _unreadable(STDIN_NAME, error)
    except ValueError:  # a closed stream
        return _failure(STDIN_NAME, "E-READ", f"cannot read {STDIN_NAME}: it is closed")
    return validate_document(data, STDIN_NAME)


def _validate_folder(folder: str) -> list[Report]:
    reports: list[Report] = []
    for path in _files_under(folder):
        try:
            with open(path, "rb") as stream:
                head = stream.read(_SNIFF_BYTES)
                if not _may_be_feed(head):
                    continue
                stream.seek(0)  # rather than head + rest: no second copy of a large feed
                data = stream.read()
        except OSError as error:
            reports.append(_unreadable(path, error))
            continue
        if detect(data).kind in FEED_KINDS:
            reports.append(validate_document(data, path))
    if not reports:
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
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:
            data = response.read(FETCH_LIMIT + 1)
    except urllib.error.HTTPError as error:
        return _failure(url, "E-FETCH", f"HTTP {error.code} {error.reason}")
    except urllib.error.URLError as error:
        return _failure(url, "E-FETCH", f"cannot fetch {url}: {error.reason}")
    except (OSError, http.client.HTTPException, ValueError) as error:
        return _failure(url, "E-FETCH", f"cannot fetch {url}: {error}")
    if len(data) > FETCH_LIMIT:
        return _failure(url, "E-FETCH", f"{url} is larger than {FETCH_LIMIT >> 20} MiB")
    return validate_document(data, url)


def _unreadable(path: str, error: OSError) -> Report:
    return _failure(path, "E-READ", f"cannot read {path}: {error.strerror or error}")


def _failure(path: str, code: str, message: str) -> Report:
    return make_report(path, "unknown", [Issue(1, 0, code, message)])
