"""The incremental build cache: what the last build read and wrote, to redo only what changed.

Kept in ``.feedtool-cache/`` beside the config (ignored by git, safe to delete):

- ``head.json``: a fingerprint of the whole input, so a build with nothing changed does
  nothing, and what that build reported;
- ``files.marshal``: per article file its size, modification and change times, content
  hash, parsed entry without its body (an unchanged file's body is read from the file
  again when an output that shows it is rendered, so a build never holds every
  article's) and the entry's version (see ``feedtool._render.entry_version``);
- ``files-delta.marshal``: the rows changed or removed since ``files.marshal`` was
  written, so that a build which changed a few files does not write 100,000 rows again;
- ``outputs.marshal``: per output file the key of everything it was rendered from.

The state is tied to the feedtool version and to the settings: when either changes, or
the files are damaged or not ours, the cache is discarded with a warning, never trusted.

It is data, never code: a cache folder can come with a repository or a tarball, made by
anyone. The head is JSON; the tables are marshal (faster, see ``BuildCache._load_table``), of plain
values only. Every value read is checked against the type it must have (``Shape``, from
the types of ``CacheHead``'s and ``Entry``'s fields) before anything uses it: marshal
can make code objects, and one is refused like any other value of the wrong type, never
run. Nothing is unpickled; ``head.pickle``, which feedtool wrote before, is never read.
Cache files are read only when they are regular files (not FIFOs, devices or symlinks),
so a crafted one cannot make a build wait or read forever.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import marshal
import os
import stat
import sys
import types
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, fields, replace
from datetime import datetime
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple, Union, get_args, get_origin, get_type_hints

from feedtool import __version__
from feedtool._config import Settings
from feedtool._entry import Entry
from feedtool._errors import Diagnostic

CACHE_DIR = ".feedtool-cache"
HEAD_NAME = "head.json"
FILES_NAME = "files.marshal"
FILES_DELTA_NAME = "files-delta.marshal"
OUTPUTS_NAME = "outputs.marshal"
# Heads feedtool wrote before the cache was JSON and marshal only: never read (unpickling
# runs code), removed when found, and the cache with them.
OLD_HEAD_NAMES = ("head.pickle",)
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


# The change time of a row whose size and times cannot vouch for its content (see
# sources.settle_racily_clean): it matches no file, so the next build hashes the file.
UNVERIFIED = -1


class CachedFile(NamedTuple):
    """An article file as the last build saw it: its entry (without its body, dated as that
    build dated it) and the dates the file itself states, to date it afresh.

    A named tuple: a build makes one per article file, 100,000 at a time."""

    size: int
    mtime_ns: int
    ctime_ns: int
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


class Shape(NamedTuple):
    """What a value read from the cache may be: its exact types, and for a tuple the shape
    of its items (``tuple[X, ...]``) or of each of its fields (``tuple[X, Y]``)."""

    types: frozenset[type]
    items: Shape | None = None
    fields: tuple[Shape, ...] | None = None


_SCALARS = (str, int, bool, float, bytes, type(None))


def shape_of(hint: Any) -> Shape:
    """The plain form of a field's type as the cache keeps it: dates as ISO text, a
    ``Diagnostic`` as the tuple of its fields. A type without one is a programming error."""
    if hint is datetime:
        return Shape(frozenset({str}))
    if hint is Diagnostic:
        hints = get_type_hints(Diagnostic)
        parts = tuple(shape_of(hints[item.name]) for item in fields(Diagnostic))
        return Shape(frozenset({tuple}), fields=parts)
    if hint is None or hint in _SCALARS:
        return Shape(frozenset({type(None) if hint is None else hint}))
    origin, arguments = get_origin(hint), get_args(hint)
    if origin is Union or origin is types.UnionType:
        shapes = [shape_of(argument) for argument in arguments]
        with_items = [shape for shape in shapes if tuple in shape.types]
        if len(with_items) > 1:
            raise TypeError(f"the cache cannot tell the tuples of {hint!r} apart")
        merged = frozenset().union(*(shape.types for shape in shapes))
        return (with_items[0] if with_items else Shape(merged))._replace(types=merged)
    if origin is tuple:
        if len(arguments) == 2 and arguments[1] is Ellipsis:
            return Shape(frozenset({tuple}), items=shape_of(arguments[0]))
        return Shape(frozenset({tuple}), fields=tuple(map(shape_of, arguments)))
    raise TypeError(f"the cache has no plain form for {hint!r}")


def check_shape(values: Sequence, shape: Shape) -> None:
    """Raise ``ValueError`` unless each of ``values`` has ``shape``, all the way down.

    In passes at C speed over a column of values: their types; for tuples of fields, the
    distinct lists of their fields' types (the types of every field of every tuple, in one
    stream cut into tuples by ``zip``), then the columns of fields that are tuples
    themselves. Measured on the files table of 100,000 entries (``bench/generate.py``,
    2 cores, Python 3.11, processor time, best of 11): 0.19-0.21 s, against 0.23 s for
    ``marshal.loads`` to read it. The entries' signatures take 62 ms so, 77 ms made
    tuple by tuple (``tuple(map(type, row))``); checked column by column (``zip(*rows)``)
    the whole table took 0.26 s.
    """
    found = _types_among(values, shape)
    if tuple not in found or (shape.items is None and shape.fields is None):
        return
    tuples = values if len(found) == 1 else [value for value in values if type(value) is tuple]
    if shape.items is not None:
        items = chain.from_iterable(tuples)
        if shape.items.items is None and shape.items.fields is None:
            _types_among(items, shape.items)  # plain items (keywords...): nothing below
            return
        check_shape(list(items), shape.items)
        return
    assert shape.fields is not None
    width = len(shape.fields)
    if set(map(len, tuples)) - {width}:
        raise ValueError("a tuple of the wrong length in the cache")
    types = map(type, chain.from_iterable(tuples))
    nested = set()
    for signature in set(zip(*[types] * width, strict=True)):
        for index, (kind, field) in enumerate(zip(signature, shape.fields, strict=True)):
            if kind not in field.types:
                raise ValueError(f"a value of type {kind.__name__} in the cache")
            if kind is tuple and (field.items is not None or field.fields is not None):
                nested.add(index)
    for index in sorted(nested):
        check_shape(list(map(itemgetter(index), tuples)), shape.fields[index])


def _types_among(values: Iterable, shape: Shape) -> set[type]:
    """The types of ``values``; ``ValueError`` if one is not among ``shape``'s."""
    found = set(map(type, values))
    if not found <= shape.types:
        names = ", ".join(sorted(kind.__name__ for kind in found - shape.types))
        raise ValueError(f"a value of type {names} in the cache")
    return found


