"""The ``feedtool`` command: options in, a library call, output out. No logic lives here."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from feedtool import __version__
from feedtool.build import EntriesRejected, build
from feedtool.config import CONFIG_NAME, Settings, load_settings
from feedtool.errors import ConfigError, Diagnostic, EntryError, FeedtoolError
from feedtool.init import CACHE_IGNORE, init_site
from feedtool.interrupt import report as report_interrupt
from feedtool.new import create_entry, entries_folder, new_entry_text
from feedtool.publish import BuildRejected
from feedtool.show import entry_as_dict, entry_as_text, show_entry

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


def _progress_bar(total: int) -> Any:
    """The build's progress bar, on stderr (a terminal), for ``total`` outputs to make."""
    return click.progressbar(length=total, label="Building", file=sys.stderr)


def _print_warnings(warnings: Iterable[Diagnostic]) -> None:
    for warning in warnings:
        click.echo(str(warning), err=True)


def _settings(config: Path | None, require_url: bool = True, **overrides: Any) -> Settings:
    try:
        return load_settings(config, overrides, require_url=require_url)
    except FeedtoolError as error:
        _fail(error)


config_option = click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (default: feedtool.toml in the working folder, if present).",
)


def format_option(help_text: str):  # type: ignore[no-untyped-def]
    """``--format text|json``, text by default."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
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
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _site_settings(config: Path | None, **options: Any) -> Settings:
    # Option names that differ from the settings' field names.
    renamed = {"site_url": "url", "timezone": "timezone_name"}
    return _settings(config, **{renamed.get(name, name): value for name, value in options.items()})


class _Commands(click.Group):
    """Lists each command with the whole first sentence of its help, never cut short."""

    def add_command(self, command: click.Command, name: str | None = None) -> None:
        if command.short_help is None and command.help:
            paragraph = command.help.split("\n\n", 1)[0]
            command.short_help = " ".join(paragraph.split())
        super().add_command(command, name)

    # A command stopped by Ctrl-C, SIGTERM or SIGHUP, even while its options are read, ends
    # with one line and status 128 + the signal's number (see ``feedtool.interrupt``),
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
def build_command(
    config: Path | None,
    check: bool,
    skip_invalid: bool,
    no_cache: bool,
    quiet: bool,
    force: bool,
    **options: Any,
) -> None:
    """Build the feeds and pages of the entries folder into the output folder.

    \b
    Example:
      feedtool build --site-url https://example.org/news/ --limit 20
      feedtool build --check      # in CI: is public/ up to date?
    """
    settings = _site_settings(config, **options)
    progress = _progress_bar if not quiet and sys.stderr.isatty() else None
    try:
        report = build(
            settings,
            check_only=check,
            skip_invalid=skip_invalid,
            use_cache=not no_cache,
            progress=progress,
            force=force,
        )
    except FeedtoolError as error:
        _fail(error)
    _print_warnings(report.warnings)
    result = report.result
    output = settings.output
    if check:
        for relative in result.written:
            click.echo(f"would write {output / relative}")
        for relative in result.removed:
            click.echo(f"would remove {output / relative}")
        if result.changed:
            click.echo(f"{len(result.changed)} file(s) in {output} are out of date", err=True)
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
def serve_command(config: Path | None, host: str, port: int, watch: bool, **options: Any) -> None:
    """Build, then serve the output folder for a browser and a feed reader.

    \b
    Example:
      feedtool serve --watch      # then subscribe to http://127.0.0.1:8000/
    """
    settings = _site_settings(config, **options)

    def rebuild() -> None:
        report = build(settings, skip_invalid=False)
        _print_warnings(report.warnings)
        click.echo(
            f"rebuilt: {report.entries} entries, {len(report.result.written)} written, "
            f"{len(report.result.removed)} removed in {report.seconds:.2f} s",
            err=True,
        )

    # Imported here: every other command starts faster without the HTTP server.
    from feedtool.serve import make_server
    from feedtool.serve import watch as feedtool_watch

    try:
        report = build(settings)
        _print_warnings(report.warnings)
        server = make_server(settings.output, host, port)
    except FeedtoolError as error:
        _fail(error)
    click.echo(f"Serving {settings.output} at {server.url} (Ctrl-C to stop)")
    stop = threading.Event()
    if watch:
        watched = [settings.entries]
        if settings.config_path is not None:
            watched.append(settings.config_path)
        feedtool_watch(watched, rebuild, stop=stop, on_error=_print_rebuild_error)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        stop.set()
        server.shutdown()


def _print_rebuild_error(error: BaseException) -> None:
    """A failed rebuild while serving: report it, keep serving the last good build."""
    _echo_error(error)
    click.echo("rebuild failed; still serving the last good build", err=True)


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


@main.command("validate")
@click.argument("targets", nargs=-1, required=True)
@format_option("One line per finding, or a JSON list.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option(
    "--quiet", "-q", is_flag=True, help="Text format: print the findings only, no summary lines."
)
def validate_command(
    targets: tuple[str, ...], output_format: str, strict: bool, quiet: bool
) -> None:
    """Check RSS 2.0, Atom 1.0 and JSON Feed files, folders, http(s) URLs or - (stdin).

    Each finding is printed as `path:line:column: error|warning: CODE: message`, then a
    summary line per file and a total line (`3 feeds: 1 error, 0 warnings`). Exit 0 with
    no errors (warnings allowed unless --strict), 1 with errors, 2 on a usage error.

    \b
    Example:
      feedtool validate public/
      feedtool validate https://example.org/feed.xml --format json
      curl -s https://example.org/feed.xml | feedtool validate -
    """
    # Imported here: the validator's schemas load slowly, and only this command needs them.
    from feedtool.validate import (
        TargetsError,
        exit_status,
        render_json,
        render_text,
        validate_targets,
    )

    try:
        reports = validate_targets(targets)
    except TargetsError as error:
        raise click.UsageError(str(error)) from None
    if output_format == "json":
        click.echo(render_json(reports))
    else:
        text = render_text(reports, quiet=quiet)
        if text:  # quiet and clean: print nothing, not an empty line
            click.echo(text)
    sys.exit(exit_status(reports, strict))
