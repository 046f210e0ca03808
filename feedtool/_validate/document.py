"""One document, whatever its format: detect it, then run the checks for that format."""

from __future__ import annotations

from feedtool._validate.codes import Issue
from feedtool._validate.detect import detect
from feedtool._validate.jsonfeed import check_jsonfeed
from feedtool._validate.report import Report, make_report
from feedtool._validate.xmlstream import check_xml


def validate_document(data: bytes, path: str) -> Report:
    """Validate one document's bytes; ``path`` only names it in the report."""
    detected = detect(data)
    kind = detected.kind
    issues: list[Issue]
    if detected.problem is not None:
        issues = [detected.problem]
    elif kind.startswith("jsonfeed"):
        kind, issues = check_jsonfeed(data, kind)
    else:
        issues = check_xml(data, kind, detected.doctype)
    return make_report(path, kind, issues)
