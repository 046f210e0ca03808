"""The whole site as data: entries in order, categories with slugs, links and ids."""

from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from urllib.parse import quote, urlsplit

from feedtool._config import Settings
from feedtool._entry import Entry
from feedtool._errors import Diagnostic

# When [site] id_authority is not set, tag: URIs use the site's host with this fixed date:
# a date derived from the entries would change every id when the oldest entry goes.
FALLBACK_TAG_DATE = "2000"
# Further ahead than this, a date is more likely a typo than an embargo.
FUTURE_TOLERANCE = timedelta(days=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The longest file or folder name most file systems take: 255 bytes on ext4, XFS, Btrfs
# and APFS, 255 UTF-16 units on NTFS (never more than the name's UTF-8 bytes). A longer
# id or slug would make a page or a folder no build can write.
NAME_MAX_BYTES = 255
# Hex digits of the hash that ends a shortened name: it keeps names that share their
# start apart, and is the same on every build.
NAME_HASH_DIGITS = 10
PAGE_SUFFIX = ".html"

# Letters NFKD does not decompose to an ASCII base, folded the way readers expect.
_EXTRA_FOLDS = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i"}
)


@dataclass(frozen=True)
class Category:
    """Entries sharing a keyword slug; ``name`` is the keyword's most common spelling."""

    name: str
    slug: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class SiteLinks:
    """The site's addresses and ids, from its settings alone: all an entry's own pieces need."""

    settings: Settings

    @property
    def url(self) -> str:
        assert self.settings.url is not None  # load_settings guarantees it
        return self.settings.url

    def page_path(self, entry: Entry) -> str:
        """Path of the entry's page inside the output folder."""
        return page_path_of(entry.id)

    def page_url(self, entry: Entry) -> str:
        return self.url + quote(self.page_path(entry))

    def permalink(self, entry: Entry) -> str:
        """The entry's link: its ``Link:`` line, else its page on this site."""
        return entry.link or self.page_url(entry)

    def tag_id(self, entry: Entry) -> str:
        """The entry's RFC 4151 ``tag:`` URI, independent of the site URL's scheme and path.

        The id is percent-encoded (UTF-8, RFC 3986, ``/`` too): a tag's specific part is
        URI characters, so ``café`` ends ``caf%C3%A9``; letters, digits, ``-._~`` stay.
        """
        return f"tag:{self.id_authority}:{quote(entry.id, safe='')}"

    def feed_tag_id(self, name: str) -> str:
        """A feed's ``tag:`` URI: ``name`` (``feed``, ``category/<slug>``, ``archive/<n>``)
        percent-encoded as ``tag_id`` encodes an entry's id, its ``/`` kept: the feed of
        category ``東京`` is ``...:category/%E6%9D%B1%E4%BA%AC``; ASCII slugs stay as they are.
        """
        return f"tag:{self.id_authority}:{quote(name, safe='/')}"

    @property
    def id_authority(self) -> str:
        if self.settings.id_authority:
            return self.settings.id_authority
        return f"{urlsplit(self.url).hostname},{FALLBACK_TAG_DATE}"


@dataclass(frozen=True)
class Site(SiteLinks):
    """The settings with every entry in publication order and every category."""

    entries: tuple[Entry, ...]
    categories: tuple[Category, ...]

    @property
    def links(self) -> SiteLinks:
        """The settings-only part, small enough to send to a worker process."""
        return SiteLinks(self.settings)

    def category_by_slug(self, slug: str) -> Category:
        return next(category for category in self.categories if category.slug == slug)


def page_path_of(entry_id: str) -> str:
    """Path of the page of the entry with this id inside the output folder.

    An id too long to name a file (see ``fit_name``) is shortened for the page's name
    only: the entry's ``tag:`` id keeps it whole.
    """
    return f"entries/{fit_name(entry_id, NAME_MAX_BYTES - len(PAGE_SUFFIX))}{PAGE_SUFFIX}"


