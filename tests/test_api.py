"""The Python API: only the documented names, values in and out, and the README example runs."""

from __future__ import annotations

import contextlib
import io
import pydoc
import re
from pathlib import Path

import pytest

import feedtool

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def readme_example() -> str:
    section = README.split("## Use from Python", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_readme_example_runs_and_prints_what_it_says(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(readme_example(), "README.md", "exec"), {})
    lines = printed.getvalue().splitlines()
    assert lines[0] == "Welcome to your feedtool site ('Getting started', 'feedtool')"
    assert re.fullmatch(r"1 entries, \d+ files written", lines[1])
    feeds = [line for line in lines if " errors" in line]
    assert feeds and all(line.endswith(" 0 errors") for line in feeds)
    assert "still the placeholder" in lines[-1]
    assert (tmp_path / "my-site" / "public" / "rss.xml").is_file()


def test_help_shows_only_the_documented_api():
    text = pydoc.render_doc(feedtool, renderer=pydoc.plaintext)
    functions = text.split("FUNCTIONS", 1)[1].split("DATA", 1)[0]
    named = set(re.findall(r"^    (\w+)(?: = \w+)?\(", functions, re.MULTILINE))
    assert named == {
        "build",
        "init_site",
        "load_settings",
        "parse_entry",
        "validate",
        "validate_document",
    }
    contents = text.split("PACKAGE CONTENTS", 1)[1].split("CLASSES", 1)[0].split()
    assert all(name.startswith("_") or name == "(package)" for name in contents)


def test_every_api_name_is_documented_in_the_readme():
    section = README.split("## Use from Python", 1)[1].split("\n## ", 1)[0]
    for name in feedtool.__all__:
        assert f"`{name}" in section or f"{name}(" in section or f"`{name}`" in section, name


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'render'"):
        feedtool.render  # noqa: B018 - the modules are private


def test_the_api_never_prints_or_exits(tmp_path: Path, capsys):
    feedtool.init_site(tmp_path)
    with pytest.raises(feedtool.ConfigError):
        feedtool.load_settings(tmp_path / "feedtool.toml")
    settings = feedtool.load_settings(
        tmp_path / "feedtool.toml", {"url": "https://e.org/", "id_authority": "e.org,2026"}
    )
    report = feedtool.build(settings)
    assert isinstance(report, feedtool.BuildReport) and report.entries == 1
    assert all(not r.errors for r in feedtool.validate([str(settings.output)]))
    assert capsys.readouterr() == ("", "")
