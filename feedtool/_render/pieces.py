"""Each entry's share of the outputs, rendered once per build and kept in files until used.

An entry shows in many outputs: its page, the site's feeds, its categories' feeds and
pages, an archive page, a listing page. What it adds to each is the same everywhere (an
RSS item, an Atom entry, a JSON Feed item, its page, its line in a listing), so each is
rendered once and the outputs are put together from these pieces. Pieces depend on the
entry and the settings alone, so they can be rendered wherever the entry's body is at
hand. They live in files, not in memory: a build of 100,000 entries holds only where
each one is (a ``Location``).
"""

from __future__ import annotations

import os
from typing import NamedTuple

from feedtool._entry import Entry
from feedtool._publish import write_all
from feedtool._render.html import LISTING_ROOT, entry_listing_line, render_entry_page
from feedtool._render.jsonfeed import json_item
from feedtool._render.rss_atom import ItemTemplates, item_values
from feedtool._site import SiteLinks

# The kinds of piece, in the order they are stored.
RSS_ITEM, ATOM_ENTRY, JSON_ITEM, PAGE, LISTING_LINE = range(5)


def entry_pieces(links: SiteLinks, entry: Entry, templates: ItemTemplates) -> list[bytes]:
    """Every piece of one dated entry with its body, as UTF-8; feed items indented and
    ending in a newline, as they stand in a feed."""
    rss, atom = templates.render(item_values(links, entry))
    return [
        f"    {rss}\n".encode(),
        f"  {atom}\n".encode(),
        json_item(links, entry).encode(),
        render_entry_page(links, entry),
        entry_listing_line(links, entry, LISTING_ROOT).encode(),
    ]


class Location(NamedTuple):
    """Where one entry's pieces are: which file, from which offset, and each one's size."""

    file: str
    offset: int
    sizes: tuple[int, ...]


class PieceFile:
    """Appends entries' pieces to one file of the build's work folder."""

    def __init__(self, path: str):
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._size = os.fstat(self._fd).st_size

    def add(self, pieces: list[bytes]) -> Location:
        data = b"".join(pieces)
        offset = self._size
        write_all(self._fd, data)
        self._size += len(data)
        return Location(self.path, offset, tuple(len(piece) for piece in pieces))

    def close(self) -> None:
        os.close(self._fd)

    def __enter__(self) -> PieceFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class PieceReader:
    """Reads pieces back, keeping each piece file open until ``close``."""

    def __init__(self) -> None:
        self._files: dict[str, int] = {}

    def read(self, location: Location, kind: int) -> bytes:
        descriptor = self._files.get(location.file)
        if descriptor is None:
            descriptor = self._files[location.file] = os.open(location.file, os.O_RDONLY)
        sizes = location.sizes
        return os.pread(descriptor, sizes[kind], location.offset + sum(sizes[:kind]))

    def close(self) -> None:
        for descriptor in self._files.values():
            os.close(descriptor)
        self._files.clear()

    def __enter__(self) -> PieceReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
