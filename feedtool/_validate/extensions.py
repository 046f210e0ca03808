"""Extension namespaces that real feeds use, checked where the W3C Feed Validation Service does.

RSS and Atom let any namespace in; readers, podcast directories and the W3C validator
then read some of them closely. Each namespace here has a table of its elements: where
each may appear (a channel or an item, a feed or an entry), whether it may appear more
than once, which attributes it takes, and how its value is checked. An element of one
of these namespaces that its table lacks (``dc:autor``), or that appears where it is not
defined (``trackback:ping`` in a channel), is an error. Namespaces not listed here are
not looked into.

Checked: Dublin Core elements (``dc:``), iTunes podcasts (``itunes:``), Media RSS
(``media:``), Slash (``slash:``), GeoRSS, W3C geo, GeoURL and ICBM coordinates, Well-Formed
Web comments (``wfw:``), Trackback (``trackback:``) and Creative Commons licenses
(``creativeCommons:license``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from feedtool._validate.codes import Issue
from feedtool._validate.dates import check_rfc822, check_w3cdtf
from feedtool._validate.elements import Element, line_of, text_of, url_issues
from feedtool._validate.values import (
    is_addr_spec,
    is_language_code,
    is_mime_type,
    reference_problem,
)

# Where an extension element stands: its parent, in RSS or in Atom terms.
CHANNEL, ITEM, FEED, ENTRY = "channel", "item", "feed", "entry"
# Inside Media RSS's own containers.
_GROUP, _CONTENT = "media:group", "media:content"

DC_NS = "http://purl.org/dc/elements/1.1/"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
MEDIA_NS = "http://search.yahoo.com/mrss/"
SLASH_NS = "http://purl.org/rss/1.0/modules/slash/"
GEO_NS = "http://www.w3.org/2003/01/geo/wgs84_pos#"
GEOURL_NS = "http://geourl.org/rss/module/"
ICBM_NS = "http://postneo.com/icbm"
GEORSS_NS = "http://www.georss.org/georss"
GML_NS = "http://www.opengis.net/gml"
WFW_NS = "http://wellformedweb.org/CommentAPI/"
TRACKBACK_NS = "http://madskills.com/public/xml/rss/module/trackback/"
CREATIVE_COMMONS_NS = "http://backend.userland.com/creativeCommonsRssModule"

Check = Callable[[Element, str], list[Issue]]  # an element and its name as shown

_EVERYWHERE = frozenset({CHANNEL, ITEM, FEED, ENTRY})
_ITEMS = frozenset({ITEM, ENTRY})
_CHANNELS = frozenset({CHANNEL, FEED})
_MEDIA_PLACES = _EVERYWHERE | {_GROUP, _CONTENT}

_INTEGER = re.compile(r"\+?[0-9]++")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]++\.?[0-9]*+|\.[0-9]++)")
_COMMA_SEPARATED_INTEGERS = re.compile(r"[0-9]++(?:,\s*+[0-9]++)*+")
_DURATION = re.compile(r"[0-9]++(?::[0-5][0-9](?::[0-5][0-9])?)?")
_NPT_TIME = re.compile(r"now|[0-9]++(?:\.[0-9]++)?|[0-9]++:[0-9]{2}:[0-9]{2}(?:\.[0-9]++)?")
_HASH = re.compile(r"[0-9A-Za-z]++")
_ICRA_CODE = r"(?:[nsvlocx]z [01]|(?:n[a-c]|s[a-f]|v[a-j]|l[a-c]|o[a-h]|c[a-b]|x[a-e]) 1)"
_ICRA_RATING = re.compile(rf"r \({_ICRA_CODE}(?: {_ICRA_CODE})*+\)")
_ANGLE_ADDRESS = re.compile(r"<([^<>]*+)>")


@dataclass(frozen=True)
class _Defined:
    """What one extension element is: where it may stand, and how it is checked."""

    places: frozenset[str]
    check: Check
    once: bool = False  # at most one in its parent
    attributes: frozenset[str] = frozenset()  # its attributes in no namespace


def _issue(element: Element, message: str, code: str = "E-EXTENSION") -> Issue:
    return Issue(line_of(element), 0, code, message)


# Value checks. Each takes the element and the name to show, and returns issues.


def _text(element: Element, name: str) -> list[Issue]:
    """Text only: no child elements (their namespaces are anyone's guess)."""
    child = next(element.iterchildren("*"), None)
    if child is None:
        return []
    return [_issue(child, f"<{name}> holds text only, not elements")]


def _with_text(check: Callable[[str], str | None]) -> Check:
    """A check of an element's stripped text, which holds no elements."""

    def checked(element: Element, name: str) -> list[Issue]:
        issues = _text(element, name)
        problem = check(text_of(element))
        if problem is not None:
            issues.append(_issue(element, f"<{name}> {problem}"))
        return issues

    return checked


def _max_length(limit: int) -> Check:
    return _with_text(
        lambda value: (
            f"is {len(value)} characters long; at most {limit}" if len(value) > limit else None
        )
    )


def _one_of(*values: str, ignore_case: bool = False) -> Check:
    allowed = {v.lower() for v in values} if ignore_case else set(values)

    def problem(value: str) -> str | None:
        found = value.lower() if ignore_case else value
        if found in allowed:
            return None
        return f"'{value}' is not one of {', '.join(values)}"

    def checked(element: Element, name: str) -> list[Issue]:
        # Taken as written: white space around the value makes it another value.
        issues = _text(element, name)
        message = problem(element.text or "")
        return issues + ([_issue(element, f"<{name}> {message}")] if message else [])

    return checked


def _integer_problem(value: str, *, positive: bool = False) -> str | None:
    if _INTEGER.fullmatch(value) is None:
        return f"'{value}' is not a whole number"
    if positive and int(value) == 0:
        return f"'{value}' is not a positive whole number"
    return None


def _in_range(low: float, high: float, what: str) -> Callable[[str], str | None]:
    def problem(value: str) -> str | None:
        if _DECIMAL.fullmatch(value) is None or not low <= float(value) <= high:
            return f"'{value}' is not a {what} between {low:g} and {high:g}"
        return None

    return problem


def _absolute_uri(element: Element, value: str, what: str) -> list[Issue]:
    """An absolute URI, as RSS's own links (characters past ASCII are a warning)."""
    return url_issues(element, value, what, must_be_absolute=True, iri=False)


def _uri_element(element: Element, name: str) -> list[Issue]:
    return _text(element, name) + _absolute_uri(element, text_of(element), f"<{name}>")


def _uri_attribute(element: Element, name: str, attribute: str, *, required: bool) -> list[Issue]:
    value = element.get(attribute)
    if value is None:
        if required:
            return [_issue(element, f"<{name}> has no {attribute} attribute")]
        return []
    return _absolute_uri(element, value, f"<{name}> {attribute}")


def _integer_attributes(
    element: Element, name: str, *attributes: str, positive: bool
) -> list[Issue]:
    issues = []
    for attribute in attributes:
        value = element.get(attribute)
        if value is not None and (problem := _integer_problem(value, positive=positive)):
            issues.append(_issue(element, f"<{name}> {attribute}: {problem}"))
    return issues


def _language_attribute(element: Element, name: str) -> list[Issue]:
    value = element.get("lang")
    if value is None or is_language_code(value):
        return []
    return [
        _issue(
            element,
            f"<{name}> lang '{value}' is not a language code like en or fr-ca",
            "E-LANGUAGE",
        )
    ]


def _language(element: Element, name: str) -> list[Issue]:
    issues = _text(element, name)
    value = text_of(element)
    if not is_language_code(value):
        message = f"<{name}> '{value}' is not a language code like en or fr-ca"
        issues.append(_issue(element, message, "E-LANGUAGE"))
    return issues


def _w3cdtf(element: Element, name: str) -> list[Issue]:
    issues = _text(element, name)
    return issues + [
        _issue(element, f"<{name}>: {message}", code)
        for code, message in check_w3cdtf(text_of(element))
    ]


def _rfc822(element: Element, name: str) -> list[Issue]:
    issues = _text(element, name)
    return issues + [
        _issue(element, f"<{name}>: {message}", code)
        for code, message in check_rfc822(text_of(element))
    ]


def _warn(message: str, check: Check) -> Check:
    """A defined element that is better written otherwise: a warning, then its check."""

    def checked(element: Element, name: str) -> list[Issue]:
        return [_issue(element, f"<{name}> {message}", "W-EXTENSION")] + check(element, name)

    return checked


# Coordinates: GeoRSS Simple (georss:point "lat long", line, polygon, box), W3C geo.


def _coordinates(count: str, minimum: int) -> Check:
    def checked(element: Element, name: str) -> list[Issue]:
        issues = _text(element, name)
        value = text_of(element)
        if "," in value:
            issues.append(
                _issue(
                    element,
                    f"<{name}> separates numbers with commas; GeoRSS uses spaces",
                    "W-EXTENSION",
                )
            )
        numbers = value.replace(",", " ").split()
        if (
            len(numbers) < minimum
            or len(numbers) % 2
            or (count == "pair" and len(numbers) != 2)
            or (count == "box" and len(numbers) != 4)
            or not all(_DECIMAL.fullmatch(number) for number in numbers)
        ):
            issues.append(
                _issue(element, f"<{name}> '{value}' is not a list of latitude longitude pairs")
            )
        return issues

    return checked


def _gml(element: Element, name: str) -> list[Issue]:
    """georss:where holds a GML shape; its positions are checked like georss:point's."""
    issues: list[Issue] = []
    for position in element.iter(
        f"{{{GML_NS}}}pos", f"{{{GML_NS}}}lowerCorner", f"{{{GML_NS}}}upperCorner"
    ):
        issues += _coordinates("pair", 2)(position, "gml:" + position.tag.rpartition("}")[2])
    for positions in element.iter(f"{{{GML_NS}}}posList"):
        issues += _coordinates("list", 4)(positions, "gml:posList")
    return issues


def _geo_point(element: Element, name: str) -> list[Issue]:
    issues: list[Issue] = []
    for part in ("lat", "long"):
        if element.find(f"{{{GEO_NS}}}{part}") is None:
            issues.append(_issue(element, f"<{name}> has no <geo:{part}>"))
    for child in element.iterchildren(f"{{{GEO_NS}}}lat"):
        issues += _with_text(_in_range(-90, 90, "latitude"))(child, "geo:lat")
    for child in element.iterchildren(f"{{{GEO_NS}}}long"):
        issues += _with_text(_in_range(-180, 180, "longitude"))(child, "geo:long")
    return issues


# iTunes (Apple Podcasts). Categories as Apple lists them now; the ones it retired are
# a warning, anything else an error.

_ITUNES_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": (
        "Careers",
        "Entrepreneurship",
        "Investing",
        "Management",
        "Marketing",
        "Non-Profit",
    ),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": (
        "Alternative Health",
        "Fitness",
        "Medicine",
        "Mental Health",
        "Nutrition",
        "Sexuality",
    ),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": (
        "Animation & Manga",
        "Automotive",
        "Aviation",
        "Crafts",
        "Games",
        "Hobbies",
        "Home & Garden",
        "Video Games",
    ),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": (
        "Business News",
        "Daily News",
        "Entertainment News",
        "News Commentary",
        "Politics",
        "Sports News",
        "Tech News",
    ),
    "Religion & Spirituality": (
        "Buddhism",
        "Christianity",
        "Hinduism",
        "Islam",
        "Judaism",
        "Religion",
        "Spirituality",
    ),
    "Science": (
        "Astronomy",
        "Chemistry",
        "Earth Sciences",
        "Life Sciences",
        "Mathematics",
        "Natural Sciences",
        "Nature",
        "Physics",
        "Social Sciences",
    ),
    "Society & Culture": (
        "Documentary",
        "Personal Journals",
        "Philosophy",
        "Places & Travel",
        "Relationships",
    ),
    "Sports": (
        "Baseball",
        "Basketball",
        "Cricket",
        "Fantasy Sports",
        "Football",
        "Golf",
        "Hockey",
        "Rugby",
        "Running",
        "Soccer",
        "Swimming",
        "Tennis",
        "Volleyball",
        "Wilderness",
        "Wrestling",
    ),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}