_ENTRY_HINTS = get_type_hints(Entry)


def _has_type(hint: Any, kind: type) -> bool:
    return hint is kind or kind in get_args(hint)


# Entry's fields that hold dates, and warnings: in the cache, ISO text and tuples.
_DATE_FIELDS = tuple(
    index for index, name in enumerate(Entry._fields) if _has_type(_ENTRY_HINTS[name], datetime)
)
_DIAGNOSTIC_FIELDS = tuple(
    index
    for index, name in enumerate(Entry._fields)
    if _ENTRY_HINTS[name] == tuple[Diagnostic, ...]
)
_CATEGORIES = Entry._fields.index("categories")
_PUBLISHED = Entry._fields.index("published")
ENTRY_SHAPE = Shape(
    frozenset({tuple}), fields=tuple(shape_of(_ENTRY_HINTS[name]) for name in Entry._fields)
)
# A files table row: size, modification and change times, the entry, the dates the file
# states, the entry's version (see _save).
ROW_SHAPE = Shape(
    frozenset({tuple}),
    fields=(
        shape_of(int),
        shape_of(int),
        shape_of(int),
        ENTRY_SHAPE,
        shape_of(str | None),
        shape_of(str | None),
        shape_of(bytes | None),
    ),
)
_TEXT = shape_of(str)


def _entry_to_plain(entry: Entry) -> tuple:
    """An entry as plain data marshal can write (dates as ISO text): fast to save and load."""
    values = list(entry)
    for index in _DATE_FIELDS:
        value = values[index]
        values[index] = value.isoformat() if value else None
    for index in _DIAGNOSTIC_FIELDS:
        values[index] = tuple(map(astuple, values[index]))
    # marshal writes an interned string once and reads it back interned: the keywords of
    # 100,000 entries are then a few hundred strings, shared.
    values[_CATEGORIES] = tuple(map(sys.intern, values[_CATEGORIES]))
    return tuple(values)


