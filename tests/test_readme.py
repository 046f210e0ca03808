"""The README stays true: the tests it names exist, and its commands match the CLI."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from feedtool._cli import main

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


QUICK_START = README.split("## Quick start", 1)[1].split("```", 2)[1]
QUICK_START_COMMANDS = [line for line in QUICK_START.splitlines()[1:] if line.strip()]


def test_quick_start_is_two_commands_in_a_virtual_environment():
    # A venv: Debian's and Ubuntu's system pip refuses to install (PEP 668).
    assert QUICK_START_COMMANDS == [
        "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/feedtool build",
        "python3 -m venv .venv && .venv/bin/pip install '.[test]' && .venv/bin/python -m pytest",
    ]


def test_ci_runs_the_readme_test_command():
    ci_script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert QUICK_START_COMMANDS[1] in ci_script.splitlines()