# Apple's list before 2019 (and the first one, of 2005), which directories still map.
_RETIRED_ITUNES_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Literature",),
    "Arts & Entertainment": (
        "Architecture",
        "Design",
        "Entertainment",
        "Games",
        "Performing Arts",
        "Photography",
        "Poetry",
        "Science Fiction",
    ),
    "Audio Blogs": (),
    "Business": ("Business News", "Finance", "Management & Marketing", "News", "Shopping"),
    "Education": (
        "Education Technology",
        "Educational Technology",
        "Higher Education",
        "K-12",
        "Language Courses",
        "Training",
    ),
    "Family": (),
    "Food": (),
    "Games & Hobbies": ("Automotive", "Aviation", "Hobbies", "Other Games", "Video Games"),
    "Government & Organizations": ("Local", "National", "Non-Profit", "Regional"),
    "Health": (
        "Alternative Health",
        "Diet & Nutrition",
        "Fitness",
        "Fitness & Nutrition",
        "Relationships",
        "Self-Help",
        "Sexuality",
    ),
    "International": (),
    "Movies & Television": (),
    "News & Politics": (),
    "Politics": (),
    "Public Radio": (),
    "Religion & Spirituality": ("New Age", "Other", "Philosophy"),
    "Science & Medicine": ("Medicine", "Natural Sciences", "Social Sciences"),
    "Society & Culture": ("History",),
    "Sports & Recreation": ("Amateur", "College & High School", "Outdoor", "Professional"),
    "Talk Radio": (),
    "Technology": (
        "Computers",
        "Developers",
        "Gadgets",
        "Information Technology",
        "News",
        "Operating Systems",
        "Podcasting",
        "Smart Phones",
        "Software How-To",
        "Tech News",
        "Text/Speech",
    ),
    "Transportation": ("Automotive", "Aviation", "Bicycles", "Commuting"),
    "Travel": (),
}
_ITUNES_CATEGORY = f"{{{ITUNES_NS}}}category"


