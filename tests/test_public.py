"""The committed public/ is the build of the committed entries/ and feedtool.toml."""

from __future__ import annotations

from pathlib import Path

from feedtool._build import build
from feedtool._config import load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_committed_public_folder_is_current():
    settings = load_settings(ROOT / "feedtool.toml")
    report = build(settings, check_only=True)
    assert report.entries >= 12
    assert report.result.changed == [], "public/ is stale: run `feedtool build` and commit public/"


def test_every_sample_entry_has_a_date_line_so_the_build_ignores_git():
    for path in sorted((ROOT / "entries").rglob("*.txt")):
        first = next(line for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
        assert first.lower().startswith("date:"), path.name
