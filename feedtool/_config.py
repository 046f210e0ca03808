"""Settings: ``feedtool.toml`` in the working folder, overridden by command-line options."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feedtool._entry import MAX_KEYWORDS, header_key
from feedtool._errors import ConfigError, ConfigProblems
from feedtool._language import is_language_tag

CONFIG_NAME = "feedtool.toml"
DEFAULT_LIMIT = 50
DEFAULT_MAX_ENTRY_SIZE = 10 * 1024 * 1024
DEFAULT_ARCHIVE_SIZE = 100
DEFAULT_MAX_KEYWORDS = MAX_KEYWORDS
# A build may write at most this many times the size of its articles, plus
# OUTPUT_SIZE_FLOOR (see feedtool._render.check_output_size). Sites of articles with 2-5
# keywords write 12-14 times their size, 22-26 times with every feed complete (--limit 0).
DEFAULT_MAX_OUTPUT_RATIO = 200
OUTPUT_SIZE_FLOOR = 100_000_000
# What `feedtool init` writes for the settings only the user can know; a build refuses it.
PLACEHOLDER = "CHANGE ME"

# Every key the config file knows, with the type it must have. Unknown keys are errors:
# a typo such as `titel` would otherwise be silently ignored.
KNOWN_KEYS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "site": {
        "title": str,
        "url": str,
        "description": str,
        "language": str,
        "author": str,
        "timezone": str,
        "id_authority": str,
        # One hub, or a list of them: each an absolute http(s) URL.
        "websub_hub": (str, list),
    },
    "build": {
        "entries": str,
        "output": str,
        "limit": int,
        "summary_only": bool,
        "max_entry_size": int,
        "archive_size": int,
        "max_keywords": int,
        "max_output_ratio": int,
    },
    "format": {
        "points_headers": list,
        "keyword_headers": list,
    },
}

# Keys that have no command-line option: a list of headers is a property of a site's
# articles, written once, and would not fit in one option's value.
FILE_ONLY_KEYS = frozenset({"format.points_headers", "format.keyword_headers"})

_TYPE_NAMES: dict[type | tuple[type, ...], str] = {
    str: "a string",
    int: "a whole number",
    bool: "true or false",
    list: "a list of strings",
    (str, list): "a string or a list of strings",
}

_ID_AUTHORITY = re.compile(
    r"^(?P<name>[A-Za-z0-9.-]+\.[A-Za-z]{2,}|[^@\s,]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}),"
    r"(?P<date>\d{4}(?:-\d{2}(?:-\d{2})?)?)$"
)


@dataclass(frozen=True)
class Settings:
    """Everything a build needs to know besides the entries themselves."""

    title: str = "feedtool site"
    url: str | None = None
    description: str = ""
    language: str | None = None
    author: str | None = None
    timezone_name: str = "UTC"
    id_authority: str | None = None
    # WebSub hubs the subscription feeds name, and that `build --ping` notifies.
    websub_hubs: tuple[str, ...] = ()
    entries: Path = Path("entries")
    output: Path = Path("public")
    limit: int = DEFAULT_LIMIT
    summary_only: bool = False
    max_entry_size: int = DEFAULT_MAX_ENTRY_SIZE
    archive_size: int = DEFAULT_ARCHIVE_SIZE
    max_keywords: int = DEFAULT_MAX_KEYWORDS
    max_output_ratio: int = DEFAULT_MAX_OUTPUT_RATIO
    # Headers the site's articles use besides the format's own (entry.POINTS_HEADERS and
    # entry.KEYWORDS_HEADERS); see entry.article_headers.
    points_headers: tuple[str, ...] = ()
    keyword_headers: tuple[str, ...] = ()
    config_path: Path | None = None
    # Lines of each key in the config file, to point errors at them.
    key_lines: dict[str, int] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        # One hub may be given as a string (`websub_hub = "https://hub.example/"`).
        hubs = self.websub_hubs
        object.__setattr__(self, "websub_hubs", (hubs,) if isinstance(hubs, str) else tuple(hubs))

    @property
    def timezone(self) -> tzinfo:
        return ZoneInfo(self.timezone_name)

    @property
    def config_name(self) -> str:
        return str(self.config_path) if self.config_path else CONFIG_NAME


def load_settings(
    config: Path | None = None,
    overrides: dict[str, Any] | None = None,
    require_url: bool = True,
) -> Settings:
    """Read the config file (``feedtool.toml`` in the working folder when present), apply overrides.

    Paths in the file are relative to the file's folder. ``overrides`` maps setting names to
    values given on the command line; ``None`` values are ignored. Commands that publish
    nothing (``show``, ``new``) pass ``require_url=False``. Every problem is found before
    any is reported: raises ``ConfigError`` for one, ``ConfigProblems`` for several.
    """
    path = config if config is not None else Path(CONFIG_NAME)
    found = path.exists()
    values: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    problems: list[ConfigError] = []
    if found or config is not None:
        values, key_lines, problems = _read_config_file(path)
    base = path.parent
    # Folders default to entries/ and public/ beside the config file, like the keys in it.
    fields: dict[str, Any] = {"entries": base / "entries", "output": base / "public"}
    for name, value in values.items():
        fields[name] = base / value if name in ("entries", "output") else value
    given = {name: value for name, value in (overrides or {}).items() if value is not None}
    fields.update(given)
    for name in _HEADER_LISTS:
        # A library caller may give a list; settings hold tuples, to stay hashable.
        if isinstance(fields.get(name), list):
            fields[name] = tuple(fields[name])
    settings = Settings(config_path=path if found else None, key_lines=key_lines, **fields)
    if not found and config is None and require_url and not settings.url:
        # An empty folder: one pointer to `init` beats one missing setting at a time.
        raise ConfigError(
            f"no {CONFIG_NAME} here; run `feedtool init` to start a site "
            "(or pass --site-url and the other settings as options)"
        )
    location = str(path) if found else None
    for key, message in _setting_problems(settings, require_url):
        name = key.split(".")[1]
        from_file = _FIELD_NAMES.get(name, name) not in given
        line = key_lines.get(key) if from_file else None
        problems.append(ConfigError(message, location if from_file else None, line))
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ConfigProblems(sorted(problems, key=lambda problem: problem.line or 0))
    if settings.url and not settings.url.endswith("/"):
        settings = replace(settings, url=settings.url + "/")
    return settings


# The folder keys: what each folder is for, and its usual name.
_FOLDER_KEYS = {
    "entries": ("read the articles from", "entries"),
    "output": ("publish into", "public"),
}
# Settings fields whose name differs from their key in the file.
_FIELD_NAMES = {"timezone": "timezone_name", "websub_hub": "websub_hubs"}
_HEADER_LISTS = ("points_headers", "keyword_headers")


def _read_config_file(
    path: Path,
) -> tuple[dict[str, Any], dict[str, int], list[ConfigError]]:
    """The file's settings by field name, the line of each key, and its problems."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("config file not found", str(path)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read config file: {error}", str(path)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        raise ConfigError(
            f"not valid TOML: {error}", str(path), int(match.group(1)) if match else None
        ) from None
    key_lines = _key_lines(text)
    values: dict[str, Any] = {}
    problems = []
    for table, keys in data.items():
        if table not in KNOWN_KEYS or not isinstance(keys, dict):
            known = ", ".join(f"[{name}]" for name in KNOWN_KEYS)
            message = f"unknown table [{table}] (known: {known})"
            problems.append(ConfigError(message, str(path), key_lines.get(table)))
            continue
        for key, value in keys.items():
            line = key_lines.get(f"{table}.{key}")
            expected = KNOWN_KEYS[table].get(key)
            if expected is None:
                known = ", ".join(KNOWN_KEYS[table])
                message = f"unknown key {table}.{key} (known: {known})"
                problems.append(ConfigError(message, str(path), line))
            # bool is an int in Python; `limit = true` is still a mistake.
            elif (
                not isinstance(value, expected)
                or (expected is int and isinstance(value, bool))
                or (expected is list and not all(isinstance(item, str) for item in value))
            ):
                message = f"{table}.{key} must be {_TYPE_NAMES[expected]}, got {value!r}"
                problems.append(ConfigError(message, str(path), line))
            elif expected is list:
                values[key] = tuple(value)
            elif key in _FOLDER_KEYS and not value.strip():
                purpose, example = _FOLDER_KEYS[key]
                message = (
                    f'[{table}] {key} is empty: set it to the folder to {purpose}, e.g. "{example}"'
                )
                problems.append(ConfigError(message, str(path), line))
            else:
                values[_FIELD_NAMES.get(key, key)] = value
    return values, key_lines, problems


