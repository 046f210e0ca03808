"""`--format github`: every finding, invalid entry and warning as a GitHub Actions
workflow command, escaped as GitHub's toolkit escapes it, with the usual exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from feedtool._cli import main
from feedtool._github import Annotation, escape_data, escape_property, workflow_path
from feedtool._render import rss_atom
from feedtool._validate import Finding, render_github, validate_targets
from tests.conftest import SiteFolder, article

# A feed written by hand: no self link (a warning) and a pubDate whose day name is
# wrong (an error on its line).
RSS_WITH_A_WARNING_AND_AN_ERROR = """\
<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
<channel>
<title>Hand made</title>
<link>https://example.org/</link>
<description>Written by hand</description>
<item>
<title>One</title>
<link>https://example.org/one.html</link>
<guid isPermaLink="false">one</guid>
<pubDate>Mon, 11 Sep 2022 08:00:00 GMT</pubDate>
</item>
</channel>
</rss>
"""

# Not well-formed: the finding has a line and a column.
RSS_NOT_WELL_FORMED = """\
<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
<channel>
<title>Broken & bad</title>
</channel>
</rss>
"""

SELF_LINK_WARNING = (
    "::warning file=hand/rss.xml,line=3,title=W-SELF-LINK::"
    "no self link; add one with the feed's own URL so readers can find it again"
)
WEEKDAY_ERROR = (
    "::error file=hand/rss.xml,line=11,title=E-DATE-WEEKDAY::"
    "<pubDate>: 'Mon, 11 Sep 2022 08:00:00 GMT': 2022-09-11 is a Sunday"
)
BARE_AMPERSAND_ERROR = (
    "::error file=hand/broken.xml,line=4,col=16,title=E-WELLFORMED::a bare & (write &amp;)"
)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def hand_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working folder, holding hand/rss.xml (a warning, an error) and hand/broken.xml."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "hand"
    folder.mkdir()
    (folder / "rss.xml").write_text(RSS_WITH_A_WARNING_AND_AN_ERROR, encoding="utf-8")
    (folder / "broken.xml").write_text(RSS_NOT_WELL_FORMED, encoding="utf-8")
    return tmp_path


# Escaping, as @actions/core's command.ts does it ---------------------------------------


def test_messages_escape_percent_carriage_return_and_line_feed_only():
    assert escape_data("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext: a, b"


def test_properties_also_escape_colon_and_comma():
    assert escape_property("a,b:c%\n.xml") == "a%2Cb%3Ac%25%0A.xml"


def test_percent_is_escaped_first_so_escapes_are_never_escaped_twice():
    assert escape_data("%0A") == "%250A"
    assert escape_property("%2C") == "%252C"


def test_a_finding_with_percent_newline_and_a_file_name_with_comma_and_colon(tmp_path: Path):
    finding = Finding(
        str(tmp_path / "news,daily: top.xml"),
        7,
        12,
        "error",
        "E-SCHEMA",
        "100% wrong\nsecond line\r",
    )
    line = render_github([_report(finding)], tmp_path, quiet=True)
    assert line == (
        "::error file=news%2Cdaily%3A top.xml,line=7,col=12,title=E-SCHEMA::"
        "100%25 wrong%0Asecond line%0D"
    )


def test_a_file_name_with_comma_and_colon_through_the_cli(hand_made: Path):
    odd = hand_made / "hand" / "a,b:c.xml"
    odd.write_text(RSS_NOT_WELL_FORMED, encoding="utf-8")
    result = run("validate", "--format", "github", "--quiet", str(odd))
    assert result.exit_code == 1
    assert result.output == (
        "::error file=hand/a%2Cb%3Ac.xml,line=4,col=16,title=E-WELLFORMED::a bare & (write &amp;)\n"
    )


def test_no_message_can_start_a_command_of_its_own():
    message = "title\n::set-output name=x::y\r\n::stop-commands::z"
    line = Annotation("error", message, "a.xml", 1).command(Path("/nowhere"))
    # The runner reads a command only at the start of a line: one line, one command.
    assert line.splitlines() == [line]
    assert line.endswith("::title%0A::set-output name=x::y%0D%0A::stop-commands::z")


# Paths ---------------------------------------------------------------------------------


def test_paths_are_relative_to_the_working_folder_when_inside_it(tmp_path: Path):
    assert workflow_path(str(tmp_path / "public" / "rss.xml"), tmp_path) == "public/rss.xml"
    assert workflow_path("public/../public/rss.xml", Path.cwd()) == "public/rss.xml"


def test_paths_outside_the_working_folder_stay_absolute(tmp_path: Path):
    inside = tmp_path / "repo"
    inside.mkdir()
    outside = tmp_path / "elsewhere" / "feed.xml"
    assert workflow_path(str(outside), inside) == outside.as_posix()


def test_a_url_or_stdin_names_no_file_and_the_message_says_where():
    url = Annotation("error", "HTTP 404 Not Found", "https://example.org/feed.xml", 1, 0, "E-FETCH")
    assert url.command(Path.cwd()) == (
        "::error title=E-FETCH::https://example.org/feed.xml:1: HTTP 404 Not Found"
    )
    stdin = Annotation("warning", "no self link", "<stdin>", 3, 5, "W-SELF-LINK")
    assert stdin.command(Path.cwd()) == "::warning title=W-SELF-LINK::<stdin>:3:5: no self link"


def test_a_command_without_any_property_has_no_space():
    assert Annotation("notice", "done").command(Path.cwd()) == "::notice::done"


# feedtool validate --format github -----------------------------------------------------


def test_validate_github_prints_every_finding_then_the_total(hand_made: Path):
    result = run("validate", "--format", "github", "hand")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        BARE_AMPERSAND_ERROR,
        SELF_LINK_WARNING,
        WEEKDAY_ERROR,
        "2 feeds: 2 errors, 1 warning",
    ]


def test_validate_github_quiet_prints_the_commands_only(hand_made: Path):
    result = run("validate", "--format", "github", "-q", "hand/rss.xml")
    assert result.output.splitlines() == [SELF_LINK_WARNING, WEEKDAY_ERROR]
    assert result.exit_code == 1


def test_validate_github_keeps_the_exit_status(hand_made: Path):
    (hand_made / "hand" / "broken.xml").unlink()
    rss = hand_made / "hand" / "rss.xml"
    rss.write_text(RSS_WITH_A_WARNING_AND_AN_ERROR.replace("Mon, 11 Sep", "Sun, 11 Sep"))
    assert run("validate", "--format", "github", "hand").exit_code == 0  # a warning only
    assert run("validate", "--format", "github", "--strict", "hand").exit_code == 1


def test_validate_github_names_absolute_paths_inside_the_working_folder_relatively(
    hand_made: Path,
):
    result = run("validate", "--format", "github", "-q", str(hand_made / "hand" / "rss.xml"))
    assert result.output.splitlines() == [SELF_LINK_WARNING, WEEKDAY_ERROR]


def test_validate_github_prints_no_file_name_at_the_start_of_a_line(hand_made: Path):
    # A file called "::stop-commands::x" must not become a command: there are no
    # per-file summary lines in this format, only commands and the total.
    trap = hand_made / "hand" / "::stop-commands::x.xml"
    trap.write_text(RSS_NOT_WELL_FORMED, encoding="utf-8")
    result = run("validate", "--format", "github", "hand")
    for line in result.output.splitlines():
        assert line.startswith(("::error ", "::warning ")) or line[0].isdigit(), line
    assert "file=hand/%3A%3Astop-commands%3A%3Ax.xml,line=4,col=16" in result.output


def test_validate_text_and_json_are_unchanged_by_the_new_format(hand_made: Path):
    text = run("validate", "hand/rss.xml").output.splitlines()
    assert text[0].startswith("hand/rss.xml:3:0: warning: W-SELF-LINK: ")
    assert text[-1] == "1 feed: 1 error, 1 warning"


# feedtool validate --feeds-only (for pre-commit) ---------------------------------------


def test_feeds_only_skips_named_files_that_are_not_feeds(hand_made: Path):
    (hand_made / "package.json").write_text('{"name": "site", "version": "1.0.0"}\n')
    (hand_made / "pom.xml").write_text("<project><modelVersion>4.0.0</modelVersion></project>")
    (hand_made / "good.json").write_text(
        '{"version": "https://jsonfeed.org/version/1.1", "title": "T",\n'
        ' "home_page_url": "https://example.org/",\n'
        ' "feed_url": "https://example.org/feed.json", "items": []}\n'
    )
    named = ["package.json", "pom.xml", "good.json"]
    strict = run("validate", *named)
    assert strict.exit_code == 1 and "package.json:1:0: error: E-NOT-FEED" in strict.output
    skipping = run("validate", "--feeds-only", *named)
    assert skipping.exit_code == 0
    assert skipping.output.splitlines() == [
        "good.json: jsonfeed1.1, 0 errors, 0 warnings",
        "1 feed: 0 errors, 0 warnings",
    ]


def test_feeds_only_still_validates_a_broken_feed_and_reports_an_unreadable_file(
    hand_made: Path,
):
    result = run("validate", "--feeds-only", "--quiet", "hand/broken.xml", "missing.json")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "hand/broken.xml:4:16: error: E-WELLFORMED: a bare & (write &amp;)"
    )
    assert result.output.splitlines()[1].startswith("missing.json:1:0: error: E-READ: ")


def test_feeds_only_with_no_feed_among_the_files_is_clean(hand_made: Path):
    (hand_made / "package.json").write_text("{}\n")
    assert validate_targets(["package.json"], feeds_only=True) == []
    result = run("validate", "--feeds-only", "package.json")
    assert result.exit_code == 0
    assert result.output == "0 feeds: 0 errors, 0 warnings\n"


# feedtool build --format github --------------------------------------------------------


@pytest.fixture
def github_site(site: SiteFolder, monkeypatch: pytest.MonkeyPatch) -> SiteFolder:
    """A site with one good article, the working folder being the site's folder."""
    monkeypatch.chdir(site.root)
    site.add("001_good.txt", article(title="Good"))
    return site


