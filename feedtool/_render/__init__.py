"""Render a site: plan every output file, then make those whose inputs changed.

1. ``plan_outputs`` lists every output of the site in a fixed order, each with a key: a
   hash of everything its bytes are made from (the settings, feedtool's version, the
   versions of the entries it shows). An incremental build makes only the outputs whose
   key differs from the one they were last published with.
2. ``make_jobs`` turns the outputs to make into jobs: plain data (a feed's head, where the
   pieces of the entries it shows are) that a worker process can make the file from.
3. ``make_outputs`` makes a batch of jobs, writes each file into the build's stage (or,
   for ``build --check``, only compares it), and validates every feed.

Each entry's items, page and listing line are rendered once beforehand, as its pieces
(``feedtool._render.pieces``); an output is put together from them.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial
from operator import attrgetter
from typing import TYPE_CHECKING, NamedTuple

from feedtool._config import OUTPUT_SIZE_FLOOR
from feedtool._entry import Entry
from feedtool._errors import FeedtoolError
from feedtool._publish import StageWriter, same_bytes
from feedtool._render import site_files
from feedtool._render.feeds import (
    ARCHIVE_FOLDER,
    ATOM_NAME,
    JSON_NAME,
    RSS_NAME,
    FeedSpec,
    archive_feeds,
    category_feed,
    site_feed,
)
from feedtool._render.html import (
    CATEGORIES_INDEX,
    LISTING_ROOT,
    STYLESHEET,
    ListingPage,
    category_listing,
    entry_listing_line,
    index_listing,
    render_categories_index,
    render_listing_page,
    render_style,
    sorted_categories,
)
from feedtool._render.jsonfeed import json_head, with_json_items
from feedtool._render.pieces import (
    ATOM_ENTRY,
    JSON_ITEM,
    LISTING_LINE,
    PAGE,
    RSS_ITEM,
    Location,
    PieceFile,
    PieceReader,
    entry_pieces,
)
from feedtool._render.rss_atom import (
    ATOM_CLOSING,
    RSS_CLOSING,
    ItemTemplates,
    Rendered,
    atom_head,
    rss_head,
    with_items,
)
from feedtool._render.site_files import (
    OPML_NAME,
    ROBOTS_NAME,
    SITEMAP_NAME,
    SitemapPage,
    numbered_sitemap_name,
    render_opml,
    render_robots,
    render_sitemap,
    render_sitemap_index,
    seconds_of,
    sitemap_capacity,
)
from feedtool._site import EPOCH, Site, SiteLinks

if TYPE_CHECKING:
    from feedtool._validate.report import Finding

# What the output size estimate counts (estimated_size): each output's head (a feed's
# channel, a page's header and footer: 1-2 KB); each time a feed or a page shows an
# entry, its article's bytes and the markup of each of its keywords (an RSS <category>,
# an Atom category, a link on a page: 10-70 bytes beside the keyword itself); each line
# of a listing page, which shows a title, a date and a summary (820 bytes on average
# in a site of bench/generate.py's articles).
OUTPUT_HEAD_BYTES = 2048
KEYWORD_MARKUP_BYTES = 40
LISTING_LINE_BYTES = 1024

FEED_NAMES = (RSS_NAME, ATOM_NAME, JSON_NAME)
RSS, ATOM, JSON = "rss", "atom", "json"
# Which piece holds a format's item.
_ITEM_PIECE = {RSS: RSS_ITEM, ATOM: ATOM_ENTRY, JSON: JSON_ITEM}


def is_feed_path(relative: str) -> bool:
    """Whether an output path is a feed document (checked by the validator before publishing)."""
    if relative.startswith(ARCHIVE_FOLDER):
        return relative.endswith((".xml", ".rss"))
    return relative.rsplit("/", 1)[-1] in FEED_NAMES


class Output(NamedTuple):
    """One output file of the site: where it goes, its key, and what it is made from.

    ``source`` is a ``(format, FeedSpec)`` pair for a feed, a ``(FeedSpec, ListingPage)``
    pair for a listing page, the ``Entry`` for an entry's page, a ``SitemapSource`` for a
    sitemap file, and a function giving the bytes for the few other files made from
    the whole site (stylesheet, categories index, OPML, robots.txt, a sitemap index).
    """

    path: str
    key: str
    source: object

    @property
    def shows_bodies(self) -> bool:
        """Whether the output shows its entries' bodies: all but a listing page, whose
        lines are made from an entry's title, date, summary and keywords."""
        source = self.source
        return not (isinstance(source, tuple) and isinstance(source[1], ListingPage))

    @property
    def entries(self) -> tuple[Entry, ...]:
        """The entries whose pieces the output is made from."""
        source = self.source
        if isinstance(source, Entry):
            return (source,)
        if isinstance(source, tuple) and isinstance(source[1], FeedSpec):
            return source[1].entries
        if isinstance(source, tuple) and isinstance(source[1], ListingPage):
            return source[1].entries
        return ()


