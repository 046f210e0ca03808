"""A whole build: read, parse, collect, render, check and publish (or compare)."""

from __future__ import annotations

import gc
import os
import shutil
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

from feedtool.cache import BuildCache, CacheHead, cache_folder, settings_key
from feedtool.config import Settings
from feedtool.errors import Diagnostic, EntryError, FeedtoolError
from feedtool.processes import leave_when_orphaned
from feedtool.publish import (
    Checker,
    OutputData,
    PreparedFile,
    PublishResult,
    check_relative,
    clean_stale_staging,
    make_work_folder,
    output_state,
    plan,
    publish,
    stage_folder,
    write_new_file,
)
from feedtool.site import Site, collect_site, future_date_warnings
from feedtool.sources import (
    ReadResult,
    Scan,
    ScannedFile,
    input_fingerprint,
    read_body,
    read_entries,
)

if TYPE_CHECKING:
    from feedtool.render import Output
    from feedtool.render.pieces import PieceStore

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

    entries: int
    result: PublishResult
    warnings: list[Diagnostic] = field(default_factory=list)
    feeds: int = 0
    pages: int = 0
    seconds: float = 0.0
    # True when the cache showed that no input changed: nothing was parsed or rendered.
    nothing_changed: bool = False


def load_site(
    settings: Settings,
    skip_invalid: bool = False,
    now: datetime | None = None,
    cache: BuildCache | None = None,
    scanned: tuple[list[ScannedFile], list[Diagnostic]] | None = None,
    pieces_folder: Path | None = None,
) -> tuple[Site, list[Diagnostic], ReadResult]:
    """Read the entries folder into a ``Site``; raises ``EntriesRejected`` on invalid entries.

    With ``skip_invalid`` the invalid entries become warnings and the rest are kept. With
    a ``pieces_folder``, entries' pieces are rendered there as they are parsed.
    """
    read = read_entries(settings, cache, scanned, pieces_folder)
    warnings = list(read.warnings)
    if read.errors:
        if not skip_invalid:
            raise EntriesRejected(read.errors)
        warnings.extend(
            Diagnostic("warning", f"skipped: {error.message}", error.path, error.line)
            for error in read.errors
        )
    site = collect_site(read.entries, settings, lambda entry: read_body(entry, settings))
    warnings.extend(future_date_warnings(site.entries, now or datetime.now(UTC)))
    if not settings.id_authority:
        warnings.append(
            Diagnostic(
                "warning",
                f"no [site] id_authority: entry ids are tag: URIs under {site.id_authority!r}, "
                "so they change if the site's host changes; set id_authority to keep them",
                str(settings.config_path) if settings.config_path else None,
            )
        )
    return site, warnings, read


def build(
    settings: Settings,
    *,
    check_only: bool = False,
    skip_invalid: bool = False,
    use_cache: bool = True,
    progress: Callable[[int], AbstractContextManager[Any]] | None = None,
) -> BuildReport:
    """Build the site into the output folder, or with ``check_only`` compare without writing.

    With ``use_cache`` (the default) the cache in ``.feedtool-cache/`` lets a build skip
    what did not change: parsing unchanged files, rendering unchanged outputs, and
    everything when no input changed. ``check_only`` always renders and compares every
    file. ``progress(total)`` makes a bar (with ``update(n)``) for builds of many entries.
    """
    started = time.perf_counter()
    key = settings_key(settings)
    cache = BuildCache(cache_folder(settings) if use_cache and not check_only else None, key)
    # Reading a site makes hundreds of thousands of objects that live as long as the build
    # and hold no reference cycles: the cycle collector would walk them all again and again.
    # It is off while they are made, and they are set aside (gc.freeze) when it comes back.
    collecting = gc.isenabled()
    gc.disable()
    try:
        report = _build(settings, cache, check_only, skip_invalid, progress)
    finally:
        cache.close()
        gc.unfreeze()  # a long-running process (serve --watch) builds again
        (gc.enable if collecting else gc.disable)()
    report.warnings[:0] = cache.warnings
    report.seconds = time.perf_counter() - started
    return report


