"""A whole build: read, parse, collect, render, check and publish (or compare)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from feedtool.config import Settings
from feedtool.errors import Diagnostic, EntryError, FeedtoolError
from feedtool.publish import Checker, PublishResult, plan, publish
from feedtool.render import FEED_NAMES, planned_output_count, render_site
from feedtool.site import Site, collect_site, future_date_warnings
from feedtool.sources import read_entries

# Below this many entries a build is over before a progress bar could help.
PROGRESS_MIN_ENTRIES = 300


class EntriesRejected(FeedtoolError):
    """Some entries are invalid and ``--skip-invalid`` was not given: nothing is published."""

    def __init__(self, errors: tuple[EntryError, ...]):
        super().__init__(
            f"{len(errors)} invalid entr{'y' if len(errors) == 1 else 'ies'}; nothing published "
            "(fix them, or publish the rest with --skip-invalid)"
        )
        self.errors = errors


@dataclass
class BuildReport:
    """What a build read and wrote, for the one-line summary."""

    site: Site
    result: PublishResult
    warnings: list[Diagnostic] = field(default_factory=list)
    feeds: int = 0
    pages: int = 0
    seconds: float = 0.0

    @property
    def entries(self) -> int:
        return len(self.site.entries)


def load_site(
    settings: Settings, skip_invalid: bool = False, now: datetime | None = None
) -> tuple[Site, list[Diagnostic]]:
    """Read the entries folder into a ``Site``; raises ``EntriesRejected`` on invalid entries.

    With ``skip_invalid`` the invalid entries become warnings and the rest are kept.
    """
    read = read_entries(settings)
    warnings = list(read.warnings)
    if read.errors:
        if not skip_invalid:
            raise EntriesRejected(read.errors)
        warnings.extend(
            Diagnostic("warning", f"skipped: {error.message}", error.path, error.line)
            for error in read.errors
        )
    site = collect_site(read.entries, settings)
    warnings.extend(future_date_warnings(site.entries, now or datetime.now(UTC)))
    if not settings.id_authority:
        warnings.append(
            Diagnostic(
                "warning",
                f"no [site] id_authority: entry ids are tag: URIs under {site.id_authority!r}, "
                "so they change if the site's host changes; set id_authority to keep them",
                settings.config_name,
            )
        )
    return site, warnings


def build(
    settings: Settings,
    *,
    check_only: bool = False,
    skip_invalid: bool = False,
    checker: Checker | None = None,
    progress: Callable[[int], AbstractContextManager[Any]] | None = None,
) -> BuildReport:
    """Build the site into the output folder, or with ``check_only`` compare without writing.

    ``progress(total)`` makes a bar (with ``update(n)``) for builds of many entries.
    """
    started = time.perf_counter()
    site, warnings = load_site(settings, skip_invalid=skip_invalid)
    report = BuildReport(site=site, result=PublishResult(), warnings=warnings)
    files = _counted(render_site(site), report)
    show_progress = progress is not None and len(site.entries) >= PROGRESS_MIN_ENTRIES
    with progress(planned_output_count(site)) if show_progress else nullcontext() as bar:
        if bar is not None:
            files = _advancing(files, bar)
        if check_only:
            report.result = plan(settings.output, files)
        else:
            report.result = publish(settings.output, files, check=checker)
    report.seconds = time.perf_counter() - started
    return report


def _advancing(files: Iterable[tuple[str, bytes]], bar: Any) -> Iterator[tuple[str, bytes]]:
    for item in files:
        yield item
        bar.update(1)


def _counted(
    files: Iterable[tuple[str, bytes]], report: BuildReport
) -> Iterator[tuple[str, bytes]]:
    for relative, data in files:
        name = relative.rsplit("/", 1)[-1]
        if name in FEED_NAMES:
            report.feeds += 1
        elif name.endswith(".html"):
            report.pages += 1
        yield relative, data