_SECOND = timedelta(seconds=1)

# Output keys and entry versions are BLAKE2b hashes of this many bytes: 128 bits, so
# that two different inputs never share a key in practice.
KEY_BYTES = 16


def entry_version(entry: Entry) -> str:
    """What an entry's outputs depend on: its file's content and path, and its dates and author.

    Everything else of the entry is parsed from the content (with the settings, which
    every output key holds), so this is cheaper to hash than the whole entry.
    """
    if not entry.digest:  # an entry built in memory, not read from a file
        return hashlib.sha256(repr(entry).encode()).hexdigest()
    return f"{entry.digest}:{entry.source}:{entry.published}:{entry.updated}:{entry.author}"


def entry_versions(site: Site, settings_key: str, known: dict[str, bytes]) -> dict[str, bytes]:
    """Every entry's version hashed with the settings, by source (its file); ``known`` holds
    those an earlier build hashed (from the cache), used as they are."""
    prefix = f"{settings_key}\0".encode()
    versions = {}
    for entry in site.entries:
        version = known.get(entry.source)
        if version is None:
            version = hashlib.blake2b(
                prefix + entry_version(entry).encode(), digest_size=KEY_BYTES
            ).digest()
        versions[entry.source] = version
    return versions


class _Keys:
    """Output keys: the settings, what the output is, and the versions of its entries.

    Without versions (a build that keeps no cache compares no keys) every key is "".
    """

    def __init__(self, settings_key: str, versions: dict[str, bytes] | None):
        self.settings_key = settings_key
        self.versions = versions

    def __call__(self, kind: str, *parts: object, entries: tuple[Entry, ...] = ()) -> str:
        if self.versions is None:
            return ""
        digest = hashlib.blake2b(
            f"{self.settings_key}\0{kind}\0{parts!r}".encode(), digest_size=KEY_BYTES
        )
        versions = self.versions
        digest.update(b"".join([versions[entry.source] for entry in entries]))
        return digest.hexdigest()

    def of_page(self, entry: Entry) -> str:
        # A page shows its entry alone: its version (with the settings) is the key.
        return "" if self.versions is None else self.versions[entry.source].hex()

    def of_sitemap(self, kind: str, source: SitemapSource, entry_dates: array[int]) -> str:
        """A sitemap's key: its pages' paths and dates, as its job holds them."""
        if self.versions is None:
            return ""
        job = source.job(entry_dates)
        digest = hashlib.blake2b(
            f"{self.settings_key}\0{kind}\0{job.listings!r}\0".encode(), digest_size=KEY_BYTES
        )
        for block in job.entry_paths:  # no path holds NUL: the paths, one after another
            digest.update(block.encode() + b"\0")
        digest.update(job.entry_dates.tobytes())
        return digest.hexdigest()


