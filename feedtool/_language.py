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
# ISO 639-1's two-letter codes, with the five it withdrew (iw, in, ji, mo, sh) that old
# documents still use. A tag's language is one of these, or three letters (ISO 639-2 and
# 639-3, too many to list here): BCP 47's shape also allows four to eight letters, which
# the registry has never assigned, so "english" is no tag, nor is the unassigned "xx".
_ISO_639_1 = frozenset(
    str.split(
        """aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs
        cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he
        hi ho hr ht hu hy hz ia id ie ig ii ik in io is it iu iw ja ji jv ka kg ki kj kk kl km
        kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mo mr ms mt my na
        nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd
        se sg sh si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw
        ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"""
    )
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
    """Whether ``text`` is a BCP 47 language tag such as ``en``, ``fr-CA``, ``zh-Hant-TW``.

    Checked for shape, and its language for an ISO 639 code (two letters of ISO 639-1, or
    three letters), not against the whole registry. RSS's ``language`` is the same, and
    the W3C Feed Validation Service checks it so too.
    """
    if text.lower() in _IRREGULAR:
        return True
    if not _LANGUAGE_TAG.fullmatch(text):
        return False
    language = text.split("-", 1)[0].lower()
    return language in _ISO_639_1 or len(language) == 3 or language == "x"
