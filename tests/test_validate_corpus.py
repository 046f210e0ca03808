"""The validation corpus: every file under tests/validate_corpus/ declares what it expects.

A file's expectation is its sidecar ``NAME.expect`` if there is one (JSON, empty
files), else the first ``<!-- expect: ... -->`` comment in it. The words are
``kind=KIND``, ``CODE@LINE`` for each finding, and free text in parentheses; a case
that expects no finding says ``valid``. Findings must match exactly: a missing one
fails, and so does an extra one.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from feedtool._validate import CODES, validate_document, validate_targets
from feedtool._validate.detect import FEED_KINDS

CORPUS = Path(__file__).parent / "validate_corpus"
_COMMENT = re.compile(rb"<!-- expect: (.*?) -->", re.DOTALL)
_FINDING = re.compile(r"([EW]-[A-Z0-9-]+)@(\d+)")
# Codes about the command line rather than a document: test_validate.py covers them.
_NOT_IN_DOCUMENTS = {"E-READ", "E-FETCH", "E-NO-FEEDS", "W-NOT-REGULAR"}


def corpus_cases() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix != ".expect")


def expectation(case: Path) -> str:
    sidecar = case.with_name(case.name + ".expect")
    if sidecar.exists():
        return sidecar.read_text(encoding="utf-8")
    match = _COMMENT.search(case.read_bytes()[:2000])
    assert match, f"{case} declares no expectation"
    return match.group(1).decode("utf-8")


def parse_expectation(text: str) -> tuple[str, Counter[tuple[str, int]]]:
    """The expected kind and findings; refuses words it does not understand."""
    text = re.sub(r"\([^)]*\)", "", text)  # free-text remarks
    kind = ""
    findings: Counter[tuple[str, int]] = Counter()
    saw_valid = False
    for word in text.split():
        if word.startswith("kind="):
            kind = word.removeprefix("kind=")
        elif word == "valid":
            saw_valid = True
        elif match := _FINDING.fullmatch(word):
            findings[(match.group(1), int(match.group(2)))] += 1
        else:
            raise AssertionError(f"unknown word in expectation: {word!r}")
    assert kind, "an expectation names the kind"
    assert saw_valid != bool(findings), "say valid, or list findings, not both or neither"
    return kind, findings


CASES = corpus_cases()


def test_the_corpus_is_large_enough_to_mean_something() -> None:
    assert len(CASES) >= 60
    formats = Counter(case.parent.name for case in CASES)
    assert formats["rss"] >= 20 and formats["atom"] >= 20 and formats["json"] >= 15


def test_every_case_declares_an_expectation() -> None:
    for case in CASES:
        parse_expectation(expectation(case))


def test_every_document_code_is_exercised_by_some_case() -> None:
    expected = set()
    for case in CASES:
        expected |= {code for code, _ in parse_expectation(expectation(case))[1]}
    assert set(CODES) - _NOT_IN_DOCUMENTS <= expected
    assert expected <= set(CODES)


def test_valid_and_invalid_cases_both_exist_for_every_format() -> None:
    for folder in ("rss", "atom", "json"):
        expectations = [parse_expectation(expectation(c)) for c in CASES if c.parent.name == folder]
        assert any(not findings for _, findings in expectations)
        assert sum(1 for _, findings in expectations if findings) >= 10


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_case_reports_exactly_what_it_declares(case: Path) -> None:
    kind, expected = parse_expectation(expectation(case))
    report = validate_document(case.read_bytes(), str(case))
    found = Counter((f.code, f.line) for f in report.findings)
    assert report.kind == kind
    assert found == expected, "\n".join(f"{f.line}: {f.code}: {f.message}" for f in report.findings)
    if not expected:
        assert report.errors == () and report.warnings == ()


def test_the_corpus_as_a_folder_reports_its_feeds_and_skips_the_rest() -> None:
    reports = validate_targets([str(CORPUS)])
    feeds = [c for c in CASES if parse_expectation(expectation(c))[0] in FEED_KINDS]
    assert sorted(r.path for r in reports) == sorted(str(c) for c in feeds)
    assert len(feeds) < len(CASES)  # pages, text and empty files were there to skip
