"""Every command through Click's CliRunner: exit codes, messages, no tracebacks."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import feedtool._new
from feedtool import __version__
from feedtool._cli import main
from feedtool._entry import decode_entry, parse_entry
from tests.conftest import SiteFolder, article

SEED = Path(__file__).parent / "fixtures" / "000_321062d5c858ef45.txt"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and __version__ in result.output


def test_python_dash_m_runs_the_cli():
    result = subprocess.run(
        [sys.executable, "-m", "feedtool", "--help"], capture_output=True, text=True, check=True
    )
    assert "build" in result.stdout and "validate" in result.stdout


def test_build_prints_one_summary_line(three_entry_site: SiteFolder):
    result = run("build", "--config", str(three_entry_site.config))
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.strip().splitlines()
    assert line.startswith("3 entries, ") and " feeds, " in line and " pages " in line
    assert line.endswith(" s")


def test_build_check_exits_0_when_current_and_1_listing_changes(three_entry_site: SiteFolder):
    site = three_entry_site
    config = str(site.config)
    assert run("build", "--config", config).exit_code == 0
    current = run("build", "--check", "--config", config)
    assert current.exit_code == 0 and "up to date" in current.stdout
    site.add("002_beta.txt", article(title="Changed", date="2026-02-01"))
    stale = run("build", "--check", "--config", config)
    assert stale.exit_code == 1
    assert f"would write {site.output / 'rss.xml'}" in stale.stdout
    assert "out of date" in stale.stderr


def test_bad_entries_are_reported_as_path_line_error_and_exit_1(site: SiteFolder):
    site.add("001_ok.txt", article())
    bad_date = site.add("002_date.txt", "Date: yesterday-ish\n\nTitle\n")
    bad_utf8 = site.add("003_bytes.txt", b"Title\n\nCaf\xe9 au lait.\n")
    result = run("build", "--config", str(site.config))
    assert result.exit_code == 1
    assert f"{bad_date}:1: error: cannot read date 'yesterday-ish'" in result.stderr
    assert f"{bad_utf8}:3: error: not valid UTF-8 at byte offset 10" in result.stderr
    assert "Traceback" not in result.output
    assert not site.output.exists()


def test_skip_invalid_publishes_the_rest_and_warns(site: SiteFolder):
    site.add("001_ok.txt", article())
    bad = site.add("002_date.txt", "Date: 2026-02-30\n\nTitle\n")
    result = run("build", "--skip-invalid", "--config", str(site.config))
    assert result.exit_code == 0
    assert f"{bad}:1: warning: skipped: " in result.stderr
    assert (site.output / "rss.xml").exists()


def test_missing_site_url_is_a_usage_error(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "entries").mkdir()
    (tmp_path / "feedtool.toml").write_text('[site]\ntitle = "News"\n')
    result = run("build")
    assert result.exit_code == 2
    assert "--site-url" in result.stderr and "[site] url" in result.stderr


def test_options_override_config(three_entry_site: SiteFolder, tmp_path: Path):
    out = tmp_path / "elsewhere"
    result = run(
        "build",
        "--config",
        str(three_entry_site.config),
        "--output",
        str(out),
        "--title",
        "Other Title",
        "--limit",
        "1",
        "--site-url",
        "https://x.example/",
    )
    assert result.exit_code == 0, result.output
    rss = (out / "rss.xml").read_text()
    assert "<title>Other Title</title>" in rss and rss.count("<item>") == 1
    assert "https://x.example/rss.xml" in rss


def test_negative_limit_is_a_usage_error(three_entry_site: SiteFolder):
    result = run("build", "--config", str(three_entry_site.config), "--limit", "-1")
    assert result.exit_code == 2


def test_output_folder_that_is_a_file_is_an_error(three_entry_site: SiteFolder):
    site = three_entry_site
    site.output.write_text("oops")
    result = run("build", "--config", str(site.config))
    assert result.exit_code == 1
    assert f"{site.output}: error: output path exists and is not a folder" in result.stderr


def test_show_text_lists_everything_including_dropped_lines():
    result = run("show", str(SEED))
    assert result.exit_code == 0
    out = result.stdout
    assert "title:       Ukraine war: Russia forced to retreat, recalls troops from Kharkiv" in out
    assert "categories:  russia ukraine war, Ukraine" in out
    assert "points (3):" in out and "paragraphs (3):" in out
    assert "dropped (1):\n  - Russian-Ukrainian war: India will lose billions" in out


def test_show_json_has_the_promised_keys():
    result = run("show", str(SEED), "--format", "json")
    data = json.loads(result.stdout)
    assert list(data) == [
        "id",
        "title",
        "points",
        "summary",
        "paragraphs",
        "dropped",
        "categories",
        "published",
        "updated",
        "author",
        "link",
        "image",
        "image_alt",
    ]
    assert data["image"] is None and data["image_alt"] is None
    assert data["categories"] == ["russia ukraine war", "Ukraine"]
    assert len(data["points"]) == 3 and len(data["paragraphs"]) == 3


def test_show_missing_file_is_an_error(tmp_path: Path):
    result = run("show", str(tmp_path / "nope.txt"))
    assert result.exit_code == 1
    assert result.stderr.strip() == f"{tmp_path / 'nope.txt'}: error: no such file"


def test_show_bad_file_reports_line(tmp_path: Path):
    path = tmp_path / "bad.txt"
    path.write_text("Date: 31/31/2026\n\nTitle\n")
    result = run("show", str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{path}:1: error: cannot read date")


def test_new_writes_a_file_that_parses(site: SiteFolder):
    site.add("007_0123456789abcdef.txt", article())
    result = run(
        "new",
        "Trams & buses",
        "--points",
        "First point.",
        "--points",
        "Second point.",
        "--keywords",
        "Transit, City",
        "--config",
        str(site.config),
    )
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip())
    assert path.parent == site.entries
    assert path.name.startswith("008_") and len(path.stem) == len("008_") + 16
    text, _ = decode_entry(path.read_bytes(), str(path))
    entry = parse_entry(text, str(path))
    assert entry.title == "Trams & buses"
    assert entry.points == ("First point.", "Second point.")
    assert entry.categories == ("Transit", "City")
    assert entry.published is not None


def test_new_never_overwrites(site: SiteFolder, monkeypatch):
    taken = site.add("004_aaaaaaaaaaaaaaaa.txt", "kept")
    monkeypatch.setattr(feedtool._new.secrets, "token_hex", lambda n: "aaaaaaaaaaaaaaaa")
    # As if another writer took the name between numbering and writing.
    monkeypatch.setattr(feedtool._new, "next_sequence", lambda folder: (4, 3))
    result = run("new", "Clash", "--config", str(site.config))
    assert result.exit_code == 1 and "not overwritten" in result.stderr
    assert taken.read_text() == "kept"


@pytest.mark.parametrize("title", ["", "   ", "two\nlines"])
def test_new_rejects_empty_or_multiline_titles(site: SiteFolder, title: str):
    result = run("new", title, "--config", str(site.config))
    assert result.exit_code == 2


def test_serve_port_in_use_is_a_clear_error(three_entry_site: SiteFolder):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--config", str(three_entry_site.config), "--port", str(port))
    assert result.exit_code == 1
    assert "address already in use" in result.stderr


CORPUS = Path(__file__).parent / "validate_corpus"


def test_validate_exits_0_on_our_own_output(three_entry_site: SiteFolder):
    run("build", "--config", str(three_entry_site.config))
    result = run("validate", str(three_entry_site.output))
    assert result.exit_code == 0
    assert f"{three_entry_site.output / 'rss.xml'}: rss2, 0 errors, 0 warnings" in result.stdout
    *summaries, total = result.stdout.splitlines()
    assert all(line.endswith(", 0 errors, 0 warnings") for line in summaries)
    assert total == f"{len(summaries)} feeds: 0 errors, 0 warnings"


def test_validate_reports_path_line_column_code_and_exits_1():
    bad = CORPUS / "rss" / "date-wrong-weekday.xml"
    result = run("validate", str(bad))
    assert result.exit_code == 1
    assert re.search(
        rf"^{re.escape(str(bad))}:\d+:\d+: error: E-DATE-WEEKDAY: ", result.stdout, re.M
    )


def test_validate_json_format_is_machine_readable():
    bad = CORPUS / "rss" / "date-wrong-weekday.xml"
    result = run("validate", "--format", "json", str(bad))
    (report,) = json.loads(result.stdout)
    assert report["kind"] == "rss2" and report["errors"] >= 1
    assert {finding["code"] for finding in report["findings"]} >= {"E-DATE-WEEKDAY"}


def test_validate_strict_fails_on_warnings(tmp_path: Path):
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<rss version="2.0"><channel><title>T</title><link>https://e.org/</link>'
        "<description>D</description></channel></rss>"
    )
    relaxed = run("validate", str(feed))
    assert relaxed.exit_code == 0 and "W-SELF-LINK" in relaxed.stdout
    assert run("validate", "--strict", str(feed)).exit_code == 1


def test_validate_usage_errors_exit_2():
    assert run("validate").exit_code == 2
    assert run("validate", "--format", "yaml", "x").exit_code == 2


def test_validate_missing_file_is_an_error(tmp_path: Path):
    result = run("validate", str(tmp_path / "nope.xml"))
    assert result.exit_code == 1 and "E-READ" in result.stdout


def test_config_problems_are_all_reported_before_any_article_is_read(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "entries").mkdir()
    (tmp_path / "entries" / "broken.txt").write_text("Date: not a date\n\nTitle\n")
    (tmp_path / "feedtool.toml").write_text(
        '[site]\nurl = "https://e.org/"\nlanguage = "english please"\ntimezone = "Nowhere/Far"\n'
        "[build]\nlimit = true\n"
    )
    result = run("build")
    assert result.exit_code == 2
    assert [line.split(": error: ")[0] for line in result.stderr.splitlines()] == [
        "feedtool.toml:3",
        "feedtool.toml:4",
        "feedtool.toml:6",
    ]
    assert "broken.txt" not in result.output and not (tmp_path / "public").exists()


def test_in_an_empty_folder_build_points_to_init(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("build")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no feedtool.toml here; run `feedtool init`")


def test_new_in_an_empty_folder_points_to_init(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("new", "A title")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: no feedtool.toml here; run `feedtool init` to start a site "
        f"(or `mkdir {Path('entries')}` to keep articles without one)\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_new_without_the_entries_folder_says_how_to_make_it(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "feedtool.toml").write_text('[build]\nentries = "posts"\n')
    result = run("new", "A title")
    assert result.exit_code == 1
    assert result.stderr == (
        "posts: error: the entries folder does not exist: make it with `mkdir -p posts`, "
        "or point --entries / [build] entries at yours\n"
    )


def test_an_article_left_with_the_placeholder_of_new_warns_at_every_build(site: SiteFolder):
    created = run("new", "Half written", "--config", str(site.config))
    path = created.stdout.strip()
    expected = (
        f"{path}:5: warning: the placeholder line `feedtool new` wrote is still here: "
        "write the article"
    )
    for _ in range(3):  # a cold build, then builds that reuse the cache
        built = run("build", "--config", str(site.config))
        assert built.exit_code == 0
        assert expected in built.stderr.splitlines()
    Path(path).write_text(Path(path).read_text().replace("Write the article", "It opened."))
    built = run("build", "--config", str(site.config))
    assert "placeholder" not in built.stderr


def test_top_level_help_shows_each_commands_whole_first_sentence():
    result = run("--help")
    listing = " ".join(result.output.split("Commands:", 1)[1].split())
    for name, command in main.commands.items():
        first = " ".join(command.help.split("\n\n", 1)[0].split())
        assert f"{name} {first}" in listing
        assert "..." not in first


def test_every_command_help_has_an_example():
    for name in main.commands:
        result = run(name, "--help")
        assert result.exit_code == 0
        assert "Example:" in result.output, name


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_completion_documented_in_the_readme_works(shell: str):
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert f"_FEEDTOOL_COMPLETE={shell}_source feedtool" in readme
    script = CliRunner().invoke(
        main, [], prog_name="feedtool", env={"_FEEDTOOL_COMPLETE": f"{shell}_source"}
    )
    assert script.exit_code == 0 and "_FEEDTOOL_COMPLETE" in script.output
    completed = CliRunner().invoke(
        main,
        [],
        prog_name="feedtool",
        env={"_FEEDTOOL_COMPLETE": "bash_complete", "COMP_WORDS": "feedtool va", "COMP_CWORD": "1"},
    )
    assert completed.output.splitlines() == ["plain,validate"]


def validate(*args: str, stdin: bytes | None = None) -> Result:
    """``feedtool validate ARGS`` with stdin; never a traceback, whatever the input."""
    result = CliRunner().invoke(main, ["validate", *args], input=stdin, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def feeds_folder(folder: Path) -> Path:
    """Three clean feeds, one with a warning and one with an error, written by hand."""
    folder.mkdir()
    (folder / "a.xml").write_bytes((CORPUS / "atom" / "valid-build.xml").read_bytes())
    (folder / "b.json").write_bytes((CORPUS / "json" / "valid-build.json").read_bytes())
    (folder / "c.xml").write_bytes((CORPUS / "rss" / "valid-build.xml").read_bytes())
    (folder / "d.xml").write_text(
        '<rss version="2.0"><channel><title>T</title><link>https://e.org/</link>'
        "<description>D</description></channel></rss>"
    )
    (folder / "e.json").write_text(
        '{"version": "https://jsonfeed.org/version/1.1", "title": "T",\n'
        ' "feed_url": "/feed.json", "items": []}\n'
    )
    (folder / "index.html").write_text("<!DOCTYPE html><html></html>")  # skipped
    return folder


def test_validate_a_folder_ends_with_one_total_line(tmp_path: Path):
    folder = feeds_folder(tmp_path / "site")
    result = validate(str(folder))
    assert result.exit_code == 1
    assert result.stdout == (
        f"{folder}/a.xml: atom1, 0 errors, 0 warnings\n"
        f"{folder}/b.json: jsonfeed1.1, 0 errors, 0 warnings\n"
        f"{folder}/c.xml: rss2, 0 errors, 0 warnings\n"
        f"{folder}/d.xml:1:0: warning: W-SELF-LINK: no self link; add one with the feed's own"
        " URL so readers can find it again\n"
        f"{folder}/d.xml: rss2, 0 errors, 1 warning\n"
        f"{folder}/e.json:2:2: error: E-URL: feed_url: '/feed.json' is relative;"
        " an absolute URL is needed\n"
        f"{folder}/e.json: jsonfeed1.1, 1 error, 0 warnings\n"
        "5 feeds: 1 error, 1 warning\n"
    )
    assert result.stderr == ""


def test_validate_total_line_is_singular_for_one_feed(tmp_path: Path):
    missing = tmp_path / "nope.xml"
    result = validate(str(missing))
    assert result.stdout.splitlines()[1:] == [
        f"{missing}: unknown, 1 error, 0 warnings",
        "1 feed: 1 error, 0 warnings",
    ]


def test_validate_quiet_prints_exactly_the_findings_and_keeps_the_exit_status(tmp_path: Path):
    folder = feeds_folder(tmp_path / "site")
    findings = (
        f"{folder}/d.xml:1:0: warning: W-SELF-LINK: no self link; add one with the feed's own"
        " URL so readers can find it again\n"
        f"{folder}/e.json:2:2: error: E-URL: feed_url: '/feed.json' is relative;"
        " an absolute URL is needed\n"
    )
    for flag in ("--quiet", "-q"):
        result = validate(flag, str(folder))
        assert (result.exit_code, result.stdout, result.stderr) == (1, findings, "")
    (folder / "e.json").unlink()
    assert validate("-q", str(folder)).exit_code == 0
    assert validate("-q", "--strict", str(folder)).exit_code == 1


def test_validate_quiet_prints_nothing_when_all_is_well(tmp_path: Path):
    feed = tmp_path / "rss.xml"
    feed.write_bytes((CORPUS / "rss" / "valid-build.xml").read_bytes())
    result = validate("--quiet", str(feed))
    assert (result.exit_code, result.output) == (0, "")


def test_validate_json_has_no_total_and_stays_one_json_list(tmp_path: Path):
    folder = feeds_folder(tmp_path / "site")
    for args in (["--format", "json"], ["--format", "json", "--quiet"]):
        result = validate(*args, str(folder))
        reports = json.loads(result.stdout)
        assert [(r["path"], r["errors"], r["warnings"]) for r in reports] == [
            (f"{folder}/a.xml", 0, 0),
            (f"{folder}/b.json", 0, 0),
            (f"{folder}/c.xml", 0, 0),
            (f"{folder}/d.xml", 0, 1),
            (f"{folder}/e.json", 1, 0),
        ]
        assert result.exit_code == 1


def test_validate_dash_reads_a_valid_feed_from_stdin():
    result = validate("-", stdin=(CORPUS / "atom" / "valid-build.xml").read_bytes())
    assert (result.exit_code, result.stdout) == (
        0,
        "<stdin>: atom1, 0 errors, 0 warnings\n1 feed: 0 errors, 0 warnings\n",
    )


def test_validate_dash_reports_an_invalid_feed_from_stdin():
    result = validate("-", stdin=(CORPUS / "json" / "feed-url-relative.json").read_bytes())
    assert result.exit_code == 1
    assert result.stdout == (
        "<stdin>:4:3: error: E-URL: feed_url: '/feed.json' is relative;"
        " an absolute URL is needed\n"
        "<stdin>:5:3: warning: W-URL-RELATIVE: home_page_url: '/' is relative;"
        " readers will guess its base\n"
        "<stdin>: jsonfeed1.1, 1 error, 1 warning\n"
        "1 feed: 1 error, 1 warning\n"
    )


@pytest.mark.parametrize(
    "data, finding, kind",
    [
        (b"", "E-EMPTY: the document is empty", "empty"),
        (bytes(range(256)) * 4, "E-NOT-FEED: not a feed: neither XML nor JSON", "unknown"),
    ],
    ids=["empty", "binary"],
)
def test_validate_dash_with_bad_input_gives_findings(data: bytes, finding: str, kind: str):
    result = validate("-", stdin=data)
    assert (result.exit_code, result.stdout) == (
        1,
        f"<stdin>:1:0: error: {finding}\n<stdin>: {kind}, 1 error, 0 warnings\n"
        "1 feed: 1 error, 0 warnings\n",
    )


def test_validate_dash_works_with_the_json_format_and_other_targets(tmp_path: Path):
    feed = tmp_path / "rss.xml"
    feed.write_bytes((CORPUS / "rss" / "valid-build.xml").read_bytes())
    result = validate("--format", "json", str(feed), "-", stdin=b"\xff\xfe\x00garbage")
    assert result.exit_code == 1
    assert [(r["path"], r["kind"], r["errors"]) for r in json.loads(result.stdout)] == [
        (str(feed), "rss2", 0),
        ("<stdin>", "unknown", 1),
    ]


def test_validate_dash_twice_is_a_usage_error():
    result = validate("-", "-", stdin=b"")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Error: standard input ('-') can be validated only once" in result.stderr
