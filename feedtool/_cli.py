"""The ``feedtool`` command: options in, a library call, output out. No logic lives here."""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from feedtool import __version__
from feedtool._build import EntriesRejected, build
from feedtool._config import CONFIG_NAME, Settings, load_settings
from feedtool._errors import ConfigError, Diagnostic, EntryError, FeedtoolError
from feedtool._github import Annotation, commands, diagnostic_annotation, error_annotations
from feedtool._init import CACHE_IGNORE, init_site
from feedtool._interrupt import report as report_interrupt
from feedtool._new import create_entry, entries_folder, new_entry_text
from feedtool._publish import BuildRejected
from feedtool._show import entry_as_dict, entry_as_text, show_entry

if TYPE_CHECKING:
    from feedtool._serve import Rebuilt

EXIT_PROBLEMS = 1
EXIT_USAGE = 2


def _echo_error(error: BaseException) -> None:
    """Print a user-caused error, and every problem it gathers, as ``path:line: error: ...``."""
    if isinstance(error, EntriesRejected):
        for entry_error in error.errors:
            click.echo(str(entry_error), err=True)
    if isinstance(error, BuildRejected):
        for problem in error.problems:
            click.echo(problem, err=True)
    click.echo(str(error), err=True)


def _fail(error: FeedtoolError) -> NoReturn:
    _echo_error(error)
    sys.exit(EXIT_USAGE if isinstance(error, ConfigError) else EXIT_PROBLEMS)


def _print_warnings(warnings: Iterable[Diagnostic]) -> None:
    for warning in warnings:
        click.echo(str(warning), err=True)


def _settings(
    config: Path | None,
    require_url: bool = True,
    fail: Callable[[FeedtoolError], NoReturn] = _fail,
    **overrides: Any,
) -> Settings:
    try:
        return load_settings(config, overrides, require_url=require_url)
    except FeedtoolError as error:
        fail(error)


config_option = click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (default: feedtool.toml in the working folder, if present).",
)


def format_option(help_text: str, choices: tuple[str, ...] = ("text", "json")):  # type: ignore[no-untyped-def]
    """``--format text|json`` (or other ``choices``), text by default."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(list(choices)),
        default="text",
        show_default=True,
        help=help_text,
    )


def settings_options(function):  # type: ignore[no-untyped-def]
    """The options every command that reads the site shares."""
    options = [
        config_option,
        click.option(
            "--entries",
            type=click.Path(file_okay=False, path_type=Path),
            help="Folder of article files. [build] entries; default entries/.",
        ),
        click.option(
            "--output",
            type=click.Path(path_type=Path),
            help="Folder to publish into. [build] output; default public/.",
        ),
        click.option("--site-url", help="Absolute URL the site is published at. [site] url."),
        click.option("--title", help="Site title. [site] title."),
        click.option("--description", help="Feed description. [site] description."),
        click.option("--language", help="BCP 47 tag such as en or fr-CA. [site] language."),
        click.option("--author", help="Author of entries that name none. [site] author."),
        click.option(
            "--timezone", help="IANA zone for dates without one. [site] timezone; default UTC."
        ),
        click.option(
            "--id-authority",
            help="tag: URI authority of entry ids, e.g. example.org,2026. [site] id_authority.",
        ),
        click.option(
            "--limit",
            type=click.IntRange(min=0),
            help="Entries per feed and per index page; 0 = all. [build] limit; default 50.",
        ),
        click.option(
            "--summary-only/--full-content",
            default=None,
            help="Leave the full content out of the feeds. [build] summary_only.",
        ),
        click.option(
            "--max-entry-size",
            type=click.IntRange(min=1),
            help="Largest article file in bytes. [build] max_entry_size; default 10 MiB.",
        ),
        click.option(
            "--archive-size",
            type=click.IntRange(min=1),
            help="Entries per archive page. [build] archive_size; default 100.",
        ),
        click.option(
            "--websub-hub",
            "websub_hubs",
            multiple=True,
            # Not given: None, so that the hubs of the config file stay.
            callback=lambda _context, _parameter, hubs: hubs or None,
            help="WebSub hub the feeds name; repeatable; replaces [site] websub_hub.",
        ),
        click.option(
            "--max-keywords",
            type=click.IntRange(min=1),
            help="Most keywords an article may have. [build] max_keywords; default 30.",
        ),
        click.option(
            "--max-output-ratio",
            type=click.IntRange(min=1),
            help="Largest output, in times the articles' size (plus 100 MB). "
            "[build] max_output_ratio; default 200.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _site_settings(
    config: Path | None, fail: Callable[[FeedtoolError], NoReturn] = _fail, **options: Any
) -> Settings:
    return _settings(config, fail=fail, **_overrides(options))


def _overrides(options: dict[str, Any]) -> dict[str, Any]:
    """The settings options by the settings' field names."""
    # Option names that differ from the settings' field names.
    renamed = {"site_url": "url", "timezone": "timezone_name"}
    return {renamed.get(name, name): value for name, value in options.items()}


