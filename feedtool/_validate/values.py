"""Checks of single values: links (URLs and IRIs), MIME types, email addresses, languages."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from feedtool._language import is_language_tag

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
# Characters RFC 3987 allows in no IRI, escaped or not; a space is the usual culprit.
_NOT_IN_IRI = re.compile(r'[\s<>"{}|\\^`\x00-\x1f\x7f]')
# RFC 4151: tag:authority,date:specific, the date being YYYY, YYYY-MM or YYYY-MM-DD.
_TAG_URI = re.compile(r"tag:[^,:/\s]+,\d{4}(?:-\d{2}(?:-\d{2})?)?:.*", re.DOTALL)
_TOKEN = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*"
_MIME_TYPE = re.compile(
    rf"{_TOKEN}/{_TOKEN}(?:\s*;\s*{_TOKEN}\s*=\s*(?:{_TOKEN}|\"[^\"]*\"))*", re.ASCII
)
_RSS_EMAIL = re.compile(r"[^@\s()<>]+@[^@\s()<>]+(?:\s+\([^()]*\))?")
_WEB_SCHEMES = frozenset({"http", "https"})
# An ASCII character RFC 3986 leaves out of URIs, or keeps for a host's brackets: it must
# be percent-encoded (the W3C Feed Validation Service: InvalidUriChar). A space is the
# usual one. Characters past ASCII are IRI characters, checked apart.
_IRI_CHARACTERS = (  # past ASCII: all but C1 controls and spaces (as one class: fast)
    "\xa1-\u167f\u1681-\u1fff\u200b-\u2027\u202a-\u202e\u2030-\u205e\u2060-\u2fff\u3001-\U0010ffff"
)
_NOT_IN_URI = re.compile(rf"[^0-9A-Za-z;/?:@&=+$.\-_!~*'()%,#{_IRI_CHARACTERS}]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# An IPv6 or IPvFuture host, the only place brackets are allowed: [::1], [v7.x].
_BRACKETED_HOST = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*+:)?//\[[0-9A-Za-z:.]*+\]")
# An addr-spec as feeds write it (RFC 2822 3.4.1 without quoted strings or comments):
# the W3C's two patterns, the strict one and the looser one it only warns about.
# Possessive quantifiers, and no two of them can trade characters: linear.
_ADDR_LOCAL = re.compile(r"[A-Za-z0-9_\-+.'!#$%&*/=?^`{|}~]++")
_ADDR_DOMAIN = re.compile(r"(?:[A-Za-z0-9-]++\.)++[A-Za-z0-9][A-Za-z0-9-]*+")
_ADDR_LOOSE = re.compile(r"[\w.%+-]++@[A-Za-z][\w.-]*+")
_UUID_URN = re.compile(
    r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I
)
# A scheme, "//" and a host without brackets up to the path, query or fragment: urlsplit
# would find a netloc. Checked first because urlsplit is slow, and every item of every
# feed has links; a host with brackets (IPv6) is left to urlsplit.
_HAS_HOST = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#\[\]]+(?:[/?#]|\Z)")


def absolute_url_problem(value: str) -> str | None:
    """Why ``value`` is not an absolute URL or IRI, or None when it is one."""
    if not value:
        return "is empty"
    if _NOT_IN_IRI.search(value):
        return "contains a space or a character that no URL may hold"
    if not _SCHEME.match(value):
        return "is relative"
    return _scheme_problem(value)


def _scheme_problem(value: str) -> str | None:
    """What the rules of an absolute IRI's scheme find wrong with it (http, tag, urn:uuid)."""
    scheme = value.split(":", 1)[0].lower()
    if scheme in _WEB_SCHEMES and not _HAS_HOST.match(value):
        try:
            if not urlsplit(value).netloc:
                return "has no host"
        except ValueError:  # urlsplit's only complaint: "Invalid IPv6 URL"
            return "has a host with unmatched [ ] (an IPv6 address is written [::1])"
    if scheme == "tag" and not _TAG_URI.fullmatch(value):
        return "is not a tag URI of the form tag:example.org,2026:name (RFC 4151)"
    if scheme == "urn" and value[:9].lower() == "urn:uuid:" and not _UUID_URN.fullmatch(value):
        return "is not a UUID URN of the form urn:uuid:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
    return None