def plan_outputs(
    site: Site, settings_key: str = "", versions: dict[str, bytes] | None = None
) -> list[Output]:
    """Every output file of the site, in a fixed order, with its key (see ``_Keys``)."""
    key = _Keys(settings_key, versions)
    main_feed = site_feed(site)
    outputs = _feed_outputs(main_feed, key)
    outputs.append(Output(STYLESHEET, key("style"), render_style))
    outputs += [_listing_output(main_feed, page, key) for page in index_listing(site)]
    outputs += [Output(site.page_path(entry), key.of_page(entry), entry) for entry in site.entries]
    categories = [(c.name, c.slug, len(c.entries)) for c in site.categories]
    outputs.append(
        Output(
            CATEGORIES_INDEX,
            key("categories", categories),
            lambda: render_categories_index(site, main_feed),
        )
    )
    category_feeds = {}
    for category in site.categories:
        feed = category_feed(site, category)
        category_feeds[category.slug] = feed.without_entries()
        outputs += _feed_outputs(feed, key)
        outputs += [_listing_output(feed, page, key) for page in category_listing(site, category)]
    for archive in archive_feeds(site):
        outputs += _feed_outputs(archive, key)
    # The feeds in the order the category index lists their categories.
    listed = [main_feed.without_entries()]
    listed += [category_feeds[category.slug] for category in sorted_categories(site)]
    pages = _SitemapPages(outputs)
    outputs.append(_opml_output(site.links, listed, pages.newest, key))
    outputs.append(Output(ROBOTS_NAME, key("robots"), partial(render_robots, site.links)))
    outputs += _sitemap_outputs(site.links, pages, key)
    return outputs


def _feed_outputs(feed: FeedSpec, key: _Keys) -> list[Output]:
    """One feed in each of its formats, which share its key."""
    # What of the archive page count a feed shows: an archive page only whether it has a
    # next page (so a full page's key, like its bytes, never changes again); the
    # subscription feeds link the newest page.
    if feed.archive_page is None:
        pages: object = feed.archive_pages
    else:
        pages = feed.archive_page < feed.archive_pages
    parts = (feed.title, feed.description, feed.folder, feed.archive_page, pages)
    feed_key = key("feed", *parts, entries=feed.entries)
    outputs = [
        Output(feed.folder + feed.rss_name, feed_key, (RSS, feed)),
        Output(feed.folder + feed.atom_name, feed_key, (ATOM, feed)),
    ]
    if feed.json_name is not None:
        outputs.append(Output(feed.folder + feed.json_name, feed_key, (JSON, feed)))
    return outputs


def _listing_output(feed: FeedSpec, page: ListingPage, key: _Keys) -> Output:
    parts = (feed.description, page.title, page.folder, page.number, page.count)
    return Output(page.path, key("listing", *parts, entries=page.entries), (feed, page))


class OutputTooLarge(FeedtoolError):
    """A build would write more than ``[build] max_output_ratio`` allows; it wrote nothing."""


def check_output_size(
    site: Site, outputs: list[Output], articles: Iterable[tuple[int, Entry]]
) -> int:
    """Refuse, before anything is written, a build whose outputs would take more than
    ``max_output_ratio`` times the size of its articles plus ``OUTPUT_SIZE_FLOOR``.

    ``articles``: each article file read, as its size and its entry. Returns the estimate
    (``estimated_size``). Each keyword of an article is a category whose feeds and pages
    repeat the article, so one article of many keywords, or many of them, can make a
    build write without bound: 10,000 keywords on an article of 120 KB were 17 GB.
    Raises ``OutputTooLarge`` naming the article repeated most.
    """
    settings = site.settings
    # One pass over the articles: at 100,000 of them, each pass is a tenth of a second.
    weights: dict[str, int] = {}
    input_size = 0
    for size, entry in articles:
        input_size += size
        weights[entry.source] = size + KEYWORD_MARKUP_BYTES * len(entry.categories)
    allowed = settings.max_output_ratio * input_size + OUTPUT_SIZE_FLOOR
    estimate = estimated_size(outputs, weights)
    if estimate <= allowed:
        return estimate
    raise OutputTooLarge(
        f"this build would write about {_in_bytes(estimate)}, more than the "
        f"{_in_bytes(allowed)} it may ({settings.max_output_ratio} times the "
        f"{_in_bytes(input_size)} of the articles, plus {_in_bytes(OUTPUT_SIZE_FLOOR)}); "
        f"{_repeated_most(site, outputs, weights, estimate)}; nothing was written "
        "(raise the limit with --max-output-ratio or [build] max_output_ratio)",
        str(settings.output),
    )