def _build(
    settings: Settings,
    cache: BuildCache,
    check_only: bool,
    skip_invalid: bool,
    progress: Callable[[int], AbstractContextManager[Any]] | None,
) -> BuildReport:
    previous = cache.previous
    # With a files table to read, it is read while another process scans the files: most
    # builds find something changed and need both, and one that finds nothing changed
    # stops reading when the scan is done.
    scan = Scan(settings.entries, background=cache.has_files)
    if cache.has_files:
        cache.preload_files(until=scan.done)
    # Only a cache keeps the fingerprint, to compare it with the next build's.
    fingerprint = ""
    if cache.persistent:
        fingerprint = input_fingerprint(cache.key, scan.digest(), settings, previous.needs_git)
    unchanged = cache.persistent and fingerprint == previous.fingerprint
    published_state = output_state(settings.output)
    published_as_left = bool(published_state) and published_state == previous.output_state
    if unchanged and published_as_left:
        clean_stale_staging(settings.output)
        entries, feeds, pages = previous.summary
        result = PublishResult(unchanged=previous.output_count)
        return BuildReport(
            entries, result, list(previous.warnings), feeds, pages, nothing_changed=True
        )
    from feedtool.render.pieces import PieceStore  # see _render_and_publish on late imports

    scanned = scan.result()
    folder = make_work_folder(settings.output)
    try:
        site, warnings, read = load_site(
            settings, skip_invalid, cache=cache, scanned=scanned, pieces_folder=folder
        )
        _set_aside_what_was_read()
        pieces = PieceStore(site, folder, read.pieces)
        try:
            report = BuildReport(len(site.entries), PublishResult(), warnings)
            _render_and_publish(
                settings, cache, check_only, progress, site, read, pieces, published_as_left, report
            )
            if cache.persistent and not check_only:
                _save_cache(cache, scan, settings, fingerprint, read, report)
            return report
        finally:
            pieces.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _set_aside_what_was_read() -> None:
    """The objects made so far live until the build ends: out of the collector's sight
    (forked processes gain too: it no longer touches, and so copies, their pages)."""
    gc.freeze()
    gc.enable()


def _render_and_publish(
    settings: Settings,
    cache: BuildCache,
    check_only: bool,
    progress: Callable[[int], AbstractContextManager[Any]] | None,
    site: Site,
    read: ReadResult,
    pieces: PieceStore,
    published_as_left: bool,
    report: BuildReport,
) -> None:
    # Imported here, not at the top: a build that finds nothing changed never needs the
    # renderers or the validator, and starts faster without them.
    from feedtool.render import SiteRenderer, planned_output_count

    keyed = cache.persistent  # keys are kept for the next build, and compared with the last
    previous_keys = cache.previous_outputs()
    if not published_as_left:
        # The output folder changed since the last build: skip only files still there.
        previous_keys = {
            path: key
            for path, key in previous_keys.items()
            if os.path.isfile(os.path.join(settings.output, path))
        }
    renderer = SiteRenderer(
        site,
        pieces,
        cache.key,
        read.versions if keyed else None,
        keyed,
        # With the same entries in the same order, unchanged outputs keep their keys.
        previous_keys=None if read.reordered else previous_keys,
    )
    outputs = renderer.outputs()
    checks: dict[str, bytes] = {}
    checker: Checker = FeedChecker(settings.output, checks)
    # Many outputs are to be made when nothing was published before, when many entries
    # changed, or when entries came, went or moved (listing pages shift); a rebuild after
    # a few edits makes few, and skips the extra pass.
    much_to_make = (
        not previous_keys or len(read.pieces) >= PARALLEL_RENDER_MIN_OUTPUTS or read.reordered
    )
    if not check_only and _cores() > 1 and much_to_make:
        # A first pass for the outputs to share out; the second yields every output in order.
        to_make = [
            output
            for output in renderer.outputs()
            if output.work and previous_keys.get(output.path) != output.key
        ]
        if len(to_make) >= PARALLEL_RENDER_MIN_OUTPUTS:
            renderer.share_checks()
            rendering = ParallelRendering(to_make, pieces.folder, settings.output)
            outputs, checker = rendering.outputs(renderer.outputs()), rendering
    files = _rendered(outputs, previous_keys, cache, checks, report)
    show_progress = progress is not None and len(site.entries) >= PROGRESS_MIN_ENTRIES
    with progress(planned_output_count(site)) if show_progress else nullcontext() as bar:
        if bar is not None:
            files = _advancing(files, bar)
        if check_only:
            report.result = plan(settings.output, files)
        else:
            stage = stage_folder(pieces.folder)
            report.result = publish(settings.output, files, check=checker, staging=stage)


