"""Reading the entries folder: find article files, decode and parse them, date them.

The only module that touches the entries folder. Dates a file does not state come from
git (one ``git log`` for the whole folder) or, outside git, from the file's time.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from feedtool.config import Settings
from feedtool.entry import Entry, decode_entry, parse_entry
from feedtool.errors import Diagnostic, EntryError, SourceError


@dataclass(frozen=True)
class GitDates:
    """When git first added a file and when it last changed it."""

    added: datetime
    changed: datetime


@dataclass(frozen=True)
class ReadResult:
    """Entries that parsed, errors for the files that did not, and warnings."""

    entries: tuple[Entry, ...]
    errors: tuple[EntryError, ...]
    warnings: tuple[Diagnostic, ...]


def find_entry_files(folder: Path) -> tuple[list[Path], list[Diagnostic]]:
    """Every ``*.txt`` under ``folder`` in a stable order, and warnings for links not followed."""
    if not folder.exists():
        raise SourceError(
            "entries folder does not exist (--entries / [build] entries)", str(folder)
        )
    if not folder.is_dir():
        raise SourceError("entries path is not a folder (--entries / [build] entries)", str(folder))
    root = folder.resolve()
    files: list[Path] = []
    warnings: list[Diagnostic] = []
    for directory, subdirectories, names in os.walk(folder, onerror=_raise_walk_error):
        # Hidden folders (.git, editor state) hold no articles.
        subdirectories[:] = sorted(name for name in subdirectories if not name.startswith("."))
        for name in list(subdirectories):
            path = Path(directory, name)
            if path.is_symlink():
                subdirectories.remove(name)
                if not _inside(path, root):
                    warnings.append(
                        Diagnostic(
                            "warning",
                            "symlink points outside the entries folder; not followed",
                            str(path),
                        )
                    )
        for name in names:
            if not name.lower().endswith(".txt") or name.startswith("."):
                continue
            path = Path(directory, name)
            if path.is_symlink() and not _inside(path, root):
                warnings.append(
                    Diagnostic(
                        "warning",
                        "symlink points outside the entries folder; not followed",
                        str(path),
                    )
                )
                continue
            files.append(path)
    # Sorting the relative paths as strings makes the order independent of the disk's listing.
    files.sort(key=lambda path: path.relative_to(folder).as_posix())
    return files, warnings


def _raise_walk_error(error: OSError) -> None:
    raise SourceError(f"cannot list folder: {error.strerror}", error.filename)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def read_entries(settings: Settings) -> ReadResult:
    """Read, parse and date every article under the settings' entries folder."""
    folder = settings.entries
    files, warnings = find_entry_files(folder)
    git_dates = git_file_dates(folder)
    entries: list[Entry] = []
    errors: list[EntryError] = []
    for path in files:
        try:
            entry = read_entry(path, settings)
        except EntryError as error:
            errors.append(error)
            continue
        warnings.extend(entry.warnings)
        relative = path.relative_to(folder).as_posix()
        entries.append(date_entry(entry, git_dates.get(relative), file_time(path)))
    entries, duplicates = _without_duplicate_ids(entries)
    errors.extend(duplicates)
    return ReadResult(tuple(entries), tuple(errors), tuple(warnings))


def read_entry(path: Path, settings: Settings) -> Entry:
    """Read and parse one article file; the dates it does not state stay ``None``."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > settings.max_entry_size:
            raise EntryError(
                f"file is {size} bytes, more than the limit of {settings.max_entry_size} "
                "(raise it with --max-entry-size or [build] max_entry_size)",
                name,
            )
        data = path.read_bytes()
    except PermissionError:
        raise EntryError("permission denied: cannot read the file", name) from None
    except OSError as error:
        raise EntryError(f"cannot read the file: {error.strerror}", name) from None
    text, decode_warnings = decode_entry(data, name)
    entry = parse_entry(text, name, entry_id=path.stem, timezone=settings.timezone)
    if decode_warnings:
        entry = replace(entry, warnings=decode_warnings + entry.warnings)
    return entry


def date_entry(entry: Entry, git: GitDates | None, mtime: datetime) -> Entry:
    """Fill the dates the file does not state, as the format says.

    Published: the file's date, else git's first commit, else the file time. Updated: the
    file's ``Updated:``, else its ``Date:``, else git's last commit, else the file time.
    """
    published = entry.published or (git.added if git else mtime)
    updated = entry.updated or entry.published or (git.changed if git else mtime)
    # An update cannot come before the first publication; readers sort by either.
    updated = max(updated, published)
    return replace(entry, published=published, updated=updated)


def file_time(path: Path) -> datetime:
    # UTC, never the machine's zone, so the output does not depend on where it is built.
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).replace(microsecond=0)


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