def _itunes_category(element: Element, name: str) -> list[Issue]:
    issues = _category_name(
        element, name, tuple(_ITUNES_CATEGORIES), tuple(_RETIRED_ITUNES_CATEGORIES)
    )
    top = element.get("text")
    for sub in element.iterchildren(_ITUNES_CATEGORY):
        issues += _category_name(
            sub,
            name,
            _ITUNES_CATEGORIES.get(top or "", ()),
            _RETIRED_ITUNES_CATEGORIES.get(top or "", ()),
        )
        issues += [
            _issue(c, f"<{name}> nests two levels at most")
            for c in sub.iterchildren(_ITUNES_CATEGORY)
        ]
    return issues


def _category_name(
    element: Element, name: str, current: tuple[str, ...], retired: tuple[str, ...]
) -> list[Issue]:
    text = element.get("text")
    if text is None:
        return [_issue(element, f"<{name}> has no text attribute")]
    if text in current:
        return []
    if text in retired:
        return [_issue(element, f"<{name}> '{text}' is a category Apple retired", "W-EXTENSION")]
    return [_issue(element, f"<{name}> '{text}' is not an Apple Podcasts category")]


def _itunes_image(element: Element, name: str) -> list[Issue]:
    value = element.get("href")
    if value is None:
        return [_issue(element, f"<{name}> has no href attribute")]
    if reference_problem(value, absolute=True) is None and not value.lower().startswith(
        ("http://", "https://")
    ):
        return [Issue(line_of(element), 0, "E-URL", f"<{name}> href '{value}' is not http(s)")]
    return _absolute_uri(element, value, f"<{name}> href")