def _key_lines(text: str) -> dict[str, int]:
    """Map ``table`` and ``table.key`` to the line that defines them (tomllib gives no lines)."""
    lines: dict[str, int] = {}
    table = ""
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"^\s*\[\s*([A-Za-z0-9_-]+)\s*\]", line)
        if header:
            table = header.group(1)
            lines.setdefault(table, number)
            continue
        key = re.match(r"^\s*([A-Za-z0-9_-]+)\s*=", line)
        if key:
            lines.setdefault(f"{table}.{key.group(1)}", number)
    return lines


# The settings that are text, by key: the field that holds each and its option (None:
# only in the file). A control character in any of them would reach a feed or a page,
# which XML forbids (or which shows as garbage), or make a folder name no one can type.
_TEXT_SETTINGS = {
    "site.title": ("title", "--title"),
    "site.url": ("url", "--site-url"),
    "site.description": ("description", "--description"),
    "site.language": ("language", "--language"),
    "site.author": ("author", "--author"),
    "site.timezone": ("timezone_name", "--timezone"),
    "site.id_authority": ("id_authority", "--id-authority"),
    "build.entries": ("entries", "--entries"),
    "build.output": ("output", "--output"),
    "format.points_headers": ("points_headers", None),
    "format.keyword_headers": ("keyword_headers", None),
}
# C0 and C1 controls, DEL, and the two non-characters XML forbids. The description may
# span lines (a TOML multi-line string): tab and line ends are text there.
_CONTROL_CHARACTER = re.compile("[\x00-\x1f\x7f-\x9f\ufffe\uffff]")
_CONTROL_IN_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def _setting_problems(settings: Settings, require_url: bool) -> Iterator[tuple[str, str]]:
    """Each setting that cannot be used, as its key and what is wrong with it; a setting
    with a control character in it only for that, the first thing to fix."""
    controls = dict(_control_problems(settings))
    yield from controls.items()
    for key, message in _value_problems(settings, require_url):
        if key not in controls:
            yield key, message


