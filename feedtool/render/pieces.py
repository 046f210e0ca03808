"""Each entry's share of the output, rendered once per build and kept on disk until used.

An entry shows in many outputs: its page, the site's feeds, its categories' feeds and
pages, an archive page, a listing page. What it adds to each is the same everywhere (an
RSS item, an Atom entry, a JSON Feed item, its page, its line in a listing), so each is
rendered once, by the worker process that parsed the file when there are many, and the
outputs are put together from these pieces. Pieces live in files, not in memory: a build
of 100,000 entries holds only where each one is.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from feedtool.config import Settings
from feedtool.entry import Entry
from feedtool.publish import (
    PreparedFile,
    check_relative,
    stage_folder,
    write_all,
    write_new_file,
)
from feedtool.render.feeds import FeedSpec, site_feed
from feedtool.render.html import LISTING_ROOT, entry_listing_line, render_entry_page
from feedtool.render.jsonfeed import json_item
from feedtool.render.rss_atom import ItemTemplates, item_values
from feedtool.site import Site, page_path_of

# The kinds of piece, in the order they are stored.
RSS_ITEM, ATOM_ENTRY, JSON_ITEM, PAGE, LISTING_LINE = range(5)


def render_pieces(
    site: Site, entry: Entry, templates: ItemTemplates, main_feed: FeedSpec
) -> list[bytes]:
    """Every piece of one entry, as UTF-8, feed items indented and ending in a newline.

    ``main_feed`` is the site's own feed, which the entry's page links to.
    """
    if entry.body_key is not None:
        # Read without its body: read it once here for the three pieces that show it.
        entry = entry._replace(paragraphs=site.paragraphs(entry), body_key=None)
    rss, atom = templates.render(item_values(site, entry))
    return [
        f"    {rss}\n".encode(),
        f"  {atom}\n".encode(),
        json_item(site, entry).encode(),
        render_entry_page(site, entry, main_feed),
        entry_listing_line(site, entry, LISTING_ROOT).encode(),
    ]


@dataclass(frozen=True, slots=True)
class Location:
    """Where one entry's pieces are: which file, from which offset, and each one's size.

    ``staged_page``: the entry's page was written, whole, to its place in the build's stage
    (see ``feedtool.publish.stage_folder``) rather than among the pieces.
    """

    file: str
    offset: int
    sizes: tuple[int, ...]
    staged_page: bool = False

    def __reduce__(self) -> tuple:
        # As its values: parse workers send one per entry (see Entry.__reduce__).
        return (Location, (self.file, self.offset, self.sizes, self.staged_page))


class PieceRenderer:
    """Renders entries' pieces into one file of its own (each worker process has one)."""

    def __init__(self, site: Site | Settings, path: Path, stage: Path | None = None):
        """With a ``stage``, each entry's page is written there, at its place in the output
        (see ``feedtool.publish.PreparedFile``), unless a page is there already: another
        entry's of the same id (the build keeps one of them, and rejects the other)."""
        # A worker knows only the settings: that is all pieces are made from.
        self.site = site if isinstance(site, Site) else Site(site, (), ())
        self.path = str(path)
        self.stage = os.path.join(stage, "") if stage is not None else None
        self._folders: set[str] = set()
        self._templates = ItemTemplates()
        self._main_feed = site_feed(self.site)  # made once: it looks at every entry
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._size = 0

    def render(self, entry: Entry) -> Location:
        """Render the entry's pieces and append them to the file: where they went."""
        pieces = render_pieces(self.site, entry, self._templates, self._main_feed)
        staged = self.stage is not None and self._stage_page(entry, pieces[PAGE])
        if staged:
            pieces[PAGE] = b""
        offset = self._size
        data = b"".join(pieces)
        write_all(self._fd, data)
        self._size += len(data)
        return Location(self.path, offset, tuple(len(piece) for piece in pieces), staged)

    def _stage_page(self, entry: Entry, page: bytes) -> bool:
        assert self.stage is not None
        relative = self.site.page_path(entry)
        check_relative(relative)
        path = self.stage + relative
        folder = os.path.dirname(path)
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)  # other workers make it too
            self._folders.add(folder)
        try:
            write_new_file(path, page)
        except FileExistsError:
            return False  # the page stays among the pieces
        return True

    def close(self) -> None:
        os.close(self._fd)


class PieceStore:
    """The pieces of a build's entries: those the workers rendered, the rest made on demand.

    ``folder`` is the build's own temporary folder; everything in it goes with the build.
    """

    def __init__(
        self,
        site: Site,
        folder: Path,
        rendered: dict[tuple[str, str], Location] | None = None,
    ):
        self.site = site
        self.folder = folder
        self.stage = os.path.join(stage_folder(folder), "")
        # By entry source and id; ``rendered`` holds what the workers made.
        self._where: dict[tuple[str, str], Location] = dict(rendered or {})
        self._unstage_unpublished_pages()
        self._readers: dict[str, int] = {}
        self._own: PieceRenderer | None = None
        self._own_process = 0

    def rss_item(self, entry: Entry) -> bytes:
        return self._piece(entry, RSS_ITEM)

    def atom_entry(self, entry: Entry) -> bytes:
        return self._piece(entry, ATOM_ENTRY)

    def json_item(self, entry: Entry) -> bytes:
        return self._piece(entry, JSON_ITEM)

    def page(self, entry: Entry) -> bytes | PreparedFile:
        """The entry's page: as a file when its worker staged one."""
        location = self._where.get((entry.source, entry.id))
        if location is not None and location.staged_page:
            return PreparedFile(self.stage + self.site.page_path(entry))
        return self._piece(entry, PAGE)

    def _unstage_unpublished_pages(self) -> None:
        """Remove the staged pages of entries the site leaves out (an id two files share,
        as two spellings on a file system that ignores case): the stage is published."""
        staged = [key for key, location in self._where.items() if location.staged_page]
        if not staged:
            return
        published = {(entry.source, entry.id) for entry in self.site.entries}
        for source, entry_id in staged:
            if (source, entry_id) not in published:
                del self._where[source, entry_id]
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.stage + page_path_of(entry_id))

    def listing_line(self, entry: Entry) -> str:
        """The entry's line in a listing, its links starting at ``LISTING_ROOT``."""
        if (entry.source, entry.id) not in self._where:
            # Made from the entry alone, without its body: when a new entry shifts every
            # listing page, an incremental build reads no other entry's file for them.
            return entry_listing_line(self.site, entry, LISTING_ROOT)
        return self._piece(entry, LISTING_LINE).decode()

    def _piece(self, entry: Entry, kind: int) -> bytes:
        key = entry.source, entry.id
        location = self._where.get(key)
        if location is None:
            if self._own is None or self._own_process != os.getpid():
                # One file per process: rendering processes forked from this one (see
                # feedtool.build) make the pieces they lack into files of their own.
                self._own = PieceRenderer(self.site, self.folder / f"made-{os.getpid()}")
                self._own_process = os.getpid()
            location = self._where[key] = self._own.render(entry)
        reader = self._readers.get(location.file)
        if reader is None:
            reader = self._readers[location.file] = os.open(location.file, os.O_RDONLY)
        sizes = location.sizes
        return os.pread(reader, sizes[kind], location.offset + sum(sizes[:kind]))

    def close(self) -> None:
        for reader in self._readers.values():
            os.close(reader)
        self._readers.clear()
        if self._own is not None:
            self._own.close()
            self._own = None
