"""``feedtool touch``: set an article's ``Updated:`` line to now, so readers see the edit.

An article whose file states its dates keeps them when its text changes (that keeps
builds reproducible); touching it is how its writer says "this changed". Only the one
line is written: every other byte of the file (line ends, encoding, byte order mark)
stays as it was, and the file is replaced atomically, keeping its mode.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from feedtool._config import Settings
from feedtool._entry import Entry, decode_entry, metadata_block
from feedtool._errors import EntryError, FeedtoolError, SourceError
from feedtool._sources import parse_article, read_article_bytes

_LINE_END = re.compile(r"(\r\n|\r|\n)")
# The byte order marks decode_entry reads, each with the codec of the text after it.
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF8, "utf-8"),
)


@dataclass(frozen=True)
class Touched:
    """An article file touched: the date its ``Updated:`` line now says, on which line."""

    path: Path
    updated: datetime
    line: int


class TouchRejected(FeedtoolError):
    """Some of the files cannot be touched: none was written."""

    def __init__(self, problems: list[FeedtoolError], count: int):
        files = "file" if count == 1 else "files"
        super().__init__(f"{len(problems)} of {count} {files} cannot be touched; none was changed")
        self.problems = tuple(problems)
        self.count = count

    def __str__(self) -> str:
        lines = [str(problem) for problem in self.problems]
        if self.count > 1:
            lines.append(f"error: {self.message}")
        return "\n".join(lines)


@dataclass(frozen=True)
class _Edit:
    path: Path
    target: str  # the file written: the path with its symbolic links followed
    data: bytes
    line: int


def touch_entries(
    paths: Sequence[Path], settings: Settings, when: datetime | None = None
) -> list[Touched]:
    """Set or refresh the ``Updated:`` line of each article file to ``when``.

    ``when`` (aware; now in the site's time zone by default) is written to the second, in
    ISO 8601 with its offset, as ``feedtool new`` writes ``Date:``. An existing ``Updated:``
    line is rewritten; otherwise one is added after the ``Date:`` (or ``Published:``)
    line, else at the top of the metadata block, else as a block of its own at the top.
    Every file is read and checked first: if any is missing, not an article file, or does
    not parse, raises ``TouchRejected`` naming each problem and writes nothing.
    """
    if when is None:
        when = datetime.now(settings.timezone)
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("touch_entries needs a date with a time zone")
    when = when.replace(microsecond=0)  # what the line says, and so what it reads back as
    edits: list[_Edit] = []
    problems: list[FeedtoolError] = []
    seen: set[str] = set()
    for path in paths:
        try:
            edit = _plan_edit(Path(path), settings, when)
        except FeedtoolError as error:
            problems.append(error)
            continue
        if edit.target not in seen:  # the same file named twice is touched once
            seen.add(edit.target)
            edits.append(edit)
    if problems:
        raise TouchRejected(problems, len(paths))
    for edit in edits:
        _replace_file(edit)
    return [Touched(edit.path, when, edit.line) for edit in edits]


def _plan_edit(path: Path, settings: Settings, when: datetime) -> _Edit:
    """The file's new bytes, checked to read as before but for its updated date."""
    name = str(path)
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise SourceError("no such file", name) from None
    except OSError as error:
        raise SourceError(f"cannot read the file: {error.strerror}", name) from None
    if stat.S_ISDIR(mode):
        raise SourceError("is a folder: give the article files to touch", name)
    if not stat.S_ISREG(mode):
        raise SourceError("not a regular file", name)
    if not path.name.lower().endswith(".txt"):
        raise SourceError("not an article file: feedtool reads only files named *.txt", name)
    target = os.path.realpath(path)
    if not os.access(os.path.dirname(target), os.W_OK):
        raise SourceError("cannot write the file: its folder is read-only", name)
    data = read_article_bytes(path, settings)
    before = parse_article(data, path, settings)
    new_data, line = _with_updated(data, name, when.isoformat(timespec="seconds"))
    after = parse_article(new_data, path, settings)
    if after.updated != when or _unchanged_part(after) != _unchanged_part(before):
        # Not expected: the line goes where the format reads it. Never write a file that
        # would read otherwise than before.
        raise EntryError(
            "cannot add an Updated: line here without changing how the file reads; "
            "add it to the metadata block by hand",
            name,
        )
    return _Edit(path, target, new_data, line)


def _unchanged_part(entry: Entry) -> Entry:
    # Warnings name lines, which move down when a line is added.
    return entry._replace(updated=None, dated_in_file=False, warnings=())


def _with_updated(data: bytes, name: str, value: str) -> tuple[bytes, int]:
    """The bytes with the ``Updated:`` line set to ``value``, and its line number."""
    prefix, text, codec = _decode_exactly(data, name)
    lines = _LINE_END.split(text)
    # [content, end, content, end, ..., content]: pairs of a line and its end ("" at the end).
    contents, ends = lines[0::2], [*lines[1::2], ""]
    clean, _ = decode_entry(data, name)
    start, end, keys = metadata_block(clean.split("\n"))
    usual_end = ends[0] or "\n"
    new_line = f"Updated: {value}"
    if "updated" in keys:
        index = keys["updated"]
        key = contents[index].split(":", 1)[0]  # the key as written: "Updated", "updated "
        contents[index] = f"{key}: {value}"
    else:
        if "published" in keys:
            index = keys["published"] + 1
        elif start < end:
            index = start
        else:
            index = 0
        blank_after = start == end and contents[0].strip() != ""
        contents.insert(index, new_line)
        ends.insert(index, usual_end)
        if blank_after:
            # A block of its own: a blank line keeps the title below from being read as one.
            contents.insert(index + 1, "")
            ends.insert(index + 1, usual_end)
        if index > 0 and not ends[index - 1]:
            # Added after the last line, which had no line end: it gets one, the new
            # line (now last) none.
            ends[index - 1], ends[index] = usual_end, ""
    text = "".join(content + line_end for content, line_end in zip(contents, ends, strict=True))
    return prefix + text.encode(codec, errors="surrogatepass"), index + 1


def _decode_exactly(data: bytes, name: str) -> tuple[bytes, str, str]:
    """The byte order mark, the text and the codec that gives the bytes back exactly."""
    bom, codec = b"", "utf-8"
    for mark, mark_codec in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            bom, codec = mark, mark_codec
            break
    try:
        text = data[len(bom) :].decode(codec, errors="surrogatepass")
    except UnicodeDecodeError as error:
        raise EntryError(f"cannot read the file as {codec}: {error.reason}", name) from None
    if bom + text.encode(codec, errors="surrogatepass") != data:
        raise EntryError("cannot keep the file's bytes as they are; not touched", name)
    return bom, text, codec


def _replace_file(edit: _Edit) -> None:
    """Write the new bytes beside the file, then rename them over it, keeping its mode."""
    folder, base = os.path.split(edit.target)
    try:
        mode = stat.S_IMODE(os.stat(edit.target).st_mode)
        # Hidden and not *.txt: a build that runs meanwhile does not read it.
        handle, staged = tempfile.mkstemp(prefix=f".{base}.", suffix=".touch", dir=folder)
    except OSError as error:
        raise SourceError(f"cannot write the file: {error.strerror}", str(edit.path)) from None
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(edit.data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(staged, mode)
        os.replace(staged, edit.target)
    except OSError as error:
        os.unlink(staged)
        raise SourceError(f"cannot write the file: {error.strerror}", str(edit.path)) from None