def _save_cache(
    cache: BuildCache,
    scan: Scan,
    settings: Settings,
    fingerprint: str,
    read: ReadResult,
    report: BuildReport,
) -> None:
    if read.needs_git != cache.previous.needs_git:
        fingerprint = input_fingerprint(cache.key, scan.digest(), settings, read.needs_git)
    head = CacheHead(
        settings_key=cache.key,
        # After skipped invalid entries, the next build must report them again.
        fingerprint="" if read.errors else fingerprint,
        needs_git=read.needs_git,
        output_state=output_state(settings.output),
        summary=(report.entries, report.feeds, report.pages),
        warnings=tuple(report.warnings),
    )
    cache.save(head, read.files, read.versions)


def _rendered(
    outputs: Iterable[Output],
    previous: dict[str, str],
    cache: BuildCache,
    checks: dict[str, bytes],
    report: BuildReport,
) -> Iterator[tuple[str, OutputData]]:
    """Each output's bytes, or ``None`` when its key says the published file is current.

    The documents the validator should see for feeds go into ``checks``; the report
    counts the feeds and pages.
    """
    from feedtool.render import is_feed_path  # see _build on late imports

    published_keys = cache.published_keys
    for item in outputs:
        path = item.path
        published_keys[path] = item.key
        if path.endswith(".html"):
            report.pages += 1
        elif is_feed_path(path):
            report.feeds += 1
        if previous.get(path) == item.key:
            yield path, None
            continue
        data, check = item.bytes_and_check()
        # Only the file being published now: a check document left unclaimed (its file
        # was unchanged) must not pile up with the others.
        checks.clear()
        if check is not None:
            checks[item.path] = check
        yield item.path, data


def _advancing(
    files: Iterable[tuple[str, OutputData]], bar: Any
) -> Iterator[tuple[str, OutputData]]:
    for item in files:
        yield item
        bar.update(1)


class FeedChecker:
    """Validates every feed with the checks of ``feedtool validate`` before it is published.

    ``checks`` holds, per feed, the document that covers what no earlier check covered
    (its head and its new items; see ``Rendered``); other feeds are validated whole.
    In a big build the validation runs in a second process, beside the rendering.
    """

    def __init__(self, output: Path, checks: dict[str, bytes]):
        self.output = output
        self.checks = checks
        self._pending: list[Future[list[str]] | list[str]] = []
        self._pool: ProcessPoolExecutor | None = None
        self._inline_bytes = 0
        self._waiting: deque[int] = deque()  # indexes in _pending of checks not yet done

    def submit(self, relative: str, data: bytes | PreparedFile) -> None:
        from feedtool.render import is_feed_path  # see _build on late imports

        if not is_feed_path(relative):
            return  # a page: read no further
        if isinstance(data, PreparedFile):
            data = data.read()
        document, path = self.checks.pop(relative, data), str(self.output / relative)
        self._inline_bytes += len(document)
        many = len(self._pending) >= INLINE_CHECKS or self._inline_bytes > INLINE_CHECK_BYTES
        if self._pool is None and many and _cores() > 1:
            # Spawned, not forked: a forked worker would share the publish lock's open
            # file, and hold the lock for as long as it outlived a killed build.
            self._pool = ProcessPoolExecutor(
                max_workers=CHECK_PROCESSES,
                mp_context=get_context("spawn"),
                initializer=leave_when_orphaned,
            )
        if self._pool is None:
            self._pending.append(validation_errors(document, path))
            return
        self._pending.append(self._pool.submit(validation_errors, document, path))
        self._waiting.append(len(self._pending) - 1)
        # Documents waiting to be checked hold their bytes: when the checks fall behind the
        # rendering, the rendering waits, so memory stays flat however big the site.
        while len(self._waiting) > MAX_WAITING_CHECKS:
            index = self._waiting.popleft()
            pending = self._pending[index]
            assert isinstance(pending, Future)
            self._pending[index] = pending.result()

    def problems(self) -> list[str]:
        try:
            return [
                problem
                for pending in self._pending
                for problem in (pending if isinstance(pending, list) else pending.result())
            ]
        finally:
            if self._pool is not None:
                self._pool.shutdown()


