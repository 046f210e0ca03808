"""Reading the entries folder: find article files, decode and parse them, date them.

The only module that touches the entries folder. Dates a file does not state come from
git (one ``git log`` for the whole folder) or, outside git, from the file's time.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import stat
import subprocess
import sys
import time
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO, NamedTuple, overload

from feedtool._cache import UNVERIFIED, CachedFile
from feedtool._config import Settings
from feedtool._entry import Entry, article_headers, decode_entry, parse_entry
from feedtool._errors import Diagnostic, EntryError, SourceError


@dataclass(frozen=True)
class GitDates:
    """When git first added a file and when it last changed it."""

    added: datetime
    changed: datetime


@dataclass(frozen=True)
class ReadResult:
    """Entries that parsed, errors for the files that did not, and warnings.

    ``files`` is what the cache should remember of each article file that parsed;
    ``needs_git`` tells whether any entry took a date from git.
    """

    entries: tuple[Entry, ...]
    errors: tuple[EntryError, ...]
    warnings: tuple[Diagnostic, ...]
    files: dict[str, CachedFile] = field(default_factory=dict)
    needs_git: bool = False
    # Where the pieces of the entries rendered while parsing are, by entry id.
    pieces: dict[str, object] = field(default_factory=dict)
    # Entries were added or removed, or changed in what orders and groups them (their
    # dates, ids or keywords) since the cache's build: listing pages shift.
    reordered: bool = False
    # Warnings about what changed since the cache's build (an edit its dates hide, a
    # rename that changed an id): said by the build that sees the change, never again.
    change_warnings: tuple[Diagnostic, ...] = ()

    def known_versions(self) -> dict[str, bytes]:
        """The versions of unchanged entries, as the cache kept them, by source."""
        return {
            cached.entry.source: cached.version
            for cached in self.files.values()
            if cached.version is not None
        }


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except (ValueError, OSError, RuntimeError):
        return False
    return True


class ScannedFile(NamedTuple):
    """An article file found in the entries folder, with its size, modification time and
    change time (``st_ctime``: set by the system on every change of the file, content or
    times, and never set back by ``cp -p``, ``rsync -t``, tar or ``touch -d``).

    A named tuple: every build makes one per article file, 100,000 at a time."""

    path: str
    relative: str
    size: int
    mtime_ns: int
    ctime_ns: int


def file_kind(mode: int) -> str:
    """What a file that is not a regular file is, for a message: "a FIFO", "a folder"..."""
    kinds = (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
    )
    return next((kind for test, kind in kinds if test(mode)), "not a file of a known kind")


def scan_entries(folder: Path) -> tuple[list[ScannedFile], list[Diagnostic]]:
    """Find every article file and stat it: all a build needs to see that nothing changed.

    Files are ``*.txt`` under ``folder``, subfolders included, hidden ones not; the order
    is that of the relative paths as text, never the order the disk lists them in. A
    ``*.txt`` that is not a regular file (a FIFO, a device, a symlink to one) is skipped
    with a warning: reading it could wait forever or never end.
    """
    if not folder.exists():
        raise SourceError(
            "entries folder does not exist (--entries / [build] entries)", str(folder)
        )
    if not folder.is_dir():
        raise SourceError("entries path is not a folder (--entries / [build] entries)", str(folder))
    root = folder.resolve()
    files: list[ScannedFile] = []
    warnings: list[Diagnostic] = []
    # os.scandir rather than pathlib: a site of 100,000 articles is scanned on every build.
    pending = [(str(folder), "")]
    while pending:
        directory, prefix = pending.pop()
        try:
            with os.scandir(directory) as listing:
                found = list(listing)  # in the disk's order: the files are sorted below
        except OSError as error:
            raise SourceError(f"cannot list folder: {error.strerror}", directory) from None
        for item in found:
            name = item.name
            if name.startswith("."):  # hidden: .git, editor state
                continue
            if item.is_symlink() and not _inside(Path(item.path), root):
                warnings.append(
                    Diagnostic(
                        "warning",
                        "symlink points outside the entries folder; not followed",
                        item.path,
                    )
                )
                continue
            if item.is_dir(follow_symlinks=False):
                pending.append((item.path, f"{prefix}{name}/"))
            elif name.lower().endswith(".txt"):
                try:
                    status = item.stat()
                except OSError:
                    # Reported by read_entries, which tries to read it.
                    files.append(ScannedFile(item.path, prefix + name, -1, -1, -1))
                    continue
                if not stat.S_ISREG(status.st_mode):
                    kind = file_kind(status.st_mode)
                    warnings.append(
                        Diagnostic("warning", f"not a regular file ({kind}); skipped", item.path)
                    )
                    continue
                files.append(
                    ScannedFile(
                        item.path,
                        prefix + name,
                        status.st_size,
                        status.st_mtime_ns,
                        status.st_ctime_ns,
                    )
                )
    files.sort(key=_RELATIVE)
    return files, warnings


_RELATIVE = itemgetter(ScannedFile._fields.index("relative"))


class ParsedFile(NamedTuple):
    """What parsing one article file gave: its entry, or the error that stops it.

    ``entry`` is None (and ``error`` too) when the file's content hash was the one the
    cache knew: nothing to parse. ``file_published`` and ``file_updated`` are the dates
    the file itself states; an entry that states its date is dated already. ``pieces``
    is where its pieces were rendered, when the parsing process rendered them (see
    ``feedtool._build``): passed on, never read here.
    """

    entry: Entry | None
    error: EntryError | None = None
    file_published: datetime | None = None
    file_updated: datetime | None = None
    pieces: object = None


# Parses (path, known content hash) pairs, in order: in this process or on every core.
ParseFiles = Callable[[list[tuple[str, str]]], Iterable[ParsedFile]]


def parse_file(path: str, settings: Settings, known_digest: str = "") -> ParsedFile:
    """Read and parse one article file, dated when it states its date.

    ``ParsedFile(None)`` when the file's content hash is ``known_digest``. An entry that
    does not state its date is dated later, from git or its file's time, by
    ``gather_entries``, which has them all.
    """
    try:
        entry = read_entry(Path(path), settings, known_digest)
    except EntryError as error:
        return ParsedFile(None, error)
    if entry is None:
        return ParsedFile(None)
    file_published, file_updated = entry.published, entry.updated
    # One string per keyword: a site of 100,000 entries has a few hundred keywords and
    # hundreds of thousands of uses, sent between processes in batches.
    categories = tuple(sys.intern(keyword) for keyword in entry.categories)
    if file_published is None:
        return ParsedFile(entry._replace(categories=categories), None, None, file_updated)
    published, updated = entry_dates(file_published, file_updated, None, 0)
    entry = entry._replace(published=published, updated=updated, categories=categories)
    return ParsedFile(entry, None, file_published, file_updated)


def read_entries(
    settings: Settings,
    previous: dict[str, CachedFile] | None = None,
    parse_files: ParseFiles | None = None,
    scanned: tuple[list[ScannedFile], list[Diagnostic]] | None = None,
) -> ReadResult:
    """Read, parse and date every article under the settings' entries folder.

    A file whose size and modification time are those in ``previous`` (what the last
    build's cache saw) is not parsed again, nor one whose content hash is. By default
    files are parsed in this process, with their bodies; ``parse_files`` may parse them
    elsewhere (see ``feedtool._build``). ``scanned`` is ``scan_entries``'s result, when
    the caller has it already.
    """
    files, warnings = scanned or scan_entries(settings.entries)
    kept, to_parse, gone = compare_with_cache(files, previous or {})
    if parse_files is None:
        parse_files = partial(_parse_here, settings)
    jobs = [(scanned.path, cached.entry.digest if cached else "") for scanned, cached in to_parse]
    parsed = zip(to_parse, parse_files(jobs), strict=True)
    return gather_entries(settings, files, warnings, kept, parsed, gone)


def _parse_here(settings: Settings, jobs: list[tuple[str, str]]) -> Iterator[ParsedFile]:
    return (parse_file(path, settings, digest) for path, digest in jobs)


def compare_with_cache(
    files: list[ScannedFile], previous: dict[str, CachedFile]
) -> tuple[
    dict[str, CachedFile], list[tuple[ScannedFile, CachedFile | None]], dict[str, CachedFile]
]:
    """The files the cache knows unchanged (same size, modification and change times, and
    the same path), the files to parse with what the cache knew of them, and the files
    gone since, by path. A row the last build could not vouch for (see
    ``settle_racily_clean``) matches no file: that file's content hash is compared."""
    previous = dict(previous)  # taken out as they are matched: what stays is gone
    kept: dict[str, CachedFile] = {}
    to_parse: list[tuple[ScannedFile, CachedFile | None]] = []
    for scanned_file in files:
        cached = previous.pop(scanned_file.relative, None)
        if (
            cached is not None
            and cached.ctime_ns == scanned_file.ctime_ns
            and cached.mtime_ns == scanned_file.mtime_ns
            and cached.size == scanned_file.size
            and cached.entry.source == scanned_file.path
        ):
            kept[scanned_file.relative] = cached
        else:
            to_parse.append((scanned_file, cached))
    return kept, to_parse, previous


def gather_entries(
    settings: Settings,
    files: list[ScannedFile],
    scan_warnings: list[Diagnostic],
    kept: dict[str, CachedFile],
    parsed: Iterable[tuple[tuple[ScannedFile, CachedFile | None], ParsedFile]],
    gone: dict[str, CachedFile],
) -> ReadResult:
    """Every entry in file order, dated, without duplicate ids; the errors and warnings.

    ``kept`` are the files the cache knows unchanged; ``parsed`` the others, each with
    what the cache knew of it and what parsing it gave; ``gone`` the files the cache
    knew that are gone.
    """
    warnings = list(scan_warnings)
    errors: list[EntryError] = []
    change_warnings: list[Diagnostic] = []
    kept = dict(kept)
    reordered = bool(gone)  # files gone since the last build
    # A new file with the content of a file gone is that file renamed.
    gone_by_digest: dict[str, Entry] = {}
    for cached in gone.values():
        gone_by_digest.setdefault(cached.entry.digest, cached.entry)
    pieces_by_source: dict[str, object] = {}
    for (scanned_file, cached), outcome in parsed:
        entry = outcome.entry
        if outcome.error is not None:
            errors.append(outcome.error)
            continue
        if entry is None:  # touched, not changed: the content hash is the same
            assert cached is not None
            kept[scanned_file.relative] = cached._replace(
                size=scanned_file.size,
                mtime_ns=scanned_file.mtime_ns,
                ctime_ns=scanned_file.ctime_ns,
                saved=None,
            )
            continue
        if outcome.pieces is not None:
            pieces_by_source[entry.source] = outcome.pieces
        file_published = outcome.file_published
        reordered = reordered or cached is None or _order_changed(cached, entry, file_published)
        if cached is None:
            renamed_from = gone_by_digest.pop(entry.digest, None)
            if renamed_from is not None and renamed_from.id != entry.id:
                change_warnings.append(_renamed_warning(entry, renamed_from))
        elif _edit_hidden_by_dates(cached, entry, outcome):
            change_warnings.append(_hidden_edit_warning(entry))
        kept[scanned_file.relative] = CachedFile(
            scanned_file.size,
            scanned_file.mtime_ns,
            scanned_file.ctime_ns,
            entry,
            file_published,
            outcome.file_updated,
        )
    # Dates from git only when some file states none: one `git log`, and none at all otherwise.
    needs_git = any(cached.file_published is None for cached in kept.values())
    git_dates = git_file_dates(settings.entries) if needs_git else {}
    entries: list[Entry] = []
    for scanned_file in files:
        cached = kept.get(scanned_file.relative)
        if cached is None:
            continue
        if cached.entry.warnings:
            warnings.extend(cached.entry.warnings)
        # An entry that states its date was dated when it was parsed; any other again,
        # as git or its file's time may have moved.
        if cached.file_published is None:
            dates = entry_dates(
                None,
                cached.file_updated,
                git_dates.get(scanned_file.relative),
                scanned_file.mtime_ns,
            )
            if dates != (cached.entry.published, cached.entry.updated):
                published, updated = dates
                cached = cached._replace(
                    entry=cached.entry._replace(published=published, updated=updated),
                    version=None,
                    saved=None,
                )
                kept[scanned_file.relative] = cached
                reordered = True
        entries.append(cached.entry)
    entries, duplicates = _without_duplicate_ids(entries)
    errors.extend(duplicates)
    # By id once ids are unique: a file whose id another file has made pieces too.
    pieces = {
        entry.id: pieces_by_source[entry.source]
        for entry in entries
        if entry.source in pieces_by_source
    }
    return ReadResult(
        tuple(entries),
        tuple(errors),
        tuple(warnings),
        kept,
        needs_git,
        pieces,
        reordered or bool(errors),
        tuple(change_warnings),
    )


def _edit_hidden_by_dates(cached: CachedFile, entry: Entry, outcome: ParsedFile) -> bool:
    """Whether a file parsed again changed (its content hash did: a file only touched is
    not parsed) while the dates it states, which alone make its updated date, did not.

    An entry whose file states no date is dated by git or its file's time, which move with
    the edit; one whose id changed is a new entry to readers anyway."""
    if outcome.file_published is None and outcome.file_updated is None:
        return False
    return (
        entry.id == cached.entry.id
        and outcome.file_published == cached.file_published
        and outcome.file_updated == cached.file_updated
    )


def _hidden_edit_warning(entry: Entry) -> Diagnostic:
    return Diagnostic(
        "warning",
        "the text changed but its Updated: date did not, so readers will not see it as "
        f"updated; run feedtool touch {shlex.quote(entry.source)}",
        entry.source,
    )


def _renamed_warning(entry: Entry, before: Entry) -> Diagnostic:
    return Diagnostic(
        "warning",
        f"this is {before.source} renamed: its id changed from {before.id!r} to "
        f"{entry.id!r}, so readers will show it again as new; add the line "
        f'"Id: {before.id}" at its top to keep the old id',
        entry.source,
    )


def _order_changed(cached: CachedFile, entry: Entry, file_published: datetime | None) -> bool:
    """Whether a file parsed again moved in the site's order or groups. Its date comes
    from its own Date: line, or, without one, is set again later (which counts too)."""
    before = cached.entry
    return (
        entry.id != before.id
        or entry.categories != before.categories
        or file_published != cached.file_published
    )


def files_digest(files: list[ScannedFile]) -> str:
    """A hash of every article file's path, size, modification and change times.

    Every build computes it (it is how a build finds nothing changed), so in two passes
    at C speed: the paths joined (no path holds a NUL), then the numbers as 64-bit
    integers. Measured at 100,000 files (2 cores, Python 3.11, processor time): 74 ms,
    against 175-195 ms for marshal of a list per field.
    """
    digest = hashlib.sha256("\0".join(map(_RELATIVE, files)).encode("utf-8", "surrogatepass"))
    numbers = chain.from_iterable(map(_STAT_NUMBERS, files))
    try:
        digest.update(array("q", numbers).tobytes())
    except OverflowError:  # a time past the year 2262: as text, then
        digest.update(repr([_STAT_NUMBERS(item) for item in files]).encode())
    return digest.hexdigest()


_STAT_NUMBERS = itemgetter(
    *(ScannedFile._fields.index(name) for name in ("size", "mtime_ns", "ctime_ns"))
)


def input_fingerprint(
    settings_key: str, files_digest: str, settings: Settings, needs_git: bool
) -> str:
    """A hash of everything a build reads: when it is unchanged, so is the site.

    Files count by path, size, modification and change times (``files_digest``); when
    dates come from git, the commit checked out counts too.
    """
    digest = hashlib.sha256(f"{settings_key}\0{files_digest}".encode())
    if needs_git:
        digest.update(git_head(settings.entries).encode())
    return digest.hexdigest()


def git_head(folder: Path) -> str:
    """The commit checked out in the folder's git work tree, or "" outside git."""
    try:
        result = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "HEAD"], capture_output=True, check=False
        )
    except OSError:
        return ""
    return result.stdout.decode("ascii", errors="replace").strip() if result.returncode == 0 else ""


