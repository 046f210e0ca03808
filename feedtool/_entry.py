"""The article file format: bytes and text in, ``Entry`` out, with no I/O.

Every rule of the format lives here; ``docs/article-format.md`` describes them for writers.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import quote, urlsplit

from dateutil import parser as date_parser
from dateutil import tz as date_tz

from feedtool._errors import Diagnostic, EntryError, printable_path
from feedtool._language import is_language_tag

# Site chrome: whole lines of page furniture dropped before the title. Keep the list here.
CHROME_LINES = frozenset(
    {
        "connect with us",
        "follow us",
        "share",
        "share this article",
        "share this",
        "advertisement",
        "subscribe",
        "skip to content",
        "skip to main content",
        "menu",
        "sign in",
        "log in",
    }
)

# Whole lines that start the points, in any case, with or without accents, as
# docs/article-format.md lists them by language. Only words that are rarely a line of their
# own in an article: "Summary", "En bref" or "In sintesi" often head a paragraph, whose
# wrapped lines would become points.
POINTS_HEADERS = frozenset(
    {
        # English
        "strong points",
        "highlights",
        "key points",
        "key highlights",
        "key takeaways",
        "key facts",
        "at a glance",
        # French
        "points forts",
        "points clés",
        "les points clés",
        "à retenir",
        "ce qu'il faut retenir",
        "l'essentiel",
        "faits saillants",
        # German
        "das wichtigste",
        "das wichtigste in kürze",
        "auf einen blick",
        "kernpunkte",
        "die wichtigsten punkte",
        # Spanish
        "puntos clave",
        "puntos destacados",
        "lo más importante",
        "lo esencial",
        "claves",
        "las claves",
        # Italian
        "punti chiave",
        "i punti chiave",
        "punti salienti",
        "da sapere",
        # Portuguese
        "pontos principais",
        "principais pontos",
        "pontos-chave",
        "destaques",
        "o essencial",
        # Japanese
        "要点",
        "ポイント",
        "この記事のポイント",
    }
)

METADATA_KEYS = {
    "title": "title",
    "id": "id",
    "date": "published",
    "published": "published",
    "updated": "updated",
    "author": "author",
    "link": "link",
    "url": "link",
    "summary": "summary",
    "language": "language",
    "image": "image",
    "image-alt": "image_alt",
}

# Lines starting with one of these (any case, with or without accents, any run of space
# for the space) and a colon give the keywords. Words that start a sentence of an article
# with a colon after them ("Note:", "Sujet:") are not among them.
KEYWORDS_HEADERS = (
    # English
    "key words",
    "keywords",
    "tags",
    "topics",
    # French
    "mots-clés",
    "mots clés",
    "mots-clefs",
    "mots clefs",
    "étiquettes",
    "thèmes",
    # German
    "schlagwörter",
    "schlagworte",
    "schlagwoerter",
    "stichwörter",
    "stichworte",
    "stichwoerter",
    "themen",
    # Spanish
    "palabras clave",
    "palabras claves",
    "etiquetas",
    "temas",
    # Italian
    "parole chiave",
    "tag",
    "argomenti",
    "temi",
    # Portuguese
    "palavras-chave",
    "palavras chave",
    "assuntos",
    # Japanese
    "キーワード",
    "関連キーワード",
    "タグ",
)

SUMMARY_LIMIT = 300

# Keywords an article may have unless the site allows more ([build] max_keywords). Real
# articles have 2-5; each keyword is a category whose feeds and pages repeat the article,
# so 1,500 of them on one article made 400 MB of output.
MAX_KEYWORDS = 30

# The body line `feedtool new` writes; an article that still holds it is not finished.
BODY_PLACEHOLDER = "Write the article here, one paragraph per block of lines."

# Keywords are split at commas, the ideographic comma of Japanese and Chinese text and the
# full-width comma.
_KEYWORD_SEPARATORS = re.compile("[,、，]")

# The value is trimmed in Python: a lazy ``(.*?)\s*$`` backtracks quadratically on a long
# line with inner runs of space, and a hostile file must not hang the build.
# Keys are words of letters joined by hyphens (Image-Alt).
_METADATA_LINE = re.compile(r"^\s*([A-Za-z]+(?:-[A-Za-z]+)*)\s*:(.*)$")
# A marker needs a space after it (or to end the line), so "-5 degrees" and "1.5 million"
# keep their first characters.
# The dots may touch the text; "・" is the bullet of Japanese lists, in full and half width.
_BULLET = re.compile(r"^(?:[-*–—](?:\s+|$)|[•·・･]\s*|\d{1,3}[.)](?:\s+|$))")
# The document's list, plus the same marks in the forms CJK text uses (full stop, full-width
# marks, corner brackets) and the closing quotes of French and German (» and “), so that a
# one-line paragraph in those languages is not mistaken for a teaser.
_CLOSING_PUNCTUATION = tuple(".!?…\"”’')]:" + "。！？」』）］：" + "»“")
# XML 1.0 forbids C0 controls other than tab, LF and CR, U+FFFE/U+FFFF and lone surrogates.
_FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Characters no URL or IRI may hold, escaped or not (RFC 3987), past the spaces
# _is_absolute_http_url refuses: the rule the validator applies to the feeds' links
# (feedtool/_validate/values.py), so that a Link: a feed would fail on fails here, on its line.
_NOT_IN_URL = re.compile(r'[<>"{}|\\^`\x00-\x1f\x7f]')
_UNSAFE_ID = re.compile(r"[/\\\x00-\x1f\x7f]")
_ISO_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?(?:Z|[+-]\d{2}:\d{2})?\Z"
)
# dateutil fills missing fields from its default; a fixed one keeps "March 2026" from
# depending on the day the build runs.
_DATE_DEFAULT = datetime(2000, 1, 1)


def fold_header(text: str) -> str:
    """A header as lines are compared with it: in any case, without the accents of Latin
    letters ("Mots-cles" is "Mots-clés"), full-width forms as their plain ones, one space
    between words, the typographic apostrophe and hyphens as the plain ones."""
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text).translate(_HEADER_FOLDS)
        # Composed again, so that kana keep their voicing marks: only accents are dropped.
        text = unicodedata.normalize("NFC", _ACCENTS.sub("", decomposed))
    return " ".join(text.casefold().split())


_ACCENTS = re.compile("[\u0300-\u036f]")
_HEADER_FOLDS = str.maketrans({"\u2019": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-"})


class ArticleHeaders:
    """The points and keywords headers articles may use, ready to match lines against:
    the format's own (``POINTS_HEADERS``, ``KEYWORDS_HEADERS``) and those a site adds.

    Made once per settings (``article_headers``), not per file. Every line after the title
    is tested for the keywords header by one compiled regex, ``keywords_line``: a colon
    near its start; only the few lines it lets through are folded and looked up in the
    set. A points header is one length test and a set lookup.
    """

    def __init__(self, points: Iterable[str] = (), keywords: Iterable[str] = ()):
        self.points = frozenset(map(header_key, (*POINTS_HEADERS, *points))) - {""}
        self.keywords = frozenset(map(header_key, (*KEYWORDS_HEADERS, *keywords))) - {""}
        # A longer line is no header, whatever folding takes out (runs of space, accents
        # written as combining marks, colons): most lines of a body are not even folded.
        self._points_limit = 2 * max(map(len, self.points)) + 16
        # At most as many words as the longest header has, then a colon (or the full-width
        # colon of CJK text). Possessive throughout: a line that is no keywords line costs
        # one scan of its first few words, without backtracking.
        words = max(len(header.split()) for header in self.keywords)
        self.keywords_line = re.compile(rf"\s*+((?:[^:\uff1a\s]++\s*+){{1,{words}}}+)[:\uff1a]")

    def is_points_header(self, line: str) -> bool:
        """Whether ``line`` is, ignoring case, accents, surrounding space and trailing
        colons, a points header."""
        stripped = line.strip()
        return len(stripped) <= self._points_limit and header_key(stripped) in self.points

    def keywords_value(self, match: re.Match[str]) -> str | None:
        """The text after the colon if the line ``keywords_line`` matched is a keywords
        line, else ``None``."""
        if fold_header(match.group(1)) not in self.keywords:
            return None
        return match.string[match.end() :]


def header_key(header: str) -> str:
    """What a header is compared as: ``fold_header``, then trailing colons and space off."""
    return fold_header(header).rstrip(":").rstrip()


@lru_cache(maxsize=16)
def article_headers(points: tuple[str, ...] = (), keywords: tuple[str, ...] = ()) -> ArticleHeaders:
    """The headers of a site that adds ``points`` and ``keywords`` (``[format]`` in
    feedtool.toml) to the format's own; made once per process for each."""
    return ArticleHeaders(points, keywords)