def _fail_github(error: FeedtoolError) -> NoReturn:
    """``_fail`` for ``--format github``: each problem as a workflow command."""
    for line in commands(error_annotations(error), Path.cwd()):
        click.echo(line)
    if isinstance(error, EntriesRejected | BuildRejected):
        click.echo(str(error), err=True)  # the closing line: how many, nothing published
    sys.exit(EXIT_USAGE if isinstance(error, ConfigError) else EXIT_PROBLEMS)


class _ProgressBar:
    """``build``'s progress callback, drawn as Click's bar on standard error."""

    def __init__(self) -> None:
        self._bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = click.progressbar(length=total, label="Building", file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._bar.pos)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


class _Commands(click.Group):
    """Lists each command with the whole first sentence of its help, never cut short."""

    def add_command(self, command: click.Command, name: str | None = None) -> None:
        if command.short_help is None and command.help:
            paragraph = command.help.split("\n\n", 1)[0]
            command.short_help = " ".join(paragraph.split())
        super().add_command(command, name)

    # A command stopped by Ctrl-C, SIGTERM or SIGHUP, even while its options are read, ends
    # with one line and status 128 + the signal's number (see ``feedtool._interrupt``),
    # never Click's "Aborted!" or a traceback.
    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        with _one_line_when_interrupted():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        with _one_line_when_interrupted():
            return super().invoke(ctx)


@contextmanager
def _one_line_when_interrupted() -> Iterator[None]:
    try:
        yield
    except KeyboardInterrupt as interrupt:
        sys.exit(report_interrupt(interrupt))


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="feedtool")
def main() -> None:
    """Publish a folder of plain-text articles as RSS, Atom and JSON feeds with HTML pages.

    \b
    Example:
      feedtool init my-site && cd my-site    # then set the site's URL in feedtool.toml
      feedtool build
    """


@main.command("init")
@click.argument(
    "folder", type=click.Path(file_okay=False, path_type=Path), default=".", required=False
)
def init_command(folder: Path) -> None:
    """Start a site in FOLDER (default: here): feedtool.toml, entries/ with an example, .gitignore.

    Never overwrites a file: if feedtool.toml or the example article exists, nothing is
    written and the command exits 1 naming it. Set the site's URL and id authority in the
    feedtool.toml it writes, then run feedtool build.

    \b
    Example:
      feedtool init my-site && cd my-site
    """
    try:
        result = init_site(folder)
    except FeedtoolError as error:
        _fail(error)
    for path in result.written:
        click.echo(f"wrote {path}")
    if result.gitignore_extended:
        click.echo(f"added {CACHE_IGNORE} to {folder / '.gitignore'}")
    config = folder / CONFIG_NAME
    click.echo(
        f"Next: set [site] url and id_authority in {config}, then run feedtool build"
        + ("" if folder == Path(".") else f" in {folder}")
    )


