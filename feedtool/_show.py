"""``feedtool show``: one article as the build sees it, as text or as a JSON-ready dict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from feedtool._config import Settings
from feedtool._entry import Entry
from feedtool._errors import SourceError
from feedtool._sources import date_entry, git_file_dates, read_entry


def show_entry(path: Path, settings: Settings) -> Entry:
    """Read, parse and date one article file, dates filled as a build would fill them."""
    if not path.is_file():
        raise SourceError("no such file", str(path))
    entry = read_entry(path, settings)
    git = git_file_dates(path.parent).get(path.name)
    return date_entry(entry, git, path.stat().st_mtime_ns)


def entry_as_dict(entry: Entry) -> dict[str, Any]:
    """The entry's fields under the keys ``show --format json`` promises."""
    return {
        "id": entry.id,
        "title": entry.title,
        "points": list(entry.points),
        "summary": entry.summary,
        "paragraphs": list(entry.paragraphs),
        "dropped": list(entry.dropped),
        "categories": list(entry.categories),
        "published": entry.published.isoformat() if entry.published else None,
        "updated": entry.updated.isoformat() if entry.updated else None,
        "author": entry.author,
        "link": entry.link,
        "image": entry.image,
        "image_alt": entry.image_alt,
    }


def entry_as_text(entry: Entry) -> str:
    """A readable listing of the entry, every dropped line included, so nothing goes unseen."""
    fields = entry_as_dict(entry)
    lines = [f"file:        {entry.source}"]
    for key in ("id", "title", "published", "updated", "author", "link"):
        lines.append(f"{key + ':':<12} {fields[key] if fields[key] is not None else '-'}")
    if entry.image:  # most articles have none: no line for them
        lines.append(f"{'image:':<12} {entry.image}")
        lines.append(f"{'image alt:':<12} {entry.image_alt or '- (decorative)'}")
    lines.append(f"{'categories:':<12} {', '.join(entry.categories) or '-'}")
    lines.append("summary:")
    lines.extend(f"  {line}" for line in entry.summary.split("\n") if line)
    lines.append(f"points ({len(entry.points)}):")
    lines.extend(f"  - {point}" for point in entry.points)
    lines.append(f"paragraphs ({len(entry.paragraphs)}):")
    lines.extend(f"  {number}. {text}" for number, text in enumerate(entry.paragraphs, 1))
    lines.append(f"dropped ({len(entry.dropped)}):")
    lines.extend(f"  - {line}" for line in entry.dropped)
    return "\n".join(lines) + "\n"