DEFAULT_HEADERS = article_headers()


class Entry(NamedTuple):
    """One article, as parsed from its file.

    A named tuple: immutable, made and pickled at C speed (a build makes and sends 100,000
    of them between processes), and ``_replace`` gives a changed copy.
    """

    id: str
    title: str
    points: tuple[str, ...]
    summary: str
    paragraphs: tuple[str, ...]
    dropped: tuple[str, ...]
    categories: tuple[str, ...]
    published: datetime | None
    updated: datetime | None
    author: str | None
    link: str | None
    language: str | None
    source: str
    # Warnings found while parsing (removed characters, empty points ...); not content.
    warnings: tuple[Diagnostic, ...] = ()
    # Set when the dates came from the file itself (a Date:/Updated: line).
    dated_in_file: bool = False
    # SHA-256 of the file's bytes, set by the reader: what the incremental cache keys on.
    digest: str = ""
    # True when the entry is kept without its body (see ``without_body``).
    body_left_out: bool = False
    # The lead image's absolute http(s) URL (Image:) and its alt text (Image-Alt:).
    image: str | None = None
    image_alt: str | None = None


def without_body(entry: Entry) -> Entry:
    """The entry without its body (points, paragraphs, dropped lines): what a build keeps
    of each entry once its pieces are rendered, so that its memory does not grow with the
    articles' length. Its title and summary stay: they make its line in a listing.
    ``sources.read_body`` reads the body again."""
    return entry._replace(points=(), paragraphs=(), dropped=(), body_left_out=True)


