"""The incremental build cache: what the last build read and wrote, to redo only what changed.

Kept in ``.feedtool-cache/`` beside the config (ignored by git, safe to delete):

- ``head.pickle``: a fingerprint of the whole input, so a build with nothing changed does
  nothing, and what that build reported;
- ``files.marshal``: per article file its size, modification time, content hash,
  parsed entry without its body (an unchanged file's body is read from the file again
  when an output that shows it is rendered, so a build never holds every article's)
  and the entry's version (see ``feedtool.render.entry_version``);
- ``files-delta.marshal``: the rows changed or removed since ``files.marshal`` was
  written, so that a build which changed a few files does not write 100,000 rows again;
- ``outputs.marshal``: per output file the key of everything it was rendered from.

The state is tied to the feedtool version and to the settings: when either changes, or
the files are damaged or not ours, the cache is discarded with a warning, never trusted.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
import pickle
import sys
from dataclasses import dataclass, fields, replace
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from feedtool import __version__
from feedtool.config import Settings
from feedtool.entry import Entry
from feedtool.errors import Diagnostic

CACHE_DIR = ".feedtool-cache"
HEAD_NAME = "head.pickle"
FILES_NAME = "files.marshal"
FILES_DELTA_NAME = "files-delta.marshal"
OUTPUTS_NAME = "outputs.marshal"
# Bump when the layout of the state changes; older states are then discarded.
STATE_FORMAT = 10
# The rows changed since the files table was written whole go to the delta file, until
# they are more than this share of the table (or this many): then the table is rewritten.
DELTA_MAX_SHARE = 0.05
DELTA_MAX_ROWS_ALWAYS = 1000
_MAGIC = "feedtool-cache"


def cache_folder(settings: Settings) -> Path:
    """``.feedtool-cache/`` beside the config file (or in the working folder without one)."""
    base = settings.config_path.parent if settings.config_path else Path(".")
    return base / CACHE_DIR


@functools.cache
def code_key() -> str:
    """A hash of feedtool's own code: a cache made by other code (another version, or a
    change between releases that renders differently) is never used. Reading the
    package's files costs a few milliseconds, once per process."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(f"\0{path.relative_to(package).as_posix()}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def settings_key(settings: Settings) -> str:
    """A hash of every setting and of feedtool's code: any change invalidates the cache."""
    values = [code_key()] + [
        repr(getattr(settings, item.name))
        for item in fields(settings)
        if item.compare and item.name != "config_path"
    ]
    return hashlib.sha256("\0".join(values).encode("utf-8")).hexdigest()


class CachedFile(NamedTuple):
    """An article file as the last build saw it: its entry (without its body, dated as that
    build dated it) and the dates the file itself states, to date it afresh.

    A named tuple: a build makes one per article file, 100,000 at a time."""

    size: int
    mtime_ns: int
    entry: Entry
    file_published: datetime | None
    file_updated: datetime | None
    # The entry's version, hashed, when the row was saved with it (see entry_version):
    # None once anything above changes.
    version: bytes | None = None
    # The row this was loaded from, written back as it is while nothing above changes
    # (set to None on any change): saving 100,000 unchanged entries is then no work.
    saved: tuple | None = None


@dataclass(frozen=True)
class CacheHead:
    """The small part of the cache, read first: enough to see that nothing changed.

    ``token`` ties it to the outputs table and to the files delta written with it;
    ``files_token`` to the files table, the same unless a delta was written after it.
    """

    settings_key: str
    token: str = ""
    files_token: str = ""
    files_delta: bool = False
    fingerprint: str = ""
    needs_git: bool = False
    # The output folder as published (see publish.output_state), to see nobody changed it.
    output_state: str = ""
    # Entries, feeds and pages of the last build, its output count and its warnings, for
    # a build that finds nothing changed and so reads nothing else.
    summary: tuple[int, int, int] = (0, 0, 0)
    output_count: int = 0
    warnings: tuple[Diagnostic, ...] = ()


_DATE_FIELDS = frozenset({"published", "updated"})