class FileChanged(EntryError):
    """An unchanged entry's file no longer holds what the build knew of it: it was edited
    during the build, or unseen before it. ``feedtool._build`` reads it again then."""


# The coarsest file time stamps in use: FAT keeps modification times to 2 s, and many
# file systems (ext3, HFS+, some network ones) to 1 s.
COARSE_TIMESTAMP_NS = 2_000_000_000
# Stamps with a part of a second that is not whole hundredths come from a file system
# that keeps (near) nanoseconds, stamped from the kernel's coarse clock, which moves in
# ticks of 1 to 10 ms: 50 ms covers a tick, and that clock's lag behind time.time_ns().
FINE_TIMESTAMP_NS = 50_000_000


def timestamp_granularity(ctime_ns: int) -> int:
    """How far apart two changes of a file can be and still give it the same change time,
    judged from that time: whole hundredths of a second come from a coarse file system."""
    return COARSE_TIMESTAMP_NS if ctime_ns % 10_000_000 == 0 else FINE_TIMESTAMP_NS


def settle_racily_clean(
    files: dict[str, CachedFile], scan_started_ns: int, settings: Settings
) -> tuple[dict[str, CachedFile], bool]:
    """The rows for the cache, those whose size and times cannot vouch for their content
    marked (change time ``UNVERIFIED``) for the next build to hash; and whether any was.

    A file is *racily clean* (git's term) when it changed so shortly before the build
    read it that a later edit may leave its size and both times as they were: the file
    system's clock had not moved on (its stamps are coarse: 2 s on FAT, 1 s on many;
    even nanosecond stamps move in ticks of the kernel's clock). Only a row this build
    made can be (a row kept from the cache was settled by the build that made it): that
    of a file whose change time is less than the granularity before the scan began.
    Each is checked again now, once its change time is that far in the past (waiting for
    it at most ``FINE_TIMESTAMP_NS``): a file that still has its size, times and content
    hash then cannot change without its times moving; any other is marked.

    This converges: the next build hashes each marked file, at a time safely after its
    change time, and its row is settled then. After a bulk checkout (every file just
    written) one build hashes the files written in the last 2 s before it began, and the
    build after it finds nothing changed.
    """
    candidates = [
        relative
        for relative, cached in files.items()
        if cached.saved is None
        and cached.ctime_ns >= scan_started_ns - timestamp_granularity(cached.ctime_ns)
    ]
    if not candidates:
        return files, False
    settled_at = max(
        files[relative].ctime_ns + timestamp_granularity(files[relative].ctime_ns)
        for relative in candidates
    )
    wait = settled_at - time.time_ns()
    if 0 < wait <= FINE_TIMESTAMP_NS:
        time.sleep(wait / 1e9)
    now = time.time_ns()  # before the checks: each vouches for its file from now on
    files = dict(files)
    marked = False
    for relative in candidates:
        cached = files[relative]
        settled = cached.ctime_ns + timestamp_granularity(cached.ctime_ns) <= now
        if not (settled and _still_as_read(cached, settings)):
            files[relative] = cached._replace(ctime_ns=UNVERIFIED, saved=None)
            marked = True
    return files, marked