def _entry_from_plain(values: tuple) -> Entry:
    values = list(values)
    text = date = None
    for index in _DATE_FIELDS:
        if values[index]:
            # Usually the same date as the field before (updated as published): one object.
            if values[index] != text:
                text, date = values[index], datetime.fromisoformat(values[index])
            values[index] = date
    for index in _DIAGNOSTIC_FIELDS:
        if values[index]:
            values[index] = tuple(Diagnostic(*w) for w in values[index])
    # tuple.__new__, not Entry._make: the row's shape was checked, its length with it. Here
    # and in _cached_file this takes making 100,000 rows' entries from 0.23 s to 0.19 s.
    return _new_tuple(Entry, values)


_new_tuple = tuple.__new__


def _cached_file(row: tuple) -> CachedFile:
    size, mtime_ns, ctime_ns, plain, file_published, file_updated, version = row
    entry = _entry_from_plain(plain)
    # A file's own Date: is usually its entry's published date: one date object for both.
    if file_published is not None and file_published == plain[_PUBLISHED]:
        published = entry.published
    else:
        published = _text_date(file_published)
    updated = datetime.fromisoformat(file_updated) if file_updated else None
    return _new_tuple(
        CachedFile, (size, mtime_ns, ctime_ns, entry, published, updated, version, row)
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
                self._discard_damaged(error)
        assert self._files is not None
        return self._files

    def _load_rows(self) -> dict[str, tuple]:
        """The files table's rows with the delta's changes applied."""
        table = self._load_table(FILES_NAME, self.previous.files_token, ROW_SHAPE)
        rows = table
        if table and self.previous.files_delta:
            rows = dict(table)
            delta = self._load_table(FILES_DELTA_NAME, self.previous.token, _ROW_OR_REMOVED)
            for relative, row in delta.items():
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
            self._outputs = self._load_table(OUTPUTS_NAME, self.previous.token, _TEXT)
        return self._outputs

    def _load_head(self) -> CacheHead:
        assert self.folder is not None
        for old in OLD_HEAD_NAMES:
            if os.path.lexists(self.folder / old):
                self._discard(
                    f"cache in an older format ({old}, never read: loading it could run "
                    "code); discarded, rebuilding"
                )
                return CacheHead(settings_key=self.key)
        path = self.folder / HEAD_NAME
        if not os.path.lexists(path):
            return CacheHead(settings_key=self.key)
        try:
            document = json.loads(_read_cache_file(path))
            if type(document) is not dict or document.get("magic") != _MAGIC:
                raise ValueError("not a feedtool cache")
            if (document.get("format"), document.get("version")) != (STATE_FORMAT, __version__):
                # Expected after an upgrade: not worth a warning.
                return CacheHead(settings_key=self.key)
            head = head_from_json(document.get("head"))
        except Exception as error:  # noqa: BLE001 - any damage means: do not trust it
            self._discard_damaged(error)
            return CacheHead(settings_key=self.key)
        if head.settings_key != self.key:
            # Expected after a settings change: not worth a warning.
            return CacheHead(settings_key=self.key)
        return head

    def _load_table(self, name: str, expected_token: str, shape: Shape) -> dict:
        """A table's rows, each of ``shape``; empty, the cache discarded, if it is damaged
        or foreign.

        marshal, not JSON: measured on the files table of 100,000 entries (66 MB as
        marshal, 75 MB as JSON; 2 cores, Python 3.11, processor time, best of 15),
        ``marshal.loads`` takes 0.23 s and ``json.loads`` 0.43 s, ``marshal.dumps`` 0.19 s
        and ``json.dumps`` 0.53 s; and JSON too would need the types of the fields
        checked, not to render a number as a title. marshal makes nothing but plain
        values and code objects, and runs nothing; ``check_shape`` then refuses any value
        of another type than its field's (a code object among them), in 0.19-0.21 s.
        """
        if self.folder is None or not self.previous.token:
            return {}
        try:
            token, table = _loads(_read_cache_file(self.folder / name))
            if token != expected_token or type(table) is not dict:
                raise ValueError("written by another build than the head")
            check_shape(list(table), _TEXT)
            check_shape(list(table.values()), shape)
            return table
        except Exception as error:  # noqa: BLE001 - any damage means: do not trust it
            self._discard_damaged(error)
            return {}

    def _discard_damaged(self, error: Exception) -> None:
        self._discard(f"cache damaged or foreign ({type(error).__name__}); discarded, rebuilding")

    def _discard(self, reason: str) -> None:
        assert self.folder is not None
        self.warnings.append(Diagnostic("warning", reason, str(self.folder)))
        self.previous = CacheHead(settings_key=self.key)
        self._files, self._outputs, self._table_rows = {}, {}, {}
        for name in (HEAD_NAME, *OLD_HEAD_NAMES):
            # One that cannot be removed (a folder?) is warned about again by the next build.
            with contextlib.suppress(OSError):
                (self.folder / name).unlink(missing_ok=True)

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
                cached.ctime_ns,
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
            self._write(FILES_DELTA_NAME, _dumps((token, delta)))
        else:
            files_token = token
            self._write(FILES_NAME, _dumps((token, rows)))
        self._write(OUTPUTS_NAME, _dumps((token, output_keys)))
        head = replace(
            head,
            token=token,
            files_token=files_token,
            files_delta=files_token != token,
            output_count=len(output_keys),
        )
        self._write(HEAD_NAME, head_to_json(head))

    def _write(self, name: str, data: bytes) -> None:
        """Write one cache file atomically: staged under a new name of its own (never a
        name a crafted cache folder could have put a symlink at), then renamed."""
        assert self.folder is not None
        staged = self.folder / f"{name}.{os.getpid()}.{os.urandom(6).hex()}.tmp"
        # O_EXCL: made here and now, so not a symlink a crafted cache folder held.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        try:
            with open(os.open(staged, flags, 0o666), "wb") as handle:
                handle.write(data)
            os.replace(staged, self.folder / name)
        except BaseException:
            staged.unlink(missing_ok=True)
            raise


# marshal as data only: Python 3.13 and later refuse code objects when asked to (earlier
# ones make them, and check_shape refuses them).
if sys.version_info >= (3, 13):
    _loads = functools.partial(marshal.loads, allow_code=False)
    _dumps = functools.partial(marshal.dumps, allow_code=False)
else:
    _loads, _dumps = marshal.loads, marshal.dumps

_ROW_OR_REMOVED = ROW_SHAPE._replace(types=ROW_SHAPE.types | {type(None)})
_HEAD_HINTS = get_type_hints(CacheHead)
_HEAD_SHAPES = {item.name: shape_of(_HEAD_HINTS[item.name]) for item in fields(CacheHead)}


def head_to_json(head: CacheHead) -> bytes:
    """The head as the JSON text of ``head.json``, which ``head_from_json`` reads back."""
    values = {item.name: getattr(head, item.name) for item in fields(CacheHead)}
    values["warnings"] = [astuple(warning) for warning in head.warnings]
    document = {"magic": _MAGIC, "format": STATE_FORMAT, "version": __version__, "head": values}
    # ASCII: a path that is not UTF-8 (a lone surrogate in Python) is kept as a \u escape.
    return json.dumps(document, indent=1).encode("ascii")


def head_from_json(values: object) -> CacheHead:
    """The head from ``head.json``'s ``head`` object; ``ValueError`` unless it has every
    field of ``CacheHead``, each of its type, and nothing else."""
    if type(values) is not dict or set(values) != set(_HEAD_SHAPES):
        raise ValueError("not the fields of a cache head")
    values = {name: _tuples(value) for name, value in values.items()}
    for name, shape in _HEAD_SHAPES.items():
        check_shape([values[name]], shape)
    values["warnings"] = tuple(Diagnostic(*warning) for warning in values["warnings"])
    return CacheHead(**values)


def _tuples(value: object) -> object:
    """JSON's lists as tuples, as the head holds them."""
    if type(value) is list:
        return tuple(map(_tuples, value))
    return value


def _read_cache_file(path: Path) -> bytes:
    """A cache file's bytes, if it is a regular file: never through a symlink, and never
    a FIFO or a device (a crafted cache folder could hold one: reading it could wait, or
    go on, forever)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NOCTTY", 0)
    with open(os.open(path, flags), "rb", buffering=0) as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise ValueError("not a regular file")
        return handle.readall()