def estimated_size(outputs: list[Output], weights: dict[str, int]) -> int:
    """About how many bytes ``outputs`` take: ``OUTPUT_HEAD_BYTES`` each; for each entry
    a feed or a page shows, its weight in ``weights`` (by source: its file's size and its
    keywords' markup); ``LISTING_LINE_BYTES`` for each line of a listing page.

    Against builds of 10,000 articles (``bench/generate.py`` and the peers' corpus, with
    default settings and with --limit 0) it came to 0.83-0.89 of the bytes written, 0.83
    at 100,000 with --limit 0 (3.9 GB for 4.8 GB), 0.9 for an article of 1,500 keywords.
    It reads each entry once per feed (the formats of a feed share their entries) and per
    page, never per listing line: at 100,000 articles, on 2 cores under load, 0.23 s of
    CPU with default settings (plan_outputs: 0.24 s) and 0.5 s with --limit 0, in a cold
    build of 78 s.
    """
    total = OUTPUT_HEAD_BYTES * len(outputs)
    weight = weights.__getitem__
    # The tuples of entries are the plan's own (a FeedSpec's), alive as long as
    # ``outputs``: their ids stay theirs while this runs.
    shown: dict[int, int] = {}
    for output in outputs:
        source = output.source
        if type(source) is Entry:  # an entry's page: most outputs of a large site
            total += weight(source.source)
        elif type(source) is tuple and type(source[1]) is ListingPage:
            total += LISTING_LINE_BYTES * len(source[1].entries)
        else:
            entries = output.entries
            size = shown.get(id(entries))
            if size is None:
                size = shown[id(entries)] = sum(map(weight, map(_SOURCE, entries)))
            total += size
    return total


_SOURCE = attrgetter("source")


def _repeated_most(
    site: Site, outputs: list[Output], weights: dict[str, int], estimate: int
) -> str:
    """Which article takes the largest share of the estimate, and how."""
    shown: Counter[str] = Counter()
    for output in outputs:
        if output.shows_bodies:  # as estimated_size counts them
            shown.update(entry.source for entry in output.entries)
    source, times = max(shown.items(), key=lambda item: (weights[item[0]] * item[1], item[0]))
    entry = next(entry for entry in site.entries if entry.source == source)
    share = weights[source] * times / estimate
    return (
        f"{share:.0%} of it would be {source} ({len(entry.categories)} keywords), "
        f"shown in full in {times:,} files"
    )


def _in_bytes(size: int) -> str:
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= scale:
            return f"{size / scale:,.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


class _SitemapPages:
    """Every page of a plan with its last modification, in whole seconds since 1970 (None:
    no date): an entry's updated time for its page, the newest of the entries shown for
    a listing page, the newest entry in a category for the category index.

    ``listings`` (every page but the entries') are in the plan's order, with their dates;
    ``entry_pages`` are the plan's outputs of entries' pages, oldest first, and
    ``entry_dates`` their dates. ``newest`` is the newest entry's.
    """

    def __init__(self, outputs: list[Output]):
        # Measured at 100,000 entries: some 0.15 s, most of it finding the newest of the
        # 400,000 lines of listing pages (each entry shows on several).
        self.entry_pages = [output for output in outputs if isinstance(output.source, Entry)]
        self.entry_pages.reverse()  # the plan lists them newest first
        self.entry_dates = _entry_dates(self.entry_pages)
        self.newest = max(self.entry_dates, default=None)
        newest_categorized = max(
            [
                modified
                for output, modified in zip(self.entry_pages, self.entry_dates, strict=True)
                if output.source.categories
            ],
            default=None,
        )
        self.listings = [
            (output.path, _listing_modified(output, newest_categorized))
            for output in outputs
            if output.path.endswith(".html") and not isinstance(output.source, Entry)
        ]


