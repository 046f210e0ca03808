"""A whole build: scan, parse, collect, render, check and publish (or compare).

``build`` reads top to bottom as the pipeline it runs. Each stage takes the values the
one before it returned: the files found, the entries read, the site, the outputs to
make and the jobs that make them, what became of each output. Work that is a map over
independent items (files to parse, entries' pieces, outputs to make) goes through one
``Workers`` map, on every core for a large site; its results come back as values, or as
files in the build's work folder, which only this module names.
"""

from __future__ import annotations

import gc
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from feedtool._cache import (
    UNVERIFIED,
    BuildCache,
    CachedFile,
    CacheHead,
    cache_folder,
    settings_key,
)
from feedtool._config import Settings
from feedtool._entry import Entry, without_body
from feedtool._errors import Diagnostic, EntryError, FeedtoolError
from feedtool._output_folder import check_output_folder
from feedtool._publish import (
    BuildRejected,
    OutputData,
    PreparedFile,
    PublishResult,
    check_output_path,
    clean_stale_staging,
    compare,
    killed_build_left,
    make_work_folder,
    output_error,
    output_state,
    publish,
    stage_folder,
)
from feedtool._site import Site, SiteLinks, collect_site, future_date_warnings, with_site_author
from feedtool._sources import (
    FileChanged,
    ParsedFile,
    ReadResult,
    files_digest,
    input_fingerprint,
    parse_file,
    read_body,
    read_entries,
    scan_entries,
    settle_racily_clean,
)
from feedtool._workers import Workers, batches

if TYPE_CHECKING:
    from feedtool._render import Job, Made, Output
    from feedtool._render.pieces import Location

# Below this many outputs to make a build is over before a progress bar could help.
PROGRESS_MIN_OUTPUTS = 300
# Files a parsing task takes, entries a pieces task takes, and pieces the outputs of a
# making task read: enough to make sending a task cheap beside its work, and a task of
# its own for an output of many entries (so that the site's feeds of a site built with
# --limit 0 go to both cores: 10,000 entries, 4.5-4.9 s -> 4.0 s on 2 cores).
PARSE_BATCH = 256
OUTPUT_BATCH_PIECES = 256
# A build that finds an unchanged entry's file changed (see sources.FileChanged) starts
# again, reading that file: this many times in all, for a file edited again and again.
BUILD_ATTEMPTS = 3

# Called with the outputs made so far and their total, as a large build makes them.
Progress = Callable[[int, int], None]


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


def build(
    settings: Settings,
    *,
    check_only: bool = False,
    skip_invalid: bool = False,
    use_cache: bool = True,
    progress: Progress | None = None,
    force: bool = False,
    cache_dir: Path | None = None,
) -> BuildReport:
    """Build the site into the output folder, or with ``check_only`` compare without writing.

    With ``use_cache`` (the default) the cache in ``.feedtool-cache/`` lets a build skip
    what did not change: parsing unchanged files, rendering unchanged outputs, and
    everything when no input changed; ``cache_dir`` puts that cache elsewhere (the preview
    of ``feedtool serve`` keeps its own). ``check_only`` always renders and compares every
    file. ``progress(done, total)`` is called as outputs are made, for builds of many.
    Raises ``EntriesRejected`` for invalid entries and ``BuildRejected`` for invalid feeds;
    nothing is published then. Raises ``OutputFolderRefused`` before writing anything for
    an output folder that must not be published into (see ``check_output_folder``;
    ``force`` allows one holding files feedtool did not publish), and ``PublishError``
    when the output folder cannot be made or written.

    An unchanged entry's file found changed when its body is read again (edited during
    the build, or in a way its size and times did not show) is read again by a new
    attempt, the cache's row for it set aside; ``FileChanged`` is raised only when that
    happens ``BUILD_ATTEMPTS`` times.
    """
    started = time.perf_counter()
    changed: set[str] = set()
    attempt = partial(_build, settings, check_only, skip_invalid, use_cache, progress, force)
    for attempts in range(1, BUILD_ATTEMPTS + 1):
        try:
            return attempt(cache_dir, changed, started)
        except FileChanged as error:
            if attempts == BUILD_ATTEMPTS or error.path is None:
                raise
            changed.add(error.path)
    raise AssertionError("unreachable")