def _still_as_read(cached: CachedFile, settings: Settings) -> bool:
    """Whether the file has the size, times and content hash the row says."""
    path = cached.entry.source
    try:
        status = os.stat(path)
        if (status.st_size, status.st_mtime_ns, status.st_ctime_ns) != (
            cached.size,
            cached.mtime_ns,
            cached.ctime_ns,
        ):
            return False
        data = read_article_bytes(Path(path), settings)
    except (OSError, EntryError):
        return False
    return hashlib.sha256(data).hexdigest() == cached.entry.digest


def read_body(entry: Entry, settings: Settings) -> Entry:
    """The entry with its body read again from its file (see ``entry.without_body``).

    Raises ``FileChanged`` if the file no longer holds what the build knew of it.
    """
    again = read_entry(Path(entry.source), settings)
    if again.digest != entry.digest:
        raise FileChanged("the file changed during the build; build again", entry.source)
    return entry._replace(
        points=again.points, paragraphs=again.paragraphs, dropped=again.dropped, body_left_out=False
    )


@overload
def read_entry(path: Path, settings: Settings) -> Entry: ...
@overload
def read_entry(path: Path, settings: Settings, known_digest: str) -> Entry | None: ...
def read_entry(path: Path, settings: Settings, known_digest: str = "") -> Entry | None:
    """Read and parse one article file; the dates it does not state stay ``None``.

    Returns ``None`` without parsing when the file's content hash is ``known_digest``.
    """
    data = read_article_bytes(path, settings)
    digest = hashlib.sha256(data).hexdigest()
    if digest == known_digest:
        return None
    return parse_article(data, path, settings)._replace(digest=digest)