def fit_name(name: str, room: int) -> str:
    """``name`` itself when its UTF-8 takes at most ``room`` bytes; else its start, cut
    between characters, then ``-`` and a hash of the whole name, ``room`` bytes at most.

    The hash keeps two long names that share their start apart, and is the same on
    every machine, so a shortened name never changes.
    """
    # At most 4 bytes a character: most names are known to fit without encoding them.
    if len(name) * 4 <= room:
        return name
    data = name.encode("utf-8", "surrogatepass")
    if len(data) <= room:
        return name
    digest = hashlib.sha256(data).hexdigest()[:NAME_HASH_DIGITS]
    # "ignore" drops the bytes of a character the cut splits.
    start = data[: room - NAME_HASH_DIGITS - 1].decode("utf-8", "ignore").rstrip("-")
    return f"{start}-{digest}"


def collect_site(entries: tuple[Entry, ...] | list[Entry], settings: Settings) -> Site:
    """Order the entries newest first (ties: id descending) and group them into categories."""
    # Newest first; entries published at the same instant by id, descending (ids are unique).
    ordered = tuple(sorted(entries, key=_sort_key, reverse=True))
    if settings.author:
        ordered = tuple(with_site_author(entry, settings) for entry in ordered)
    return Site(settings=settings, entries=ordered, categories=_categories(ordered))


def _sort_key(entry: Entry) -> tuple[float, str]:
    assert entry.published is not None
    return entry.published.timestamp(), entry.id


def with_site_author(entry: Entry, settings: Settings) -> Entry:
    """The entry, with the site's author when it names none."""
    if entry.author or not settings.author:
        return entry
    return entry._replace(author=settings.author)


def _categories(entries: tuple[Entry, ...]) -> tuple[Category, ...]:
    # Written for 100,000 entries of a few keywords each, from a few hundred keywords.
    spellings = Counter([keyword for entry in entries for keyword in entry.categories])
    slug_of = {keyword: slugify(keyword) for keyword in spellings}
    members: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        for keyword in entry.categories:
            bucket = members[slug_of[keyword]]
            # Two keywords of one entry may share a slug ("Café", "cafe"): listed once.
            if not bucket or bucket[-1] is not entry:
                bucket.append(entry)
    by_slug: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for keyword, count in spellings.items():
        by_slug[slug_of[keyword]].append((keyword, count))
    categories = []
    for slug in sorted(members):
        # Most common spelling names the category; ties go to the first in code-point order.
        name = min(by_slug[slug], key=lambda item: (-item[1], item[0]))[0]
        categories.append(Category(name=name, slug=slug, entries=tuple(members[slug])))
    return tuple(categories)


@lru_cache(maxsize=65536)
def slugify(keyword: str) -> str:
    """A keyword's URL slug: lower case, accents folded to ASCII, other runs become ``-``.

    Letters and digits of any script are kept; a keyword with none gets a stable hashed
    slug; a slug longer than a folder's name may be is shortened (``fit_name``).
    """
    folded = []
    for char in keyword.casefold().translate(_EXTRA_FOLDS):
        base = unicodedata.normalize("NFKD", char)
        stripped = "".join(part for part in base if not unicodedata.combining(part))
        folded.append(stripped if stripped.isascii() and stripped else char)
    slug = []
    for char in "".join(folded):
        if char.isalnum():
            slug.append(char)
        elif slug and slug[-1] != "-":
            slug.append("-")
    text = "".join(slug).strip("-")
    if text:
        # A category is a folder: a slug too long to name one is shortened.
        return fit_name(text, NAME_MAX_BYTES)
    return "c-" + hashlib.sha256(keyword.encode("utf-8")).hexdigest()[:10]


def future_date_warnings(entries: tuple[Entry, ...], now: datetime) -> list[Diagnostic]:
    """Warnings for entries published further in the future than a day after ``now``."""
    return [
        Diagnostic(
            "warning",
            f"published {entry.published.isoformat()}, in the future: check the date",
            entry.source,
        )
        for entry in entries
        if entry.published and entry.published > now + FUTURE_TOLERANCE
    ]


def newest_update(entries: tuple[Entry, ...]) -> datetime:
    """The latest ``updated`` of the entries: a feed's own update time, never the clock's."""
    return max((entry.updated for entry in entries if entry.updated), default=EPOCH)