def _itunes_owner(element: Element, name: str) -> list[Issue]:
    issues: list[Issue] = []
    emails = list(element.iterchildren(f"{{{ITUNES_NS}}}email"))
    if not emails:
        issues.append(_issue(element, f"<{name}> has no <itunes:email>"))
    for email in emails:
        value = text_of(email)
        angled = _ANGLE_ADDRESS.search(value)
        if not is_addr_spec(angled.group(1) if angled else value):
            issues.append(_issue(email, f"<itunes:email> '{value}' is not an email address"))
    for owner_name in element.iterchildren(f"{{{ITUNES_NS}}}name"):
        issues += _max_length(255)(owner_name, "itunes:name")
    return issues


def _itunes_keywords(element: Element, name: str) -> list[Issue]:
    issues = _max_length(255)(element, name)
    value = text_of(element)
    if " " in value and "," not in value:
        issues.append(_issue(element, f"<{name}> separates keywords with commas", "W-EXTENSION"))
    return issues


# Media RSS (https://www.rssboard.org/media-rss).

_MEDIA_MEDIUMS = ("image", "audio", "video", "document", "executable")
_MEDIA_RATINGS = {
    "urn:simple": ("adult", "nonadult"),
    "urn:mpaa": ("g", "m", "nc-17", "pg", "pg-13", "r", "x"),
    "urn:v-chip": (
        "14+",
        "18+",
        "c",
        "c8",
        "g",
        "pg",
        "tv-14",
        "tv-g",
        "tv-ma",
        "tv-pg",
        "tv-y",
        "tv-y7",
        "tv-y7-fv",
    ),
}
# ISO 3166-1 alpha-2, for media:restriction type="country".
_COUNTRIES = frozenset(
    str.split(
        """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO
    BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK
    DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR
    GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM
    KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP
    MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL
    PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST
    SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG
    VI VN VU WF WS YE YT ZA ZM ZW"""
    )
)


