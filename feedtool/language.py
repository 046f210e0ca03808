"""Language tags (BCP 47, RFC 5646): what a site's and an entry's language must be."""

from __future__ import annotations

import re

# The well-formed syntax of RFC 5646 section 2.1: language (with up to three extended
# subtags), script, region, variants, extensions, private use; or private use alone.
_LANGUAGE_TAG = re.compile(
    r"""
    (?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})  # language
    (?:-[a-z]{4})?                                       # script: Latn
    (?:-(?:[a-z]{2}|[0-9]{3}))?                          # region: CA, 419
    (?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*             # variants: 1996, valencia
    (?:-[0-9a-wy-z](?:-[a-z0-9]{2,8})+)*                 # extensions: u-ca-buddhist
    (?:-x(?:-[a-z0-9]{1,8})+)?                           # private use: x-house
    |x(?:-[a-z0-9]{1,8})+
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Registered before RFC 4646 and not of that shape, yet valid tags.
_IRREGULAR = frozenset(
    {
        *("en-gb-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon"),
        *("i-lux", "i-mingo", "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu"),
        *("sgn-be-fr", "sgn-be-nl", "sgn-ch-de"),
    }
)


def is_language_tag(text: str) -> bool:
    """Whether ``text`` is a well-formed BCP 47 language tag such as ``en``, ``fr-CA``,
    ``zh-Hant-TW`` (checked for shape, not against the registry)."""
    return bool(_LANGUAGE_TAG.fullmatch(text)) or text.lower() in _IRREGULAR
