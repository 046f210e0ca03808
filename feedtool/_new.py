"""``feedtool new``: start an article file in the format, never overwriting one."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from feedtool._config import CONFIG_NAME, Settings
from feedtool._entry import BODY_PLACEHOLDER
from feedtool._errors import ConfigError, EntryError, SourceError

_SEQUENCE = re.compile(r"^(\d+)_")


def new_entry_text(title: str, points: Sequence[str], keywords: str | None, when: datetime) -> str:
    """The text of a new article: a Date line, the title, points, a body line, keywords."""
    for label, value in [("title", title), *(("point", point) for point in points)]:
        if not value.strip() or "\n" in value or "\r" in value:
            raise EntryError(f"the {label} must be one non-empty line, got {value!r}")
    lines = [f"Date: {when.isoformat(timespec='seconds')}", "", title.strip(), ""]
    if points:
        lines += ["Strong points", "", *(point.strip() for point in points), ""]
    lines += [BODY_PLACEHOLDER, ""]
    if keywords and keywords.strip():
        lines.append(f"Key words: {keywords.strip()}")
    return "\n".join(lines).rstrip("\n") + "\n"


def next_sequence(folder: Path) -> tuple[int, int]:
    """The next sequence number after the highest ``NNN_`` file name, and its digit width."""
    highest, width = 0, 3
    for path in folder.rglob("*.txt"):
        match = _SEQUENCE.match(path.name)
        if match:
            highest = max(highest, int(match.group(1)))
            width = max(width, len(match.group(1)))
    return highest + 1, width


def entries_folder(settings: Settings) -> Path:
    """The folder new articles go to; raises, saying how to make it, when it is missing."""
    folder = settings.entries
    if folder.is_dir():
        return folder
    if settings.config_path is None:
        raise ConfigError(
            f"no {CONFIG_NAME} here; run `feedtool init` to start a site "
            f"(or `mkdir {folder}` to keep articles without one)"
        )
    raise SourceError(
        f"the entries folder does not exist: make it with `mkdir -p {folder}`, "
        "or point --entries / [build] entries at yours",
        str(folder),
    )


def create_entry(folder: Path, text: str, token: str | None = None) -> Path:
    """Write ``text`` to ``NNN_<16 hex>.txt`` in ``folder``; raises rather than overwrite."""
    if not folder.is_dir():
        raise SourceError(
            "entries folder does not exist (--entries / [build] entries)", str(folder)
        )
    number, width = next_sequence(folder)
    path = folder / f"{number:0{width}d}_{token or secrets.token_hex(8)}.txt"
    try:
        # "x" fails if the file exists, even if another process created it a moment ago.
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise SourceError("file exists; not overwritten", str(path)) from None
    except OSError as error:
        raise SourceError(f"cannot write the file: {error.strerror}", str(path)) from None
    return path
