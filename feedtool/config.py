"""Settings: ``feedtool.toml`` in the working folder, overridden by command-line options."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feedtool.errors import ConfigError

CONFIG_NAME = "feedtool.toml"
DEFAULT_LIMIT = 50
DEFAULT_MAX_ENTRY_SIZE = 10 * 1024 * 1024
DEFAULT_ARCHIVE_SIZE = 100

# Every key the config file knows, with the type it must have. Unknown keys are errors:
# a typo such as `titel` would otherwise be silently ignored.
_KNOWN_KEYS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "site": {
        "title": str,
        "url": str,
        "description": str,
        "language": str,
        "author": str,
        "timezone": str,
        "id_authority": str,
    },
    "build": {
        "entries": str,
        "output": str,
        "limit": int,
        "summary_only": bool,
        "max_entry_size": int,
        "archive_size": int,
    },
}

_TYPE_NAMES = {str: "a string", int: "a whole number", bool: "true or false"}

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
    entries: Path = Path("entries")
    output: Path = Path("public")
    limit: int = DEFAULT_LIMIT
    summary_only: bool = False
    max_entry_size: int = DEFAULT_MAX_ENTRY_SIZE
    archive_size: int = DEFAULT_ARCHIVE_SIZE
    config_path: Path | None = None
    # Lines of each key in the config file, to point errors at them.
    key_lines: dict[str, int] = field(default_factory=dict, compare=False)

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
    nothing (``show``) pass ``require_url=False``. Raises ``ConfigError``.
    """
    path = config if config is not None else Path(CONFIG_NAME)
    values: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    if path.exists() or config is not None:
        values, key_lines = _read_config_file(path)
    base = path.parent
    settings = Settings(config_path=path if path.exists() else None, key_lines=key_lines)
    # Folders default to entries/ and public/ beside the config file, like the keys in it.
    fields: dict[str, Any] = {"entries": base / "entries", "output": base / "public"}
    for keys in values.values():
        for key, value in keys.items():
            if key == "output" and not value:  # else the site would go into this folder
                raise ConfigError(
                    '[build] output is empty: set it to the folder to publish into, e.g. "public"',
                    str(path),
                    key_lines.get("build.output"),
                )
            name = "timezone_name" if key == "timezone" else key
            fields[name] = base / value if key in ("entries", "output") else value
    for name, value in (overrides or {}).items():
        if value is not None:
            fields[name] = value
    settings = replace(settings, **fields)
    return _checked(settings, require_url)


def _read_config_file(path: Path) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
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
    values: dict[str, dict[str, Any]] = {}
    for table, keys in data.items():
        if table not in _KNOWN_KEYS or not isinstance(keys, dict):
            known = ", ".join(f"[{name}]" for name in _KNOWN_KEYS)
            raise ConfigError(
                f"unknown table [{table}] (known: {known})", str(path), key_lines.get(table)
            )
        for key, value in keys.items():
            line = key_lines.get(f"{table}.{key}")
            expected = _KNOWN_KEYS[table].get(key)
            if expected is None:
                known = ", ".join(_KNOWN_KEYS[table])
                raise ConfigError(f"unknown key {table}.{key} (known: {known})", str(path), line)
            # bool is an int in Python; `limit = true` is still a mistake.
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                raise ConfigError(
                    f"{table}.{key} must be {_TYPE_NAMES[expected]}, got {value!r}", str(path), line
                )
        values[table] = keys
    return values, key_lines


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


def _checked(settings: Settings, require_url: bool) -> Settings:
    config = settings.config_name
    # Point at the config file only when there is one.
    location = str(settings.config_path) if settings.config_path else None

    def fail(message: str, key: str) -> ConfigError:
        return ConfigError(message, location, settings.key_lines.get(key))

    url = settings.url
    if settings.url or require_url:
        url = _absolute_url(settings.url, config, location, settings.key_lines.get("site.url"))
    if settings.limit < 0:
        raise fail(
            f"limit must be 0 (all entries) or more, got {settings.limit} "
            "(--limit / [build] limit)",
            "build.limit",
        )
    if settings.max_entry_size <= 0:
        raise fail(
            "max_entry_size must be a positive number of bytes "
            "(--max-entry-size / [build] max_entry_size)",
            "build.max_entry_size",
        )
    if settings.archive_size <= 0:
        raise fail(
            f"archive_size must be 1 or more entries per archive page, got "
            f"{settings.archive_size} ([build] archive_size)",
            "build.archive_size",
        )
    try:
        ZoneInfo(settings.timezone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise fail(
            f"unknown time zone {settings.timezone_name!r} in [site] timezone "
            "(use an IANA name such as Europe/Paris or UTC)",
            "site.timezone",
        ) from None
    if settings.id_authority is not None and not _ID_AUTHORITY.match(settings.id_authority):
        raise fail(
            f"[site] id_authority {settings.id_authority!r} must be '<domain or email>,<date>' "
            "as in RFC 4151, e.g. 'example.org,2026'",
            "site.id_authority",
        )
    return replace(settings, url=url)


def _absolute_url(url: str | None, config: str, location: str | None, line: int | None) -> str:
    """The site URL, checked to be absolute http(s), ending in ``/``."""
    if not url:
        raise ConfigError(
            f"no site URL: pass --site-url or set [site] url in {config} "
            "(an absolute URL such as https://example.org/)",
            location,
            line,
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"site URL {url!r} is not absolute: pass --site-url or set [site] url "
            f"in {config} to a URL such as https://example.org/",
            location,
            line,
        )
    return url if url.endswith("/") else url + "/"
