"""The README stays true: the tests it names exist, and its commands match the CLI."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from feedtool.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_test_named_in_the_promises_exists():
    named = set(re.findall(r"`(test_\w+\.py)::(test_\w+)`", README))
    assert len(named) >= 20
    for module, name in sorted(named):
        source = (ROOT / "tests" / module).read_text(encoding="utf-8")
        assert re.search(rf"^def {name}\(", source, re.MULTILINE), f"{module}::{name}"


def test_every_build_option_in_help_is_documented():
    help_text = CliRunner().invoke(main, ["build", "--help"]).output
    options = set(re.findall(r"(--[a-z][a-z-]+)", help_text)) - {"--help"}
    missing = sorted(option for option in options if f"`{option}" not in README)
    assert not missing


def test_quick_start_is_two_commands():
    quick_start = README.split("## Quick start", 1)[1].split("```", 2)[1]
    commands = [line for line in quick_start.splitlines()[1:] if line.strip()]
    assert commands == [
        "python3 -m pip install . && feedtool build",
        "python3 -m pip install '.[test]' && python3 -m pytest",
    ]