def _build(
    settings: Settings,
    check_only: bool,
    skip_invalid: bool,
    use_cache: bool,
    progress: Progress | None,
    force: bool,
    cache_dir: Path | None,
    changed: set[str],
    started: float,
) -> BuildReport:
    """One attempt at ``build``: the files in ``changed`` (by path) are read again even
    where the cache knows them unchanged."""
    check_output_folder(settings.output, settings.entries, settings.config_path, force=force)
    folder = cache_dir if cache_dir is not None else cache_folder(settings)
    cache = BuildCache(folder if use_cache and not check_only else None, settings_key(settings))
    # Scan: the files and their sizes and times, enough to see that nothing changed.
    scan_started_ns = time.time_ns()
    files, scan_warnings = scan_entries(settings.entries)
    digest = files_digest(files) if cache.persistent else ""
    fingerprint = ""
    if cache.persistent:
        fingerprint = input_fingerprint(cache.key, digest, settings, cache.previous.needs_git)
    published_as_left = output_state(settings.output) == cache.previous.output_state != ""
    unchanged = not changed and fingerprint == cache.previous.fingerprint
    if cache.persistent and unchanged and published_as_left:
        clean_stale_staging(settings.output)
        return _nothing_changed(cache, started)

    # Imported here: a build that finds nothing changed never needs the renderers.
    from feedtool._render import (
        check_output_size,
        entry_versions,
        is_feed_path,
        make_jobs,
        plan_outputs,
    )

    if not check_only:
        check_output_path(settings.output)
    # The workers are stopped (killed, if the build failed or was interrupted) before
    # their work folder is removed: none can write into it any more.
    with (
        _work_folder(settings.output) as work,
        Workers() as workers,
        _without_cycle_collection(),
    ):
        # Parse: the changed files, on every core for a large site.
        parse = partial(_parse_files, settings, workers, work)
        previous_files = cache.previous_files() if cache.persistent else {}
        if changed:
            previous_files = _set_aside(previous_files, changed)
        read = read_entries(settings, previous_files, parse, scanned=(files, scan_warnings))
        # Collect: the site as data.
        site, warnings = _collect(settings, read, skip_invalid)
        # Render: plan every output, make those whose key changed.
        # Only a cache keeps output keys, to compare them with the next build's.
        versions = None
        if cache.persistent:
            versions = entry_versions(site, cache.key, read.known_versions())
        outputs = plan_outputs(site, cache.key, versions)
        # Guard: a site whose outputs would be far larger than its articles is refused.
        articles = ((cached.size, cached.entry) for cached in read.files.values())
        check_output_size(site, outputs, articles)
        previous_keys = _previous_keys(cache, settings.output, published_as_left)
        to_make = [output for output in outputs if previous_keys.get(output.path) != output.key]
        pieces = read.pieces | _pieces_of_unread(settings, workers, work, to_make, read.pieces)
        jobs = make_jobs(to_make, pieces)
        made = _make_outputs(jobs, len(to_make), settings, workers, work, check_only, progress)
        # Check: every feed made was validated as it was made.
        problems = [problem for outcome in made for problem in outcome.problems]
        if problems:
            raise BuildRejected(problems)
        # Publish, or compare.
        changed = {outcome.path for outcome in made if outcome.changed}
        report = BuildReport(len(site.entries), PublishResult(), warnings + [*read.change_warnings])
        report.feeds = sum(1 for output in outputs if is_feed_path(output.path))
        report.pages = sum(1 for output in outputs if output.path.endswith(".html"))
        if check_only:
            report.result = compare(settings.output, [output.path for output in outputs], changed)
        else:
            stage = stage_folder(work)
            report.result = publish(
                settings.output, _published_files(outputs, changed, stage), staging=stage
            )
        if versions is not None and not check_only:
            keys = {output.path: output.key for output in outputs}
            # Warnings about what changed are said once: a build that finds nothing
            # changed repeats only the others.
            _save_cache(
                cache, settings, digest, scan_started_ns, read, report, warnings, versions, keys
            )
    report.warnings[:0] = cache.warnings
    report.seconds = time.perf_counter() - started
    return report


def load_site(settings: Settings, skip_invalid: bool = False) -> tuple[Site, list[Diagnostic]]:
    """Read the entries folder, with the entries' bodies, into a ``Site``, in this process.

    Raises ``EntriesRejected`` on invalid entries, unless ``skip_invalid`` (then they are
    warnings). ``feedtool._render.render_site`` renders the result.
    """
    return _collect(settings, read_entries(settings), skip_invalid)


