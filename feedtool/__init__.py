"""feedtool: publish a folder of plain-text articles as RSS, Atom and JSON feeds with pages.

The API is the names in ``__all__``; every module (``feedtool._build``, ...) is private
and may change. Each function takes plain values and returns values: none prints, none
exits, and every problem a user can cause is a ``FeedtoolError`` naming its file and line.

    from pathlib import Path
    import feedtool

    settings = feedtool.load_settings(Path("feedtool.toml"))
    report = feedtool.build(settings)
    reports = feedtool.validate([str(settings.output)])
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Each name of the API and the private module it lives in, imported on first use: the
# command line imports this package for the version, and the validator loads slowly.
_API = {
    "load_settings": "_config",
    "Settings": "_config",
    "init_site": "_init",
    "InitResult": "_init",
    "parse_entry": "_entry",
    "Entry": "_entry",
    "build": "_build",
    "BuildReport": "_build",
    "PublishResult": "_publish",
    "validate": "_validate",
    "validate_document": "_validate",
    "Report": "_validate",
    "Finding": "_validate",
    "FeedtoolError": "_errors",
    "ConfigError": "_errors",
    "EntryError": "_errors",
    "PublishError": "_errors",
    "EntriesRejected": "_build",
    "BuildRejected": "_publish",
}
# An API name that differs from its name in its module.
_RENAMED = {"validate": "validate_targets"}

__all__ = sorted(_API)

if TYPE_CHECKING:
    # For type checkers; at run time __getattr__ imports each name on first use.
    from feedtool._build import BuildReport, EntriesRejected, build  # noqa: F401
    from feedtool._config import Settings, load_settings  # noqa: F401
    from feedtool._entry import Entry, parse_entry  # noqa: F401
    from feedtool._errors import ConfigError, EntryError, FeedtoolError, PublishError  # noqa: F401
    from feedtool._init import InitResult, init_site  # noqa: F401
    from feedtool._publish import BuildRejected, PublishResult  # noqa: F401
    from feedtool._validate import Finding, Report, validate_document  # noqa: F401
    from feedtool._validate import validate_targets as validate  # noqa: F401


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'feedtool' has no attribute {name!r}")
    value = getattr(import_module(f"feedtool.{_API[name]}"), _RENAMED.get(name, name))
    globals()[name] = value  # found once; later lookups do not come here
    return value


def __dir__() -> list[str]:
    return [*__all__, "__version__"]