def _media_text_type(element: Element, name: str) -> list[Issue]:
    issues = _text(element, name)
    text_type = element.get("type")
    if text_type is not None and text_type not in ("plain", "html"):
        issues.append(_issue(element, f"<{name}> type '{text_type}' is not plain or html"))
    return issues


def _media_text(element: Element, name: str) -> list[Issue]:
    issues = _media_text_type(element, name) + _language_attribute(element, name)
    for attribute in ("start", "end"):
        issues += _npt_time(element, name, attribute)
    return issues


def _npt_time(element: Element, name: str, attribute: str) -> list[Issue]:
    value = element.get(attribute)
    if value is None or _NPT_TIME.fullmatch(value):
        return []
    return [_issue(element, f"<{name}> {attribute} '{value}' is not a time like 12.5 or 0:01:30")]


def _media_category(element: Element, name: str) -> list[Issue]:
    return _text(element, name) + _uri_attribute(element, name, "scheme", required=False)


def _media_copyright(element: Element, name: str) -> list[Issue]:
    return _text(element, name) + _uri_attribute(element, name, "url", required=False)


def _media_credit(element: Element, name: str) -> list[Issue]:
    issues = _text(element, name)
    role = element.get("role")
    if role is not None and role != role.lower():
        issues.append(_issue(element, f"<{name}> role '{role}' must be written in lower case"))
    if element.get("scheme", "urn:ebu") != "urn:ebu":
        issues += _uri_attribute(element, name, "scheme", required=False)
    return issues


def _media_hash(element: Element, name: str) -> list[Issue]:
    issues = _text(element, name)
    algorithm = element.get("algo", "md5")
    value = text_of(element)
    if algorithm not in ("md5", "sha-1"):
        issues.append(_issue(element, f"<{name}> algo '{algorithm}' is not md5 or sha-1"))
    elif _HASH.fullmatch(value) is None or len(value) != (32 if algorithm == "md5" else 40):
        issues.append(
            _issue(element, f"<{name}> '{value}' is not a {algorithm} hash in hexadecimal")
        )
    return issues


def _media_player(element: Element, name: str) -> list[Issue]:
    return _uri_attribute(element, name, "url", required=True) + _integer_attributes(
        element, name, "height", "width", positive=True
    )


def _media_thumbnail(element: Element, name: str) -> list[Issue]:
    return (
        _uri_attribute(element, name, "url", required=True)
        + _integer_attributes(element, name, "height", "width", positive=True)
        + _npt_time(element, name, "time")
    )


def _media_rating(element: Element, name: str) -> list[Issue]:
    issues = _text(element, name)
    scheme = element.get("scheme", "urn:simple")
    value = text_of(element)
    if scheme in _MEDIA_RATINGS:
        if value not in _MEDIA_RATINGS[scheme]:
            issues.append(_issue(element, f"<{name}> '{value}' is not a rating of {scheme}"))
    elif scheme == "urn:icra":
        if _ICRA_RATING.fullmatch(value) is None:
            issues.append(
                _issue(element, f"<{name}> '{value}' is not an ICRA rating like r (cz 1)")
            )
    else:
        issues += _uri_attribute(element, name, "scheme", required=False)
    return issues