def _nothing_changed(cache: BuildCache, started: float) -> BuildReport:
    entries, feeds, pages = cache.previous.summary
    result = PublishResult(unchanged=cache.previous.output_count)
    report = BuildReport(entries, result, list(cache.previous.warnings), feeds, pages)
    report.nothing_changed = True
    report.seconds = time.perf_counter() - started
    return report


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off in this process while the build runs (its workers
    keep theirs, see ``feedtool._workers``).

    A build holds hundreds of thousands of objects (entries, the plan of outputs) that live
    until it ends and form no reference cycles; the collector would walk them all again
    each time enough new ones were made, while the workers wait for their next task.
    Measured on 2 cores, cold build of 100,000 entries (``bench/generate.py``, default
    settings): 38.0 s with the collector on, 29.5 s with it off in the build's process.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # What the build made is moved to the oldest generation unscanned (freezing and
        # unfreezing splice lists): the collector's first pass would otherwise walk all
        # of it once more, 0.2 s at 100,000 entries, just before it is freed anyway.
        gc.freeze()
        gc.unfreeze()
        if collecting:
            gc.enable()


@contextmanager
def _work_folder(output: Path) -> Iterator[Path]:
    """The build's own folder beside the output: pieces, and the stage of what it publishes.

    An OSError met while the build writes there (a full disk, a folder made read-only or
    removed under it) is one line naming the output folder, never a traceback.
    """
    work = make_work_folder(output)
    try:
        yield work
    except OSError as error:
        raise output_error(output, error) from None
    finally:
        try:
            shutil.rmtree(work, ignore_errors=True)
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM meanwhile: finish, then stop
            shutil.rmtree(work, ignore_errors=True)
            raise


class _ParseTask(NamedTuple):
    settings: Settings
    files: list[tuple[str, str]]  # (path, the content hash the cache knows)
    work: str  # the build's work folder, where each process appends to a piece file


def _parse_files(
    settings: Settings, workers: Workers, work: Path, jobs: list[tuple[str, str]]
) -> Iterator[ParsedFile]:
    """Parse files, on every core when there are many; results in the files' order."""
    tasks = (_ParseTask(settings, batch, str(work)) for batch in batches(jobs, PARSE_BATCH))
    for parsed in workers.map(_parse_task, tasks, items=len(jobs)):
        yield from parsed


def _parse_task(task: _ParseTask) -> list[ParsedFile]:
    """Parse each file and, for an entry dated by its own file, render its pieces then and
    there: its body is at hand, and every cold build needs the pieces of every entry.
    Entries come back without their bodies, so that no process holds every article's."""
    from feedtool._render.pieces import PieceFile, entry_pieces
    from feedtool._render.rss_atom import ItemTemplates

    settings = task.settings
    links, templates = SiteLinks(settings), ItemTemplates()
    results = []
    with PieceFile(_piece_file(task.work)) as piece_file:
        for path, known_digest in task.files:
            parsed = parse_file(path, settings, known_digest)
            entry = parsed.entry
            if entry is None:
                results.append(parsed)
                continue
            if parsed.file_published is not None:
                pieces = entry_pieces(links, with_site_author(entry, settings), templates)
                parsed = parsed._replace(pieces=piece_file.add(pieces))
            results.append(parsed._replace(entry=without_body(entry)))
    return results


def _collect(
    settings: Settings, read: ReadResult, skip_invalid: bool
) -> tuple[Site, list[Diagnostic]]:
    """The site and the warnings; raises ``EntriesRejected`` on invalid entries."""
    warnings = list(read.warnings)
    if read.errors:
        if not skip_invalid:
            raise EntriesRejected(read.errors)
        warnings.extend(
            Diagnostic("warning", f"skipped: {error.message}", error.path, error.line)
            for error in read.errors
        )
    site = collect_site(read.entries, settings)
    warnings.extend(future_date_warnings(site.entries, datetime.now(UTC)))
    if not settings.id_authority:
        warnings.append(
            Diagnostic(
                "warning",
                f"no [site] id_authority: entry ids are tag: URIs under {site.id_authority!r}, "
                "so they change if the site's host changes; set id_authority to keep them",
                str(settings.config_path) if settings.config_path else None,
            )
        )
    return site, warnings


def _previous_keys(cache: BuildCache, output: Path, published_as_left: bool) -> dict[str, str]:
    """The key each output was last published with, for the files still there."""
    if not cache.persistent:
        return {}
    keys = cache.previous_outputs()
    if published_as_left:
        return keys
    if killed_build_left(output):
        # A build killed while it published may have put files of its own in place
        # (another version, other settings): every output is made and compared again.
        return {}
    # The output folder changed since the last build: skip only files still there.
    return {path: key for path, key in keys.items() if os.path.isfile(os.path.join(output, path))}


class _PiecesTask(NamedTuple):
    settings: Settings
    entries: list[Entry]
    work: str  # the build's work folder, as in _ParseTask
    lines_only: bool  # only listing lines, made without reading the files