@main.command("build")
@settings_options
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 listing the files that would change (for CI).",
)
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Publish the valid entries and report the invalid ones as warnings.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Build from scratch, neither reading nor updating .feedtool-cache/.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only warnings and errors.")
@click.option(
    "--force",
    is_flag=True,
    help="Publish into an output folder that holds files feedtool did not publish.",
)
@click.option(
    "--ping",
    is_flag=True,
    help="After publishing, tell each WebSub hub ([site] websub_hub) which feeds changed.",
)
@format_option(
    "Errors and warnings as path:line lines, or as GitHub Actions annotations.",
    choices=("text", "github"),
)
def build_command(
    config: Path | None,
    check: bool,
    skip_invalid: bool,
    no_cache: bool,
    quiet: bool,
    force: bool,
    ping: bool,
    output_format: str,
    **options: Any,
) -> None:
    """Build the feeds and pages of the entries folder into the output folder.

    \b
    Example:
      feedtool build --site-url https://example.org/news/ --limit 20
      feedtool build --check      # in CI: is public/ up to date?
      feedtool build --check --format github   # in GitHub Actions: annotated
      feedtool build --ping       # then tell the WebSub hubs which feeds changed
    """
    if ping and check:
        raise click.UsageError("--ping cannot go with --check: a check publishes nothing")
    github = output_format == "github"
    fail = _fail_github if github else _fail
    settings = _site_settings(config, fail=fail, **options)
    if ping:
        from feedtool._websub import require_hubs

        try:
            require_hubs(settings)
        except FeedtoolError as error:
            fail(error)
    bar = _ProgressBar() if not quiet and sys.stderr.isatty() else None
    try:
        report = build(
            settings,
            check_only=check,
            skip_invalid=skip_invalid,
            use_cache=not no_cache,
            progress=bar,
            force=force,
        )
    except FeedtoolError as error:
        fail(error)
    finally:
        if bar is not None:
            bar.close()
    if github:
        warnings = [diagnostic_annotation(w, "feedtool build") for w in report.warnings]
        for line in commands(warnings, Path.cwd()):
            click.echo(line)
    else:
        _print_warnings(report.warnings)
    result = report.result
    output = settings.output
    if check:
        for relative in result.written:
            click.echo(f"would write {output / relative}")
        for relative in result.removed:
            click.echo(f"would remove {output / relative}")
        if result.changed:
            stale = f"{len(result.changed)} file(s) in {output} are out of date"
            if github:
                hint = f"{stale}; run feedtool build and commit {output}"
                click.echo(
                    Annotation("error", hint, title="feedtool build --check").command(Path.cwd())
                )
            else:
                click.echo(stale, err=True)
            sys.exit(EXIT_PROBLEMS)
        if not quiet:
            click.echo(f"{output} is up to date ({report.entries} entries)")
        return
    if not quiet:
        click.echo(
            f"{report.entries} entries, {report.feeds} feeds, {report.pages} pages "
            f"-> {output} ({len(result.written)} written, {result.unchanged} unchanged, "
            f"{len(result.removed)} removed) in {report.seconds:.2f} s"
        )
    if ping:
        from feedtool._websub import feed_urls

        _ping(settings, feed_urls(settings, result.written), "changed ", quiet, github)


def _ping(settings: Settings, feeds: list[str], which: str, quiet: bool, github: bool) -> None:
    """Ping the site's hubs for ``feeds``: a warning per failure, then one line."""
    # Imported here: only a ping needs HTTP.
    from feedtool._websub import ping, ping_warnings

    results = ping(settings.websub_hubs, feeds)
    _print_ping_warnings(ping_warnings(results), github)
    if quiet:
        return
    if not feeds:
        click.echo(f"WebSub: no {which}feed; no hub pinged")
        return
    hubs = len(settings.websub_hubs)
    accepted = sum(1 for result in results if result.ok)
    click.echo(
        f"WebSub: {accepted} of {len(results)} pings accepted "
        f"({len(feeds)} {which}feed{'s' if len(feeds) != 1 else ''}, "
        f"{hubs} hub{'s' if hubs != 1 else ''})"
    )


def _print_ping_warnings(warnings: list[Diagnostic], github: bool) -> None:
    if github:
        annotations = [diagnostic_annotation(warning, "WebSub") for warning in warnings]
        for line in commands(annotations, Path.cwd()):
            click.echo(line)
    else:
        _print_warnings(warnings)