_RAISE_LIMIT = "(raise it with --max-entry-size or [build] max_entry_size)"


def read_article_bytes(path: Path, settings: Settings) -> bytes:
    """An article file's bytes; raises ``EntryError`` if it cannot be read, is not a
    regular file, or is bigger than ``max_entry_size``.

    Never waits and never reads without bound: the file is opened non-blocking (a FIFO
    put in place of a scanned file opens at once, and is refused: only a regular file is
    read), and at most one byte past the limit is read, whatever its size said before
    (a file that grows while it is read is refused too).
    """
    name = str(path)
    limit = settings.max_entry_size
    try:
        # One open, its size from the open file: read_entry runs for every changed file.
        with open(name, "rb", buffering=0, opener=_open_nonblocking) as handle:
            status = os.fstat(handle.fileno())
            if not stat.S_ISREG(status.st_mode):
                raise EntryError(f"not a regular file ({file_kind(status.st_mode)})", name)
            if status.st_size > limit:
                raise EntryError(
                    f"file is {status.st_size} bytes, more than the limit of {limit} "
                    + _RAISE_LIMIT,
                    name,
                )
            data = _read_at_most(handle, limit + 1, first=status.st_size + 1)
    except PermissionError:
        raise EntryError("permission denied: cannot read the file", name) from None
    except OSError as error:
        raise EntryError(f"cannot read the file: {error.strerror}", name) from None
    if len(data) > limit:
        raise EntryError(f"file is more than the limit of {limit} bytes " + _RAISE_LIMIT, name)
    return data