def _media_restriction(element: Element, name: str) -> list[Issue]:
    issues = _text(element, name)
    relationship = element.get("relationship")
    if relationship is None:
        issues.append(_issue(element, f"<{name}> has no relationship attribute (allow or deny)"))
    elif relationship not in ("allow", "deny"):
        issues.append(
            _issue(element, f"<{name}> relationship '{relationship}' is not allow or deny")
        )
    value = text_of(element)
    restriction_type = element.get("type")
    if restriction_type is None:
        if value and value not in ("all", "none"):
            issues.append(
                _issue(element, f"<{name}> '{value}' is not all or none (or give a type)")
            )
    elif restriction_type == "country":
        unknown = [code for code in value.upper().split(" ") if code not in _COUNTRIES]
        if unknown:
            issues.append(
                _issue(element, f"<{name}> '{unknown[0]}' is not an ISO 3166 country code")
            )
    elif restriction_type == "uri":
        issues += _absolute_uri(element, value, f"<{name}>")
    else:
        issues.append(_issue(element, f"<{name}> type '{restriction_type}' is not country or uri"))
    return issues


_MEDIA_CONTENT_ATTRIBUTES = frozenset(
    {"bitrate", "channels", "duration", "expression", "fileSize", "framerate", "height"}
    | {"isDefault", "lang", "medium", "samplingrate", "type", "url", "width"}
)


def _media_content(element: Element, name: str) -> list[Issue]:
    issues = _uri_attribute(element, name, "url", required=False)
    issues += _integer_attributes(element, name, "fileSize", "height", "width", positive=True)
    issues += _integer_attributes(element, name, "channels", positive=False)
    for attribute in ("bitrate", "duration", "framerate", "samplingrate"):
        value = element.get(attribute)
        if value is not None and _DECIMAL.fullmatch(value) is None:
            issues.append(_issue(element, f"<{name}> {attribute} '{value}' is not a number"))
    for attribute, values in (
        ("expression", ("sample", "full", "nonstop")),
        ("medium", _MEDIA_MEDIUMS),
        ("isDefault", ("true", "false")),
    ):
        value = element.get(attribute)
        if value is not None and value not in values:
            issues.append(
                _issue(element, f"<{name}> {attribute} '{value}' is not one of {', '.join(values)}")
            )
    media_type = element.get("type")
    if media_type is not None and not is_mime_type(media_type):
        issues.append(
            Issue(line_of(element), 0, "E-TYPE", f"<{name}> type '{media_type}' is not a MIME type")
        )
    issues += _language_attribute(element, name)
    return issues + _children(element, _CONTENT)


def _media_group(element: Element, name: str) -> list[Issue]:
    issues = _children(element, _GROUP)
    if len(element.findall(f"{{{MEDIA_NS}}}content")) < 2:
        issues.append(_issue(element, f"<{name}> holds alternatives: two <media:content> or more"))
    return issues


def _children(element: Element, place: str) -> list[Issue]:
    """The extension elements inside media:group and media:content."""
    return extension_issues(element, place)


def _defined(
    places: frozenset[str], check: Check, *, once: bool = False, attributes: str = ""
) -> _Defined:
    return _Defined(places, check, once, frozenset(attributes.split()))


_TEXT = _defined(_EVERYWHERE, _text)
_TEXT_ONCE = _defined(_EVERYWHERE, _text, once=True)
_MEDIA_TEXT = _defined(_MEDIA_PLACES, _media_text_type, once=True, attributes="type")
_LATITUDE = _defined(_EVERYWHERE, _with_text(_in_range(-90, 90, "latitude")))
_LONGITUDE = _defined(_EVERYWHERE, _with_text(_in_range(-180, 180, "longitude")))

