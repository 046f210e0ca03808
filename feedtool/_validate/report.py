"""Findings and reports, and the ways of showing them: text for people, JSON for tools,
GitHub Actions annotations for pull requests."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from feedtool._github import finding_annotation
from feedtool._validate.codes import Issue, level


@dataclass(frozen=True)
class Finding:
    """One problem at one place in one document.

    ``column`` is 1-based where the checker knows it and 0 where only the line is known.
    """

    path: str
    line: int
    column: int
    level: str  # "error" or "warning"
    code: str
    message: str

    def __str__(self) -> str:
        """The finding as one line of text: control characters in the path and the
        message are shown as escapes (see ``printable``), so no name forges a line."""
        path, message = printable(self.path), printable(self.message)
        return f"{path}:{self.line}:{self.column}: {self.level}: {self.code}: {message}"


@dataclass(frozen=True)
class Report:
    """Everything found in one document; ``kind`` is the format detected from its content.

    ``kind`` is one of ``detect.KINDS``: ``rss2``, ``atom1``, ``jsonfeed1.0``,
    ``jsonfeed1.1``, ``jsonfeed`` (a JSON Feed of an unknown version), ``rss0.9x``,
    ``rss1.0``, ``atom0.3``, ``html``, ``empty``, ``unknown`` (not a feed, or not read)
    and ``folder`` (a folder without feeds).
    """

    path: str
    kind: str
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.level == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.level == "warning")


# What must not reach a terminal as itself: C0 and C1 controls and DEL (line breaks,
# escape sequences), the Unicode line and paragraph separators, and surrogates (the
# bytes of a file name that is not UTF-8, which no UTF-8 output can encode).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` with every control character as a visible escape: ``\\n``, ``\\x1b``,
    ``\\u2028``; an undecodable byte of a file name (a surrogate escape) as ``\\xff``.

    Other characters, non-ASCII letters included, are kept as they are. Every path
    and message the validator prints goes through this.
    """
    if _UNPRINTABLE.search(text) is None:
        return text
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's escape of an undecodable byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def make_report(path: str, kind: str, issues: Iterable[Issue]) -> Report:
    """Attach a path and levels to issues, in document order."""
    ordered = sorted(issues, key=lambda i: (i.line, i.column, i.code, i.message))
    findings = tuple(
        Finding(path, i.line, i.column, level(i.code), i.code, i.message) for i in ordered
    )
    return Report(path, kind, findings)


def render_text(reports: Sequence[Report], *, quiet: bool = False) -> str:
    """``path:line:column: level: CODE: message`` lines, a summary line per file, a total.

    ``quiet`` keeps the finding lines only: no summaries and no total, so a clean run
    renders as the empty string.
    """
    lines: list[str] = []
    for report in reports:
        for f in report.findings:
            lines.append(str(f))
        if not quiet:
            counts = _counts(len(report.errors), len(report.warnings))
            lines.append(f"{printable(report.path)}: {report.kind}, {counts}")
    if not quiet:
        lines.append(_total(reports))
    return "\n".join(lines)


def render_github(reports: Sequence[Report], base: Path, *, quiet: bool = False) -> str:
    """A GitHub Actions workflow command per finding (``::error file=F,line=L,col=C,
    title=CODE::message``), then the total line of ``render_text`` unless ``quiet``.

    Paths are relative to ``base`` (the working folder) when inside it. There are no
    summary lines: a file's name must not start a line that the runner reads, since a
    name such as ``::stop-commands::x`` would be taken for a command. Line breaks are
    GitHub's escapes (feedtool._github); a lone surrogate, which no UTF-8 output can
    write, is the escape ``printable`` makes of it.
    """
    lines = [finding_annotation(f).command(base) for report in reports for f in report.findings]
    if not quiet:
        lines.append(_total(reports))
    return _SURROGATE.sub(_escape, "\n".join(lines))


def render_json(reports: Sequence[Report]) -> str:
    """A JSON list with one object per report: path, kind, counts and findings.

    Strings are as they are (JSON escapes control characters), but a lone surrogate (a
    file name that is not UTF-8, a JSON Feed's ``"\\ud800"``) is written as its ``\\u``
    escape, which no UTF-8 output would take as itself.
    """
    text = json.dumps(
        [
            {
                "path": r.path,
                "kind": r.kind,
                "errors": len(r.errors),
                "warnings": len(r.warnings),
                "findings": [asdict(f) for f in r.findings],
            }
            for r in reports
        ],
        indent=2,
        ensure_ascii=False,
    )
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def exit_status(reports: Sequence[Report], strict: bool) -> int:
    """0 when nothing is wrong (warnings allowed unless strict), 1 otherwise."""
    failing = any(r.errors or (strict and r.warnings) for r in reports)
    return 1 if failing else 0


def _total(reports: Sequence[Report]) -> str:
    errors = sum(len(r.errors) for r in reports)
    warnings = sum(len(r.warnings) for r in reports)
    return f"{_plural(len(reports), 'feed')}: {_counts(errors, warnings)}"


def _counts(errors: int, warnings: int) -> str:
    return f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
