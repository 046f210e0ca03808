"""Offline validation of RSS 2.0, Atom 1.0 and JSON Feed 1.0/1.1 documents.

Three layers, each reporting every problem it finds: well-formedness (a hardened XML
parser, or the JSON parser), the format's schema (RELAX NG or JSON Schema), and rules
the schemas cannot express (dates, links, ids, escaped HTML ...). Finding codes and
their meanings are in ``codes.CODES``; every kind of document a report can name is in
``KINDS``.
"""

from feedtool._validate.codes import CODES
from feedtool._validate.detect import KINDS
from feedtool._validate.document import validate_document
from feedtool._validate.report import (
    Finding,
    Report,
    exit_status,
    render_github,
    render_json,
    render_text,
)
from feedtool._validate.targets import TargetsError, validate_targets

__all__ = [
    "CODES",
    "KINDS",
    "Finding",
    "Report",
    "TargetsError",
    "exit_status",
    "render_github",
    "render_json",
    "render_text",
    "validate_document",
    "validate_targets",
]