@main.command("ping")
@settings_options
@click.option("--quiet", "-q", is_flag=True, help="Print only warnings and errors.")
@format_option("Warnings as lines, or as GitHub Actions annotations.", choices=("text", "github"))
def ping_command(config: Path | None, quiet: bool, output_format: str, **options: Any) -> None:
    """Tell each WebSub hub about every feed of the last published build.

    For a site deployed after it is built: run it once the new files are online. The
    feeds are the site's and each category's feeds listed in the output folder's
    .feedtool-manifest (archive pages name no hub); the hubs are [site] websub_hub or
    --websub-hub. Each hub gets one POST (hub.mode=publish, hub.url=FEED URL) per feed; a
    hub that fails is a warning, and the command still exits 0.

    \b
    Example:
      feedtool build && rsync -a public/ www.example.org:/srv/news/ && feedtool ping
    """
    from feedtool._websub import (
        feed_urls,
        published_feed_paths,
        require_hubs,
        unnamed_hub_warnings,
    )

    github = output_format == "github"
    fail = _fail_github if github else _fail
    settings = _site_settings(config, fail=fail, **options)
    try:
        require_hubs(settings)
        paths = published_feed_paths(settings.output)
    except FeedtoolError as error:
        fail(error)
    _print_ping_warnings(unnamed_hub_warnings(settings), github)
    _ping(settings, feed_urls(settings, paths), "", quiet, github)


@main.command("show")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@format_option("Human-readable text or JSON.")
@config_option
def show_command(file: Path, output_format: str, config: Path | None) -> None:
    """Print how FILE parses: title, points, summary, paragraphs, dropped lines, categories.

    \b
    Example:
      feedtool show entries/001_2d6267512e09c0b4.txt --format json
    """
    settings = _settings(config, require_url=False)
    try:
        entry = show_entry(file, settings)
    except FeedtoolError as error:
        _fail(error)
    _print_warnings(entry.warnings)
    if output_format == "json":
        click.echo(json.dumps(entry_as_dict(entry), ensure_ascii=False, indent=2))
    else:
        click.echo(entry_as_text(entry), nl=False)


@main.command("serve")
@settings_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port."
)
@click.option("--watch", is_flag=True, help="Rebuild when an entry or the config changes.")
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Preview the valid entries and report the invalid ones as warnings.",
)
def serve_command(
    config: Path | None, host: str, port: int, watch: bool, skip_invalid: bool, **options: Any
) -> None:
    """Build the site for the address it is served at, and serve it to a browser and a reader.

    The preview's pages and feeds link to http://HOST:PORT/, not to the site's URL; it is
    built under .feedtool-cache/preview/ and the output folder is not touched. Entry ids
    are the ones the site publishes. With --watch, a failed rebuild shows its errors on
    every page until it is fixed.

    \b
    Example:
      feedtool serve --watch      # then subscribe to http://127.0.0.1:8000/rss.xml
    """
    # Imported here: every other command starts faster without the HTTP server.
    from feedtool._serve import open_preview

    try:
        preview = open_preview(config, _overrides(options), host, port, skip_invalid=skip_invalid)
    except FeedtoolError as error:
        _fail(error)
    try:
        with preview:
            try:
                rebuilt = preview.rebuild()
            except FeedtoolError as error:
                if not watch:
                    _fail(error)
                _echo_error(error)
                click.echo(
                    f"the preview's pages list these errors until a rebuild succeeds; "
                    f"fix them and save (see {preview.url})",
                    err=True,
                )
            else:
                _print_warnings(rebuilt.report.warnings)
            click.echo(f"Serving a preview of {preview.settings.entries} at {preview.url}")
            click.echo(f"Subscribe a feed reader to {preview.feed_url} (Ctrl-C to stop)")
            if watch:
                preview.watch(_print_rebuilt, on_error=_print_rebuild_error)
            preview.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


def _print_rebuilt(rebuilt: Rebuilt) -> None:
    """A rebuild while serving: its warnings and one line."""
    _print_warnings(rebuilt.report.warnings)
    report = rebuilt.report
    reloaded = "settings reloaded; " if rebuilt.settings_changed else ""
    click.echo(
        f"rebuilt: {reloaded}{report.entries} entries, {len(report.result.written)} written, "
        f"{len(report.result.removed)} removed in {report.seconds:.2f} s",
        err=True,
    )