def _pieces_of_unread(
    settings: Settings,
    workers: Workers,
    work: Path,
    outputs: list[Output],
    pieces: dict[str, Location],
) -> dict[str, Location]:
    """The pieces of the entries that ``outputs`` show and that were not parsed in this
    build (unchanged files, or dated after parsing): the files of those that a feed or a
    page shows are read again; for those only listing pages show, listing lines are made
    from what the build kept of them."""
    bodies: dict[str, Entry] = {}
    lines: dict[str, Entry] = {}
    for output in outputs:
        wanted = bodies if output.shows_bodies else lines
        for entry in output.entries:
            if entry.id not in pieces:
                wanted[entry.id] = entry
    made: dict[str, Location] = {}
    for entries, lines_only in ((list(bodies.values()), False), (list(lines.values()), True)):
        if lines_only:
            entries = [entry for entry in entries if entry.id not in bodies]
        tasks = (
            _PiecesTask(settings, batch, str(work), lines_only)
            for batch in batches(entries, PARSE_BATCH)
        )
        results = workers.map(_pieces_task, tasks, items=len(entries))
        locations = (location for batch in results for location in batch)
        made.update(
            (entry.id, location) for entry, location in zip(entries, locations, strict=True)
        )
    return made


def _pieces_task(task: _PiecesTask) -> list[Location]:
    """Render the entries' pieces: listing lines only, or every piece, their bodies read
    again."""
    from feedtool._render import render_listing_lines, render_pieces

    links, piece_file = SiteLinks(task.settings), _piece_file(task.work)
    if task.lines_only:
        return render_listing_lines(links, task.entries, piece_file)
    entries = [
        read_body(entry, task.settings) if entry.body_left_out else entry for entry in task.entries
    ]
    return render_pieces(links, entries, piece_file)


def _piece_file(work: str) -> str:
    """The piece file of this process: one per process, so that readers map few files."""
    return os.path.join(work, f"pieces-{os.getpid()}")


def _make_outputs(
    jobs: Iterable[tuple[str, Job]],
    count: int,
    settings: Settings,
    workers: Workers,
    work: Path,
    check_only: bool,
    progress: Progress | None,
) -> list[Made]:
    """Make every job's output (into the stage, unless only comparing), on every core for
    a large site; what became of each, in order."""
    from feedtool._render import Batch, job_size, make_outputs

    published = str(settings.output) if os.path.isdir(settings.output) else None
    stage = None if check_only else str(stage_folder(work))
    tasks = (
        Batch(batch, stage, published)
        for batch in batches(jobs, OUTPUT_BATCH_PIECES, weight=job_size)
    )
    made: list[Made] = []
    if count < PROGRESS_MIN_OUTPUTS:
        progress = None
    if progress is not None:
        progress(0, count)
    for outcomes in workers.map(make_outputs, tasks, items=count):
        made += outcomes
        if progress is not None:
            progress(len(made), count)
    return made


def _published_files(
    outputs: list[Output], changed: set[str], stage: Path
) -> Iterable[tuple[str, OutputData]]:
    """Every output for ``publish``: a changed one as its file in the stage, written in
    place; any other as None, known current."""
    base = os.path.join(stage, "")
    for output in outputs:
        yield output.path, PreparedFile(base + output.path) if output.path in changed else None


def _set_aside(files: dict[str, CachedFile], paths: set[str]) -> dict[str, CachedFile]:
    """The cache's rows, those of the files at ``paths`` matching no file any more: the
    next read hashes those files, and parses them if they changed."""
    return {
        relative: cached._replace(ctime_ns=UNVERIFIED) if cached.entry.source in paths else cached
        for relative, cached in files.items()
    }


def _save_cache(
    cache: BuildCache,
    settings: Settings,
    files_digest: str,
    scan_started_ns: int,
    read: ReadResult,
    report: BuildReport,
    lasting_warnings: list[Diagnostic],
    versions: dict[str, bytes],
    output_keys: dict[str, str],
) -> None:
    # With what this build found of git: the next build compares its fingerprint with it.
    fingerprint = input_fingerprint(cache.key, files_digest, settings, read.needs_git)
    # Files changed just before they were read may change again unseen: the next build
    # hashes them, so it must not find nothing changed.
    files, unverified = settle_racily_clean(read.files, scan_started_ns, settings)
    head = CacheHead(
        settings_key=cache.key,
        # After skipped invalid entries, the next build must report them again.
        fingerprint="" if read.errors or unverified else fingerprint,
        needs_git=read.needs_git,
        output_state=output_state(settings.output),
        summary=(report.entries, report.feeds, report.pages),
        warnings=tuple(lasting_warnings),
    )
    cache.save(head, files, versions, output_keys)
