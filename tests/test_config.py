"""Settings from feedtool.toml, overridden by options, with errors naming file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedtool._config import (
    DEFAULT_LIMIT,
    FILE_ONLY_KEYS,
    KNOWN_KEYS,
    PLACEHOLDER,
    load_settings,
)
from feedtool._errors import ConfigError, ConfigProblems
from tests.conftest import article


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


THREE_BAD_KEYS = """\
[site]
title = "News"
url = "https://e.org/"
language = "english please"
timezone = "Mars/Olympus"

[build]
limit = "ten"
"""


def test_every_problem_in_the_file_is_reported_at_once_with_its_line(tmp_path: Path):
    with pytest.raises(ConfigProblems) as caught:
        load_settings(write(tmp_path, THREE_BAD_KEYS))
    config = str(tmp_path / "feedtool.toml")
    lines = str(caught.value).splitlines()
    assert lines == [
        f"{config}:4: error: language 'english please' is not a BCP 47 language tag "
        "(--language / [site] language), e.g. en, fr-CA, zh-Hant",
        f"{config}:5: error: unknown time zone 'Mars/Olympus' (--timezone / [site] timezone): "
        "use an IANA name such as Europe/Paris or UTC",
        f"{config}:8: error: build.limit must be a whole number, got 'ten'",
    ]


def test_problems_of_types_keys_and_values_are_gathered_together(tmp_path: Path):
    text = '[site]\nurl = "/news/"\ntitel = "x"\n[build]\nsummary_only = "yes"\narchive_size = 0\n'
    with pytest.raises(ConfigProblems) as caught:
        load_settings(write(tmp_path, text))
    found = {(problem.line, problem.message.split(" ")[0]) for problem in caught.value.problems}
    assert found == {(2, "site"), (3, "unknown"), (5, "build.summary_only"), (6, "archive_size")}


@pytest.mark.parametrize("language", ["en", "fr-CA", "zh-Hant-TW", "es-419", "de-CH-1996"])
def test_language_accepts_bcp_47_tags(tmp_path: Path, language: str):
    config = write(tmp_path, f'[site]\nurl = "https://e.org/"\nlanguage = "{language}"\n')
    assert load_settings(config).language == language


@pytest.mark.parametrize("language", ["english please", "en_US", "", "e", "en-"])
def test_language_that_is_not_a_tag_is_an_error_on_its_line(tmp_path: Path, language: str):
    config = write(tmp_path, f'[site]\nurl = "https://e.org/"\nlanguage = "{language}"\n')
    with pytest.raises(ConfigError, match="not a BCP 47 language tag") as caught:
        load_settings(config)
    assert caught.value.line == 3


def test_a_bad_value_given_as_an_option_names_no_line_of_the_file(tmp_path: Path):
    config = write(tmp_path, '[site]\nurl = "https://e.org/"\nlanguage = "en"\n')
    with pytest.raises(ConfigError, match="--language") as caught:
        load_settings(config, {"language": "english please"})
    assert caught.value.path is None and caught.value.line is None


@pytest.mark.parametrize("key", ["entries", "output"])
def test_an_empty_folder_name_is_an_error(tmp_path: Path, key: str):
    config = write(tmp_path, f'[site]\nurl = "https://e.org/"\n[build]\n{key} = ""\n')
    expected = rf"\[build\] {key} is empty: set it to the folder to"
    with pytest.raises(ConfigError, match=expected) as caught:
        load_settings(config)
    assert caught.value.line == 4


def test_max_keywords_comes_from_the_file_or_the_option_and_must_be_positive(tmp_path: Path):
    assert load_settings(write(tmp_path, '[site]\nurl = "https://e.org/"\n')).max_keywords == 30
    config = write(tmp_path, '[site]\nurl = "https://e.org/"\n[build]\nmax_keywords = 40\n')
    assert load_settings(config).max_keywords == 40
    assert load_settings(config, {"max_keywords": 50}).max_keywords == 50
    config = write(tmp_path, '[site]\nurl = "https://e.org/"\n[build]\nmax_keywords = 0\n')
    with pytest.raises(ConfigError, match=r"max_keywords must be 1 or more .*, got 0") as caught:
        load_settings(config)
    assert caught.value.line == 4


def test_max_output_ratio_comes_from_the_file_or_the_option_and_must_be_positive(tmp_path):
    assert (
        load_settings(write(tmp_path, '[site]\nurl = "https://e.org/"\n')).max_output_ratio == 200
    )
    config = write(tmp_path, '[site]\nurl = "https://e.org/"\n[build]\nmax_output_ratio = 500\n')
    assert load_settings(config).max_output_ratio == 500
    assert load_settings(config, {"max_output_ratio": 1000}).max_output_ratio == 1000
    config = write(tmp_path, '[site]\nurl = "https://e.org/"\n[build]\nmax_output_ratio = 0\n')
    with pytest.raises(ConfigError, match=r"max_output_ratio must be 1 or more, got 0") as caught:
        load_settings(config)
    assert caught.value.line == 4


# Control characters: TOML writes them as escapes, a shell as $'\a'; XML forbids most.
CONTROLS_IN_THE_FILE = r'''[site]
title = "Bell\u0007 News"
url = "https://e.org/\u0085"
author = "Tab\tDesk"
language = "en"
description = """Two lines,
	and a tab: a description may span lines."""
timezone = "UTC"
[build]
output = "public\u001b[31m"
limit = -1
[format]
points_headers = ["In short", "Nul\u0000"]
'''


def test_a_control_character_in_a_value_of_the_file_is_an_error_on_its_line(tmp_path: Path):
    with pytest.raises(ConfigProblems) as caught:
        load_settings(write(tmp_path, CONTROLS_IN_THE_FILE))
    config = str(tmp_path / "feedtool.toml")
    assert str(caught.value).splitlines() == [
        f"{config}:2: error: title 'Bell\\x07 News' holds the control character U+0007 "
        "(character 5): remove it (--title / [site] title)",
        # Only the control character: the first thing to fix, whatever else is wrong.
        f"{config}:3: error: url 'https://e.org/\\x85' holds the control character U+0085 "
        "(character 15): remove it (--site-url / [site] url)",
        f"{config}:4: error: author 'Tab\\tDesk' holds the control character U+0009 "
        "(character 4): remove it (--author / [site] author)",
        f"{config}:10: error: output '{tmp_path}/public\\x1b[31m' holds the control character "
        f"U+001B (character {len(str(tmp_path)) + 8}): remove it (--output / [build] output)",
        f"{config}:11: error: limit must be 0 (all entries) or more, got -1 "
        "(--limit / [build] limit)",
        f"{config}:13: error: points_headers 'Nul\\x00' holds the control character U+0000 "
        "(character 4): remove it ([format] points_headers)",
    ]


def test_a_control_character_given_as_an_option_names_the_option(tmp_path: Path):
    config = write(tmp_path, '[site]\nurl = "https://e.org/"\ntitle = "News"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(config, {"title": "Bell\a News"})
    assert str(caught.value) == (
        "error: title 'Bell\\x07 News' holds the control character U+0007 (character 5): "
        "remove it (--title / [site] title)"
    )
    for name, option in [("description", "--description"), ("id_authority", "--id-authority")]:
        with pytest.raises(ConfigError, match=f"U\\+0000 .*\\({option} /"):
            load_settings(config, {name: "e.org,2026\0"})


def test_a_build_given_a_control_character_exits_2_with_one_line(site):
    from click.testing import CliRunner

    from feedtool._cli import main

    site.add("a.txt", article())
    result = CliRunner().invoke(
        main, ["build", "--config", str(site.config), "--title", "A\x1b[2J"]
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "error: title 'A\\x1b[2J' holds the control character U+001B (character 2): "
        "remove it (--title / [site] title)\n"
    )
    assert not site.output.exists()


def test_the_description_may_span_lines(tmp_path: Path):
    config = write(tmp_path, '[site]\nurl = "https://e.org/"\ndescription = """One,\n\ttwo."""\n')
    assert load_settings(config).description == "One,\n\ttwo."


@pytest.mark.parametrize("key", ["url", "id_authority"])
def test_the_placeholders_init_writes_are_refused_until_set(tmp_path: Path, key: str):
    values = {"url": "https://e.org/", key: f"{PLACEHOLDER}: x"}
    config = write(tmp_path, "[site]\n" + "".join(f'{k} = "{v}"\n' for k, v in values.items()))
    with pytest.raises(ConfigError, match="still the placeholder `feedtool init` wrote"):
        load_settings(config)


def test_in_a_folder_without_config_the_build_points_to_init(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"no feedtool.toml here; run `feedtool init`"):
        load_settings()
    assert load_settings(overrides={"url": "https://e.org/"}).url == "https://e.org/"


def test_every_key_of_the_file_has_a_command_line_option_but_the_header_lists():
    from click.testing import CliRunner

    from feedtool._cli import main

    help_text = " ".join(CliRunner().invoke(main, ["build", "--help"]).output.split())
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for table, keys in KNOWN_KEYS.items():
        for key in keys:
            if f"{table}.{key}" in FILE_ONLY_KEYS:
                # The settings table says there is none, and why.
                assert f"| `[{table}] {key}` | none (a list) |" in readme, f"[{table}] {key}"
                assert f"[{table}] {key}" not in help_text
            else:
                assert f"[{table}] {key}" in help_text, f"[{table}] {key}"
    assert {
        f"{table}.{key}"
        for table, keys in KNOWN_KEYS.items()
        for key, kind in keys.items()
        if kind is list
    } == FILE_ONLY_KEYS


# [format]: headers the site's articles use ---------------------------------------------


def test_format_headers_come_from_the_file_as_tuples(tmp_path: Path):
    config = write(
        tmp_path,
        '[site]\nurl = "https://e.org/"\n[format]\n'
        'points_headers = ["En bref", "Zusammenfassung"]\nkeyword_headers = ["Labels:"]\n',
    )
    settings = load_settings(config)
    assert settings.points_headers == ("En bref", "Zusammenfassung")
    assert settings.keyword_headers == ("Labels:",)  # a trailing colon is allowed
    assert load_settings(write(tmp_path, '[site]\nurl = "https://e.org/"\n')).points_headers == ()


def test_format_headers_are_part_of_the_cache_key(tmp_path: Path):
    from feedtool._cache import settings_key

    base = '[site]\nurl = "https://e.org/"\n'
    plain = settings_key(load_settings(write(tmp_path, base)))
    points = settings_key(
        load_settings(write(tmp_path, base + '[format]\npoints_headers = ["X"]\n'))
    )
    keywords = settings_key(
        load_settings(write(tmp_path, base + '[format]\nkeyword_headers = ["X"]\n'))
    )
    assert len({plain, points, keywords}) == 3


@pytest.mark.parametrize(
    ("value", "shown"),
    [('"Points"', "'Points'"), ("[1, 2]", "[1, 2]"), ('["ok", true]', "['ok', True]")],
)
def test_format_headers_must_be_lists_of_strings(tmp_path: Path, value: str, shown: str):
    config = write(
        tmp_path, f'[site]\nurl = "https://e.org/"\n\n[format]\npoints_headers = {value}\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    assert caught.value.line == 5
    assert caught.value.message == f"format.points_headers must be a list of strings, got {shown}"


def test_format_header_problems_are_gathered_with_the_others_on_their_lines(tmp_path: Path):
    text = (
        '[site]\nurl = "https://e.org/"\ntimezone = "Mars/Olympus"\n[format]\n'
        'points_headers = ["Fine", "  :: "]\nkeyword_headers = [\n  "Mots: clés",\n]\n'
        "[build]\nlimit = -1\n"
    )
    with pytest.raises(ConfigProblems) as caught:
        load_settings(write(tmp_path, text))
    found = [(problem.line, problem.message) for problem in caught.value.problems]
    assert found == [
        (3, found[0][1]),
        (5, "[format] points_headers: '  :: ' is not a header: it has no words"),
        (
            6,
            "[format] keyword_headers: 'Mots: clés' has a colon inside; a keywords line is the "
            "header, a colon and the keywords, so the header cannot hold one",
        ),
        (10, found[3][1]),
    ]
    assert "Mars/Olympus" in found[0][1] and "limit" in found[3][1]


def test_format_headers_given_by_a_library_caller_are_checked_and_kept_as_tuples(tmp_path):
    config = write(tmp_path, '[site]\nurl = "https://e.org/"\n')
    settings = load_settings(config, {"points_headers": ["En bref"]})
    assert settings.points_headers == ("En bref",)
    with pytest.raises(ConfigError, match="keyword_headers: 'a:b' has a colon") as caught:
        load_settings(config, {"keyword_headers": ["a:b"]})
    assert caught.value.line is None  # not the file's mistake