def build_github(*args: str) -> Result:
    return run("build", "--format", "github", *args)


def test_build_github_annotates_every_invalid_entry_and_publishes_nothing(
    github_site: SiteFolder,
):
    github_site.add("002_empty.txt", "")
    github_site.add("003_date.txt", "Date: 2026-13-45\n\nTitle\n")
    result = build_github()
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "::error file=entries/002_empty.txt,line=1,title=invalid entry::"
        "the file is empty: an article needs at least a title line",
        "::error file=entries/003_date.txt,line=1,title=invalid entry::"
        "cannot read date '2026-13-45': month must be in 1..12",
    ]
    assert result.stderr == (
        "error: 2 invalid entries; nothing published "
        "(fix them, or publish the rest with --skip-invalid)\n"
    )
    assert not github_site.output.exists()


def test_build_github_annotates_skipped_entries_and_entry_warnings(github_site: SiteFolder):
    github_site.add("002_empty.txt", "")
    github_site.add(
        "003_no_points.txt",
        "Date: 2026-01-03 10:00\n\nNo points\n\nStrong points\n\nKey words:, Alpha\n",
    )
    result = build_github("--skip-invalid", "--quiet")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "::warning file=entries/003_no_points.txt,line=5,title=feedtool build::"
        "points header with no points after it",
        "::warning file=entries/002_empty.txt,line=1,title=feedtool build::"
        "skipped: the file is empty: an article needs at least a title line",
    ]
    assert result.stderr == ""