# namespace -> (its usual prefix, its elements by local name)
_TABLES: dict[str, tuple[str, dict[str, _Defined]]] = {
    DC_NS: (
        "dc",
        {
            **dict.fromkeys(
                ("title", "description", "type", "format", "source", "rights"), _TEXT_ONCE
            ),
            **dict.fromkeys(
                ("publisher", "contributor", "identifier", "relation", "coverage"), _TEXT
            ),
            **dict.fromkeys(("creator", "subject"), _TEXT),
            "language": _defined(_EVERYWHERE, _language, once=True),
            "date": _defined(_EVERYWHERE, _w3cdtf),
        },
    ),
    ITUNES_NS: (
        "itunes",
        {
            "author": _defined(_EVERYWHERE, _max_length(255), once=True),
            "block": _defined(
                _EVERYWHERE, _one_of("yes", "no", "clean", ignore_case=True), once=True
            ),
            "explicit": _defined(
                _EVERYWHERE, _one_of("true", "false", ignore_case=True), once=True
            ),
            "keywords": _defined(_EVERYWHERE, _itunes_keywords, once=True),
            "subtitle": _defined(_EVERYWHERE, _max_length(255), once=True),
            "summary": _defined(_EVERYWHERE, _max_length(4000), once=True),
            "image": _defined(_EVERYWHERE, _itunes_image, once=True, attributes="href"),
            "owner": _defined(_CHANNELS, _itunes_owner, once=True),
            "category": _defined(_CHANNELS, _itunes_category, attributes="text"),
            "pubDate": _defined(_CHANNELS, _rfc822, once=True),
            "new-feed-url": _defined(_CHANNELS, _uri_element, once=True),
            "type": _defined(_CHANNELS, _one_of("episodic", "serial"), once=True),
            "complete": _defined(_CHANNELS, _one_of("Yes", "yes"), once=True),
            "duration": _defined(
                _ITEMS,
                _with_text(
                    lambda v: (
                        None if _DURATION.fullmatch(v) else f"'{v}' is not seconds, M:SS or H:MM:SS"
                    )
                ),
                once=True,
            ),
            "title": _defined(_ITEMS, _text, once=True),
            "episode": _defined(
                _ITEMS, _with_text(lambda v: _integer_problem(v, positive=True)), once=True
            ),
            "season": _defined(
                _ITEMS, _with_text(lambda v: _integer_problem(v, positive=True)), once=True
            ),
            "episodeType": _defined(_ITEMS, _one_of("full", "trailer", "bonus"), once=True),
            "isClosedCaptioned": _defined(_ITEMS, _one_of("Yes", "yes", "No", "no"), once=True),
            "order": _defined(_ITEMS, _with_text(lambda v: _integer_problem(v)), once=True),
        },
    ),
    MEDIA_NS: (
        "media",
        {
            "adult": _defined(
                _MEDIA_PLACES,
                _warn(
                    "is deprecated; use media:rating", _one_of("true", "false", ignore_case=True)
                ),
                once=True,
            ),
            "category": _defined(_MEDIA_PLACES, _media_category, attributes="label scheme"),
            "copyright": _defined(_MEDIA_PLACES, _media_copyright, once=True, attributes="url"),
            "credit": _defined(_MEDIA_PLACES, _media_credit, attributes="role scheme"),
            "description": _MEDIA_TEXT,
            "title": _MEDIA_TEXT,
            "keywords": _defined(_MEDIA_PLACES, _text),
            "hash": _defined(_MEDIA_PLACES, _media_hash, attributes="algo"),
            "player": _defined(_MEDIA_PLACES, _media_player, attributes="url height width"),
            "rating": _defined(_MEDIA_PLACES, _media_rating, attributes="scheme"),
            "restriction": _defined(
                _MEDIA_PLACES, _media_restriction, attributes="relationship type"
            ),
            "text": _defined(_MEDIA_PLACES, _media_text, attributes="type lang start end"),
            "thumbnail": _defined(
                _MEDIA_PLACES, _media_thumbnail, attributes="url height width time"
            ),
            "content": _Defined(
                frozenset({ITEM, ENTRY, _GROUP}), _media_content, False, _MEDIA_CONTENT_ATTRIBUTES
            ),
            "group": _defined(_ITEMS, _media_group),
        },
    ),
    SLASH_NS: (
        "slash",
        {
            "comments": _defined(_ITEMS, _with_text(_integer_problem), once=True),
            "section": _defined(_ITEMS, _text),
            "department": _defined(_ITEMS, _text),
            "hit_parade": _defined(
                _ITEMS,
                _with_text(
                    lambda v: (
                        None
                        if _COMMA_SEPARATED_INTEGERS.fullmatch(v)
                        else f"'{v}' is not whole numbers separated by commas"
                    )
                ),
                once=True,
            ),
        },
    ),
    GEO_NS: (
        "geo",
        {
            "Point": _defined(_EVERYWHERE, _geo_point),
            "lat": _LATITUDE,
            "long": _LONGITUDE,
            "alt": _defined(
                _EVERYWHERE,
                _with_text(lambda v: None if _DECIMAL.fullmatch(v) else f"'{v}' is not a number"),
            ),
        },
    ),
    GEOURL_NS: ("geourl", {"latitude": _LATITUDE, "longitude": _LONGITUDE}),
    ICBM_NS: ("icbm", {"latitude": _LATITUDE, "longitude": _LONGITUDE}),
    GEORSS_NS: (
        "georss",
        {
            "point": _defined(_EVERYWHERE, _coordinates("pair", 2)),
            "line": _defined(_EVERYWHERE, _coordinates("list", 4)),
            "polygon": _defined(_EVERYWHERE, _coordinates("list", 4)),
            "box": _defined(_EVERYWHERE, _coordinates("box", 4)),
            "where": _defined(_EVERYWHERE, _gml),
            **dict.fromkeys(("featureTypeTag", "relationshipTag", "featureName"), _TEXT),
            "elev": _defined(
                _EVERYWHERE,
                _with_text(lambda v: None if _DECIMAL.fullmatch(v) else f"'{v}' is not a number"),
            ),
            "floor": _defined(
                _EVERYWHERE, _with_text(lambda v: _integer_problem(v.removeprefix("-")))
            ),
            "radius": _defined(
                _EVERYWHERE,
                _with_text(
                    lambda v: (
                        None
                        if _DECIMAL.fullmatch(v) and not v.startswith("-")
                        else f"'{v}' is not a distance"
                    )
                ),
            ),
        },
    ),
    WFW_NS: (
        "wfw",
        {
            "comment": _defined(_ITEMS, _uri_element, once=True),
            "commentRss": _defined(_ITEMS, _uri_element, once=True),
            "commentRSS": _defined(_ITEMS, _warn("is spelt commentRss", _uri_element), once=True),
        },
    ),
    TRACKBACK_NS: (
        "trackback",
        {
            "ping": _defined(_ITEMS, _uri_element, once=True),
            "about": _defined(_ITEMS, _uri_element),
        },
    ),
    CREATIVE_COMMONS_NS: (
        "creativeCommons",
        {"license": _defined(_EVERYWHERE, _uri_element)},
    ),
}
# Media RSS's namespace written without its trailing slash: a different namespace, which
# readers ignore, though feeds often write it.
_MEDIA_WITHOUT_SLASH = MEDIA_NS.rstrip("/")
_PLACE_NAMES = {CHANNEL: "a channel", ITEM: "an item", FEED: "a feed", ENTRY: "an entry"}