def reference_problem(value: str, *, absolute: bool) -> str | None:
    """Why ``value`` is not an IRI reference (an absolute one if ``absolute``), or None.

    Relative references are fine unless ``absolute``; the empty reference is the
    document itself. Characters past ASCII are IRI characters (RFC 3987); where a URI
    is wanted, ``is_uri`` tells them apart. Regular expressions in one pass: linear.
    """
    if not value:
        return "is empty" if absolute else None
    host = _BRACKETED_HOST.match(value) if "[" in value else None
    bad = _NOT_IN_URI.search(value, host.end() if host else 0)
    if bad is not None:
        return f"contains {_describe(bad.group())}, which must be percent-encoded"
    if _SCHEME.match(value) is None:
        return "is relative" if absolute else None
    if value.index(":") == len(value) - 1:
        return "has nothing after its scheme"
    return _scheme_problem(value)


def is_uri(value: str) -> bool:
    """False for an IRI that holds characters past ASCII, which a URI percent-encodes."""
    return _NON_ASCII.search(value) is None


def _describe(char: str) -> str:
    names = {" ": "a space", "\t": "a tab", "\n": "a line break", "\r": "a line break"}
    return names.get(char, f"the character {char!r}")


def link_issue(
    value: str, base: str | None, must_be_absolute: bool, *, iri: bool = True
) -> tuple[str, str] | None:
    """(code, message) when a link is unusable, or relative where that is fragile.

    ``value`` is taken as written: callers strip an element's text, never an attribute
    (white space in an attribute is a character the link may not hold). Without ``iri``,
    characters past ASCII are a warning: RSS wants URIs, as the W3C validator says. A
    relative link that ``base`` (from xml:base) makes absolute is fine. One that stays
    relative is an error where the link must be absolute, else a warning: readers
    resolve it against the feed's own URL, which breaks when a feed is copied.
    """
    problem = reference_problem(value, absolute=False)
    if problem is not None:
        return ("E-URL", f"'{value}' {problem}")
    if _SCHEME.match(value) is None:  # relative, and no character out of place
        if base and _SCHEME.match(base):
            problem = absolute_url_problem(urljoin(base, value))
            if problem is not None:
                return ("E-URL", f"'{value}' {problem}; an absolute URL is needed")
        elif must_be_absolute:
            return ("E-URL", f"'{value}' is relative; an absolute URL is needed")
        else:
            what = "is empty, a reference to the document itself" if not value else "is relative"
            return ("W-URL-RELATIVE", f"'{value}' {what}; readers will guess its base")
    if not iri and not is_uri(value):
        message = f"'{value}' holds characters past ASCII (an IRI); RSS wants them percent-encoded"
        return ("W-URL-IRI", message)
    return None


def is_mime_type(value: str) -> bool:
    """True for ``type/subtype`` with optional parameters (RFC 6838, RFC 2045)."""
    return _MIME_TYPE.fullmatch(value.strip()) is not None


def is_addr_spec(value: str) -> bool:
    """True for a bare email address, ``jo@example.org``: no name, no brackets."""
    address = value.strip()
    if address.count("@") != 1:
        return False
    local, domain = address.split("@")
    strict = _ADDR_LOCAL.fullmatch(local) and _ADDR_DOMAIN.fullmatch(domain)
    return bool(strict or _ADDR_LOOSE.fullmatch(address))


def is_language_code(value: str) -> bool:
    """True for a language code such as ``en`` or ``fr-CA`` (RSS ``language``, ``dc:language``).

    The language tags feedtool's settings take (``feedtool._language``): ``English`` is
    none, nor is the empty value.
    """
    return is_language_tag(value)


def is_rss_email(value: str) -> bool:
    """True for RSS's ``address@host`` with an optional ``(Name)`` after it."""
    return _RSS_EMAIL.fullmatch(value.strip()) is not None