def decode_entry(data: bytes, path: str) -> tuple[str, tuple[Diagnostic, ...]]:
    """Decode an article file's bytes to text with LF line ends and only XML-legal characters.

    UTF-8 (a BOM is dropped) unless a BOM says UTF-16; invalid UTF-8 raises ``EntryError``
    naming the byte offset and line.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            # surrogatepass lets a lone surrogate through to be removed with a warning below.
            text = data.decode("utf-16", errors="surrogatepass")
        except UnicodeDecodeError as error:
            raise EntryError(
                f"not valid UTF-16 at byte offset {error.start} ({error.reason})", path
            ) from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            offset = error.start
            # Count lines the way the decoded text will have them: CRLF, CR and LF each end one.
            before = data[:offset].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            line = before.count(b"\n") + 1
            raise EntryError(
                f"not valid UTF-8 at byte offset {offset} (byte 0x{data[offset]:02x}); "
                "save the file as UTF-8",
                path,
                line,
            ) from None
    return _remove_forbidden_characters(_normalize_line_ends(text), path)


def _normalize_line_ends(text: str) -> str:
    # CRLF first, so that it becomes one LF and not two.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _remove_forbidden_characters(text: str, path: str) -> tuple[str, tuple[Diagnostic, ...]]:
    if not _FORBIDDEN_CHARS.search(text):
        return text, ()
    warnings = []
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        found = _FORBIDDEN_CHARS.findall(line)
        if found:
            codes = ", ".join(sorted({f"U+{ord(char):04X}" for char in found}))
            warnings.append(
                Diagnostic(
                    "warning",
                    f"removed {len(found)} character(s) that XML forbids ({codes})",
                    path,
                    number,
                )
            )
            lines[number - 1] = _FORBIDDEN_CHARS.sub("", line)
    return "\n".join(lines), tuple(warnings)


def parse_entry(
    text: str,
    path: str,
    *,
    entry_id: str | None = None,
    timezone: tzinfo = UTC,
    headers: ArticleHeaders = DEFAULT_HEADERS,
    max_keywords: int = MAX_KEYWORDS,
) -> Entry:
    """Parse an article's text into an ``Entry``; raises ``EntryError`` naming path and line.

    ``entry_id`` defaults to the file's stem; dates without a zone are in ``timezone``.
    Dates the file does not state are left ``None`` for the reader of the folder to fill.
    ``headers`` are the points and keywords headers recognised (``article_headers``);
    more than ``max_keywords`` keywords is an error on the keywords line.
    """
    if not path.isascii():
        _check_path(path)
    # The rules decode_entry applies to a file's text apply to any text given here.
    text, warnings = _remove_forbidden_characters(_normalize_line_ends(text), path)
    return _parse_clean_text(text, list(warnings), path, entry_id, timezone, headers, max_keywords)


def _parse_clean_text(
    text: str,
    warnings: list[Diagnostic],
    path: str,
    entry_id: str | None,
    timezone: tzinfo,
    headers: ArticleHeaders,
    max_keywords: int = MAX_KEYWORDS,
) -> Entry:
    lines = text.split("\n")
    if BODY_PLACEHOLDER in text:  # one search of the text; the lines only when it is there
        warnings += _placeholder_warnings(lines, path)
    metadata, position = _read_metadata(lines, path, timezone)
    position = _skip_chrome(lines, position)
    dropped: list[str] = []
    if position < len(lines):
        title = _fold_space(lines[position])
        position += 1
        if "title" in metadata and title != metadata["title"]:
            # Title: overrides the title line; list the line as dropped so it is not lost unseen.
            dropped.append(title)
    elif "title" in metadata:
        # A Title: line is a title: an article need not repeat it below the metadata.
        title = metadata["title"]
    elif not text.strip():
        raise EntryError("the file is empty: an article needs at least a title line", path, 1)
    else:
        raise EntryError("no title: only metadata and page furniture", path, len(lines))

    blocks, keywords, keywords_line = _split_blocks(lines, position, headers)
    points: tuple[str, ...] = ()
    header = _find_points_header(blocks, headers)
    if header is not None:
        block_index, line_index = header
        header_block = blocks[block_index]
        header_line, _ = header_block[line_index]
        following = header_block[line_index + 1 :]
        end = block_index + 1
        if not following and end < len(blocks):
            # The usual shape: the header, blank lines, then the block of points.
            following = blocks[end]
            end += 1
        # The body is what follows the points; anything between the title and the points
        # (a byline, a caption) is not the article's content, but show lists it.
        before = blocks[:block_index]
        if line_index:
            before.append(header_block[:line_index])
        dropped.extend(_join_block(block) for block in before)
        del blocks[:end]
        points = tuple(p for p in (_strip_bullet(line) for _, line in following) if p)
        if not points:
            warnings.append(
                Diagnostic("warning", "points header with no points after it", path, header_line)
            )

    paragraphs = []
    for block in blocks:
        if len(block) == 1 and not block[0][1].endswith(_CLOSING_PUNCTUATION):
            dropped.append(_join_block(block))
        else:
            paragraphs.append(_join_block(block))

    categories = _parse_keywords(keywords)
    if len(categories) > max_keywords:
        raise EntryError(
            f"{len(categories)} keywords; at most {max_keywords} "
            "(raise it with --max-keywords or [build] max_keywords)",
            path,
            keywords_line,
        )
    summary = metadata.get("summary") or _summarize(points, paragraphs)
    entry_id = metadata.get("id") or entry_id or _stem(path)
    _check_id(entry_id, path, metadata.get("lines", {}).get("id"))
    return Entry(
        id=entry_id,
        title=metadata.get("title", title),
        points=points,
        summary=summary,
        paragraphs=tuple(paragraphs),
        dropped=tuple(dropped),
        categories=categories,
        published=metadata.get("published"),
        updated=metadata.get("updated"),
        author=metadata.get("author"),
        link=metadata.get("link"),
        language=metadata.get("language"),
        source=path,
        warnings=tuple(warnings),
        dated_in_file="published" in metadata or "updated" in metadata,
        image=metadata.get("image"),
        image_alt=metadata.get("image_alt"),
    )


def _placeholder_warnings(lines: list[str], path: str) -> list[Diagnostic]:
    message = "the placeholder line `feedtool new` wrote is still here: write the article"
    return [
        Diagnostic("warning", message, path, number)
        for number, line in enumerate(lines, start=1)
        if line.strip() == BODY_PLACEHOLDER
    ]


def _read_metadata(lines: list[str], path: str, timezone: tzinfo) -> tuple[dict, int]:
    """Read the optional ``Key: value`` block at the top; return it and the next line index."""
    position = _skip_blank(lines, 0)
    metadata: dict = {}
    while position < len(lines):
        match = _METADATA_LINE.match(lines[position])
        if not match or match.group(1).lower() not in METADATA_KEYS:
            break
        key = METADATA_KEYS[match.group(1).lower()]
        value = _fold_space(match.group(2))
        line_number = position + 1
        if key in metadata:
            # Date and Published (Link and URL) are one key under two names.
            raise EntryError(
                f"metadata {match.group(1)!r} given twice (line {metadata['lines'][key]})",
                path,
                line_number,
            )
        metadata.setdefault("lines", {})[key] = line_number
        if not value:
            raise EntryError(f"metadata {match.group(1)!r} has no value", path, line_number)
        if key in ("published", "updated"):
            metadata[key] = parse_date(value, timezone, path, line_number)
        elif key in ("link", "image"):
            if not _is_absolute_http_url(value):
                raise EntryError(
                    f"{key.capitalize()} must be an absolute http(s) URL, got {value!r}",
                    path,
                    line_number,
                )
            unsafe = _NOT_IN_URL.search(value)
            if unsafe:
                char = unsafe.group()
                raise EntryError(
                    f"Link {value!r} holds {char!r}, which no URL may hold: write it "
                    f"percent-encoded, {quote(char)}",
                    path,
                    line_number,
                )
            metadata[key] = value
        elif key == "language" and not is_language_tag(value):
            raise EntryError(
                f"Language must be a BCP 47 language tag such as en or fr-CA, got {value!r}",
                path,
                line_number,
            )
        else:
            metadata[key] = value
        position += 1
    if "image_alt" in metadata and "image" not in metadata:
        raise EntryError(
            "Image-Alt given without Image: add the image's URL on an Image: line, "
            "or remove this line",
            path,
            metadata["lines"]["image_alt"],
        )
    return metadata, position


def metadata_block(lines: list[str]) -> tuple[int, int, dict[str, int]]:
    """Where the metadata block of an article's lines is, as ``_read_metadata`` reads it:
    its first line, the line after it, and the line of each key by what it sets
    (``"published"`` for ``Date:`` and ``Published:``), all counted from 0."""
    start = position = _skip_blank(lines, 0)
    keys: dict[str, int] = {}
    while position < len(lines):
        match = _METADATA_LINE.match(lines[position])
        if not match or match.group(1).lower() not in METADATA_KEYS:
            break
        keys.setdefault(METADATA_KEYS[match.group(1).lower()], position)
        position += 1
    return start, position, keys


def _is_absolute_http_url(value: str) -> bool:
    if any(char.isspace() for char in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    # Schemes are case-insensitive (RFC 3986), so HTTPS://... is as good as https://...
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def parse_date(value: str, timezone: tzinfo, path: str, line: int | None) -> datetime:
    """Parse a date the way the format allows; a date with no zone is in ``timezone``."""
    unknown_zones: list[str] = []

    def zone(name: str | None, offset: int | None) -> tzinfo | None:
        # Left to itself dateutil reads a zone name it does not know ("EST") as no zone
        # (only warning), and one that matches this machine's zone as the machine's local
        # time: either way the instant would silently depend on where the build runs.
        if offset is not None:
            return date_tz.UTC if offset == 0 else date_tz.tzoffset(name, offset)
        if name is not None:
            unknown_zones.append(name)
        return None

    parsed = _parse_iso_date(value)
    try:
        if parsed is None:
            parsed = date_parser.parse(value, default=_DATE_DEFAULT, tzinfos=zone)
    # ArithmeticError: OverflowError for huge numbers, and decimal.InvalidOperation, which
    # dateutil lets out for seconds like "24:00100100100100000000000".
    except (ValueError, ArithmeticError) as error:
        # dateutil's own messages end in ": <the value>"; arithmetic ones say nothing useful.
        reason = str(error).split(":")[0] if isinstance(error, ValueError) else "out of range"
        raise EntryError(f"cannot read date {value!r}: {reason}", path, line) from None
    if unknown_zones:
        raise EntryError(
            f"cannot read date {value!r}: unknown time zone {unknown_zones[0]!r}; "
            "write an offset such as +02:00, or UTC",
            path,
            line,
        )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone)
    try:
        parsed.utcoffset()
        parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise EntryError(f"date {value!r} is out of range", path, line) from None
    return parsed


def _parse_iso_date(value: str) -> datetime | None:
    """The common ISO 8601 shapes, read without dateutil (it takes most of a parse's time)."""
    if not _ISO_DATE.match(value):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None  # dateutil gives the error its words


def _skip_blank(lines: list[str], position: int) -> int:
    while position < len(lines) and not lines[position].strip():
        position += 1
    return position


def _skip_chrome(lines: list[str], position: int) -> int:
    while position < len(lines):
        # Folded, so that "Share  this article" copied with a double space is chrome too.
        stripped = _fold_space(lines[position])
        if stripped and stripped.casefold() not in CHROME_LINES:
            return position
        position += 1
    return position


Block = list[tuple[int, str]]


def _split_blocks(
    lines: list[str], position: int, headers: ArticleHeaders
) -> tuple[list[Block], str | None, int | None]:
    """Split the lines after the title into blocks, stopping at the keywords line; the
    blocks, the text after the keywords header and the line number of that line."""
    blocks: list[Block] = []
    current: Block = []
    keywords = None
    keywords_line_number = None
    # Run on every line: two searches for a colon, the regex only on the lines that have
    # one, the rest of the test only on those the regex matches.
    keywords_line = headers.keywords_line.match
    for index in range(position, len(lines)):
        line = lines[index]
        if (":" in line or "\uff1a" in line) and (match := keywords_line(line)):
            keywords = headers.keywords_value(match)
            if keywords is not None:
                keywords_line_number = index + 1
                break
        if line.strip():
            current.append((index + 1, line.strip()))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks, keywords, keywords_line_number


def _find_points_header(blocks: list[Block], headers: ArticleHeaders) -> tuple[int, int] | None:
    """Where the first points header is: its block and its line within the block."""
    is_points_header = headers.is_points_header
    for block_index, block in enumerate(blocks):
        for line_index, (_, line) in enumerate(block):
            if is_points_header(line):
                return block_index, line_index
    return None


def _join_block(block: Block) -> str:
    # Lines of one block are soft wraps of one paragraph.
    return _fold_space(" ".join(line for _, line in block))


def _strip_bullet(line: str) -> str:
    return _fold_space(_BULLET.sub("", line.strip(), count=1))


def _parse_keywords(text: str | None) -> tuple[str, ...]:
    if text is None:
        return ()
    seen = set()
    categories = []
    # The regex only where it is needed: str.split is twice as fast, on every file.
    parts = _KEYWORD_SEPARATORS.split(text) if not text.isascii() else text.split(",")
    for part in parts:
        keyword = _fold_space(part)
        if keyword and keyword.casefold() not in seen:
            seen.add(keyword.casefold())
            categories.append(keyword)
    return tuple(categories)


def _summarize(points: tuple[str, ...], paragraphs: list[str]) -> str:
    """The summary: every point, one per line; else the first paragraph, shortened."""
    if points:
        return "\n".join(points)
    if not paragraphs:
        return ""
    return shorten(paragraphs[0], SUMMARY_LIMIT)


def shorten(text: str, limit: int) -> str:
    """Cut ``text`` at a word boundary to at most ``limit`` characters, ending in ``…``."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    # A space right after the cut makes the cut itself a word boundary: keep the last word.
    space = limit - 1 if text[limit - 1] == " " else cut.rfind(" ")
    if space > 0:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


def _fold_space(text: str) -> str:
    # str.split() splits on exactly the characters ``\s`` matches (str.isspace), and is
    # several times faster than a regex substitution: this runs on every line of every file.
    return " ".join(text.split())


def _stem(path: str) -> str:
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return name[:-4] if name.lower().endswith(".txt") else name


def _check_path(path: str) -> None:
    """Refuse a path with bytes that are not UTF-8: on Linux a name is any bytes, and
    Python hands the bad ones over as lone surrogates, which no URL, id or page can hold."""
    if not _SURROGATE.search(path):
        return
    parts = re.split(r"[/\\]", path)
    number, part = next((n, part) for n, part in enumerate(parts) if _SURROGATE.search(part))
    code = ord(_SURROGATE.findall(part)[0])
    byte = f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"U+{code:04X}"
    if number == len(parts) - 1:
        message = f"the file's name is not valid UTF-8 ({byte}): rename the file"
    else:
        message = (
            f"the name of its folder {printable_path(part)} is not valid UTF-8 ({byte}): "
            "rename the folder"
        )
    raise EntryError(message + " with a UTF-8 name", path)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_id(entry_id: str, path: str, line: int | None) -> None:
    # The id names the entry's page file and ends its tag: URI, so it must stay one
    # non-empty segment (a file named ".txt" has an empty stem).
    if entry_id in ("", ".", "..") or _UNSAFE_ID.search(entry_id) or entry_id != entry_id.strip():
        raise EntryError(
            f"id {entry_id!r} cannot name a page: use letters, digits, '-', '_' or '.'",
            path,
            line,
        )