def _entry_to_plain(entry: Entry) -> tuple:
    """An entry as plain data marshal can write (dates as ISO text): fast to save and load."""
    values = []
    for name, value in zip(Entry._fields, entry, strict=True):
        if name in _DATE_FIELDS:
            value = value.isoformat() if value else None
        elif name == "warnings":
            value = tuple((w.level, w.message, w.path, w.line) for w in value)
        elif name == "categories":
            # marshal writes an interned string once and reads it back interned: the
            # keywords of 100,000 entries are then a few hundred strings, shared.
            value = tuple(map(sys.intern, value))
        values.append(value)
    return tuple(values)


_PUBLISHED, _UPDATED, _WARNINGS = (
    Entry._fields.index(name) for name in ("published", "updated", "warnings")
)


def _entry_from_plain(values: tuple) -> Entry:
    values = list(values)
    published, updated = values[_PUBLISHED], values[_UPDATED]
    if published:
        values[_PUBLISHED] = datetime.fromisoformat(published)
    if updated:
        # Usually the same date: one object for both.
        same = updated == published
        values[_UPDATED] = values[_PUBLISHED] if same else datetime.fromisoformat(updated)
    if values[_WARNINGS]:
        values[_WARNINGS] = tuple(Diagnostic(*w) for w in values[_WARNINGS])
    return Entry._make(values)


def _cached_file(row: tuple) -> CachedFile:
    size, mtime_ns, plain, file_published, file_updated, version = row
    entry = _entry_from_plain(plain)
    # A file's own Date: is usually its entry's published date: one date object for both.
    if file_published is not None and file_published == plain[_PUBLISHED]:
        published = entry.published
    else:
        published = _text_date(file_published)
    return CachedFile(
        size, mtime_ns, entry, published, _text_date(file_updated), version=version, saved=row
    )


