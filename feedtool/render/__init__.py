"""Render a site to output files: a stream of ``(relative path, bytes)`` pairs.

Each output also has a key: a hash of everything its bytes are made from (the settings,
feedtool's version, the versions of the entries it shows). An incremental build skips
rendering an output whose key is the one it had when it was last published.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.sharedctypes import RawArray
from pathlib import Path
from typing import NamedTuple

from feedtool.entry import Entry
from feedtool.publish import PreparedFile
from feedtool.render.feeds import (
    ARCHIVE_FOLDER,
    ATOM_NAME,
    JSON_NAME,
    RSS_NAME,
    FeedSpec,
    archive_chunks,
    archive_feeds,
    category_feed,
    site_feed,
)
from feedtool.render.html import (
    CATEGORIES_INDEX,
    STYLESHEET,
    category_listing,
    index_listing,
    render_categories_index,
    render_listing_page,
    render_style,
)
from feedtool.render.jsonfeed import JsonFeedWriter
from feedtool.render.pieces import PieceStore
from feedtool.render.rss_atom import FeedWriter, Rendered
from feedtool.site import Site

FEED_NAMES = (RSS_NAME, ATOM_NAME, JSON_NAME)


def is_feed_path(relative: str) -> bool:
    """Whether an output path is a feed document (checked by the validator before publishing)."""
    if relative.startswith(ARCHIVE_FOLDER):
        return relative.endswith((".xml", ".rss"))
    return relative.rsplit("/", 1)[-1] in FEED_NAMES


class Output(NamedTuple):
    """One output file: where it goes, what it is made from, and how to make it.

    ``make`` returns the bytes, for a feed a ``Rendered`` with the bytes and the document
    to validate, or for an entry's page a ``PreparedFile`` its worker wrote. A named tuple:
    a build walks 112,000 of them at 100,000 entries, and tuples are made fastest.
    """

    path: str
    key: str
    make: Callable[[], bytes | Rendered | PreparedFile]
    # False for an output already made elsewhere (an entry's page): no work to share out.
    work: bool = True

    def bytes_and_check(self) -> tuple[bytes | PreparedFile, bytes | None]:
        made = self.make()
        if isinstance(made, Rendered):
            return made.data, made.check
        return made, None


class SiteRenderer:
    """Renders one site; the feed writers share each entry's items across its feeds."""

    def __init__(
        self,
        site: Site,
        pieces: PieceStore,
        settings_key: str = "",
        versions: dict[str, bytes] | None = None,
        keyed: bool = True,
        previous_keys: dict[str, str] | None = None,
    ):
        """``versions``: the hashed versions of entries known already (by source, from the
        cache, for the same settings); the renderer adds those it hashes. Without
        ``keyed``, outputs have an empty key: a build that keeps no cache compares none.

        ``previous_keys``: the last build's output keys, given only when its site had the
        same entries in the same order and groups (only contents changed, for the same
        settings): an output that shows none of the entries hashed anew keeps its key."""
        self.site = site
        self.settings_key = settings_key
        self.pieces = pieces
        self.feeds = FeedWriter(site, pieces)
        self.json = JsonFeedWriter(site, pieces)
        self.keyed = keyed
        # Each entry's version, hashed once: listings and feeds hash them many times. Short
        # hashes, because a site of 100,000 entries keeps one per entry and per output.
        known = {} if versions is None else versions
        prefix = f"{settings_key}\0".encode()
        self._versions: dict[str, bytes] = {}
        changed: list[int] = []  # the positions of entries whose version is new
        for position, entry in enumerate(site.entries if keyed else ()):
            version = known.get(entry.source)
            if version is None:
                version = _short_hash(prefix + entry_version(entry).encode())
                if versions is not None:
                    versions[entry.source] = version
                changed.append(position)
            self._versions[entry.id] = version
        self._kept_keys = (
            _KeptKeys(site, previous_keys, changed) if keyed and previous_keys else None
        )

    def share_checks(self) -> None:
        """Keep which items were validated in memory shared with processes forked from now
        on, so that among them each item is validated once, not once in each."""
        index = {entry.id: number for number, entry in enumerate(self.site.entries)}
        self.feeds.checked = (SharedChecked(index), SharedChecked(index))
        self.json.checked = SharedChecked(index)

    def _key(
        self, kind: str, *parts: object, entries: tuple[Entry, ...] = (), path: str = ""
    ) -> str:
        if not self.keyed:
            return ""
        if self._kept_keys is not None and entries:
            kept = self._kept_keys.key(path, entries)
            if kept is not None:
                return kept
        digest = hashlib.blake2b(
            f"{self.settings_key}\0{kind}\0{parts!r}".encode(), digest_size=KEY_BYTES
        )
        versions = self._versions
        digest.update(b"".join([versions[entry.id] for entry in entries]))
        return digest.hexdigest()

    def _feed_outputs(self, feed: FeedSpec) -> Iterator[Output]:
        """One feed in each of its formats."""
        # What of the archive page count a feed shows: an archive page only whether it has a
        # next page (so a full page's key, like its bytes, never changes again); the
        # subscription feeds link the newest page.
        if feed.archive_page is None:
            pages: object = feed.archive_pages
        else:
            pages = feed.archive_page < feed.archive_pages
        key = self._key(
            "feed",
            feed.title,
            feed.description,
            feed.folder,
            feed.archive_page,
            pages,
            entries=feed.entries,
            path=feed.folder + feed.rss_name,  # the formats of a feed share its key
        )
        yield Output(feed.folder + feed.rss_name, key, lambda: self.feeds.rss(feed))
        yield Output(feed.folder + feed.atom_name, key, lambda: self.feeds.atom(feed))
        if feed.json_name is not None:
            yield Output(feed.folder + feed.json_name, key, lambda: self.json.render(feed))

    def outputs(self) -> Iterator[Output]:
        """Every output file of the site, lazily, in a fixed order."""
        site = self.site
        main_feed = site_feed(site)
        yield from self._feed_outputs(main_feed)
        yield Output(STYLESHEET, self._key("style"), render_style)
        for page in index_listing(site):
            yield self._listing_output(main_feed, page)
        for entry in site.entries:
            yield Output(
                site.page_path(entry),
                # An entry's page shows that entry alone: its version (with the settings)
                # is the key, without hashing again for each of 100,000 pages.
                self._versions[entry.id].hex() if self.keyed else "",
                lambda entry=entry: self.pieces.page(entry),
                work=False,
            )
        categories = [(c.name, c.slug, len(c.entries)) for c in site.categories]
        yield Output(
            CATEGORIES_INDEX,
            self._key("categories", categories),
            lambda: render_categories_index(site, main_feed),
        )
        for category in site.categories:
            feed = category_feed(site, category)
            yield from self._feed_outputs(feed)
            for page in category_listing(site, category):
                yield self._listing_output(feed, page)
        for archive in archive_feeds(site):
            yield from self._feed_outputs(archive)

    def _listing_output(self, feed: FeedSpec, page) -> Output:  # noqa: ANN001
        key = self._key(
            "listing",
            feed.description,
            page.title,
            page.folder,
            page.number,
            page.count,
            entries=page.entries,
            path=page.path,
        )
        return Output(
            page.path,
            key,
            lambda: render_listing_page(self.site, feed, page, self.pieces.listing_line),
        )


