"""Date checks: RFC 822 for RSS, RFC 3339 for Atom and JSON Feed, W3CDTF for Dublin Core.

Each check returns (code, message) pairs, empty when the date is good, so one date can
be both, say, written with a two-digit year and wrong in its day name.
"""

from __future__ import annotations

import datetime
import re

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_NAMED_ZONES = frozenset({"UT", "GMT", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT"})
# RFC 822's military zones, one letter each (J is not used); Z is UT.
_MILITARY_ZONES = frozenset("ABCDEFGHIKLMNOPQRSTUVWXYZ")

_RFC822 = re.compile(
    r"""(?:(?P<weekday>[A-Za-z]+)\s*,\s*)?
        (?P<day>\d{1,2})\s+(?P<month>[A-Za-z]+)\s+(?P<year>\d+)\s+
        (?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?\s+
        (?P<zone>[A-Za-z]+|[+-]\d{4})""",
    re.VERBOSE,
)
_RFC3339 = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})T(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})"
    r"(?:\.\d+)?(?P<zone>Z|[+-]\d{2}:\d{2})?",
    re.IGNORECASE,
)
# W3CDTF (https://www.w3.org/TR/NOTE-datetime): a year, a month or a day, or a time to
# the minute, second or fraction of a second, which then needs its zone.
_W3CDTF = re.compile(
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})(?:T(?P<hour>\d{2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:\.\d*)?)?(?P<zone>Z|[+-]\d{2}:\d{2})?)?)?)?"
)
_RSS_EXAMPLE = "Sat, 10 Sep 2022 08:00:00 +0000"
_RFC3339_EXAMPLE = "2022-09-10T08:00:00Z"


def check_rfc822(value: str) -> list[tuple[str, str]]:
    """Problems with an RSS date (RFC 822, with RFC 2822's four-digit years)."""
    text = value.strip()
    match = _RFC822.fullmatch(text)
    if match is None:
        if "(" in text and _RFC822.fullmatch(_without_comments(text)):
            message = f"'{text}' holds comments (in parentheses), which few readers understand"
            return [("W-DATE-COMMENT", message)]
        return [("E-DATE-RFC822", f"'{text}' is not an RFC 822 date like '{_RSS_EXAMPLE}'")]
    weekday, month, year, zone = (
        match["weekday"],
        match["month"].capitalize(),
        match["year"],
        match["zone"].upper(),
    )
    if month not in _MONTHS:
        return [("E-DATE-RFC822", f"'{text}': '{match['month']}' is not a month name")]
    if len(year) not in (2, 4):
        return [("E-DATE-RFC822", f"'{text}': the year must have four digits")]
    problems: list[tuple[str, str]] = []
    full_year = int(year)
    if len(year) == 2:
        # RFC 2822 section 4.3: 00-49 are 2000-2049, 50-99 are 1950-1999.
        full_year += 2000 if full_year < 50 else 1900
        problems.append(("W-DATE-YEAR", f"'{text}': two-digit year; write {full_year}"))
    try:
        date = datetime.date(full_year, _MONTHS.index(month) + 1, int(match["day"]))
    except ValueError:
        return [("E-DATE-RFC822", f"'{text}': {month} {full_year} has no day {match['day']}")]
    if not _valid_time(match["hour"], match["minute"], match["second"]):
        return [("E-DATE-RFC822", f"'{text}': the time of day is out of range")]
    zone_problem = _rfc822_zone_problem(zone)
    if zone_problem is not None:
        problems.append((zone_problem[0], f"'{text}': {zone_problem[1]}"))
    if weekday is not None:
        if weekday.capitalize() not in _WEEKDAYS:
            problems.append(("E-DATE-RFC822", f"'{text}': '{weekday}' is not a day name"))
        elif weekday.capitalize() != _WEEKDAYS[date.weekday()]:
            actual = _DAY_NAMES[date.weekday()]
            problems.append(("E-DATE-WEEKDAY", f"'{text}': {date.isoformat()} is a {actual}"))
    return problems


def _without_comments(text: str) -> str:
    """RFC 822's comments (nested parentheses, with \\-escapes) as spaces; one pass.

    A parenthesis left open or closed twice stays, so the date does not match.
    """
    kept: list[str] = []
    depth = 0
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            if not depth:
                kept.append(" ")
        elif not depth:
            kept.append(char)
    if depth:
        return text
    return " ".join("".join(kept).split())


def check_rfc3339(value: str, upper_case: bool = False) -> list[tuple[str, str]]:
    """Problems with an RFC 3339 date-time; ``upper_case`` for Atom, whose T and Z must be."""
    match = _RFC3339.fullmatch(value)
    if match is None:
        message = f"'{value}' is not an RFC 3339 date-time like '{_RFC3339_EXAMPLE}'"
        return [("E-DATE-RFC3339", message)]
    zone = match["zone"]
    if zone is None:
        return [("E-DATE-RFC3339", f"'{value}' has no time zone (add Z or an offset)")]
    if upper_case and (value[10] == "t" or zone == "z"):
        return [("E-DATE-RFC3339", f"'{value}': Atom dates need upper-case T and Z")]
    try:
        datetime.date.fromisoformat(match["date"])
    except ValueError:
        return [("E-DATE-RFC3339", f"'{value}': {match['date']} is not a date")]
    zone_ok = zone.upper() == "Z" or (int(zone[1:3]) <= 23 and int(zone[4:6]) <= 59)
    if not _valid_time(match["hour"], match["minute"], match["second"]) or not zone_ok:
        return [("E-DATE-RFC3339", f"'{value}': the time or zone is out of range")]
    return []


def check_w3cdtf(value: str) -> list[tuple[str, str]]:
    """Problems with a Dublin Core date: W3CDTF, whose times need a zone."""
    match = _W3CDTF.fullmatch(value)
    if match is None:
        message = f"'{value}' is not a W3C date like 2022-09-10 or '{_RFC3339_EXAMPLE}'"
        return [("E-DATE-W3CDTF", message)]
    if match["hour"] is not None and match["zone"] is None:
        return [("E-DATE-W3CDTF", f"'{value}' has a time but no time zone (add Z or an offset)")]
    try:
        datetime.date(int(match["year"]), int(match["month"] or 1), int(match["day"] or 1))
    except ValueError:
        return [("E-DATE-W3CDTF", f"'{value}' is not a date of the calendar")]
    if match["hour"] is not None and not _valid_time(
        match["hour"], match["minute"], match["second"]
    ):
        return [("E-DATE-W3CDTF", f"'{value}': the time of day is out of range")]
    return []


def _valid_time(hour: str, minute: str, second: str | None) -> bool:
    # 60 seconds: a leap second, which both RFCs allow.
    return int(hour) <= 23 and int(minute) <= 59 and int(second or 0) <= 60


def _rfc822_zone_problem(zone: str) -> tuple[str, str] | None:
    if zone[0] in "+-":
        if int(zone[1:3]) > 23 or int(zone[3:5]) > 59:
            return ("E-DATE-RFC822", f"zone {zone} is out of range")
        return None
    if zone in _NAMED_ZONES or zone == "Z":
        return None
    if len(zone) == 1 and zone in _MILITARY_ZONES:
        # RFC 1123 and RFC 2822 note that RFC 822 got these signs backwards.
        return ("W-DATE-ZONE", f"military zone {zone} is ambiguous; write a numeric offset")
    return ("E-DATE-RFC822", f"'{zone}' is not an RFC 822 zone (use +0000 or GMT)")
