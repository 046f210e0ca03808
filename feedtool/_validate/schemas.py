"""The schema layer: RELAX NG for RSS 2.0 and Atom 1.0, JSON Schema for JSON Feed.

The schemas are data files in ``schemas/``; this module loads them once and turns
their validators' errors into issues a person can act on.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Collection
from importlib import resources
from typing import TYPE_CHECKING, Any

import fastjsonschema
from lxml import etree

from feedtool._validate.codes import Issue

if TYPE_CHECKING:  # imported when first needed: only an invalid JSON feed needs jsonschema
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

JsonPath = tuple[str | int, ...]

_RELAXNG_FILES = {"rss2": "rss.rng", "atom1": "atom.rng"}

# libxml2 reports a failing child and then, for each enclosing pattern, that the
# pattern failed too; those follow-on errors never say anything the first did not.
_FOLLOW_ON = frozenset({"RELAXNG_ERR_CONTENTVALID", "RELAXNG_ERR_INTERSEQ"})
# Errors that are right when alone but often only echo another failure: "Extra
# element X in interleave" follows any failure inside X, and "failed to validate
# attributes" is what every alternative libxml2 tried and dropped leaves behind.
# They rank below the rest.
_ECHOES = frozenset({"RELAXNG_ERR_INTEREXTRA", "RELAXNG_ERR_DATATYPE", "RELAXNG_ERR_ATTRVALID"})
# "Expecting an element X, got nothing": a required child is missing (or libxml2
# only thinks so). While it hunts for the child, libxml2 tries every alternative of
# its siblings and logs their failures, so then the echoes above are noise.
_NO_ELEMENT = "RELAXNG_ERR_NOELEM"
# Lower is more telling; every other error type ranks 0.
_RANKS = {_NO_ELEMENT: 1} | dict.fromkeys(_ECHOES, 2) | dict.fromkeys(_FOLLOW_ON, 3)

_REWORDINGS = (
    (
        re.compile(r"Extra element (\S+) in interleave"),
        r"<\1> is not allowed here, or appears more than once",
    ),
    (re.compile(r"Element (\S+) has extra content: (\S+)"), r"<\2> is not allowed in <\1>"),
    (
        re.compile(r"Invalid attribute (\S+) for element (\S+)"),
        r"attribute \1 is not allowed on <\2>, or its value is wrong",
    ),
    (
        re.compile(r"Element (\S+) failed to validate attributes"),
        r"<\1> lacks an attribute or has a wrong one",
    ),
    (re.compile(r"Type (\S+) doesn't allow value '(.*)'"), r"'\2' is not a valid \1"),
    (
        re.compile(r"Error validating datatype (\S+)"),
        r"the value is not a valid \1 or is out of range",
    ),
)
_MAX_MESSAGE = 200


@functools.cache
def relaxng(kind: str) -> etree.RelaxNG:
    """The RELAX NG schema for an XML feed kind ("rss2" or "atom1")."""
    schema_file = resources.files("feedtool._validate") / "schemas" / _RELAXNG_FILES[kind]
    with schema_file.open("rb") as stream:
        return etree.RelaxNG(etree.parse(stream))


@functools.cache
def jsonfeed_validator() -> Draft202012Validator:
    """The JSON Schema validator for JSON Feed 1.0 and 1.1, which explains each error."""
    from jsonschema import Draft202012Validator  # slow to import; see TYPE_CHECKING above

    return Draft202012Validator(_jsonfeed_schema())


def _jsonfeed_schema() -> dict[str, Any]:
    schema_file = resources.files("feedtool._validate") / "schemas" / "jsonfeed-1.1.json"
    return json.loads(schema_file.read_text(encoding="utf-8"))


def check_element(
    schema: etree.RelaxNG, element: etree._Element, explained_lines: Collection[int]
) -> list[Issue]:
    """Validate one element (a feed skeleton, or one item) and keep the telling errors.

    ``explained_lines`` are lines where the rules layer already named a missing child;
    the vaguer errors libxml2 gives for the same thing are dropped there.
    """
    if schema.validate(element):
        return []
    entries = list(schema.error_log)
    hunted_a_child = any(entry.type_name == _NO_ELEMENT for entry in entries)
    located: list[tuple[int, int, str]] = []
    for index, entry in enumerate(entries):
        # Interleave errors come without a line; the next error is about the same child.
        line = entry.line or next(
            (later.line for later in entries[index + 1 :] if later.line), element.sourceline
        )
        rank = _RANKS.get(entry.type_name, 0)
        if (rank > 1 and hunted_a_child) or (rank > 0 and line in explained_lines):
            continue
        located.append((line, rank, entry.message))

    # Only the most telling kind of error the unit has, and one per line: the weaker
    # kinds are as often echoes of the stronger as separate problems.
    best_rank = min((rank for _, rank, _ in located), default=0)
    kept: dict[int, str] = {}
    for line, rank, message in located:
        if rank == best_rank:
            kept.setdefault(line, message)
    return [Issue(line, 0, "E-SCHEMA", _reword(message)) for line, message in kept.items()]


@functools.lru_cache(maxsize=1)
def _jsonfeed_is_valid() -> Callable[[Any], Any]:
    """The schema compiled to Python by fastjsonschema: a yes or no, many times faster.

    Formats stay annotations, as in ``jsonfeed_validator`` (the rules layer checks dates
    and URLs), and nothing is filled in from defaults: the same verdict on the same input.
    """
    return fastjsonschema.compile(
        _jsonfeed_schema(), use_default=False, use_formats=False, detailed_exceptions=False
    )


def check_json(document: Any) -> list[tuple[JsonPath, str, str]]:
    """JSON Schema errors as (path, code, message); a missing member is E-MISSING."""
    try:
        _jsonfeed_is_valid()(document)
        return []  # the usual case; only an invalid feed needs the slower, explaining pass
    except fastjsonschema.JsonSchemaException:
        pass
    found: list[tuple[JsonPath, str, str]] = []
    for error in jsonfeed_validator().iter_errors(document):
        path = tuple(error.absolute_path)
        where = _pointer(path)
        names = _required_alternatives(error)
        if error.validator == "required":
            found.append((path, "E-MISSING", f"{where}: {error.message}"))
        elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
            for member in _unknown_members(error.instance, error.schema):
                message = (
                    f"{where}: '{member}' is not a JSON Feed member (an extension starts with _)"
                )
                found.append(((*path, member), "E-SCHEMA", message))
        elif names:
            found.append((path, "E-MISSING", f"{where}: needs one of {', '.join(names)}"))
        else:
            found.append((path, "E-SCHEMA", _shorten(f"{where}: {error.message}")))
    return found


def _unknown_members(instance: dict, schema: dict) -> list[str]:
    """The members of an object that its schema neither names nor matches by pattern."""
    patterns = [re.compile(pattern) for pattern in schema.get("patternProperties", {})]
    known = schema.get("properties", {})
    return [
        member
        for member in instance
        if member not in known and not any(p.search(member) for p in patterns)
    ]


def _required_alternatives(error: ValidationError) -> list[str]:
    """The member names of an anyOf whose branches only require one member each."""
    branches = error.validator_value if error.validator == "anyOf" else None
    if not isinstance(branches, list):
        return []
    if not all(isinstance(b, dict) and list(b) == ["required"] for b in branches):
        return []
    return [name for branch in branches for name in branch["required"]]


def _pointer(path: JsonPath) -> str:
    return "".join(f"/{part}" for part in path) or "the feed"


def _reword(message: str) -> str:
    for pattern, replacement in _REWORDINGS:
        if pattern.fullmatch(message):
            return _shorten(pattern.sub(replacement, message))
    return _shorten(message)


def _shorten(message: str) -> str:
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 1] + "…"