class _KeptKeys:
    """The last build's output keys, for a site whose entries kept their order and groups.

    Every listing page and feed shows a run of entries in the site's order, without gaps
    in its own group (all entries, or one category's). So it can show an entry whose
    version changed only if that entry's position lies between the run's first and last
    entry's; any other keeps its key, without hashing the versions of all it shows
    (hundreds of thousands at 100,000 entries, for one edited entry).
    """

    def __init__(self, site: Site, keys: dict[str, str], changed: list[int]):
        self._keys = keys
        self._changed = changed
        # Positions are only asked for when some entry changed (not after a mere touch).
        self._position = (
            {entry.id: number for number, entry in enumerate(site.entries)} if changed else {}
        )

    def key(self, path: str, entries: tuple[Entry, ...]) -> str | None:
        """The output's key from the last build, or None if it has to be hashed."""
        key = self._keys.get(path)
        if key is None or not self._changed:
            return key
        first, last = self._position[entries[0].id], self._position[entries[-1].id]
        if first > last:
            first, last = last, first
        if any(first <= position <= last for position in self._changed):
            return None
        return key


class SharedChecked:
    """A set of entry ids held as one flag per entry in shared memory (see share_checks).

    Two processes may both validate an item they look at in the same instant: harmless.
    """

    def __init__(self, index: dict[str, int]):
        self._index = index
        self._flags = RawArray("b", max(len(index), 1))

    def __contains__(self, entry_id: object) -> bool:
        return self._flags[self._index[entry_id]] == 1  # type: ignore[index]

    def update(self, entry_ids: Iterable[str]) -> None:
        flags, index = self._flags, self._index
        for entry_id in entry_ids:
            flags[index[entry_id]] = 1


# Output keys and entry versions are BLAKE2b hashes of this many bytes: 128 bits, so
# that two different inputs never share a key in practice.
KEY_BYTES = 16


def _short_hash(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=KEY_BYTES).digest()


def entry_version(entry: Entry) -> str:
    """What an entry's outputs depend on: its file's content and path, and its dates and author.

    Everything else of the entry is parsed from the content (with the settings, which
    every output key holds), so this is cheaper to hash than the whole entry.
    """
    if not entry.digest:  # an entry built in memory, not read from a file
        return hashlib.sha256(repr(entry).encode()).hexdigest()
    return f"{entry.digest}:{entry.source}:{entry.published}:{entry.updated}:{entry.author}"


def render_site(site: Site) -> Iterator[tuple[str, bytes]]:
    """Every output file of the site with its bytes, lazily, in a fixed order."""
    with tempfile.TemporaryDirectory(prefix="feedtool-pieces-") as folder:
        pieces = PieceStore(site, Path(folder))
        try:
            for output in SiteRenderer(site, pieces).outputs():
                data = output.bytes_and_check()[0]
                yield output.path, data.read() if isinstance(data, PreparedFile) else data
        finally:
            pieces.close()


def planned_output_count(site: Site) -> int:
    """How many files ``render_site`` yields, known before rendering (for a progress bar)."""
    listing_pages = len(index_listing(site))
    category_files = sum(
        len(FEED_NAMES) + len(category_listing(site, category)) for category in site.categories
    )
    archive_files = 2 * len(archive_chunks(site))  # RSS and Atom per archive page
    # Site feeds, the stylesheet, listing pages, entry pages, the categories index.
    return (
        len(FEED_NAMES) + 1 + listing_pages + len(site.entries) + 1 + category_files + archive_files
    )
