"""The ``feedtool`` command: options in, a library call, output out. No logic lives here."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn

import click

from feedtool import __version__
from feedtool.build import EntriesRejected, build
from feedtool.config import Settings, load_settings
from feedtool.errors import ConfigError, Diagnostic, FeedtoolError
from feedtool.publish import BuildRejected
from feedtool.show import entry_as_dict, entry_as_text, show_entry

EXIT_PROBLEMS = 1
EXIT_USAGE = 2


def _fail(error: FeedtoolError) -> NoReturn:
    """Print a user-caused error (and its parts) as ``path:line: error: message`` and exit."""
    if isinstance(error, EntriesRejected):
        for entry_error in error.errors:
            click.echo(str(entry_error), err=True)
    if isinstance(error, BuildRejected):
        for problem in error.problems:
            click.echo(problem, err=True)
    click.echo(str(error), err=True)
    sys.exit(EXIT_USAGE if isinstance(error, ConfigError) else EXIT_PROBLEMS)


def _print_warnings(warnings: Iterable[Diagnostic]) -> None:
    for warning in warnings:
        click.echo(str(warning), err=True)


def _settings(config: Path | None, require_url: bool = True, **overrides: Any) -> Settings:
    try:
        return load_settings(config, overrides, require_url=require_url)
    except FeedtoolError as error:
        _fail(error)


def settings_options(function):  # type: ignore[no-untyped-def]
    """The options every command that reads the site shares."""
    options = [
        click.option(
            "--config",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Config file (default: feedtool.toml in the working folder, if present).",
        ),
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
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _site_settings(config: Path | None, **options: Any) -> Settings:
    return _settings(
        config,
        entries=options["entries"],
        output=options["output"],
        url=options["site_url"],
        title=options["title"],
        limit=options["limit"],
        summary_only=options["summary_only"],
        max_entry_size=options["max_entry_size"],
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="feedtool")
def main() -> None:
    """Publish a folder of plain-text articles as RSS, Atom and JSON feeds with HTML pages."""


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
@click.option("--quiet", "-q", is_flag=True, help="Print only warnings and errors.")
def build_command(
    config: Path | None, check: bool, skip_invalid: bool, quiet: bool, **options: Any
) -> None:
    """Build the feeds and pages of the entries folder into the output folder.

    \b
    Example:
      feedtool build --site-url https://example.org/news/ --limit 20
      feedtool build --check      # in CI: is public/ up to date?
    """
    settings = _site_settings(config, **options)
    try:
        report = build(settings, check_only=check, skip_invalid=skip_invalid)
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
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Human-readable text or JSON.",
)
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path), help="Config file.")
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
