"""The article format, rule by rule, as ``docs/article-format.md`` states it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedtool._entry import (
    CHROME_LINES,
    DEFAULT_HEADERS,
    KEYWORDS_HEADERS,
    POINTS_HEADERS,
    Entry,
    article_headers,
    decode_entry,
    fold_header,
    header_key,
    parse_entry,
)
from feedtool._errors import EntryError

FIXTURES = Path(__file__).parent / "fixtures"
ENTRIES = FIXTURES / "entries"

# XML 1.0 forbids these; the parser must never hand one on.
FORBIDDEN = {chr(code) for code in range(0x20) if chr(code) not in "\t\n\r"} | {
    "\ufffe",
    "\uffff",
}


def parse(text: str, path: str = "entries/sample.txt", **options) -> Entry:
    return parse_entry(text, path, **options)


def read_fixture(path: Path) -> Entry:
    text, warnings = decode_entry(path.read_bytes(), str(path))
    assert warnings == ()
    return parse_entry(text, str(path))


def article(
    body: str = "A body paragraph that ends properly.", title: str = "A plain title"
) -> str:
    return f"{title}\n\n{body}\n"


def error_of(text: str, path: str = "entries/sample.txt", **options) -> EntryError:
    with pytest.raises(EntryError) as caught:
        parse(text, path, **options)
    return caught.value


# The real example -----------------------------------------------------------------------


def test_example_article_parses_exactly():
    entry = read_fixture(FIXTURES / "000_321062d5c858ef45.txt")

    assert entry.id == "000_321062d5c858ef45"
    assert entry.title == "Ukraine war: Russia forced to retreat, recalls troops from Kharkiv"
    assert entry.points == (
        "Russia has withdrawn its troops from eastern Ukraine to Kharkiv.",
        "Retaliation by Ukraine forced the Russian army to retreat to the region.",
        "Ukrainian soldiers have cut off a vital supply line to the Russian army.",
    )
    assert entry.summary == "\n".join(entry.points)
    assert entry.categories == ("russia ukraine war", "Ukraine")
    assert entry.dropped == (
        "Russian-Ukrainian war: India will lose billions of dollars from the "
        "Russian-Ukrainian war, know where and how much losses occur",
    )
    assert len(entry.paragraphs) == 3
    first, second, third = entry.paragraphs
    assert first.startswith("Moscow. The Russian Defense Ministry announced on Saturday")
    assert first.endswith("to seize the capital Kyiv at the start of the war.")
    assert "the country’s second largest city" in first
    assert second.startswith("Russian Defense Ministry spokesman Igor Konashenkov said")
    assert second.endswith("Then the Russian army had failed to capture the capital Kyiv.")
    assert third.startswith("While earlier on Saturday, Ukrainian officials claimed")
    assert third.endswith("would have a huge impact on Russian supply lines.")
    assert all("\n" not in paragraph and "  " not in paragraph for paragraph in entry.paragraphs)
    assert (entry.published, entry.updated, entry.author, entry.link) == (None, None, None, None)
    assert not entry.dated_in_file


# Files ----------------------------------------------------------------------------------


def test_id_is_the_file_stem():
    assert parse(article(), "entries/2026/03/tram-line.txt").id == "tram-line"


def test_entry_id_argument_overrides_stem():
    assert parse(article(), "entries/a.txt", entry_id="from-reader").id == "from-reader"


def test_file_with_empty_stem_is_error():
    error = error_of(article(), "entries/.txt")
    assert error.path == "entries/.txt"
    assert "id" in error.message


def test_utf8_bom_is_dropped():
    text, warnings = decode_entry(b"\xef\xbb\xbfTitle line\n\nBody.\n", "a.txt")
    assert text == "Title line\n\nBody.\n"
    assert warnings == ()
    assert parse_entry(text, "a.txt").title == "Title line"


def test_invalid_utf8_names_byte_offset():
    data = "Titel über\n\nZweite Zeile\n".encode() + b"ok \xff bad\n"
    offset = data.index(b"\xff")
    with pytest.raises(EntryError) as caught:
        decode_entry(data, "entries/latin.txt")
    assert caught.value.path == "entries/latin.txt"
    assert f"byte offset {offset}" in caught.value.message
    assert caught.value.line == 4


def test_invalid_utf8_line_counts_crlf_and_cr_line_ends():
    with pytest.raises(EntryError) as caught:
        decode_entry(b"one\r\ntwo\rthree\n\xc3(\n", "a.txt")
    assert caught.value.line == 4
    assert "byte offset 15" in caught.value.message


def test_utf16_with_bom_is_decoded():
    entry = read_fixture(ENTRIES / "utf16le_bom.txt")
    assert entry.title == "Straßenfest im Süden – mit Musik"
    assert entry.paragraphs == ("Das Fest beginnt am Samstag um 14 Uhr.",)
    assert entry.categories == ("Feste", "Süden")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom_is_decoded_in_either_byte_order(encoding):
    bom = "\ufeff".encode(encoding)
    text, _ = decode_entry(bom + "Grüße\r\n\r\nText.\r\n".encode(encoding), "a.txt")
    assert text == "Grüße\n\nText.\n"


def test_crlf_and_cr_become_lf():
    data = (ENTRIES / "windows_crlf.txt").read_bytes()
    assert b"\r\n" in data and b",\r" in data
    text, _ = decode_entry(data, "windows_crlf.txt")
    assert "\r" not in text
    entry = parse_entry(text, "windows_crlf.txt")
    assert entry.title == "Council approves new bike lanes"
    assert entry.points == ("Three streets get lanes.", "Work starts in May.")
    assert entry.paragraphs == ("The council voted 31 to 12 in favour, after a long debate.",)
    assert entry.categories == ("Cycling",)


def test_crlf_and_cr_become_lf_in_text_given_to_the_parser():
    entry = parse("Title\r\n\r\nStrong points\rOne.\r\nTwo.\r\rBody.\r")
    assert entry.points == ("One.", "Two.")
    assert entry.paragraphs == ("Body.",)


@pytest.mark.parametrize(
    "char", ["\x00", "\x01", "\x0b", "\x0c", "\x1b", "\x1f", "\ufffe", "\uffff"]
)
def test_xml_forbidden_characters_removed_with_warning_naming_line(char):
    data = f"Title\n\nClean line.\nBad{char} line.\n".encode("utf-8", errors="surrogatepass")
    text, warnings = decode_entry(data, "entries/bad.txt")
    assert text == "Title\n\nClean line.\nBad line.\n"
    assert len(warnings) == 1
    (warning,) = warnings
    assert (warning.level, warning.path, warning.line) == ("warning", "entries/bad.txt", 4)
    assert f"U+{ord(char):04X}" in warning.message


def test_lone_surrogate_removed_with_warning_naming_line():
    data = (
        b"\xff\xfe" + "Title\n\nA ".encode("utf-16-le") + b"\x00\xd8" + " b.\n".encode("utf-16-le")
    )
    text, warnings = decode_entry(data, "entries/u16.txt")
    assert text == "Title\n\nA  b.\n"
    assert [(w.path, w.line) for w in warnings] == [("entries/u16.txt", 3)]
    assert "U+D800" in warnings[0].message


def test_a_file_with_crlf_and_forbidden_characters_reads_as_its_text_parses():
    raw = "Ti\x0btle\r\n\r\nStrong points\r\nOne.\r\n\r\nBo\x00dy.\r\n"
    text, warnings = decode_entry(raw.encode(), "entries/a.txt")
    from_file = parse_entry(text, "entries/a.txt")
    from_text = parse_entry(raw, "entries/a.txt")
    assert (from_file.title, from_file.points, from_file.paragraphs) == (
        "Title",
        ("One.",),
        ("Body.",),
    )
    assert from_file == Entry(**{**vars_of(from_text), "warnings": ()})
    assert warnings == from_text.warnings


def vars_of(entry: Entry) -> dict:
    return entry._asdict()


def test_xml_forbidden_characters_removed_by_the_parser_too():
    entry = parse("Ti\x00tle\n\nLone \ud800 surrogate.\n")
    assert entry.title == "Title"
    assert entry.paragraphs == ("Lone surrogate.",)
    assert [w.line for w in entry.warnings] == [1, 3]


def test_tab_is_allowed_and_folded_like_space():
    text, warnings = decode_entry(b"Title\twith tab\n\nBody\tline.\n", "a.txt")
    assert warnings == ()
    assert parse_entry(text, "a.txt").title == "Title with tab"


# Metadata -------------------------------------------------------------------------------


def test_metadata_block_sets_every_field():
    entry = read_fixture(ENTRIES / "metadata_full.txt")
    assert entry.title == "Harbour ferry returns after winter repairs"
    assert entry.id == "harbour-ferry-2026"
    assert entry.published == datetime(2026, 4, 2, 8, 15, tzinfo=UTC)
    assert entry.updated == datetime(2026, 4, 3, 15, 0, tzinfo=UTC)
    assert entry.author == "Noor Haddad"
    assert entry.link == "https://news.example.org/harbour/ferry-returns"
    assert entry.summary == "The ferry is back, with a new timetable."
    assert entry.language == "en"
    assert entry.dated_in_file
    assert entry.points == (
        "The old ferry sails again from Monday.",
        "A new stop serves the island school.",
    )
    assert entry.categories == ("Harbour", "Ferries")


def test_metadata_keys_case_insensitive():
    entry = parse(
        "TITLE: Upper\nauthor: lower\nDaTe: 2026-01-02\nurl: https://a.example/x\n\nLine\n"
    )
    assert entry.title == "Upper"
    assert entry.author == "lower"
    assert entry.published == datetime(2026, 1, 2, tzinfo=UTC)
    assert entry.link == "https://a.example/x"


def test_metadata_value_is_trimmed_and_folded():
    assert parse("Author:   Ada    Lovelace   \n\nTitle\n").author == "Ada Lovelace"


def test_metadata_may_follow_leading_blank_lines():
    assert parse("\n\n  \nAuthor: Ada\n\nTitle\n").author == "Ada"


def test_metadata_block_ends_at_first_other_line():
    entry = parse("Author: Ada\n\nAuthor: Grace\n\nBody.\n")
    assert entry.author == "Ada"
    assert entry.title == "Author: Grace"


def test_metadata_only_at_the_top():
    entry = parse("A title\n\nDate: not a date at all\n")
    assert entry.published is None
    assert entry.dropped == ("Date: not a date at all",)


def test_line_with_unknown_key_is_the_title():
    entry = parse("Breaking: storm closes the harbour\n\nBody.\n")
    assert entry.title == "Breaking: storm closes the harbour"


def test_id_metadata_overrides_stem():
    entry = parse("Id: migrated-0042\n\nTitle\n", "entries/renamed.txt", entry_id="renamed")
    assert entry.id == "migrated-0042"


def test_published_is_the_same_key_as_date():
    entry = parse("Published: 2026-05-06 07:08:09+00:00\n\nTitle\n")
    assert entry.published == datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert entry.updated is None
    assert entry.dated_in_file


def test_updated_metadata():
    entry = parse("Updated: 7 June 2026 18:00 +0100\n\nTitle\n")
    assert entry.updated == datetime(2026, 6, 7, 17, 0, tzinfo=UTC)
    assert entry.published is None
    assert entry.dated_in_file


@pytest.mark.parametrize(
    "value",
    ["2026-03-14T09:30:00+02:00", "Sat, 14 Mar 2026 09:30:00 +0200", "14 March 2026 9:30 +02:00"],
)
def test_date_in_any_dateutil_format_keeps_its_offset(value):
    published = parse(f"Date: {value}\n\nTitle\n").published
    assert published == datetime(2026, 3, 14, 7, 30, tzinfo=UTC)
    assert published.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize(
    "value", ["2026-03-14 09:30 UTC", "2026-03-14T09:30Z", "2026-03-14 09:30 GMT"]
)
def test_date_in_utc_by_name(value):
    published = parse(f"Date: {value}\n\nTitle\n", timezone=ZoneInfo("Asia/Tokyo")).published
    assert published == datetime(2026, 3, 14, 9, 30, tzinfo=UTC)


def test_date_without_zone_uses_site_timezone():
    berlin = ZoneInfo("Europe/Berlin")
    entry = parse("Date: 2026-07-01 12:00\nUpdated: 2026-01-10 12:00\n\nT\n", timezone=berlin)
    assert entry.published == datetime(2026, 7, 1, 12, 0, tzinfo=berlin)
    assert entry.published.utcoffset() == timedelta(hours=2)
    assert entry.updated.utcoffset() == timedelta(hours=1)


def test_date_without_zone_defaults_to_utc():
    assert parse("Date: 2026-07-01 12:00\n\nT\n").published.tzinfo is UTC


def test_date_with_unknown_zone_name_is_error():
    # dateutil would read "EST" as no zone at all: 10:00 in the site's zone, silently wrong.
    error = error_of("Title: t\nDate: 2026-01-05 10:00 EST\n\nT\n", timezone=ZoneInfo("Asia/Tokyo"))
    assert error.line == 2
    assert "EST" in error.message


def test_date_does_not_depend_on_machine_time_zone(monkeypatch):
    # dateutil reads a zone name equal to time.tzname as the build machine's local zone.
    monkeypatch.setattr(time, "tzname", ("EST", "EDT"))
    error = error_of("Date: 2026-01-05 10:00 EST\n\nT\n")
    assert error.line == 1


def test_unparseable_date_is_error_with_line():
    error = error_of("Author: Ada\nDate: next Tuesdayish\n\nTitle\n", "entries/when.txt")
    assert (error.path, error.line) == ("entries/when.txt", 2)
    assert "next Tuesdayish" in error.message


def test_unparseable_updated_is_error_with_line():
    assert error_of("Updated: soon\n\nTitle\n").line == 1


@pytest.mark.parametrize(
    "value", ["24:0010010010010000000000000000000", "99999999999999999999", "1e400", "0000"]
)
def test_date_that_overflows_the_date_parser_is_error(value):
    # dateutil lets ArithmeticError (decimal.InvalidOperation, OverflowError) out for these.
    error = error_of(f"Author: A\nDate: {value}\n\nTitle\n")
    assert error.line == 2
    assert value in error.message


def test_impossible_date_is_error():
    error = error_of("\nDate: 2026-02-30\n\nTitle\n")
    assert error.line == 2
    assert "2026-02-30" in error.message


@pytest.mark.parametrize(
    "value", ["0001-01-01 00:00+05:00", "9999-12-31 23:00-05:00", "2026-01-01 10:00 +99:00"]
)
def test_out_of_range_date_is_error(value):
    assert error_of(f"Date: {value}\n\nTitle\n").line == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("March 2026", datetime(2026, 3, 1, tzinfo=UTC)),
        ("2026", datetime(2026, 1, 1, tzinfo=UTC)),
        ("10:30", datetime(2000, 1, 1, 10, 30, tzinfo=UTC)),
    ],
)
def test_partial_date_does_not_depend_on_today(value, expected):
    assert parse(f"Date: {value}\n\nTitle\n").published == expected


def test_title_metadata_overrides_title_line():
    entry = parse("Title: The clean title\n\nThe scraped title | Site name\n\nBody text.\n")
    assert entry.title == "The clean title"
    assert entry.paragraphs == ("Body text.",)
    # The replaced line is not content, but show lists it.
    assert entry.dropped == ("The scraped title | Site name",)


def test_title_metadata_equal_to_title_line_drops_nothing():
    entry = parse("Title: Same words\n\nSame words\n\nBody text.\n")
    assert entry.dropped == ()


def test_title_metadata_is_enough_for_a_title():
    entry = parse("Title: Only a title\nDate: 2026-01-01\n")
    assert entry.title == "Only a title"
    assert entry.paragraphs == ()


def test_summary_metadata_overrides_summary():
    entry = parse("Summary: Written by hand.\n\nTitle\n\nStrong points\nA point.\n")
    assert entry.points == ("A point.",)
    assert entry.summary == "Written by hand."


def test_link_and_url_metadata():
    assert parse("Link: http://a.example/x?y=1#z\n\nT\n").link == "http://a.example/x?y=1#z"
    assert parse("URL: HTTPS://Example.org/\n\nT\n").link == "HTTPS://Example.org/"


@pytest.mark.parametrize(
    "value",
    [
        "/entries/relative.html",
        "example.org/page",
        "//example.org/page",
        "ftp://example.org/file",
        "javascript:alert(1)",
        "mailto:desk@example.org",
        "https://",
        "https:///path-only",
        "https://exa mple.org/",
        "http://[::1",
    ],
)
def test_link_metadata_must_be_absolute_http_url(value):
    error = error_of(f"Title: t\nLink: {value}\n\nT\n")
    assert error.line == 2
    assert "http" in error.message


@pytest.mark.parametrize(
    ("value", "char", "encoded"),
    [
        ("https://e.org/a<b>", "<", "%3C"),
        ('https://e.org/"quoted"', '"', "%22"),
        ("https://e.org/{id}", "{", "%7B"),
        ("https://e.org/a|b", "|", "%7C"),
        ("https://e.org\\path", "\\", "%5C"),
        ("https://e.org/?q=a^b", "^", "%5E"),
        ("https://e.org/`cmd`", "`", "%60"),
        ("https://e.org/del\x7f", "\x7f", "%7F"),
    ],
)
def test_a_link_with_a_character_no_url_may_hold_is_an_error_on_its_line(value, char, encoded):
    # Each passed the parser once and failed the feeds' validator, named against rss.xml.
    error = error_of(f"Title: t\nLink: {value}\n\nT\n", "entries/x.txt")
    assert (error.path, error.line) == ("entries/x.txt", 2)
    assert error.message == (
        f"Link {value!r} holds {char!r}, which no URL may hold: write it percent-encoded, {encoded}"
    )


@pytest.mark.parametrize(
    "value",
    [
        "https://例え.jp/パス?検索=東京#見出し",  # an IRI: readers and the validator take it
        "https://e.org/" + "a" * 100_000,  # long, but a URL
        "https://e.org/%E6%9D%B1%E4%BA%AC",
        "http://[::1]:8080/x",
        "https://user@e.org/~me/",
    ],
)
def test_links_the_feeds_take_are_kept_as_written(value):
    assert parse(f"Link: {value}\n\nT\n").link == value


# What a Link: may be made of: the characters of URLs, the ones no URL may hold, spaces.
_link_tail = st.text(
    st.sampled_from([*"aZ09-._~:/?#[]@!$&'()*+,;=%", *'<>"{}|\\^`', " ", "\x7f", "é", "東"]),
    max_size=12,
)


@given(
    scheme=st.sampled_from(["http://", "https://", "HTTPS://", "ftp://", "https:", ""]),
    host=st.sampled_from(["e.org", "例え.jp", "[::1]", "[::1", "", "e.org:8080", "u@e.org"]),
    tail=_link_tail,
)
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_every_link_the_parser_takes_is_one_the_feeds_validator_takes(scheme, host, tail):
    from feedtool._validate.values import absolute_url_problem

    value = " ".join((scheme + host + tail).split())  # as a metadata line gives it
    if not value:
        return
    try:
        link = parse(f"Link: {value}\n\nT\n").link
    except EntryError as error:
        assert error.line == 1
        return
    assert absolute_url_problem(link) is None, link


@pytest.mark.parametrize("value", ["../escape", "a/b", "..", ".", "a\\b", "dir/../up"])
def test_unsafe_id_is_error(value):
    error = error_of(f"Date: 2026-01-01\nId: {value}\n\nTitle\n", "entries/x.txt")
    assert (error.path, error.line) == ("entries/x.txt", 2)


@pytest.mark.parametrize(
    "text",
    [
        "Date: 2026-01-01\ndate: 2026-01-02\n\nT\n",
        "Date: 2026-01-01\nPublished: 2026-01-02\n\nT\n",
        "Link: https://a.example/\nURL: https://b.example/\n\nT\n",
        "Author: A\nTitle: t\nAUTHOR: B\n\nT\n",
    ],
)
def test_duplicate_metadata_key_is_error(text):
    error = error_of(text)
    assert error.line == text.count("\n", 0, text.index("\n\n")) + 1
    assert "twice" in error.message


def test_empty_metadata_value_is_error():
    assert error_of("Author: Ada\nTitle:   \n\nT\n").line == 2


# Site chrome ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "chrome",
    [
        "Connect with us",
        "Follow us",
        "Share",
        "Share this article",
        "Advertisement",
        "Subscribe",
        "Skip to content",
        "Menu",
    ],
)
@pytest.mark.parametrize("spelling", [str, str.upper, str.lower, lambda s: f"  {s}  "])
def test_chrome_line_before_title_is_dropped(chrome, spelling):
    entry = parse(f"{spelling(chrome)}\n\n{spelling(chrome)}\nReal title\n\nBody.\n")
    assert entry.title == "Real title"


def test_chrome_list_has_the_documented_lines():
    documented = {"connect with us", "follow us", "share", "share this article", "advertisement"}
    documented |= {"subscribe", "skip to content", "menu"}
    assert documented <= CHROME_LINES


def test_chrome_line_with_doubled_space_is_dropped():
    assert parse("Share  this   article\nReal title\n").title == "Real title"


def test_chrome_after_metadata_is_dropped():
    assert parse("Author: Ada\nMenu\nSubscribe\n\nReal title\n").title == "Real title"


def test_chrome_must_be_the_whole_line():
    assert parse("Share this article with a friend\n").title == "Share this article with a friend"


def test_chrome_after_title_is_not_title_chrome():
    entry = parse("Real title\n\nShare\n\nBody.\n")
    assert entry.dropped == ("Share",)


# Title ----------------------------------------------------------------------------------


def test_title_is_first_real_line():
    entry = parse("\n\n   Spaced    out   title  \nSecond line.\n")
    assert entry.title == "Spaced out title"
    assert entry.paragraphs == ("Second line.",)


def test_no_title_is_error():
    error = error_of("Date: 2026-01-01\nAuthor: Ada\n\nConnect with us\nMenu\n\n", "e/x.txt")
    assert error.path == "e/x.txt"
    assert error.line is not None
    assert "title" in error.message


@pytest.mark.parametrize("text", ["", "\n", "\n\n\n", "   ", " \t \n \n\t", "\r\n\r\n", "\x00\x01"])
def test_empty_or_whitespace_only_file_is_error(text):
    error = error_of(text, "entries/empty.txt")
    assert (error.path, error.line) == ("entries/empty.txt", 1)
    assert "empty" in error.message


def test_empty_file_bytes_is_error():
    text, _ = decode_entry(b"\xef\xbb\xbf", "entries/bom-only.txt")
    assert "empty" in error_of(text).message


# Points ---------------------------------------------------------------------------------


HEADER_SPELLINGS = ["Strong points", "Highlights", "Key points", "Key highlights", "Key takeaways"]
HEADER_SPELLINGS += ["Points forts", "À retenir", "Das Wichtigste", "Puntos clave"]
HEADER_SPELLINGS += ["Punti chiave", "Pontos principais", "要点"]


def test_points_headers_of_every_language_are_built_in():
    assert {header.casefold() for header in HEADER_SPELLINGS} <= POINTS_HEADERS


@pytest.mark.parametrize("header", HEADER_SPELLINGS)
@pytest.mark.parametrize(
    "spelling",
    [
        "{}",
        "{}:",
        "{} :",
        "  {}:  ",
        "\t{}\t",
    ],
)
@pytest.mark.parametrize("case", [str, str.lower, str.upper, str.title])
def test_points_header_spellings_with_and_without_colon_and_case(header, spelling, case):
    entry = parse(
        f"Title\n\n{spelling.format(case(header))}\nFirst point.\nSecond point\n\nBody.\n"
    )
    assert entry.points == ("First point.", "Second point")
    assert entry.paragraphs == ("Body.",)


def test_points_header_must_be_the_whole_line():
    entry = parse("Title\n\nStrong points of the plan\nA line.\n")
    assert entry.points == ()
    assert entry.paragraphs == ("Strong points of the plan A line.",)
    entry = parse("Titre\n\nPoints forts de la saison\nUne ligne.\n")
    assert entry.points == ()


@pytest.mark.parametrize("header", sorted(POINTS_HEADERS))
def test_every_points_header_starts_the_points(header):
    entry = parse(f"Title\n\n{header.upper()}\n\n- First point.\n- Second point\n\nBody.\n")
    assert entry.points == ("First point.", "Second point")
    assert entry.paragraphs == ("Body.",)


@pytest.mark.parametrize(
    "spelling",
    [
        "A retenir",  # the accent left out
        "a RETENIR:",
        "A\u0300 retenir",  # the accent as a combining mark (NFD text)
        "Points cles",
        "Points  clés",  # a run of space
        "Lo mas importante",
        "Das Wichtigste in Kurze",
        "Ce qu’il faut retenir",  # the typographic apostrophe
        "L’ESSENTIEL",
        "Points forts :",  # French typography: a space before the colon
        "Points forts\u00a0:",  # ... a no-break space
        "Points forts\u202f:",  # ... a narrow no-break space
        "Pontos-chave",
        "Pontos\u2011chave",  # a non-breaking hyphen
        "Ｈｉｇｈｌｉｇｈｔｓ",  # full-width letters
        "要点：",  # the full-width colon
        "ﾎﾟｲﾝﾄ",  # half-width katakana
        "Hìghlìghts",  # an accent the header does not have
    ],
)
def test_points_headers_match_in_any_case_with_or_without_accents(spelling):
    entry = parse(f"Titre\n\n{spelling}\n\nUn.\nDeux.\n\nCorps.\n")
    assert entry.points == ("Un.", "Deux.")
    assert entry.paragraphs == ("Corps.",)


@pytest.mark.parametrize(
    "line", ["Claves del partido", "Das Wichtigste zuerst", "Summary", "En bref", "ポイントカード"]
)
def test_lines_near_a_header_are_not_headers(line):
    entry = parse(f"Title\n\n{line}\n\nOne.\nTwo.\n")
    assert entry.points == ()


def test_blank_lines_after_points_header_are_skipped():
    entry = parse("Title\n\nKey points\n\n\n   \n\nOne.\nTwo.\n\nBody.\n")
    assert entry.points == ("One.", "Two.")
    assert entry.paragraphs == ("Body.",)


def test_points_are_the_next_block_only():
    entry = parse("Title\n\nHighlights\nOne.\n\nTwo is body.\n")
    assert entry.points == ("One.",)
    assert entry.paragraphs == ("Two is body.",)


def test_points_are_one_per_line_not_soft_wrapped():
    entry = parse("Title\n\nHighlights\n\n  One  point  \nAnother point\n")
    assert entry.points == ("One point", "Another point")


@pytest.mark.parametrize(
    "marker", ["-", "*", "•", "·", "・", "･", "–", "—", "1.", "1)", "12.", "3)"]
)
def test_points_drop_leading_bullet_markers(marker):
    entry = parse(f"Title\n\nStrong points\n\n{marker} Bulleted point.\n{marker}  Second.\n")
    assert entry.points == ("Bulleted point.", "Second.")


def test_points_drop_leading_bullet_markers_of_every_kind_in_one_list():
    entry = read_fixture(ENTRIES / "bulleted_points.txt")
    assert entry.points == (
        "The main reading room stays open until midnight.",
        "Study rooms can be booked a week ahead.",
        "Printing is free for students with a card.",
        "The café opens an hour earlier.",
        "Lockers are available on the ground floor.",
        "Quiet zones are marked in green.",
        "Staff will answer questions in the lobby.",
        "The changes last until the end of June.",
        "1.5 million books are now in the open stacks.",
    )
    assert entry.categories == ("Libraries", "Education")


@pytest.mark.parametrize(
    "point",
    [
        "1.5 million people voted.",
        "2026 was a dry year.",
        "10,000 trees were planted.",
        "3D printers arrive in schools.",
        "-5 degrees is expected tonight.",
        "*Asterisked* word first.",
    ],
)
def test_number_at_point_start_is_not_a_bullet(point):
    assert parse(f"Title\n\nHighlights\n{point}\n").points == (point,)


def test_bullet_marker_is_removed_once():
    assert parse("Title\n\nHighlights\n- - nested dash\n").points == ("- nested dash",)


def test_bullet_only_line_is_not_a_point():
    assert parse("Title\n\nHighlights\n-\nReal point.\n").points == ("Real point.",)


def test_points_header_with_no_points_warns():
    entry = parse("Title\n\nStrong points\n\nKeywords: a\n", "entries/p.txt")
    assert entry.points == ()
    assert [(w.level, w.path, w.line) for w in entry.warnings] == [("warning", "entries/p.txt", 3)]


def test_blocks_between_title_and_points_are_not_body():
    # The body is "the blocks between the points and the keywords line"; what sits between
    # the title and the points (a byline, a caption) is listed as dropped, not published.
    entry = parse("Title\n\nPhoto: Reuters.\n\nBy A. Writer\nStrong points\nOne.\n\nBody.\n")
    assert entry.points == ("One.",)
    assert entry.paragraphs == ("Body.",)
    assert entry.dropped == ("Photo: Reuters.", "By A. Writer")


def test_only_first_points_header_starts_points():
    entry = parse("Title\n\nHighlights\nOne.\n\nBody.\n\nHighlights\nNot a point.\n")
    assert entry.points == ("One.",)
    assert entry.paragraphs == ("Body.", "Highlights Not a point.")


# Summary --------------------------------------------------------------------------------


def test_summary_is_built_from_points():
    entry = parse("Title\n\nStrong points\n- One.\n- Two.\n- Three.\n\nA first paragraph.\n")
    assert entry.summary == "One.\nTwo.\nThree."


def test_summary_without_points_is_first_paragraph():
    entry = parse("Title\n\nA teaser line\n\nFirst paragraph,\nwrapped.\n\nSecond one.\n")
    assert entry.summary == "First paragraph, wrapped."


def test_summary_from_first_paragraph_is_shortened_at_word_boundary():
    entry = read_fixture(ENTRIES / "no_points.txt")
    paragraph = entry.paragraphs[0]
    assert len(paragraph) > 300
    assert entry.summary.endswith("…")
    assert len(entry.summary) <= 300
    kept = entry.summary[:-1]
    assert paragraph.startswith(kept)
    assert paragraph[len(kept)] == " "
    # At a word boundary, and no shorter than it has to be: the next word would not fit.
    next_word_end = paragraph.find(" ", len(kept) + 1)
    assert next_word_end == -1 or next_word_end + 1 > 300


@pytest.mark.parametrize("length", [299, 300, 301, 305])
def test_summary_shortening_keeps_whole_words_up_to_300(length):
    words = ("word " * 100)[: length - 1] + "x"
    paragraph = " ".join(words.split())
    entry = parse(f"Title\n\n{paragraph}.\n")
    source = entry.paragraphs[0]
    if len(source) <= 300:
        assert entry.summary == source
    else:
        assert len(entry.summary) <= 300
        assert entry.summary.endswith("…")
        assert source.startswith(entry.summary[:-1] + " ")


def test_summary_cut_exactly_before_a_space_keeps_the_last_word():
    paragraph = "a" * 294 + " word " + "tail " * 10
    summary = parse(f"Title\n\n{paragraph.strip()}\nend.\n").summary
    assert summary == "a" * 294 + " word…"


def test_summary_of_one_long_word_is_cut_inside_it():
    summary = parse("Title\n\n" + "長" * 400 + "。\n").summary
    assert summary == "長" * 299 + "…"


def test_summary_empty_without_points_or_paragraphs():
    assert parse("Only a title\n").summary == ""


# Body -----------------------------------------------------------------------------------


def test_soft_wrapped_lines_joined_with_a_space():
    entry = parse("Title\n\nThe first line\n   continues here\nand ends here.\n")
    assert entry.paragraphs == ("The first line continues here and ends here.",)


def test_body_is_one_paragraph_per_block_up_to_keywords():
    entry = read_fixture(ENTRIES / "no_points.txt")
    assert [paragraph.split()[0] for paragraph in entry.paragraphs] == [
        "About",
        "Cormorants",
        "The",
    ]
    assert entry.paragraphs[-1] == "The results will be published in March."
    assert entry.dropped == ("Read more: the mill restoration plan",)


@pytest.mark.parametrize("closing", list(".!?…\"”’')]:"))
def test_one_line_block_with_closing_punctuation_is_a_paragraph(closing):
    line = f"A single line that ends{closing}"
    entry = parse(f"Title\n\n{line}\n\nAnother paragraph.\n")
    assert entry.paragraphs == (line, "Another paragraph.")
    assert entry.dropped == ()


@pytest.mark.parametrize("ending", ["word", "2026", "—", ";", ",", "-", "»»x", "😀"])
def test_one_line_block_without_closing_punctuation_is_teaser(ending):
    line = f"Another article {ending}"
    entry = parse(f"Title\n\nFirst paragraph.\n\n{line}\n\nLast paragraph.\n")
    assert entry.paragraphs == ("First paragraph.", "Last paragraph.")
    assert entry.dropped == (line,)


def test_teaser_rule_ignores_trailing_space():
    assert parse("Title\n\nEnds with a stop.   \n").paragraphs == ("Ends with a stop.",)


@pytest.mark.parametrize(
    "line", ["今天的会议结束了。", "这是真的吗？", "「引用」", "C’est fini. »", "„Gut.“"]
)
def test_one_line_block_ending_in_cjk_or_quote_mark_is_a_paragraph(line):
    # Beyond the document's list: the same marks in CJK and French/German typography.
    assert parse(f"Title\n\n{line}\n").paragraphs == (line,)


def test_multi_line_blocks_are_never_teasers():
    entry = parse("Title\n\nNo punctuation here\nnor here\n")
    assert entry.paragraphs == ("No punctuation here nor here",)
    assert entry.dropped == ()


# Keywords -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    ["Key words", "Keywords", "Tags", "Topics", "KEY WORDS", "key words", "keywords", "TAGS"]
    + ["topics", "Key  words", "  Tags ", "Tags\t"],
)
def test_keywords_headers(header):
    entry = parse(f"Title\n\nBody.\n\n{header}: Alpha, Beta\n")
    assert entry.categories == ("Alpha", "Beta")
    assert entry.paragraphs == ("Body.",)


@pytest.mark.parametrize("header", KEYWORDS_HEADERS)
def test_every_keywords_header_gives_the_keywords(header):
    entry = parse(f"Title\n\nBody.\n\n{header.upper()}: Alpha, Beta\n")
    assert entry.categories == ("Alpha", "Beta")
    assert entry.paragraphs == ("Body.",)


@pytest.mark.parametrize(
    "line",
    [
        "Mots-clés : Alpha, Beta",  # French typography
        "Mots-cles: Alpha, Beta",
        "MOTS CLÉS\u00a0: Alpha, Beta",
        "Mots-cle\u0301s: Alpha, Beta",  # NFD
        "Schlagworter: Alpha, Beta",
        "Schlagwörter:Alpha,Beta",
        "  Palabras   clave : Alpha, Beta",
        "Palavras‑chave: Alpha, Beta",  # a non-breaking hyphen
        "Etiquetás: Alpha, Beta",
        "キーワード：Alpha、Beta",
        "タグ: Alpha，Beta",
        "Ｔａｇｓ：Alpha, Beta",
    ],
)
def test_keywords_headers_match_in_any_case_with_or_without_accents(line):
    entry = parse(f"Titre\n\nCorps.\n\n{line}\n\nPartager\n")
    assert entry.categories == ("Alpha", "Beta")
    assert entry.paragraphs == ("Corps.",)
    assert entry.dropped == ()


@pytest.mark.parametrize(
    "line",
    [
        "Tagline: a new slogan.",
        "Temas de hoy: la reunión del consejo.",
        "Tag und Nacht: die Bahn fährt.",
        "Note: the council meets today.",
        "Tags and more: Alpha.",
        "タグ付け：東京。",
    ],
)
def test_lines_that_start_like_a_keywords_header_are_text(line):
    entry = parse(f"Title\n\n{line}\n")
    assert entry.categories == ()
    assert entry.paragraphs == (line,)


def test_keywords_header_words_may_have_any_run_of_space_between_them():
    line = "Key" + " " * 200 + "words\t\t: Alpha"
    assert parse(f"Title\n\nBody.\n\n{line}\n").categories == ("Alpha",)


def test_a_long_line_with_a_late_colon_is_checked_quickly_and_is_text():
    line = "word " * 20_000 + ": Alpha"
    started = time.perf_counter()
    entry = parse(f"Title\n\n{line}\n" * 20)
    assert time.perf_counter() - started < 1.0
    assert entry.categories == ()


def test_japanese_keywords_split_at_ideographic_and_full_width_commas():
    entry = parse("タイトル\n\n本文です。\n\nキーワード：東京、経済，  大阪 , 東京\n")
    assert entry.categories == ("東京", "経済", "大阪")


def test_a_japanese_article_with_english_headers_parses():
    entry = parse(
        "Date: 2026-04-01 09:00+09:00\nLanguage: ja\n\n東京で新しい路線が開業\n\n"
        "Strong points\n\n・新路線は東京駅と空港を結ぶ。\n・朝は六分おきに運行する。\n\n"
        "開業初日には多くの利用者が集まった。\n\n関連記事のタイトル\n\n"
        "Key words: 交通、東京\n"
    )
    assert entry.title == "東京で新しい路線が開業"
    assert entry.points == ("新路線は東京駅と空港を結ぶ。", "朝は六分おきに運行する。")
    assert entry.paragraphs == ("開業初日には多くの利用者が集まった。",)
    assert entry.dropped == ("関連記事のタイトル",)
    assert entry.categories == ("交通", "東京")
    assert entry.language == "ja"


def test_a_site_adds_headers_of_its_own():
    text = "Title\n\nEn bref\n\nOne.\nTwo.\n\nBody.\n\nRubriques : Alpha, Beta\n"
    plain = parse(text)
    assert plain.points == () and plain.categories == ()
    headers = article_headers(("En bref",), ("Rubriques:",))
    entry = parse(text, headers=headers)
    assert entry.points == ("One.", "Two.")
    assert entry.categories == ("Alpha", "Beta")
    # Matched as the built-in ones are, which still work beside them.
    assert parse("T\n\nEN BREF\n\nOne.\n", headers=headers).points == ("One.",)
    assert parse("T\n\nPoints forts\n\nOne.\n", headers=headers).points == ("One.",)
    # Made once for each set of settings.
    assert article_headers(("En bref",), ("Rubriques:",)) is headers
    assert article_headers() is DEFAULT_HEADERS


def test_header_keys_fold_case_accents_space_and_trailing_colons():
    assert header_key("  Mots-Clés :: ") == "mots-cles"
    assert header_key("À\u00a0RETENIR") == "a retenir"
    assert header_key("キーワード：") == "キーワード"  # voiced kana keep their mark
    assert fold_header("Straße") == "strasse"


def test_keywords_line_needs_a_colon():
    entry = parse("Title\n\nTags are what we use.\n")
    assert entry.categories == ()
    assert entry.paragraphs == ("Tags are what we use.",)


def test_keywords_line_needs_a_known_header():
    entry = parse("Title\n\nLabels: Alpha, Beta\n")
    assert entry.categories == ()
    assert entry.dropped == ("Labels: Alpha, Beta",)


def test_keywords_are_split_on_commas_trimmed_and_inner_space_folded():
    entry = parse("Title\n\nKeywords:  city   council ,\tpublic\t\ttransport,trams  \n")
    assert entry.categories == ("city council", "public transport", "trams")


def test_empty_keyword_parts_are_dropped():
    entry = parse("Title\n\nKey words:, , Alpha,,   ,Beta,\n")
    assert entry.categories == ("Alpha", "Beta")


def test_duplicate_keywords_merged_ignoring_case_keeping_first_spelling():
    entry = parse("Title\n\nTags: Café, transit, CAFÉ, Transit, café , Straße, STRASSE\n")
    assert entry.categories == ("Café", "transit", "Straße")


def test_keywords_keep_their_order():
    assert parse("T\n\nTopics: zeta, alpha, Mu\n").categories == ("zeta", "alpha", "Mu")


def test_lines_after_keywords_line_are_ignored():
    entry = read_fixture(ENTRIES / "no_points.txt")
    assert entry.categories == ("Birds", "Rivers", "Volunteers")
    assert all("Related" not in text for text in entry.paragraphs + entry.dropped)
    entry = parse("T\n\nBody.\n\nTags: a\nTags: b\n\nMore text after.\n")
    assert entry.categories == ("a",)
    assert entry.paragraphs == ("Body.",)


def test_keywords_line_ends_the_points_too():
    entry = parse("T\n\nHighlights\nOne.\nTags: a, b\nNot a point.\n")
    assert entry.points == ("One.",)
    assert entry.categories == ("a", "b")


def test_no_keywords_no_categories():
    entry = parse("Title\n\nStrong points\nOne.\n\nBody.\n")
    assert entry.categories == ()


def test_empty_keywords_line_no_categories():
    assert parse("Title\n\nBody.\n\nKey words:, ,\n").categories == ()


def test_more_keywords_than_the_limit_is_an_error_on_the_keywords_line():
    keywords = ", ".join(f"topic {number}" for number in range(1500))
    text = f"Date: 2026-01-01\n\nTitle\n\nBody.\n\nKey words:, {keywords}\n"
    with pytest.raises(EntryError) as raised:
        parse(text, "entries/x.txt")
    assert str(raised.value) == (
        "entries/x.txt:7: error: 1500 keywords; at most 30 "
        "(raise it with --max-keywords or [build] max_keywords)"
    )


def test_the_keyword_limit_counts_keywords_once_merged_and_is_inclusive():
    thirty = [f"Topic {number}" for number in range(30)]
    # The same 30 keywords, some repeated in another case: 30 categories, allowed.
    text = "Title\n\nBody.\n\nTags: " + ", ".join(thirty + ["topic 0", "TOPIC 29", ""])
    assert parse(text).categories == tuple(thirty)
    with pytest.raises(EntryError) as raised:
        parse(text + ", Topic 30")
    assert raised.value.message.startswith("31 keywords; at most 30 ")
    assert raised.value.line == 5


def test_the_keyword_limit_is_the_callers_to_set():
    text = "Title\n\nBody.\n\nTags: a, b, c\n"
    assert parse(text, max_keywords=3).categories == ("a", "b", "c")
    with pytest.raises(EntryError, match="3 keywords; at most 2"):
        parse(text, max_keywords=2)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        # os.listdir gives the byte 0xe9 of a Latin-1 name as the lone surrogate U+DCE9.
        ("entries/caf\udce9.txt", "the file's name is not valid UTF-8 (byte 0xe9)"),
        ("entries/\udcff/a.txt", "the name of its folder \\xff is not valid UTF-8 (byte 0xff)"),
    ],
)
def test_a_path_that_is_not_utf8_is_an_error_naming_the_byte(path: str, message: str):
    with pytest.raises(EntryError) as raised:
        parse("Title\n\nBody.\n", path, entry_id="x")
    assert raised.value.message.startswith(message) and raised.value.path == path
    # Printed with the bad byte written \xe9: a lone surrogate cannot be printed.
    assert str(raised.value).encode("utf-8")


# Hostile and international text ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "مرحبا بالعالم",  # right to left
        "שלום עולם",
        "e\u0301te\u0301 cafe\u0301 n\u0303",  # combining marks, not precomposed
        "Z\u0351\u0352\u0353a\u0354\u0355lgo",
        "👩🏽‍🚀 launches 🚀 and 🇺🇦 flags",
        "東京の天気は晴れ",
        "한국어 텍스트",
        "\u200fmixed עברית and English\u200e",
    ],
)
def test_scripts_are_preserved_exactly(text):
    source = f"{text}\n\nStrong points\n- {text}\n\n{text}\nsecond line\n\nTags: {text}, x\n"
    entry = parse(source)
    assert entry.title == text.strip()
    assert entry.points == (text.strip(),)
    assert entry.paragraphs == (f"{text.strip()} second line",)
    assert entry.categories == (text.strip(), "x")


def test_scripts_survive_utf8_decoding_unnormalized():
    data = "e\u0301\n\nTags: e\u0301, \u00e9\n".encode()
    text, _ = decode_entry(data, "a.txt")
    entry = parse_entry(text, "a.txt")
    assert entry.title == "e\u0301"
    # Decomposed and precomposed spellings are different strings: no silent normalization.
    assert entry.categories == ("e\u0301", "\u00e9")


def test_markup_kept_literally_escaping_is_the_renderers_job():
    entry = read_fixture(ENTRIES / "hostile_markup.txt")
    assert entry.title == '<script>alert("title")</script> & friends ]]> </p>'
    assert entry.points == (
        "Points may say <b>bold</b> & mean it ]]>",
        "A closing </p> tag stays text.",
    )
    assert entry.paragraphs == (
        "Body text with <script>alert(1)</script>, an ampersand & a CDATA end ]]> and </p> inside.",
    )
    assert entry.categories == ("<script>", "R&D", "]]>", "</p>")


def test_long_line_with_space_runs_parses_quickly():
    # A metadata-looking line with long inner runs of space once made the parser backtrack
    # quadratically (seconds for 20,000 spaces, minutes for 100,000).
    line = "Title: x" + " " * 100_000 + "y" + " " * 100_000 + "z"
    started = time.perf_counter()
    entry = parse(f"{line}\n\nBody.\n")
    assert time.perf_counter() - started < 2
    assert entry.title == "x y z"


HEADER_LINES = [
    "",
    " ",
    "\t",
    "Title: A title",
    "Title:",
    "Id: ok-id",
    "Id: ../escape",
    "Date: 2026-01-02",
    "Date: 2026-02-30",
    "Date: 10:00 EST",
    "Date: 0001-01-01 00:00+05:00",
    "Updated: 99999999999999999999",
    "Updated: 24:0010010010010000000000000000000",
    "Link: https://example.org/",
    "Link: nope",
    "URL: http://[::1",
    "Summary: s",
    "Language: en",
    "Author: A",
    "Connect with us",
    "Menu",
    "Strong points",
    "Highlights:",
    "- ",
    "1) ",
    "• point",
    "Key words:, a, A, ,",
    "Tags:",
    "Topics: x",
    "\r",
    "\r\n",
    "\x00",
    "\ud800",
    "\ufeff",
    "\u2028",
    "\x85",
]

any_character = st.characters(codec=None, exclude_categories=())
any_line = st.one_of(st.sampled_from(HEADER_LINES), st.text(any_character, max_size=30))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(any_character),
        st.lists(any_line, max_size=25).map("\n".join),
        st.lists(st.sampled_from(HEADER_LINES), max_size=25).map("\n".join),
    ),
    st.sampled_from(["entries/x.txt", ".txt", "a/b/..txt", "entries/ok"]),
)
def test_any_text_parses_or_raises_entry_error(text, path):
    try:
        entry = parse_entry(text, path, timezone=ZoneInfo("America/New_York"))
    except EntryError as error:
        assert error.path == path
        assert error.message
        return
    assert isinstance(entry, Entry)
    assert entry.title and entry.title == entry.title.strip()
    one_line = [entry.title, *entry.points, *entry.paragraphs, *entry.categories, *entry.dropped]
    assert not any("\n" in value or "\r" in value for value in one_line)
    for value in [*one_line, entry.summary]:
        assert not FORBIDDEN & set(value)
        assert not any("\ud800" <= char <= "\udfff" for char in value)
    assert all(entry.points) and all(entry.paragraphs) and all(entry.categories)
    assert len({category.casefold() for category in entry.categories}) == len(entry.categories)
    if entry.published is not None:
        entry.published.astimezone(UTC)


@settings(max_examples=300, deadline=None)
@given(st.binary())
def test_any_bytes_decode_and_parse_or_raise_entry_error(data):
    try:
        text, _ = decode_entry(data, "entries/x.txt")
        parse_entry(text, "entries/x.txt")
    except EntryError as error:
        assert error.path == "entries/x.txt"


def _folded(text: str) -> str:
    return " ".join(text.split())


# Words without ':' or ',' so that no generated line can look like metadata or a keyword
# separator; letters first so that no point starts with a bullet marker.
word = st.text(
    st.characters(categories=("L", "N"), exclude_characters="\x85"), min_size=1, max_size=8
)
sentence = st.lists(word, min_size=1, max_size=6).map(" ".join)
safe_line = st.tuples(
    st.characters(categories=("L",)), sentence, st.sampled_from(["", ".", "!", "?", " 1.5"])
).map(lambda parts: f"{parts[0]}{parts[1]}{parts[2]}")


def _not_a_line_of_its_own(line: str) -> bool:
    return line.casefold() not in CHROME_LINES and not DEFAULT_HEADERS.is_points_header(line)


@settings(max_examples=300, deadline=None)
@given(
    title=safe_line.filter(_not_a_line_of_its_own),
    points=st.lists(
        safe_line.filter(lambda p: not DEFAULT_HEADERS.is_points_header(p)), min_size=1
    ),
    bullet=st.sampled_from(["", "- ", "* ", "• ", "·", "– ", "— ", "1. ", "9) "]),
    keywords=st.lists(sentence, unique_by=str.casefold, max_size=6),
    header=st.sampled_from(HEADER_SPELLINGS),
    noise=st.sampled_from(["", "Connect with us\n\n", "Date: 2026-01-01\n\nMenu\n"]),
)
def test_points_title_and_categories_round_trip(title, points, bullet, keywords, header, noise):
    assert all(_folded(part) == part for part in [title, *points, *keywords])
    text = (
        f"{noise}{title}\n\n{header}:\n\n"
        + "\n".join(f"{bullet}{point}" for point in points)
        + "\n\nA body paragraph, as usual.\n\nTeaser line\n\n"
        + ("Key words:, " + " ,  ".join(keywords) if keywords else "")
        + "\n"
    )
    entry = parse(text)
    assert entry.title == title
    assert entry.points == tuple(points)
    assert entry.summary == "\n".join(points)
    assert entry.categories == tuple(keywords)
    assert entry.paragraphs == ("A body paragraph, as usual.",)
    assert entry.dropped == ("Teaser line",)


def test_entry_is_frozen():
    entry = parse(article())
    with pytest.raises(AttributeError):
        entry.title = "changed"  # type: ignore[misc]
    assert entry == parse(article())
    assert hash(entry) == hash(parse(article()))


def test_parsing_is_pure_and_repeatable():
    text = (ENTRIES / "metadata_full.txt").read_text(encoding="utf-8")
    assert parse_entry(text, "x.txt") == parse_entry(text, "x.txt")
    assert parse_entry(text, "x.txt", timezone=timezone(timedelta(hours=5))).published == datetime(
        2026, 4, 2, 8, 15, tzinfo=timezone(timedelta(hours=5))
    )


def test_language_metadata_must_be_a_language_tag():
    with pytest.raises(EntryError, match="BCP 47") as caught:
        parse_entry("Language: english please\n\nA title\n\nA paragraph.\n", "a.txt")
    assert caught.value.line == 1
    entry = parse_entry("Language: pt-BR\n\nA title\n\nA paragraph.\n", "a.txt")
    assert entry.language == "pt-BR"