def _control_problems(settings: Settings) -> Iterator[tuple[str, str]]:
    """The text settings that hold a control character (see ``_TEXT_SETTINGS``)."""
    for key, (name, option) in _TEXT_SETTINGS.items():
        value = getattr(settings, name)
        values = value if isinstance(value, tuple) else (value,)
        pattern = _CONTROL_IN_LINES if name == "description" else _CONTROL_CHARACTER
        for text in values:
            found = pattern.search(str(text)) if isinstance(text, str | Path) else None
            if found:
                table, key_name = key.split(".")
                where = f"{option} / [{table}] {key_name}" if option else f"[{table}] {key_name}"
                code, position = ord(found.group()), found.start() + 1
                yield (
                    key,
                    (
                        f"{key_name} {str(text)!r} holds the control character U+{code:04X} "
                        f"(character {position}): remove it ({where})"
                    ),
                )
                break


def _value_problems(settings: Settings, require_url: bool) -> Iterator[tuple[str, str]]:
    """Each setting that cannot be used, as its key and what is wrong with it."""
    config = settings.config_name
    if settings.url or require_url:
        problem = _url_problem(settings.url, config)
        if problem:
            yield "site.url", problem
    if not settings.title.strip():
        yield "site.title", "the site title is empty (--title / [site] title)"
    if settings.language is not None and not is_language_tag(settings.language):
        yield (
            "site.language",
            (
                f"language {settings.language!r} is not a BCP 47 language tag "
                "(--language / [site] language), e.g. en, fr-CA, zh-Hant"
            ),
        )
    if settings.limit < 0:
        yield (
            "build.limit",
            (
                f"limit must be 0 (all entries) or more, got {settings.limit} "
                "(--limit / [build] limit)"
            ),
        )
    if settings.max_entry_size <= 0:
        yield (
            "build.max_entry_size",
            (
                "max_entry_size must be a positive number of bytes "
                "(--max-entry-size / [build] max_entry_size)"
            ),
        )
    if settings.archive_size <= 0:
        yield (
            "build.archive_size",
            (
                f"archive_size must be 1 or more entries per archive page, got "
                f"{settings.archive_size} (--archive-size / [build] archive_size)"
            ),
        )
    if settings.max_output_ratio <= 0:
        yield (
            "build.max_output_ratio",
            (
                f"max_output_ratio must be 1 or more, got {settings.max_output_ratio} "
                "(--max-output-ratio / [build] max_output_ratio)"
            ),
        )
    if settings.max_keywords <= 0:
        yield (
            "build.max_keywords",
            (
                f"max_keywords must be 1 or more keywords per article, got "
                f"{settings.max_keywords} (--max-keywords / [build] max_keywords)"
            ),
        )
    yield from _header_problems(settings)
    try:
        ZoneInfo(settings.timezone_name)
    except (ZoneInfoNotFoundError, ValueError):
        yield (
            "site.timezone",
            (
                f"unknown time zone {settings.timezone_name!r} (--timezone / [site] timezone): "
                "use an IANA name such as Europe/Paris or UTC"
            ),
        )
    yield from _hub_problems(settings.websub_hubs)
    authority = settings.id_authority
    if authority is not None and authority.startswith(PLACEHOLDER):
        yield (
            "site.id_authority",
            (
                "[site] id_authority is still the placeholder `feedtool init` wrote: set it to "
                "a domain (or email address) you held and a date, e.g. 'example.org,2026'"
            ),
        )
    elif authority is not None and not _ID_AUTHORITY.match(authority):
        yield (
            "site.id_authority",
            (
                f"id_authority {authority!r} must be '<domain or email>,<date>' "
                "as in RFC 4151, e.g. 'example.org,2026' (--id-authority / [site] id_authority)"
            ),
        )


