"""Settings from feedtool.toml, overridden by options, with errors naming file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedtool.config import DEFAULT_LIMIT, load_settings
from feedtool.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feedtool.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_settings_come_from_the_config_file(tmp_path: Path):
    config = write(
        tmp_path,
        '[site]\ntitle = "T"\nurl = "https://e.org/blog"\ntimezone = "Europe/Paris"\n'
        'id_authority = "e.org,2026"\n[build]\nentries = "posts"\noutput = "out"\nlimit = 5\n',
    )
    settings = load_settings(config)
    assert settings.title == "T"
    assert settings.url == "https://e.org/blog/"  # a trailing slash is added
    assert settings.timezone_name == "Europe/Paris"
    assert settings.entries == tmp_path / "posts"  # relative to the config file
    assert settings.output == tmp_path / "out"
    assert settings.limit == 5


def test_folders_default_beside_the_config_file(tmp_path: Path):
    settings = load_settings(write(tmp_path, '[site]\nurl = "https://e.org/"\n'))
    assert settings.entries == tmp_path / "entries"
    assert settings.output == tmp_path / "public"
    assert settings.limit == DEFAULT_LIMIT


def test_options_override_the_config_file(tmp_path: Path):
    config = write(tmp_path, '[site]\nurl = "https://e.org/"\ntitle = "File"\n')
    settings = load_settings(
        config, {"title": "Option", "url": "https://o.org/", "limit": 0, "output": None}
    )
    assert (settings.title, settings.url, settings.limit) == ("Option", "https://o.org/", 0)
    assert settings.output == tmp_path / "public"  # None means "not given"


def test_missing_site_url_names_the_option_and_the_key(tmp_path: Path):
    config = write(tmp_path, '[site]\ntitle = "T"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    assert "--site-url" in caught.value.message
    assert "[site] url" in caught.value.message


@pytest.mark.parametrize("url", ["/blog/", "example.org", "ftp://example.org/"])
def test_relative_site_url_is_an_error_on_its_line(tmp_path: Path, url: str):
    config = write(tmp_path, f'[site]\ntitle = "T"\nurl = "{url}"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    assert "not absolute" in caught.value.message and "--site-url" in caught.value.message
    assert (caught.value.path, caught.value.line) == (str(config), 3)


def test_unknown_key_is_an_error_on_its_line(tmp_path: Path):
    config = write(tmp_path, '[site]\nurl = "https://e.org/"\ntitel = "typo"\n')
    with pytest.raises(ConfigError, match="unknown key site.titel") as caught:
        load_settings(config)
    assert caught.value.line == 3


def test_wrong_type_is_an_error(tmp_path: Path):
    config = write(tmp_path, '[site]\nurl = "https://e.org/"\n[build]\nlimit = "ten"\n')
    with pytest.raises(ConfigError, match="build.limit must be a whole number") as caught:
        load_settings(config)
    assert caught.value.line == 4


def test_invalid_toml_reports_its_line(tmp_path: Path):
    config = write(tmp_path, '[site]\nurl = "https://e.org/\n')
    with pytest.raises(ConfigError, match="not valid TOML") as caught:
        load_settings(config)
    assert caught.value.line == 2


def test_unknown_time_zone_is_an_error(tmp_path: Path):
    config = write(tmp_path, '[site]\nurl = "https://e.org/"\ntimezone = "Mars/Olympus"\n')
    with pytest.raises(ConfigError, match="unknown time zone"):
        load_settings(config)


def test_id_authority_must_follow_rfc_4151(tmp_path: Path):
    config = write(tmp_path, '[site]\nurl = "https://e.org/"\nid_authority = "e.org"\n')
    with pytest.raises(ConfigError, match="RFC 4151"):
        load_settings(config)


def test_explicit_config_that_does_not_exist_is_an_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "missing.toml")


def test_without_a_config_file_options_are_enough(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, {"url": "https://e.org/"})
    assert settings.config_path is None
    assert settings.entries == Path("entries")
    with pytest.raises(ConfigError) as caught:
        load_settings(None, {})
    assert caught.value.path is None  # no file to point at