def _print_rebuild_error(error: BaseException) -> None:
    """A failed rebuild while serving: report it; pages show it, feeds stay as last built."""
    if isinstance(error, FeedtoolError):
        _echo_error(error)
    else:
        # A bug: its traceback is what makes it fixable.
        traceback.print_exception(error, file=sys.stderr)
    click.echo(
        "rebuild failed; pages show the errors, feeds stay as last built, until it is fixed",
        err=True,
    )


@main.command("new")
@click.argument("title")
@click.option("--points", "points", multiple=True, help="A point of the summary; repeatable.")
@click.option("--keywords", help='Categories, comma-separated: "Transit, City council".')
@config_option
@click.option(
    "--entries",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of article files. [build] entries; default entries/.",
)
def new_command(
    title: str,
    points: tuple[str, ...],
    keywords: str | None,
    config: Path | None,
    entries: Path | None,
) -> None:
    """Start a new article file in the entries folder and print its path.

    \b
    Example:
      feedtool new "Tram line opens" --points "Line 7 runs every six minutes." \\
          --keywords "Transit, City council"
    """
    settings = _settings(config, require_url=False, entries=entries)
    now = datetime.now(settings.timezone).replace(microsecond=0)
    try:
        text = new_entry_text(title, points, keywords, now)
    except EntryError as error:
        raise click.UsageError(error.message) from None
    try:
        path = create_entry(entries_folder(settings), text)
    except FeedtoolError as error:
        _fail(error)
    click.echo(str(path))


@main.command("touch")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="FILE..."
)
@config_option
def touch_command(files: tuple[Path, ...], config: Path | None) -> None:
    """Set the Updated: line of each article FILE to now, so that readers see it as updated.

    The date is the current time in the site's time zone, to the second, with its offset.
    An existing Updated: line is rewritten; otherwise one is added after the Date: line,
    else at the top of the metadata block. Nothing else in the file changes. If any FILE
    is missing or does not parse, each problem is printed, no file is changed, and the
    command exits 1.

    \b
    Example:
      feedtool touch entries/015_5f0c1d2e3a4b5c6d.txt
    """
    # Imported here, like the other commands' own modules that only they need.
    from feedtool._touch import touch_entries

    settings = _settings(config, require_url=False)
    try:
        touched = touch_entries(files, settings)
    except FeedtoolError as error:
        _fail(error)
    for item in touched:
        click.echo(f"{item.path}: Updated: {item.updated.isoformat()}")


@main.command("validate")
@click.argument("targets", nargs=-1, required=True)
@format_option(
    "One line per finding, a JSON list, or GitHub Actions annotations.",
    choices=("text", "json", "github"),
)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="Text and github formats: print the findings only, no summary lines.",
)
@click.option(
    "--feeds-only",
    is_flag=True,
    help="Skip named files that are not feeds, as in a folder, instead of failing on them.",
)
def validate_command(
    targets: tuple[str, ...], output_format: str, strict: bool, quiet: bool, feeds_only: bool
) -> None:
    """Check RSS 2.0, Atom 1.0 and JSON Feed files, folders, http(s) URLs or - (stdin).

    Each finding is printed as `path:line:column: error|warning: CODE: message`, then a
    summary line per file and a total line (`3 feeds: 1 error, 0 warnings`); with
    --format github, as a GitHub Actions annotation (`::error file=...::message`). Exit 0
    with no errors (warnings allowed unless --strict), 1 with errors, 2 on a usage error.

    \b
    Example:
      feedtool validate public/
      feedtool validate https://example.org/feed.xml --format json
      feedtool validate --feeds-only --format github $(git diff --name-only main)
      curl -s https://example.org/feed.xml | feedtool validate -
    """
    # Imported here: the validator's schemas load slowly, and only this command needs them.
    from feedtool._validate import (
        TargetsError,
        exit_status,
        render_github,
        render_json,
        render_text,
        validate_targets,
    )

    try:
        reports = validate_targets(targets, feeds_only=feeds_only)
    except TargetsError as error:
        raise click.UsageError(str(error)) from None
    if output_format == "json":
        click.echo(render_json(reports))
    else:
        if output_format == "github":
            text = render_github(reports, Path.cwd(), quiet=quiet)
        else:
            text = render_text(reports, quiet=quiet)
        if text:  # quiet and clean: print nothing, not an empty line
            click.echo(text)
    sys.exit(exit_status(reports, strict))
