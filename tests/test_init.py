"""`feedtool init`: a site that builds once its URL is set, and never an overwritten file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner, Result

from feedtool._cli import main
from feedtool._config import KNOWN_KEYS, PLACEHOLDER, Settings, load_settings
from feedtool._entry import parse_entry
from feedtool._init import CONFIG_TEXT, EXAMPLE_ARTICLE, EXAMPLE_NAME, InitError, init_site
from feedtool._validate import validate_targets


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def set_site(config: Path, url: str = "https://example.org/news/") -> None:
    text = config.read_text(encoding="utf-8")
    lines = []
    for line in text.splitlines():
        if line.startswith("url = "):
            line = f'url = "{url}"'
        elif line.startswith("id_authority = "):
            line = 'id_authority = "example.org,2026"'
        lines.append(line)
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_init_then_build_publishes_a_valid_site(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("init")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "wrote feedtool.toml",
        f"wrote entries/{EXAMPLE_NAME}",
        "wrote .gitignore",
        "Next: set [site] url and id_authority in feedtool.toml, then run feedtool build",
    ]
    assert (tmp_path / ".gitignore").read_text() == ".feedtool-cache/\n"

    refused = run("build")
    assert refused.exit_code == 2
    assert [line.split(": error: ")[0] for line in refused.stderr.splitlines()] == [
        "feedtool.toml:9",
        "feedtool.toml:12",
    ]
    assert "still the placeholder `feedtool init` wrote" in refused.stderr
    assert not (tmp_path / "public").exists()

    set_site(tmp_path / "feedtool.toml")
    built = run("build")
    assert built.exit_code == 0, built.output
    assert built.stderr == ""  # the example article warns of nothing
    reports = validate_targets([str(tmp_path / "public")])
    assert len(reports) == 11 and all(not report.findings for report in reports)
    feed = feedparser.parse((tmp_path / "public" / "atom.xml").read_bytes())
    assert [entry.title for entry in feed.entries] == ["Welcome to your feedtool site"]
    assert feed.entries[0].id == "tag:example.org,2026:001_welcome"
    assert [tag.term for tag in feed.entries[0].tags] == ["Getting started", "feedtool"]


def test_init_into_a_new_folder_names_it(tmp_path: Path):
    site = tmp_path / "my-site"
    result = run("init", str(site))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1].endswith(f"then run feedtool build in {site}")
    assert sorted(path.name for path in site.iterdir()) == [
        ".gitignore",
        "entries",
        "feedtool.toml",
    ]


@pytest.mark.parametrize("existing", ["feedtool.toml", f"entries/{EXAMPLE_NAME}"])
def test_init_never_overwrites_and_then_writes_nothing(tmp_path: Path, existing: str):
    (tmp_path / "entries").mkdir()
    (tmp_path / existing).write_text("mine")
    result = run("init", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr == (
        f"{tmp_path / existing}: error: already exists; feedtool init never overwrites a file\n"
    )
    assert (tmp_path / existing).read_text() == "mine"
    assert sorted(path.name for path in tmp_path.rglob("*")) == sorted(
        ["entries", Path(existing).name]
    )


def test_init_adds_the_cache_to_an_existing_gitignore_once(tmp_path: Path):
    (tmp_path / ".gitignore").write_text("*.pyc")
    result = init_site(tmp_path)
    assert result.gitignore_extended
    assert (tmp_path / ".gitignore").read_text() == "*.pyc\n.feedtool-cache/\n"
    (tmp_path / "feedtool.toml").unlink()
    (tmp_path / "entries" / EXAMPLE_NAME).unlink()
    assert not init_site(tmp_path).gitignore_extended
    assert (tmp_path / ".gitignore").read_text() == "*.pyc\n.feedtool-cache/\n"


def test_init_where_a_file_blocks_the_folder_is_one_clean_error(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InitError, match="cannot write"):
        init_site(blocker / "site")


def test_the_config_lists_every_key_with_its_default(tmp_path: Path):
    config = tmp_path / "feedtool.toml"
    # Every commented-out key, uncommented, gives the defaults.
    uncommented = "\n".join(
        line[2:] if line.startswith("# ") and " = " in line else line
        for line in CONFIG_TEXT.splitlines()
    )
    data = tomllib.loads(uncommented)
    assert {table: set(keys) for table, keys in data.items()} == {
        table: set(keys) for table, keys in KNOWN_KEYS.items()
    }
    config.write_text(CONFIG_TEXT)
    set_site(config)
    settings = load_settings(config)
    defaults = Settings()
    for name in ("description", "language", "author", "timezone_name", "limit"):
        assert getattr(settings, name) == getattr(defaults, name)
    assert settings.summary_only is defaults.summary_only
    assert (settings.max_entry_size, settings.archive_size) == (
        defaults.max_entry_size,
        defaults.archive_size,
    )
    assert data["build"]["limit"] == defaults.limit
    assert data["build"]["archive_size"] == defaults.archive_size
    assert data["build"]["max_entry_size"] == defaults.max_entry_size
    assert data["site"]["timezone"] == defaults.timezone_name
    assert PLACEHOLDER in data["site"]["url"] and PLACEHOLDER in data["site"]["id_authority"]


def test_the_example_article_shows_every_part_of_the_format():
    entry = parse_entry(EXAMPLE_ARTICLE, EXAMPLE_NAME)
    assert entry.title == "Welcome to your feedtool site"
    assert len(entry.points) == 3 and entry.summary == "\n".join(entry.points)
    assert len(entry.paragraphs) == 4
    assert entry.dropped == ("Read more about feeds",)
    assert entry.categories == ("Getting started", "feedtool")
    assert entry.author == "The editors" and entry.language == "en"
    assert entry.published is not None and entry.updated is not None
    assert entry.published < entry.updated
    assert entry.warnings == ()
