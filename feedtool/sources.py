"""Reading the entries folder: find article files, decode and parse them, date them.

The only module that touches the entries folder. Dates a file does not state come from
git (one ``git log`` for the whole folder) or, outside git, from the file's time.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import select
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, NoReturn, overload

from feedtool.cache import BuildCache, CachedFile
from feedtool.config import Settings
from feedtool.entry import Entry, decode_entry, parse_decoded_entry
from feedtool.errors import Diagnostic, EntryError, SourceError
from feedtool.processes import leave_when_orphaned
from feedtool.publish import stage_folder
from feedtool.site import with_site_author

if TYPE_CHECKING:
    from feedtool.render.pieces import Location, PieceRenderer


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
    # Where the workers put the rendered pieces of the entries they parsed, by source and id.
    pieces: dict[tuple[str, str], Location] = field(default_factory=dict)
    # The versions of unchanged entries, as the cache kept them, by source.
    versions: dict[str, bytes] = field(default_factory=dict)
    # Entries were added or removed, or changed in what orders and groups them (their
    # dates, ids or keywords) since the cache's build: listing pages shift.
    reordered: bool = False


def find_entry_files(folder: Path) -> tuple[list[Path], list[Diagnostic]]:
    """Every ``*.txt`` under ``folder`` in a stable order, and warnings for links not followed."""
    files, warnings = scan_entries(folder)
    return [Path(scanned_file.path) for scanned_file in files], warnings


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except (ValueError, OSError, RuntimeError):
        return False
    return True


class ScannedFile(NamedTuple):
    """An article file found in the entries folder, with its size and modification time.

    A named tuple: every build makes one per article file, 100,000 at a time."""

    path: str
    relative: str
    size: int
    mtime_ns: int


def scan_entries(folder: Path) -> tuple[list[ScannedFile], list[Diagnostic]]:
    """Find every article file and stat it: all a build needs to see that nothing changed.

    Files are ``*.txt`` under ``folder``, subfolders included, hidden ones not; the order
    is that of the relative paths as text, never the order the disk lists them in.
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
                    size, mtime_ns = status.st_size, status.st_mtime_ns
                except OSError:
                    size = mtime_ns = -1  # reported by read_entries, which tries to read it
                files.append(ScannedFile(item.path, prefix + name, size, mtime_ns))
    files.sort(key=_RELATIVE)
    return files, warnings


_RELATIVE = itemgetter(ScannedFile._fields.index("relative"))


class Scan:
    """``scan_entries`` and ``files_digest``, run in a forked process when ``background``.

    Scanning 100,000 files is mostly the kernel's work (one stat each) and loading the
    cache is Python's: side by side on two cores, a build waits for the longer of the two
    only; and a build that finds nothing changed needs only the digest, not the files.
    Without ``background``, with one core, without ``fork``, or with threads running (a
    forked child would inherit the locks they hold), the scan runs here when first asked.
    """

    def __init__(self, folder: Path, background: bool = False):
        self.folder = folder
        self._scanned: tuple[list[ScannedFile], list[Diagnostic]] | None = None
        self._digest = ""
        self._sent: tuple | None = None  # what the child sent, not yet made into files
        self._pid = 0
        self._pipe = -1  # the read end of the pipe the child sends its result through
        if not background or not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
            return
        if threading.active_count() > 1:
            return
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: scan, send, and leave without running the parent's code
            os.close(read_end)
            _scan_and_send(folder, write_end)
        os.close(write_end)
        self._pid, self._pipe = pid, read_end

    def done(self) -> bool:
        """Whether the scan is over (or has not started: it runs here when asked for)."""
        return self._pipe < 0 or bool(select.select([self._pipe], [], [], 0)[0])

    def digest(self) -> str:
        """``files_digest`` of the files found."""
        self._receive()
        if not self._digest:
            self._digest = files_digest(self.result()[0])
        return self._digest

    def result(self) -> tuple[list[ScannedFile], list[Diagnostic]]:
        """The files found and the warnings, as ``scan_entries`` gives them."""
        self._receive()
        if self._scanned is None:
            if self._sent is None:
                self._scanned = scan_entries(self.folder)
            else:
                relatives, sizes, mtimes, warnings = self._sent
                prefix = os.path.join(str(self.folder), "")  # as os.scandir makes paths
                paths = [prefix + relative for relative in relatives]
                files = list(map(ScannedFile, paths, relatives, sizes, mtimes))
                self._scanned = files, [Diagnostic(*warning) for warning in warnings]
                self._sent = None
        return self._scanned

    def _receive(self) -> None:
        if self._pipe < 0:
            return
        with open(self._pipe, "rb") as pipe:
            data = pipe.read()
        os.waitpid(self._pid, 0)
        self._pipe = -1
        try:
            self._digest, listing, warnings = marshal.loads(data)
            self._sent = (*marshal.loads(listing), warnings)
        except (EOFError, ValueError, TypeError):
            # The scan failed in the child (or the child was killed): scanning here raises
            # the error, with its message, as a build without a child would.
            self._digest, self._sent = "", None


