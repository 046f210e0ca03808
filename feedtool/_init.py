"""``feedtool init``: start a site in a folder, never overwriting a file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from feedtool._config import (
    CONFIG_NAME,
    DEFAULT_ARCHIVE_SIZE,
    DEFAULT_LIMIT,
    DEFAULT_MAX_ENTRY_SIZE,
    DEFAULT_MAX_KEYWORDS,
    DEFAULT_MAX_OUTPUT_RATIO,
    PLACEHOLDER,
)
from feedtool._errors import FeedtoolError

CACHE_IGNORE = ".feedtool-cache/"
EXAMPLE_NAME = "001_welcome.txt"

CONFIG_TEXT = f"""\
# feedtool's settings. Every key is listed with its default and what it does; a key
# left commented out keeps its default. An option of `feedtool build --help` overrides
# each key but the [format] lists. Folders are relative to this file.

[site]
# The site and feed title.
title = "My site"
# The absolute URL the site is published at: every link and feed URL starts with it.
url = "{PLACEHOLDER}: the site's address, e.g. https://example.org/news/"
# The authority of entry ids (tag: URIs, RFC 4151): a domain or email address you held,
# and a date then. Ids keep it for good, so a later change of host keeps every id.
id_authority = "{PLACEHOLDER}: a domain you held and a date, e.g. example.org,2026"
# The feeds' description (subtitle). Default: the title.
# description = "News from my site"
# The language of the feeds and pages, a BCP 47 tag such as en, fr-CA or zh-Hant.
# Default: none stated.
# language = "en"
# The author of entries that name none (an article's Author: line). Default: the title.
# author = "My name"
# The time zone of dates written without one, and of the dates on pages (an IANA name).
# timezone = "UTC"
# WebSub hubs (https://www.w3.org/TR/websub/), a URL or a list of them: the feeds name
# them, and `feedtool build --ping` tells them which feeds changed. Default: none.
# websub_hub = "https://pubsubhubbub.appspot.com/"

[build]
# The folder of article files (*.txt, subfolders too).
# entries = "entries"
# The folder to publish into. feedtool writes only there, and removes only files it
# published itself (listed in its .feedtool-manifest).
# output = "public"
# Entries per feed and per index page; 0 puts every entry in every feed.
# limit = {DEFAULT_LIMIT}
# true: the feeds carry the summary and leave out each article's full text.
# summary_only = false
# The largest article file, in bytes; a larger one is an error.
# max_entry_size = {DEFAULT_MAX_ENTRY_SIZE}
# Entries per archive page (RFC 5005 archive feeds of the whole history).
# archive_size = {DEFAULT_ARCHIVE_SIZE}
# The most keywords an article may have; more is an error. Each keyword is a category
# with its own feeds and pages, all repeating the article.
# max_keywords = {DEFAULT_MAX_KEYWORDS}
# The most a build may write, in times the size of the articles (plus 100 MB): a build
# that would write more is refused before it writes anything. Sites write 12-26 times.
# max_output_ratio = {DEFAULT_MAX_OUTPUT_RATIO}

[format]
# Headers your articles use besides the built-in ones in English, French, German,
# Spanish, Italian, Portuguese and Japanese (docs/article-format.md in feedtool's
# repository lists them), matched in any case, with or without accents. A line that is
# one of points_headers starts the points; a line that starts with one of
# keyword_headers and a colon holds the keywords. E.g. ["In short"], ["Labels"].
# points_headers = []
# keyword_headers = []
"""

EXAMPLE_ARTICLE = """\
Date: 2026-01-05 09:00
Updated: 2026-01-06 17:30
Author: The editors
Language: en

Welcome to your feedtool site

Strong points
Each article is one plain-text file in the entries folder.
These lines under "Strong points" become the summary, one point per line.
The "Key words" line at the end makes the categories, each with its own feeds.

This file shows every part of an article. The lines at the top (Date, Updated, Author, \
Language) are its metadata; Link, Id, Title, Summary, Image and Image-Alt are the others. \
A date without a time zone is in the site's time zone.

The first line after the metadata is the title. Then come the strong points, under \
their header, and then the body: one paragraph per block of lines, separated by blank \
lines.

Read more about feeds

A one-line block without closing punctuation, like the one above, is a teaser for \
another article: it is left out of the feeds and pages. Run feedtool show on this file \
to see how it parses.

Start your own article with feedtool new, then delete this one.

Key words: Getting started, feedtool
"""


_EXISTS = "already exists; feedtool init never overwrites a file"


class InitError(FeedtoolError):
    """A file ``feedtool init`` would write already exists: nothing was written."""


@dataclass(frozen=True)
class InitResult:
    """What ``init_site`` wrote: new files, and whether it added to an existing .gitignore."""

    written: tuple[Path, ...]
    gitignore_extended: bool


def init_site(folder: Path) -> InitResult:
    """Write a commented ``feedtool.toml``, an example article in ``entries/`` and a
    ``.gitignore`` that holds the cache into ``folder`` (made if missing).

    Raises ``InitError`` naming the file, having written nothing, when the config or the
    example article exists. An existing ``.gitignore`` only gains the cache's line.
    """
    config = folder / CONFIG_NAME
    example = folder / "entries" / EXAMPLE_NAME
    for path in (config, example):
        if path.exists() or path.is_symlink():
            raise InitError(_EXISTS, str(path))
    try:
        example.parent.mkdir(parents=True, exist_ok=True)
        _write_new(config, CONFIG_TEXT)
        _write_new(example, EXAMPLE_ARTICLE)
        gitignore = folder / ".gitignore"
        if not gitignore.exists():
            _write_new(gitignore, CACHE_IGNORE + "\n")
            return InitResult((config, example, gitignore), gitignore_extended=False)
        extended = _ignore_cache(gitignore)
    except OSError as error:
        where = error.filename if error.filename is not None else folder
        raise InitError(f"cannot write: {error.strerror or error}", str(where)) from None
    return InitResult((config, example), gitignore_extended=extended)


def _write_new(path: Path, text: str) -> None:
    try:
        # "x": fails if the file appeared since the check above, rather than overwrite it.
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise InitError(
            "already exists; feedtool init never overwrites a file", str(path)
        ) from None


def _ignore_cache(gitignore: Path) -> bool:
    """Add the cache's line to an existing ``.gitignore`` unless it has it already."""
    text = gitignore.read_text(encoding="utf-8", errors="replace")
    if any(line.strip() in (CACHE_IGNORE, CACHE_IGNORE.rstrip("/")) for line in text.splitlines()):
        return False
    with open(gitignore, "a", encoding="utf-8") as handle:
        handle.write(("" if not text or text.endswith("\n") else "\n") + CACHE_IGNORE + "\n")
    return True
