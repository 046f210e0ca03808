"""GitHub Actions workflow commands: findings, warnings and errors as annotations.

A line such as ``::error file=entries/a.txt,line=3,title=invalid entry::no title`` in a
step's output becomes an annotation that GitHub shows on that line of the pull request.
Values are escaped as GitHub's own toolkit (``@actions/core``) escapes them, so that no
message or file name can end a command early or start another one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from feedtool._errors import (
    ConfigError,
    ConfigProblems,
    Diagnostic,
    EntryError,
    FeedtoolError,
    PublishError,
    SourceError,
    printable_path,
)

# Paths of findings that name no file in the repository: URLs and ``<stdin>``.
_NOT_A_FILE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://|<[^<>]*>$)")


class FindingLike(Protocol):
    """What an annotation needs of a ``feedtool._validate.Finding`` (not imported here:
    the validator is slow to import, and a build that fails on an entry never needs it)."""

    path: str
    line: int
    column: int
    level: str
    code: str
    message: str


@dataclass(frozen=True)
class Annotation:
    """One workflow command: ``level`` is ``error``, ``warning`` or ``notice``.

    ``line`` and ``column`` are 1-based; 0 or None leaves them out (a column of 0 is
    the whole line, as in a finding).
    """

    level: str
    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    title: str | None = None

    def command(self, base: Path) -> str:
        """The ``::level file=F,line=L,col=C,title=T::message`` line, with ``path``
        relative to ``base`` (the working folder) when it is inside it."""
        message = self.message
        properties: list[tuple[str, str]] = []
        if self.path is not None and _NOT_A_FILE.match(self.path):
            # A URL or standard input: no file to point at, so the message says where.
            message = f"{_location(self.path, self.line, self.column)}: {message}"
        else:
            if self.path is not None:
                file = printable_path(workflow_path(self.path, base))
                properties.append(("file", file))
            if self.line:
                properties.append(("line", str(self.line)))
                if self.column:
                    properties.append(("col", str(self.column)))
        if self.title:
            properties.append(("title", self.title))
        listed = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
        return f"::{self.level}{' ' + listed if listed else ''}::{escape_data(message)}"


def escape_data(text: str) -> str:
    """A command's message as the toolkit escapes it: ``%``, CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value: like a message, and ``:`` and ``,`` too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_path(path: str, base: Path) -> str:
    """``path`` relative to ``base`` when it is inside it, else absolute, with ``/``.

    The runner resolves a relative file against the repository root (the default
    working folder of a step) and maps an absolute one inside the repository to it.
    """
    absolute = os.path.abspath(path)
    for candidate, folder in (
        (absolute, os.path.abspath(base)),
        (os.path.realpath(path), os.path.realpath(base)),
    ):
        relative = Path(candidate)
        if relative.is_relative_to(folder):
            return relative.relative_to(folder).as_posix()
    return Path(absolute).as_posix()


def finding_annotation(finding: FindingLike) -> Annotation:
    """A validator finding, titled with its code."""
    return Annotation(
        finding.level, finding.message, finding.path, finding.line, finding.column, finding.code
    )


def diagnostic_annotation(diagnostic: Diagnostic, title: str) -> Annotation:
    """A warning (or error) of a build or a parse, such as an entry's warnings."""
    return Annotation(
        diagnostic.level, diagnostic.message, diagnostic.path, diagnostic.line, None, title
    )


def error_annotations(error: FeedtoolError) -> list[Annotation]:
    """An error of a build as annotations: one per problem it gathers (every invalid
    entry, every error in a rendered feed, every bad setting), or one for itself."""
    # Imported here: the build imports much, and only a failed build gets here.
    from feedtool._build import EntriesRejected
    from feedtool._publish import BuildRejected

    if isinstance(error, EntriesRejected):
        return [_error_annotation(entry_error) for entry_error in error.errors]
    if isinstance(error, BuildRejected):
        return [finding_annotation(finding) for finding in error.findings]
    if isinstance(error, ConfigProblems):
        return [_error_annotation(problem) for problem in error.problems]
    return [_error_annotation(error)]


def commands(annotations: Iterable[Annotation], base: Path) -> list[str]:
    """The workflow command lines of ``annotations``, in order."""
    return [annotation.command(base) for annotation in annotations]


def _error_annotation(error: FeedtoolError) -> Annotation:
    return Annotation("error", error.message, error.path, error.line, None, _title(error))


def _title(error: FeedtoolError) -> str:
    from feedtool._output_folder import OutputFolderRefused

    if isinstance(error, EntryError):
        return "invalid entry"
    if isinstance(error, OutputFolderRefused | PublishError):
        return "output folder"
    if isinstance(error, ConfigError):
        return "config error"
    if isinstance(error, SourceError):
        return "entries folder"
    return "feedtool"


def _location(path: str, line: int | None, column: int | None) -> str:
    where = path
    if line:
        where += f":{line}"
        if column:
            where += f":{column}"
    return where