def _date_text(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _text_date(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class BuildCache:
    """The cache of one build: the previous state in, the new state out.

    Three files: a small head (read by every build), the article files table (and its
    delta) and the outputs table (read only by a build that has something to do), tied
    by tokens.
    """

    def __init__(self, folder: Path | None, key: str):
        """``folder`` None means ``--no-cache``: nothing is read or kept."""
        self.folder = folder
        self.key = key
        self.warnings: list[Diagnostic] = []
        self.previous = CacheHead(settings_key=key)
        self._files: dict[str, CachedFile] | None = None
        # The rows of the files table as read, before the delta: what a delta is taken from.
        self._table_rows: dict[str, tuple] = {}
        self._outputs: dict[str, str] | None = None
        if folder is not None:
            self.previous = self._load_head()

    @property
    def persistent(self) -> bool:
        return self.folder is not None

    def previous_files(self) -> dict[str, CachedFile]:
        """What the last build saw of each article file (read on first use)."""
        if self._files is None:
            try:
                self._files = {
                    relative: _cached_file(row) for relative, row in self._load_rows().items()
                }
            except Exception as error:  # noqa: BLE001 - any damage means: do not trust it
                self._discard(f"cache damaged or foreign ({type(error).__name__}); rebuilding")
        assert self._files is not None
        return self._files

    def _load_rows(self) -> dict[str, tuple]:
        """The files table's rows with the delta's changes applied."""
        table = self._load_table(FILES_NAME, self.previous.files_token)
        rows = table
        if table and self.previous.files_delta:
            rows = dict(table)
            for relative, row in self._load_table(FILES_DELTA_NAME, self.previous.token).items():
                if row is None:
                    rows.pop(relative, None)
                else:
                    rows[relative] = row
        if not self.previous.token:  # discarded while loading
            return {}
        self._table_rows = table
        return rows

    def previous_outputs(self) -> dict[str, str]:
        """The key of each output of the last build (read on first use)."""
        if self._outputs is None:
            self._outputs = self._load_table(OUTPUTS_NAME, self.previous.token)
        return self._outputs

    def _load_head(self) -> CacheHead:
        assert self.folder is not None
        path = self.folder / HEAD_NAME
        if not path.exists():
            return CacheHead(settings_key=self.key)
        try:
            with open(path, "rb") as handle:
                magic, state_format, version, head = pickle.load(handle)
            if magic != _MAGIC:
                raise ValueError("not a feedtool cache")
            if state_format == STATE_FORMAT and not isinstance(head, CacheHead):
                raise ValueError("not a feedtool cache head")
        except Exception as error:  # noqa: BLE001 - any damage means: do not trust it
            self._discard(f"cache damaged or foreign ({type(error).__name__}); rebuilding")
            return CacheHead(settings_key=self.key)
        # An older layout is checked first: its head may lack the attributes read after.
        if (state_format, version) != (STATE_FORMAT, __version__) or head.settings_key != self.key:
            # Expected after an upgrade or a settings change: not worth a warning.
            return CacheHead(settings_key=self.key)
        return head

    def _load_table(self, name: str, expected_token: str) -> dict:
        if self.folder is None or not self.previous.token:
            return {}
        try:
            token, table = marshal.loads((self.folder / name).read_bytes())
            if token != expected_token or not isinstance(table, dict):
                raise ValueError("written by another build than the head")
            return table
        except Exception as error:  # noqa: BLE001 - any damage means: do not trust it
            self._discard(f"cache damaged or foreign ({type(error).__name__}); rebuilding")
            return {}

    def _discard(self, reason: str) -> None:
        assert self.folder is not None
        self.warnings.append(Diagnostic("warning", reason, str(self.folder)))
        self.previous = CacheHead(settings_key=self.key)
        self._files, self._outputs, self._table_rows = {}, {}, {}
        (self.folder / HEAD_NAME).unlink(missing_ok=True)

    def save(
        self,
        head: CacheHead,
        files: dict[str, CachedFile],
        versions: dict[str, bytes],
        output_keys: dict[str, str],
    ) -> None:
        """Write the new state: the tables, then the head that names them.

        ``versions`` are the entries' versions by source, for the rows that lack one;
        ``output_keys`` the key of every output published. When
        few rows changed since the files table was written whole, only they are written,
        to the delta file. Each file is replaced atomically; a build killed between them
        leaves a head whose tokens do not match, which the next build treats as no cache.
        """
        if self.folder is None:
            return
        try:
            self._save(head, files, versions, output_keys)
        except OSError as error:
            # The site is published by now: without its cache, the next build starts over.
            self.warnings.append(
                Diagnostic(
                    "warning",
                    f"cannot save the cache: {error.strerror or error}; "
                    "the next build reads every file again",
                    str(self.folder),
                )
            )

    def _save(
        self,
        head: CacheHead,
        files: dict[str, CachedFile],
        versions: dict[str, bytes],
        output_keys: dict[str, str],
    ) -> None:
        assert self.folder is not None
        self.folder.mkdir(parents=True, exist_ok=True)
        # Left by feedtool 0.1's first builds, which kept bodies; now re-read from the files.
        (self.folder / "bodies.sqlite").unlink(missing_ok=True)
        token = os.urandom(16).hex()
        rows = {
            relative: cached.saved
            or (
                cached.size,
                cached.mtime_ns,
                _entry_to_plain(cached.entry),
                _date_text(cached.file_published),
                _date_text(cached.file_updated),
                cached.version or versions.get(cached.entry.source),
            )
            for relative, cached in files.items()
        }
        table = self._table_rows
        # Rows read from the table are the very objects saved again when unchanged.
        delta: dict[str, tuple | None] = {
            relative: row for relative, row in rows.items() if table.get(relative) is not row
        }
        delta.update((relative, None) for relative in table if relative not in rows)
        if table and len(delta) <= max(DELTA_MAX_ROWS_ALWAYS, DELTA_MAX_SHARE * len(rows)):
            files_token = self.previous.files_token
            self._write(FILES_DELTA_NAME, marshal.dumps((token, delta)))
        else:
            files_token = token
            self._write(FILES_NAME, marshal.dumps((token, rows)))
        self._write(OUTPUTS_NAME, marshal.dumps((token, output_keys)))
        head = replace(
            head,
            token=token,
            files_token=files_token,
            files_delta=files_token != token,
            output_count=len(output_keys),
        )
        self._write(HEAD_NAME, pickle.dumps((_MAGIC, STATE_FORMAT, __version__, head)))

    def _write(self, name: str, data: bytes) -> None:
        assert self.folder is not None
        staged = self.folder / f"{name}.{os.getpid()}.tmp"
        staged.write_bytes(data)
        os.replace(staged, self.folder / name)