def extension_tags(declared: Collection[str] | None) -> tuple[str, ...]:
    """What ``extension_issues`` looks at, of the namespaces a document ``declared`` (None:
    unknown): lxml's patterns for the children in those feedtool checks."""
    return tuple(
        f"{{{namespace}}}*"
        for namespace in (*_TABLES, _MEDIA_WITHOUT_SLASH)
        if declared is None or namespace in declared
    )


_ALL = extension_tags(None)


def extension_issues(parent: Element, place: str, tags: tuple[str, ...] = _ALL) -> list[Issue]:
    """Problems in the extension elements that are children of ``parent``.

    ``place`` is what the parent is: ``channel`` or ``item`` (RSS), ``feed`` or ``entry``
    (Atom). ``tags`` (from ``extension_tags``) narrows the look to the namespaces a
    document declares.
    """
    issues: list[Issue] = []
    if not tags:
        return issues
    seen: set[str] = set()
    media_without_slash = False
    for child in parent.iterchildren(*tags):
        namespace, _, local = child.tag[1:].partition("}")
        if namespace == _MEDIA_WITHOUT_SLASH:
            if not media_without_slash:
                message = f"Media RSS's namespace is {MEDIA_NS}, with its final slash"
                issues.append(_issue(child, message))
                media_without_slash = True
            namespace = MEDIA_NS
        table = _TABLES.get(namespace)
        if table is None:
            continue
        prefix, elements = table
        name = f"{prefix}:{local}"
        defined = elements.get(local)
        if defined is None:
            issues.append(_issue(child, f"<{name}> is not an element of {prefix}'s namespace"))
        elif place not in defined.places:
            where = _PLACE_NAMES.get(place, f"<{place}>")
            issues.append(_issue(child, f"<{name}> is not defined in {where}"))
        else:
            if defined.once and name in seen:
                issues.append(_issue(child, f"<{name}> appears more than once"))
            seen.add(name)
            unexpected = [a for a in child.attrib if a[0] != "{" and a not in defined.attributes]
            if unexpected:
                issues.append(_issue(child, f"<{name}> has no attribute {unexpected[0]}"))
            issues += defined.check(child, name)
    return issues