# Outputs to make (feeds and listing pages) from which the work is shared out among
# processes, one per core; fewer are made sooner in the build's own process.
PARALLEL_RENDER_MIN_OUTPUTS = 500
# How many outputs a rendering process takes at a time.
RENDER_BATCH = 64


class ParallelRendering:
    """Makes outputs in processes forked from the build, one per core, and checks them there.

    Each process writes the outputs it makes in place in the build's stage (see
    ``stage_folder``; nothing is published until every check passed) and validates the feeds
    among them as ``FeedChecker`` does: each feed's head and each item it has not already
    seen. Forked after the site is read, they share it without copying it. This is also
    the ``Checker`` publishing asks for problems: the processes found them already.
    """

    def __init__(self, to_make: list[Output], folder: Path, output: Path):
        global _rendering
        self._to_make = {output.path for output in to_make}
        self._problems: list[str] = []
        _rendering = (to_make, folder, output)
        indexes = range(len(to_make))
        batches = [indexes[start : start + RENDER_BATCH] for start in indexes[::RENDER_BATCH]]
        # Forked now, before publishing takes its lock or starts its writing thread.
        self._pool = ProcessPoolExecutor(
            _cores(), mp_context=get_context("fork"), initializer=leave_when_orphaned
        )
        self._made = self._pool.map(_make_batch, batches)

    def outputs(self, every: Iterator[Output]) -> Iterator[Output]:
        """``every`` output in its order, those made by the processes as prepared files."""
        from feedtool.render import Output  # see _render_and_publish on late imports

        made: Iterator[tuple[str, list[str]]] = (item for batch in self._made for item in batch)
        try:
            for output in every:
                if output.path not in self._to_make:
                    yield output
                    continue
                prepared, problems = next(made)
                self._problems.extend(problems)
                yield Output(
                    output.path, output.key, lambda prepared=prepared: PreparedFile(prepared)
                )
        finally:
            self._pool.shutdown(cancel_futures=True)
            global _rendering
            _rendering = None  # a long-running process (serve --watch) builds again

    def submit(self, relative: str, data: bytes | PreparedFile) -> None:
        """Nothing to do: the processes that made the feeds checked them."""

    def problems(self) -> list[str]:
        return self._problems


# What a rendering process works from, set before it is forked.
_rendering: tuple[list[Output], Path, Path] | None = None  # the outputs to make
# The stage folders a rendering process made or found, so each is made once.
_made_folders: set[str] = set()


def _make_batch(indexes: range) -> list[tuple[str, list[str]]]:
    """In a rendering process: make these outputs, write each to a file, check the feeds."""
    from feedtool.render import is_feed_path  # see _render_and_publish on late imports

    assert _rendering is not None
    outputs, folder, output_folder = _rendering
    stage = os.path.join(stage_folder(folder), "")
    made = []
    for index in indexes:
        output = outputs[index]
        data, check = output.bytes_and_check()
        assert not isinstance(data, PreparedFile)
        # Written in place in the stage: publishing then has nothing to move.
        check_relative(output.path)
        prepared = stage + output.path
        folder_of = os.path.dirname(prepared)
        if folder_of not in _made_folders:
            os.makedirs(folder_of, exist_ok=True)  # the other processes make folders too
            _made_folders.add(folder_of)
        write_new_file(prepared, data)
        problems = []
        if is_feed_path(output.path):
            problems = validation_errors(check or data, str(output_folder / output.path))
        made.append((prepared, problems))
    return made


# Feeds validated in the build's own process before a second process takes over: a
# small build is done before a process could start, a big one has big feeds from the start.
INLINE_CHECKS = 24
INLINE_CHECK_BYTES = 2_000_000
# Documents sent to the checking processes and not yet checked, at most.
MAX_WAITING_CHECKS = 16
# Checking processes: checking every item of every feed takes longer than rendering them,
# so the rendering often waits; a second checker uses the time it would leave idle.
CHECK_PROCESSES = 2


def _cores() -> int:
    return os.cpu_count() or 1


def validation_errors(document: bytes, path: str) -> list[str]:
    """The errors ``feedtool validate`` finds in a document, as printable lines."""
    from feedtool.validate import validate_document  # see _build on late imports

    return [str(finding) for finding in validate_document(document, path).errors]