def _open_nonblocking(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))


def _read_at_most(handle: BinaryIO, count: int, first: int) -> bytes:
    """Up to ``count`` bytes, to the end of the file: ``first`` bytes asked at once (one
    more than the size, so that one read usually takes it all), then 64 KiB at a time."""
    chunks = []
    asked = min(first, count)
    while count > 0:
        chunk = handle.read(asked)
        if not chunk:
            break
        chunks.append(chunk)
        count -= len(chunk)
        asked = min(count, 65536)
    return b"".join(chunks)


def parse_article(data: bytes, path: Path, settings: Settings) -> Entry:
    """Decode and parse an article file's bytes; the dates it does not state stay ``None``."""
    name = str(path)
    text, decode_warnings = decode_entry(data, name)
    headers = article_headers(settings.points_headers, settings.keyword_headers)
    entry = parse_entry(
        text,
        name,
        entry_id=path.stem,
        timezone=settings.timezone,
        headers=headers,
        max_keywords=settings.max_keywords,
    )
    return entry._replace(warnings=decode_warnings + entry.warnings)


def date_entry(entry: Entry, git: GitDates | None, mtime_ns: int) -> Entry:
    """The entry with the dates its file does not state filled in (see ``entry_dates``)."""
    published, updated = entry_dates(entry.published, entry.updated, git, mtime_ns)
    return entry._replace(published=published, updated=updated)