def test_build_github_annotates_a_warning_on_the_config_file(github_site: SiteFolder):
    github_site.write_config(id_authority=None)
    result = build_github("--quiet")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "::warning file=feedtool.toml,title=feedtool build::"
        "no [site] id_authority: entry ids are tag: URIs under 'news.example.org,2000', "
        "so they change if the site's host changes; set id_authority to keep them",
    ]


def test_build_github_annotates_every_config_error_on_its_line_and_exits_2(
    github_site: SiteFolder,
):
    github_site.write_config('\n[build]\nlimit = "many"\narchive_size = 0\n')
    result = build_github()
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        "::error file=feedtool.toml,line=11,title=config error::"
        "build.limit must be a whole number, got 'many'",
        "::error file=feedtool.toml,line=12,title=config error::"
        "archive_size must be 1 or more entries per archive page, got 0 "
        "(--archive-size / [build] archive_size)",
    ]
    assert result.stderr == ""


def test_build_github_annotates_errors_in_the_rendered_feeds(
    github_site: SiteFolder, monkeypatch: pytest.MonkeyPatch
):
    assert run("build").exit_code == 0
    before = github_site.snapshot()
    github_site.add("002_second.txt", article(title="Second", date="2026-01-06 10:00"))
    real_render = rss_atom.ItemTemplates.render

    def broken_dates(self, values):  # noqa: ANN001, ANN202 - stands in for render
        rss, atom = real_render(self, values)  # as if a renderer bug wrote a wrong weekday
        return rss.replace("<pubDate>Tue, 06 Jan", "<pubDate>Mon, 06 Jan"), atom

    monkeypatch.setattr(rss_atom.ItemTemplates, "render", broken_dates)
    result = build_github()
    assert result.exit_code == 1
    weekday = (
        "title=E-DATE-WEEKDAY::<pubDate>: 'Mon, 06 Jan 2026 10:00:00 +0000': "
        "2026-01-06 is a Tuesday"
    )
    # Each item is validated once per build: in the first feed of its format.
    assert result.stdout.splitlines() == [f"::error file=public/rss.xml,line=28,{weekday}"]
    assert result.stderr.endswith("problem(s) in the rendered files; nothing published\n")
    assert github_site.snapshot() == before


def test_build_check_github_annotates_an_out_of_date_output_folder(github_site: SiteFolder):
    assert run("build").exit_code == 0
    github_site.add("002_new.txt", article(title="New", date="2026-01-05 10:00"))
    result = build_github("--check")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "would write public/entries/002_new.html" in lines
    assert lines[-1].startswith("::error title=feedtool build --check::")
    assert lines[-1].endswith("are out of date; run feedtool build and commit public")
    assert result.stderr == ""


def test_build_github_prints_the_same_summary_as_text(github_site: SiteFolder):
    result = build_github()
    assert result.exit_code == 0
    assert result.stdout.startswith("1 entries, ")
    assert "::" not in result.output


def test_build_format_is_text_by_default_and_rejects_json(github_site: SiteFolder):
    github_site.add("002_empty.txt", "")
    result = run("build")
    assert result.exit_code == 1
    assert result.stderr.startswith("entries/002_empty.txt:1: error: the file is empty")
    assert run("build", "--format", "json").exit_code == 2


def _report(finding: Finding):  # noqa: ANN202 - a Report of one finding
    from feedtool._validate.report import Report

    return Report(finding.path, "rss2", (finding,))
