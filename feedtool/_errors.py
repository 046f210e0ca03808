"""Errors a user can cause, each carrying the file (and line) it concerns."""

from __future__ import annotations

from dataclasses import dataclass


class FeedtoolError(Exception):
    """A problem the user can fix; the CLI prints it as ``path:line: error: message``."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        return format_location(self.path, self.line, "error", self.message)


class EntryError(FeedtoolError):
    """An article file that cannot be published."""


class ConfigError(FeedtoolError):
    """A setting in feedtool.toml or on the command line that cannot be used."""


class ConfigProblems(ConfigError):
    """Several settings that cannot be used, reported together, one line each."""

    def __init__(self, problems: list[ConfigError]):
        first = problems[0]
        super().__init__(first.message, first.path, first.line)
        self.problems = tuple(problems)

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


class SourceError(FeedtoolError):
    """The entries folder (or a file in it) cannot be read."""


class PublishError(FeedtoolError):
    """The output folder cannot be written."""


class ServeError(FeedtoolError):
    """The preview server cannot start."""


@dataclass(frozen=True)
class Diagnostic:
    """A warning or error about one place in one file."""

    level: str  # "error" or "warning"
    message: str
    path: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        return format_location(self.path, self.line, self.level, self.message)


def format_location(path: str | None, line: int | None, level: str, message: str) -> str:
    """Render ``path:line: level: message``, leaving out the parts that are unknown."""
    where = ""
    if path is not None:
        path = printable_path(path)
        where = f"{path}:{line}: " if line is not None else f"{path}: "
    return f"{where}{level}: {message}"


def printable_path(path: str) -> str:
    """``path`` as it can be printed: the bytes of a name that are not UTF-8, which Python
    holds as lone surrogates (and no terminal can show), written ``\\xff``."""
    if path.isascii():
        return path
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
