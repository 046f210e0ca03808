"""Finding codes: the stable names users and scripts match on, with what each means."""

from __future__ import annotations

from dataclasses import dataclass

# The order here is the order of the README table: input, syntax, schema, rules.
# A code's first letter is its level (E = error, W = warning); never reuse or rename
# a code, since CI scripts and `--format json` consumers match on them.
CODES: dict[str, str] = {
    "E-READ": "the path does not exist or cannot be read (or is no regular file, or over 64 MiB)",
    "W-NOT-REGULAR": "a folder holds a FIFO, device or socket, which is skipped unread",
    "E-FETCH": "the URL cannot be fetched (HTTP error, timeout, too large)",
    "E-NO-FEEDS": "a folder given to validate contains no feeds",
    "E-EMPTY": "the document is empty",
    "E-HTML": "the document is an HTML page, not a feed",
    "E-NOT-FEED": "the document is not RSS 2.0, Atom 1.0 or JSON Feed",
    "E-RSS-LEGACY": "the document is RSS 0.9x, which feedtool does not validate",
    "E-RSS-RDF": "the document is RSS 1.0 (RDF), which feedtool does not validate",
    "E-ATOM-LEGACY": "the document is Atom 0.3, which feedtool does not validate",
    "E-WELLFORMED": "the XML is not well-formed (syntax, encoding, undefined entity)",
    "E-XML-ENTITY": "the DOCTYPE declares entities (XXE, billion laughs); never expanded",
    "E-XML-DTD": "the DOCTYPE refers to an external DTD; never loaded, readers don't either",
    "E-JSON-SYNTAX": "the JSON does not parse, is not UTF-8, or is not portable: NaN, a name"
    " twice ...",
    "E-SCHEMA": "the document breaks the format's schema (element, attribute, value)",
    "E-MISSING": "a required element or member is missing",
    "E-DATE-RFC822": "an RSS date is not an RFC 822 date (syntax, zone, day of month)",
    "E-DATE-WEEKDAY": "an RSS date's day name is wrong for its date",
    "W-DATE-YEAR": "an RSS date has a two-digit year",
    "W-DATE-COMMENT": "an RSS date holds RFC 822 comments (in parentheses), which few readers"
    " understand",
    "W-DATE-ZONE": "an RSS date uses a military one-letter zone, whose sign is unreliable",
    "E-DATE-RFC3339": "an Atom or JSON Feed date is not an RFC 3339 date-time with a zone",
    "E-DATE-W3CDTF": "a Dublin Core date is not a W3C date (W3CDTF; a time needs its zone)",
    "E-WHITESPACE": "an Atom id, IRI or date has white space around it, which it may not hold",
    "E-URL": "a link holds a character that must be percent-encoded, or is not absolute",
    "W-URL-IRI": "an RSS link holds characters past ASCII (an IRI); RSS wants them percent-encoded",
    "W-URL-RELATIVE": "a relative link that readers must resolve against the feed's URL",
    "E-ID-DUPLICATE": "two items share a guid or id, or ten Atom entries or more all have one id",
    "W-ID-DUPLICATE": "two Atom entries share an id: one entry twice, of which readers show one",
    "E-GUID-PERMALINK": "a guid is a permalink (isPermaLink defaults to true) but not a URL",
    "W-SELF-LINK": "the feed has no self link (atom:link rel=self, link rel=self, feed_url)",
    "E-ATOM-AUTHOR": "an Atom entry has no author and the feed has none either",
    "E-ATOM-ALTERNATE": "an Atom entry has neither content nor an alternate link",
    "E-ATOM-LINK-DUP": "two alternate links share the same type and hreflang",
    "W-ESCAPED-HTML": "escaped HTML has unbalanced tags, so readers may show it broken",
    "E-TYPE": "a type attribute or mime_type is not a MIME type",
    "E-RSS-EMAIL": 'an RSS email field is not "address@host (Name)"',
    "W-RSS-PROFILE": "RSS the Best Practices Profile advises against: email not as addr (Name),"
    " hour 24",
    "E-ATOM-EMAIL": "an Atom email is not a bare address (addr-spec) like jo@example.org",
    "E-LANGUAGE": "a language or dc:language is not a language code like en or fr-ca",
    "E-RSS-TTL": "ttl is not a positive whole number of minutes",
    "W-ARCHIVE-CURRENT": "an archived feed (fh:archive) has no link rel=current",
    "W-JSON-VERSION": "a JSON Feed uses members of another version than it declares",
    "E-EXTENSION": "an element of a checked extension namespace (iTunes, Media RSS ...) is"
    " undefined, misplaced, wrong",
    "W-EXTENSION": "an extension element is deprecated, retired or written in a discouraged way",
}


@dataclass(frozen=True)
class Issue:
    """A finding before it knows its file: what the checking layers produce."""

    line: int
    column: int
    code: str
    message: str


def level(code: str) -> str:
    """The level of a code: "error" for E- codes, "warning" for W- codes."""
    return "warning" if code.startswith("W-") else "error"