def _entry_dates(entry_pages: list[Output]) -> array[int]:
    """When the entries of these pages were last modified, in seconds since 1970."""
    moments = [output.source.updated or output.source.published for output in entry_pages]
    return array("q", [(moment - EPOCH) // _SECOND for moment in moments])


def _listing_modified(output: Output, newest_categorized: int | None) -> int | None:
    """A page other than an entry's: a listing page is as new as the newest entry it
    shows; the category index as the newest entry in a category."""
    source = output.source
    if isinstance(source, tuple) and isinstance(source[1], ListingPage):
        # Comparing the datetimes is quicker than making each one seconds first.
        newest = max(
            [entry.updated or entry.published for entry in source[1].entries], default=None
        )
        return None if newest is None else seconds_of(newest)
    return newest_categorized if output.path == CATEGORIES_INDEX else None


def _opml_output(links: SiteLinks, feeds: list[FeedSpec], newest: int | None, key: _Keys) -> Output:
    """``feeds.opml``: made from each feed's names and addresses and the newest update."""
    parts = [(feed.title, feed.description, feed.folder) for feed in feeds]
    return Output(OPML_NAME, key("opml", parts, newest), partial(render_opml, links, feeds, newest))


# Entries' pages a sitemap job holds in one string, and renders at a time.
SITEMAP_BLOCK = 1024


@dataclass(frozen=True)
class Sitemap:
    """The job that makes a sitemap file: its listing pages with their dates, then its
    entries' pages, as compactly as plain values go (50,000 entries' pages take 2 MB,
    where as many tuples would take 9 MB in the build and again in a worker): their paths
    in blocks joined by NUL, which no path holds, and their dates."""

    links: SiteLinks
    listings: list[SitemapPage]
    entry_paths: tuple[str, ...]
    entry_dates: array[int]

    def blocks(self) -> Iterator[list[SitemapPage]]:
        """The pages, a block at a time."""
        for start in range(0, len(self.listings), SITEMAP_BLOCK):
            yield self.listings[start : start + SITEMAP_BLOCK]
        for number, block in enumerate(self.entry_paths):
            dates = self.entry_dates[number * SITEMAP_BLOCK : (number + 1) * SITEMAP_BLOCK]
            yield list(zip(block.split("\0"), dates, strict=True))


@dataclass(frozen=True)
class SitemapSource:
    """What one sitemap file lists: listing pages with their dates, then entries' pages
    (their outputs in the plan, dated again when the file is made: the plan keeps no
    date of an entry)."""

    links: SiteLinks
    listings: list[SitemapPage]
    entry_pages: list[Output]

    def job(self, entry_dates: array[int] | None = None) -> Sitemap:
        """The job that makes the file; ``entry_dates``: its entries' dates, if known."""
        pages = self.entry_pages
        paths = tuple(
            "\0".join([output.path for output in pages[start : start + SITEMAP_BLOCK]])
            for start in range(0, len(pages), SITEMAP_BLOCK)
        )
        dates = _entry_dates(pages) if entry_dates is None else entry_dates
        return Sitemap(self.links, self.listings, paths, dates)


def _sitemap_outputs(links: SiteLinks, pages: _SitemapPages, key: _Keys) -> list[Output]:
    """``sitemap.xml`` of every page; for more pages than one file holds, numbered sitemap
    files (of ``NUMBERED_SITEMAP_URLS``) and ``sitemap.xml`` their index.

    Listing pages come first, then entry pages oldest first; numbered files hold one kind
    of page each. So a new entry changes the last file of entry pages and the files of
    listing pages, and a full file of older entries changes only when one of them does.
    Each file's key holds its pages' paths and dates: what its bytes are made from.
    """
    listings, entry_pages, dates = pages.listings, pages.entry_pages, pages.entry_dates
    paths = [path for path, _ in listings] + [output.path for output in entry_pages]
    capacity = sitemap_capacity(links, paths)
    if len(paths) <= capacity:
        source = SitemapSource(links, listings, entry_pages)
        return [Output(SITEMAP_NAME, key.of_sitemap("sitemap", source, dates), source)]
    size = min(capacity, site_files.NUMBERED_SITEMAP_URLS)
    chunks = [
        (SitemapSource(links, listings[start : start + size], []), array("q"))
        for start in range(0, len(listings), size)
    ]
    chunks += [
        (SitemapSource(links, [], entry_pages[start : start + size]), dates[start : start + size])
        for start in range(0, len(entry_pages), size)
    ]
    files: list[tuple[str, int | None]] = []
    numbered = []
    for number, (source, chunk_dates) in enumerate(chunks, start=1):
        name = numbered_sitemap_name(number)
        listed = [modified for _, modified in source.listings if modified is not None]
        files.append((name, max([*listed, *chunk_dates], default=None)))
        part_key = key.of_sitemap("sitemap-part", source, chunk_dates)
        numbered.append(Output(name, part_key, source))
    index = partial(render_sitemap_index, links, files)
    return [Output(SITEMAP_NAME, key("sitemap-index", files), index), *numbered]


class FeedJob(NamedTuple):
    """A feed in one format: its head, its items' pieces, and which items it validates."""

    format: str
    feed: FeedSpec  # without its entries
    items: tuple[Location, ...]
    # Per item, whether this feed validates it: the first feed made that holds it does.
    to_check: tuple[bool, ...]


class ListingJob(NamedTuple):
    feed: FeedSpec  # without its entries
    page: ListingPage  # without its entries
    lines: tuple[Location, ...]


class PageJob(NamedTuple):
    piece: Location


class BytesJob(NamedTuple):
    data: bytes


Job = FeedJob | ListingJob | PageJob | BytesJob | Sitemap


def make_jobs(outputs: list[Output], pieces: dict[str, Location]) -> Iterator[tuple[str, Job]]:
    """The jobs that make ``outputs``, given every piece they need (by entry id).

    Each entry's item is validated in the first feed of each format that holds it, so a
    build validates every head and every item once, however many feeds show it.
    """
    checked: dict[str, set[str]] = {RSS: set(), ATOM: set(), JSON: set()}
    for output in outputs:
        source = output.source
        job: Job
        if isinstance(source, Entry):
            job = PageJob(pieces[source.id])
        elif isinstance(source, SitemapSource):
            job = source.job()
        elif callable(source):
            job = BytesJob(source())
        elif isinstance(source[1], FeedSpec):
            form, feed = source
            seen = checked[form]
            to_check = tuple(entry.id not in seen for entry in feed.entries)
            seen.update(entry.id for entry in feed.entries)
            items = tuple(pieces[entry.id] for entry in feed.entries)
            job = FeedJob(form, feed.without_entries(), items, to_check)
        else:
            feed, page = source
            lines = tuple(pieces[entry.id] for entry in page.entries)
            job = ListingJob(feed.without_entries(), replace(page, entries=()), lines)
        yield output.path, job


def job_size(job: tuple[str, Job]) -> int:
    """How many pieces a job reads: a measure of its work."""
    _, made = job
    if isinstance(made, FeedJob):
        return len(made.items)
    if isinstance(made, ListingJob):
        return len(made.lines)
    if isinstance(made, Sitemap):  # a line is about the work of reading a piece
        return len(made.listings) + len(made.entry_dates)
    return 1


def _make(job: Job, reader: PieceReader) -> Rendered | bytes:
    """One output's bytes, and for a feed the document that validates it."""
    if isinstance(job, BytesJob):
        return job.data
    if isinstance(job, Sitemap):
        return render_sitemap(job.links, job.blocks())
    if isinstance(job, PageJob):
        return reader.read(job.piece, PAGE)
    if isinstance(job, ListingJob):
        lines = [reader.read(line, LISTING_LINE).decode() for line in job.lines]
        return render_listing_page(job.feed, job.page, lines)
    kind = _ITEM_PIECE[job.format]
    items = [reader.read(location, kind) for location in job.items]
    to_check = [item for item, check in zip(items, job.to_check, strict=True) if check]
    if job.format == JSON:
        return with_json_items(json_head(job.feed), items, to_check)
    if job.format == RSS:
        return with_items(rss_head(job.feed), RSS_CLOSING, items, to_check)
    return with_items(atom_head(job.feed), ATOM_CLOSING, items, to_check)


def _bytes_and_check(rendered: Rendered | bytes) -> tuple[bytes, bytes | None]:
    """An output's bytes, and for a feed the document that validates it."""
    if isinstance(rendered, Rendered):
        return rendered.data, rendered.check
    return rendered, None


class Made(NamedTuple):
    """What became of one output: whether its bytes differ from the published file's,
    and the validator's errors for a feed."""

    path: str
    changed: bool
    problems: tuple[Finding, ...] = ()


class Batch(NamedTuple):
    """Jobs for one worker call, and where their files go.

    ``published``: the output folder, when it exists, to compare with; ``stage``: where
    changed files are written at their relative paths (None: compare only).
    """

    jobs: list[tuple[str, Job]]
    stage: str | None
    published: str | None


def make_outputs(batch: Batch) -> list[Made]:
    """Make each job's file, write it into the stage unless the published file has the
    same bytes, and validate every feed with the checks of ``feedtool validate``."""
    made = []
    writer = StageWriter(batch.stage) if batch.stage is not None else None
    with PieceReader() as reader:
        for path, job in batch.jobs:
            data, check = _bytes_and_check(_make(job, reader))
            problems = _validation_errors(check, path, batch) if check is not None else ()
            changed = batch.published is None or not same_bytes(
                os.path.join(batch.published, path), data
            )
            if changed and writer is not None:
                writer.write(path, data)
            made.append(Made(path, changed, problems))
    return made


def _validation_errors(document: bytes, path: str, batch: Batch) -> tuple[Finding, ...]:
    from feedtool._validate import validate_document  # slow to import; only builds need it

    where = os.path.join(batch.published or "", path)
    return validate_document(document, where).errors


def render_pieces(links: SiteLinks, entries: list[Entry], piece_file: str) -> list[Location]:
    """Render the pieces of dated entries that have their bodies into ``piece_file``."""
    templates = ItemTemplates()
    with PieceFile(piece_file) as pieces:
        return [pieces.add(entry_pieces(links, entry, templates)) for entry in entries]


def render_listing_lines(links: SiteLinks, entries: list[Entry], piece_file: str) -> list[Location]:
    """Pieces holding only each entry's listing line, made without its body: when every
    listing page shifts (an entry added), no other entry's file is read for them."""
    with PieceFile(piece_file) as pieces:
        return [
            pieces.add(
                [b"", b"", b"", b"", entry_listing_line(links, entry, LISTING_ROOT).encode()]
            )
            for entry in entries
        ]


def render_site(site: Site) -> Iterator[tuple[str, bytes]]:
    """Every output file of a site whose entries have their bodies, with its bytes, in
    order: the whole render stage in this process, for library callers and tests."""
    with tempfile.TemporaryDirectory(prefix="feedtool-render-") as folder:
        locations = render_pieces(site.links, list(site.entries), os.path.join(folder, "pieces"))
        pieces = {
            entry.id: location for entry, location in zip(site.entries, locations, strict=True)
        }
        jobs = make_jobs(plan_outputs(site), pieces)
        with PieceReader() as reader:
            for path, job in jobs:
                yield path, _bytes_and_check(_make(job, reader))[0]