def _header_problems(settings: Settings) -> Iterator[tuple[str, str]]:
    """Headers in [format] that no line could match."""
    for name in _HEADER_LISTS:
        for header in getattr(settings, name):
            if not isinstance(header, str):
                yield f"format.{name}", f"format.{name} must be a list of strings, got {header!r}"
                continue
            key = header_key(header)
            if not key:
                yield (
                    f"format.{name}",
                    f"[format] {name}: {header!r} is not a header: it has no words",
                )
            elif name == "keyword_headers" and ":" in key:
                yield (
                    f"format.{name}",
                    (
                        f"[format] {name}: {header!r} has a colon inside; a keywords line is "
                        "the header, a colon and the keywords, so the header cannot hold one"
                    ),
                )


def _hub_problems(hubs: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """Each WebSub hub that is not an absolute http(s) URL, or is named twice."""
    seen: set[str] = set()
    for hub in hubs:
        if not isinstance(hub, str):
            message = f"site.websub_hub must be a string or a list of strings, got {hub!r}"
            yield "site.websub_hub", message
            continue
        try:
            parts = urlsplit(hub)
            host = parts.hostname if parts.scheme in ("http", "https") else None
        except ValueError:  # an unclosed [ of an IPv6 address
            host = None
        if not host or any(char.isspace() or not char.isprintable() for char in hub):
            yield (
                "site.websub_hub",
                (
                    f"WebSub hub {hub!r} is not an absolute http(s) URL "
                    "(--websub-hub / [site] websub_hub), e.g. https://pubsubhubbub.appspot.com/"
                ),
            )
        elif hub in seen:
            yield (
                "site.websub_hub",
                f"WebSub hub {hub!r} is named twice (--websub-hub / [site] websub_hub)",
            )
        seen.add(hub)


def _url_problem(url: str | None, config: str) -> str | None:
    """What keeps ``url`` from being the site URL: absolute http(s)."""
    if not url:
        return (
            f"no site URL: pass --site-url or set [site] url in {config} "
            "(an absolute URL such as https://example.org/)"
        )
    if url.startswith(PLACEHOLDER):
        return (
            f"[site] url in {config} is still the placeholder `feedtool init` wrote: set it "
            "to the absolute URL the site is published at, e.g. https://example.org/news/"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return (
            f"site URL {url!r} is not absolute: pass --site-url or set [site] url "
            f"in {config} to a URL such as https://example.org/"
        )
    return None