def entry_dates(
    file_published: datetime | None,
    file_updated: datetime | None,
    git: GitDates | None,
    mtime_ns: int,
) -> tuple[datetime, datetime]:
    """Published and updated dates, as the format says.

    Published: the file's date, else git's first commit, else the file time. Updated: the
    file's ``Updated:``, else its ``Date:``, else git's last commit, else the file time.
    """
    if file_published is not None:  # the usual case, and nothing to look up
        published = file_published
        updated = file_updated or file_published
    else:
        fallback = _file_time(mtime_ns)
        published = git.added if git else fallback
        updated = file_updated or (git.changed if git else fallback)
    # An update cannot come before the first publication; readers sort by either.
    return published, max(updated, published)


def _file_time(mtime_ns: int) -> datetime:
    # UTC, never the machine's zone, so the output does not depend on where it is built.
    return datetime.fromtimestamp(mtime_ns // 1_000_000_000, tz=UTC)


def git_file_dates(folder: Path) -> dict[str, GitDates]:
    """Dates of every committed file under ``folder`` from one ``git log``, keyed by relative path.

    Empty when the folder is not in a git work tree or git is not installed.
    """
    try:
        result = subprocess.run(
            [
                "git",
                "-C",
                str(folder),
                "log",
                "-z",
                "--format=%x01%aI",
                "--name-only",
                "--no-renames",
                "--relative",
                "--",
                ".",
            ],
            capture_output=True,
            check=False,
        )
    except OSError:
        return {}
    if result.returncode != 0:
        return {}
    return parse_git_log(result.stdout.decode("utf-8", errors="surrogateescape"))


def parse_git_log(output: str) -> dict[str, GitDates]:
    """Parse ``git log -z --format=%x01%aI --name-only``: commits newest first."""
    dates: dict[str, GitDates] = {}
    for commit in output.split("\x01"):
        if not commit:
            continue
        date_text, _, names = commit.partition("\0")
        when = datetime.fromisoformat(date_text.strip())
        for name in names.strip("\n").split("\0"):
            name = name.strip("\n")
            if not name:
                continue
            known = dates.get(name)
            # Newest first: the first commit seen changed it last, the last one added it.
            dates[name] = GitDates(added=when, changed=known.changed if known else when)
    return dates


def _without_duplicate_ids(entries: list[Entry]) -> tuple[list[Entry], list[EntryError]]:
    """Keep the first entry of each id (in file order); every later one is an error."""
    # Case-folded, because entries/<id>.html of two ids differing in case collide on
    # case-insensitive file systems.
    first: dict[str, Entry] = {}
    errors = []
    for entry in entries:
        key = entry.id.casefold()
        if key in first:
            errors.append(
                EntryError(
                    f"duplicate id {entry.id!r}: also the id of {first[key].source}", entry.source
                )
            )
        else:
            first[key] = entry
    return list(first.values()), errors