def _scan_and_send(folder: Path, pipe: int) -> NoReturn:
    """In the child: the scan as plain lists and its digest, or nothing when it fails;
    then exit at once (no atexit handlers, no buffers of the parent's)."""
    status = 1
    try:
        try:
            files, warnings = scan_entries(folder)
            listing = _listing(files)
            data = marshal.dumps(
                (
                    _digest(listing),
                    listing,
                    [(w.level, w.message, w.path, w.line) for w in warnings],
                )
            )
        except BaseException:  # noqa: BLE001 - the parent scans again and reports it
            data = b""
        with open(pipe, "wb") as stream:
            stream.write(data)
        status = 0
    finally:
        os._exit(status)


def read_entries(
    settings: Settings,
    cache: BuildCache | None = None,
    scanned: tuple[list[ScannedFile], list[Diagnostic]] | None = None,
    pieces_folder: Path | None = None,
) -> ReadResult:
    """Read, parse and date every article under the settings' entries folder.

    With a ``cache``, a file whose size and modification time are unchanged, or failing
    those whose content hash is, is not parsed again, and entries come without their
    bodies (``body_key`` set; ``read_body`` reads one again), so that no build holds them
    all. With a ``pieces_folder``, the process that parses an entry also renders its
    pieces there (see ``feedtool.render.pieces``).
    """
    files, scan_warnings = scanned or scan_entries(settings.entries)
    warnings = list(scan_warnings)
    # Taken out of the previous state as they are used, so old and new never pile up.
    previous = cache.previous_files() if cache else {}
    errors: list[EntryError] = []
    kept: dict[str, CachedFile] = {}
    to_parse: list[tuple[ScannedFile, CachedFile | None]] = []
    for scanned_file in files:
        cached = previous.pop(scanned_file.relative, None)
        if (
            cached is not None
            and cached.mtime_ns == scanned_file.mtime_ns
            and cached.size == scanned_file.size
        ):
            kept[scanned_file.relative] = cached
        else:
            to_parse.append((scanned_file, cached))
    reordered = bool(previous)  # files gone since the last build
    pieces: dict[tuple[str, str], Location] = {}
    parsed = _parse_all(to_parse, settings, pieces_folder, keep_bodies=cache is None)
    for (scanned_file, cached), outcome in parsed:
        if isinstance(outcome, EntryError):
            errors.append(outcome)
            continue
        if outcome is None:  # touched, not changed: the content hash is the same
            assert cached is not None
            kept[scanned_file.relative] = cached._replace(
                size=scanned_file.size, mtime_ns=scanned_file.mtime_ns, saved=None
            )
            continue
        entry, file_published, file_updated, location = outcome
        if location is not None:
            pieces[entry.source, entry.id] = location
        reordered = reordered or cached is None or _order_changed(cached, entry, file_published)
        kept[scanned_file.relative] = CachedFile(
            scanned_file.size, scanned_file.mtime_ns, entry, file_published, file_updated
        )
    # Dates from git only when some file states none: one `git log`, and none at all otherwise.
    needs_git = any(cached.file_published is None for cached in kept.values())
    git_dates = git_file_dates(settings.entries) if needs_git else {}
    entries: list[Entry] = []
    versions: dict[str, bytes] = {}
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
        if cached.version is not None:
            versions[cached.entry.source] = cached.version
        entries.append(cached.entry)
    entries, duplicates = _without_duplicate_ids(entries)
    errors.extend(duplicates)
    return ReadResult(
        tuple(entries),
        tuple(errors),
        tuple(warnings),
        kept,
        needs_git,
        pieces,
        versions,
        reordered or bool(errors),
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
    """A hash of every article file's path, size and modification time."""
    return _digest(_listing(files))


def _listing(files: list[ScannedFile]) -> bytes:
    """Every file's path, size and time as bytes, in three lists: what ``files_digest``
    hashes, and what a scanning process sends (marshal's version 2 keeps no references,
    and so writes 100,000 paths three times faster than its default)."""
    return marshal.dumps(
        (
            [item.relative for item in files],
            [item.size for item in files],
            [item.mtime_ns for item in files],
        ),
        2,
    )


def _digest(listing: bytes) -> str:
    return hashlib.sha256(listing).hexdigest()


def input_fingerprint(
    settings_key: str, files_digest: str, settings: Settings, needs_git: bool
) -> str:
    """A hash of everything a build reads: when it is unchanged, so is the site.

    Files count by path, size and modification time (``files_digest``); when dates come
    from git, the commit checked out counts too.
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


# Below this many files to parse, starting worker processes costs more than it saves.
PARALLEL_MIN_FILES = 2000


def _parse_all(
    files: list[tuple[ScannedFile, CachedFile | None]],
    settings: Settings,
    pieces_folder: Path | None,
    keep_bodies: bool,
) -> Iterator[tuple[tuple[ScannedFile, CachedFile | None], Parsed | EntryError | None]]:
    """Parse files, on every core when there are many; results in the files' order."""
    jobs = [(str(scanned.path), cached.entry.digest if cached else "") for scanned, cached in files]
    workers = os.cpu_count() or 1
    setup = (settings, pieces_folder, keep_bodies)
    if len(files) < PARALLEL_MIN_FILES or workers == 1:
        _start_worker(*setup)
        try:
            yield from zip(files, map(_parse_file, jobs), strict=True)
        finally:
            _stop_worker()
        return
    with ProcessPoolExecutor(workers, initializer=_start_pool_worker, initargs=setup) as pool:
        yield from zip(files, pool.map(_parse_file, jobs, chunksize=256), strict=True)


# A parsed file: its entry (dated when the file states a date, with or without its body),
# the dates the file itself states, and where its rendered pieces are.
Parsed = tuple[Entry, "datetime | None", "datetime | None", "Location | None"]


class _Worker:
    """What a parsing process keeps between files: the settings, and where pieces go."""

    def __init__(self, settings: Settings, pieces_folder: Path | None, keep_bodies: bool):
        self.settings = settings
        self.keep_bodies = keep_bodies
        self.renderer: PieceRenderer | None = None
        if pieces_folder is not None:
            from feedtool.render.pieces import PieceRenderer  # the renderers load slowly

            self.renderer = PieceRenderer(
                settings, pieces_folder / f"worker-{os.getpid()}", stage_folder(pieces_folder)
            )


_worker: _Worker | None = None


def _start_worker(settings: Settings, pieces_folder: Path | None, keep_bodies: bool) -> None:
    # Sent once per worker rather than with each of thousands of paths.
    global _worker
    _worker = _Worker(settings, pieces_folder, keep_bodies)


def _start_pool_worker(settings: Settings, pieces_folder: Path | None, keep_bodies: bool) -> None:
    _start_worker(settings, pieces_folder, keep_bodies)
    leave_when_orphaned()


def _stop_worker() -> None:
    global _worker
    if _worker is not None and _worker.renderer is not None:
        _worker.renderer.close()
    _worker = None


def _parse_file(job: tuple[str, str]) -> Parsed | EntryError | None:
    """Worker: one file to its entry, and its pieces rendered.

    ``None`` when the file's content hash is ``known_digest``: nothing to parse. An entry
    that states its date is dated here, and its pieces rendered; any other is dated later,
    from git or the file's time, by the process that has them all.
    """
    path, known_digest = job
    worker = _worker
    assert worker is not None
    try:
        entry = read_entry(Path(path), worker.settings, known_digest)
    except EntryError as error:
        return error
    if entry is None:
        return None
    file_published, file_updated = entry.published, entry.updated
    # One string per keyword in each batch of results sent back: a site of 100,000 entries
    # has a few hundred keywords and hundreds of thousands of uses.
    categories = tuple(sys.intern(keyword) for keyword in entry.categories)
    location = None
    if file_published is not None:
        published, updated = entry_dates(file_published, file_updated, None, 0)
        entry = entry._replace(published=published, updated=updated, categories=categories)
        if worker.renderer is not None:
            location = worker.renderer.render(with_site_author(entry, worker.settings))
        if not worker.keep_bodies:
            entry = entry._replace(paragraphs=(), body_key=entry.digest)
    elif worker.keep_bodies:
        entry = entry._replace(categories=categories)
    else:
        entry = entry._replace(categories=categories, paragraphs=(), body_key=entry.digest)
    return entry, file_published, file_updated, location


def read_body(entry: Entry, settings: Settings) -> tuple[str, ...]:
    """The paragraphs of an entry read without them, from its file (see ``read_entries``).

    Raises ``EntryError`` if the file no longer holds what was read at the build's start.
    """
    again = read_entry(Path(entry.source), settings)
    if again.digest != entry.digest:
        raise EntryError("the file changed during the build; build again", entry.source)
    return again.paragraphs


@overload
def read_entry(path: Path, settings: Settings) -> Entry: ...
@overload
def read_entry(path: Path, settings: Settings, known_digest: str) -> Entry | None: ...
def read_entry(path: Path, settings: Settings, known_digest: str = "") -> Entry | None:
    """Read and parse one article file; the dates it does not state stay ``None``.

    Returns ``None`` without parsing when the file's content hash is ``known_digest``.
    """
    name = str(path)
    try:
        # One open, its size from the open file: read_entry runs for every changed file.
        with open(name, "rb", buffering=0) as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > settings.max_entry_size:
                raise EntryError(
                    f"file is {size} bytes, more than the limit of {settings.max_entry_size} "
                    "(raise it with --max-entry-size or [build] max_entry_size)",
                    name,
                )
            data = handle.readall()
    except PermissionError:
        raise EntryError("permission denied: cannot read the file", name) from None
    except OSError as error:
        raise EntryError(f"cannot read the file: {error.strerror}", name) from None
    digest = hashlib.sha256(data).hexdigest()
    if digest == known_digest:
        return None
    text, decode_warnings = decode_entry(data, name)
    entry = parse_decoded_entry(text, name, entry_id=path.stem, timezone=settings.timezone)
    return entry._replace(warnings=decode_warnings + entry.warnings, digest=digest)


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
