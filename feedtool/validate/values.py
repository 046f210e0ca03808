"""Checks of single values: links (URLs and IRIs), MIME types, RSS email addresses."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

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
    scheme = value.split(":", 1)[0].lower()
    if scheme in _WEB_SCHEMES and not _HAS_HOST.match(value):
        try:
            if not urlsplit(value).netloc:
                return "has no host"
        except ValueError:  # urlsplit's only complaint: "Invalid IPv6 URL"
            return "has a host with unmatched [ ] (an IPv6 address is written [::1])"
    if scheme == "tag" and not _TAG_URI.fullmatch(value):
        return "is not a tag URI of the form tag:example.org,2026:name (RFC 4151)"
    return None


def link_issue(value: str, base: str | None, must_be_absolute: bool) -> tuple[str, str] | None:
    """(code, message) when a link is unusable, or relative where that is fragile.

    A relative link that ``base`` (from xml:base) makes absolute is fine. One that
    stays relative is an error where the link must be absolute, else a warning:
    readers resolve it against the feed's own URL, which breaks when a feed is copied.
    """
    link = value.strip()
    resolved = urljoin(base, link) if base and not _SCHEME.match(link) else link
    problem = absolute_url_problem(resolved)
    if problem is None:
        return None
    if problem == "is relative" and not must_be_absolute:
        return ("W-URL-RELATIVE", f"'{link}' is relative; readers will guess its base")
    return ("E-URL", f"'{link}' {problem}; an absolute URL is needed")


def is_web_url(value: str) -> bool:
    """True for an absolute http or https URL: what a browser can open."""
    return absolute_url_problem(value) is None and value.split(":", 1)[0].lower() in _WEB_SCHEMES


def is_mime_type(value: str) -> bool:
    """True for ``type/subtype`` with optional parameters (RFC 6838, RFC 2045)."""
    return _MIME_TYPE.fullmatch(value.strip()) is not None


def is_rss_email(value: str) -> bool:
    """True for RSS's ``address@host`` with an optional ``(Name)`` after it."""
    return _RSS_EMAIL.fullmatch(value.strip()) is not None
