"""feedtool touch: the Updated: line set to now, and not one other byte of the file changed."""

from __future__ import annotations

import codecs
import os
import re
import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest
from click.testing import CliRunner, Result

from feedtool._build import build
from feedtool._cli import main
from feedtool._entry import decode_entry, parse_entry
from feedtool._errors import EntryError, SourceError
from feedtool._touch import TouchRejected, touch_entries
from tests.conftest import SiteFolder, article

WHEN = datetime(2026, 5, 4, 12, 30, 15, tzinfo=ZoneInfo("Europe/Paris"))
WHEN_TEXT = "2026-05-04T12:30:15+02:00"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def parsed(path: Path):  # noqa: ANN201 - an Entry
    text, _ = decode_entry(path.read_bytes(), str(path))
    return parse_entry(text, str(path))


def touch(site: SiteFolder, name: str, before: bytes | str) -> bytes:
    """Write ``before`` as entries/<name>, touch it at WHEN, return its new bytes."""
    path = site.add(name, before)
    (touched,) = touch_entries([path], site.settings(), WHEN)
    assert touched.path == path and touched.updated == WHEN
    return path.read_bytes()


def test_updated_line_goes_right_after_the_date_line(site: SiteFolder):
    before = article(date="2026-01-02 10:00:00+00:00")
    after = touch(site, "a.txt", before)
    assert after.decode() == before.replace("+00:00\n", f"+00:00\nUpdated: {WHEN_TEXT}\n", 1)


def test_updated_line_goes_right_after_a_published_line_inside_the_block(site: SiteFolder):
    before = "Author: Ada\nPublished: 2026-01-02\nLink: https://example.org/a\n\nTitle\n\nBody.\n"
    after = touch(site, "a.txt", before)
    assert after.decode() == before.replace("2026-01-02\n", f"2026-01-02\nUpdated: {WHEN_TEXT}\n")


def test_an_existing_updated_line_is_replaced_keeping_its_key_as_written(site: SiteFolder):
    before = "Date: 2026-01-02\n  UPDATED :  3 March 2026 \nAuthor: Ada\n\nTitle\n\nBody.\n"
    after = touch(site, "a.txt", before)
    assert after.decode() == before.replace(
        "  UPDATED :  3 March 2026 \n", f"  UPDATED : {WHEN_TEXT}\n"
    )


def test_without_a_date_line_it_goes_at_the_top_of_the_metadata_block(site: SiteFolder):
    before = "\n\nAuthor: Ada\nTitle: A title\n\nThe title line\n\nBody.\n"
    after = touch(site, "a.txt", before)
    assert after.decode() == f"\n\nUpdated: {WHEN_TEXT}\nAuthor: Ada\nTitle: A title\n" + (
        "\nThe title line\n\nBody.\n"
    )


def test_a_file_with_no_metadata_block_gets_one_of_its_own(site: SiteFolder):
    # A title that would read as metadata right under the new line stays a title.
    before = "Summary of the week: what the council decided\n\nBody.\n"
    after = touch(site, "a.txt", before)
    assert after.decode() == f"Updated: {WHEN_TEXT}\n\n" + before
    entry = parsed(site.entries / "a.txt")
    assert entry.title == "Summary of the week: what the council decided"
    assert entry.updated == WHEN and entry.published is None


def test_leading_blank_lines_separate_the_new_block_already(site: SiteFolder):
    before = "\n\nA title\n\nBody.\n"
    assert touch(site, "a.txt", before).decode() == f"Updated: {WHEN_TEXT}\n" + before


def test_crlf_and_cr_line_ends_are_kept(site: SiteFolder):
    crlf = article().replace("\n", "\r\n")
    after = touch(site, "crlf.txt", crlf.encode())
    assert after == crlf.replace("+00:00\r\n", f"+00:00\r\nUpdated: {WHEN_TEXT}\r\n", 1).encode()
    cr = "Date: 2026-01-02\rA title\r\rBody.\r"
    after = touch(site, "cr.txt", cr.encode())
    assert after == f"Date: 2026-01-02\rUpdated: {WHEN_TEXT}\rA title\r\rBody.\r".encode()


def test_a_date_line_with_no_line_end_gets_the_files_line_end(site: SiteFolder):
    before = "Title: A title\r\nDate: 2026-01-02"
    after = touch(site, "a.txt", before.encode())
    assert after == f"{before}\r\nUpdated: {WHEN_TEXT}".encode()


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (b"", "utf-8"),
    ],
)
def test_the_encoding_and_byte_order_mark_are_kept(site: SiteFolder, bom: bytes, codec: str):
    before = "Date: 2026-01-02\n\nCafé – 東京 🚋\n\nBody, «quoted».\n"
    after = touch(site, "a.txt", bom + before.encode(codec))
    expected = before.replace("2026-01-02\n", f"2026-01-02\nUpdated: {WHEN_TEXT}\n")
    assert after == bom + expected.encode(codec)


def test_the_file_keeps_its_mode_and_is_replaced_whole(site: SiteFolder):
    path = site.add("a.txt", article())
    path.chmod(0o640)
    inode = path.stat().st_ino
    touch_entries([path], site.settings(), WHEN)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.stat().st_ino != inode  # a new file renamed over the old one
    assert sorted(os.listdir(site.entries)) == ["a.txt"]  # no staged file left


def test_a_symbolic_link_stays_a_link_and_its_target_is_touched(site: SiteFolder, tmp_path: Path):
    target = site.add("real.txt", article())
    link = site.entries / "link.txt"
    link.symlink_to(target)
    touch_entries([link], site.settings(), WHEN)
    assert link.is_symlink()
    assert f"Updated: {WHEN_TEXT}" in target.read_text(encoding="utf-8")


def test_touching_again_refreshes_the_one_line(site: SiteFolder):
    path = site.add("a.txt", article())
    touch_entries([path], site.settings(), WHEN)
    later = WHEN + timedelta(days=1, seconds=1)
    touch_entries([path, path], site.settings(), later)
    text = path.read_text(encoding="utf-8")
    assert text.count("Updated:") == 1
    assert "Updated: 2026-05-05T12:30:16+02:00\n" in text


def test_now_is_in_the_sites_time_zone_to_the_second(site: SiteFolder):
    path = site.add("a.txt", article())
    settings = site.settings(timezone_name="America/New_York")
    start = datetime.now(UTC).replace(microsecond=0)
    (touched,) = touch_entries([path], settings)
    end = datetime.now(UTC)
    line = re.search(r"^Updated: (.*)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    assert line is not None
    value = line.group(1)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[45]:00", value)
    written = datetime.fromisoformat(value)
    assert written == touched.updated and start <= written <= end
    assert written.utcoffset() == datetime.now(ZoneInfo("America/New_York")).utcoffset()


def test_the_date_is_written_as_new_writes_its_date_line(site: SiteFolder):
    path = site.add("a.txt", article())
    (touched,) = touch_entries(
        [path], site.settings(), datetime(2026, 5, 4, 8, 0, 0, 999, tzinfo=UTC)
    )
    assert touched.updated == datetime(2026, 5, 4, 8, 0, 0, tzinfo=UTC)
    assert "Updated: 2026-05-04T08:00:00+00:00\n" in path.read_text(encoding="utf-8")


def test_a_touched_entry_is_updated_in_the_feeds_and_otherwise_unchanged(site: SiteFolder):
    path = site.add("a.txt", article(date="2026-01-02 10:00:00+00:00"))
    before = parsed(path)
    touch_entries([path], site.settings(), WHEN)
    after = parsed(path)
    assert after._replace(updated=None, dated_in_file=False) == before._replace(
        updated=None, dated_in_file=False
    )
    build(site.settings())
    atom = feedparser.parse(site.read("atom.xml"))
    (item,) = atom.entries
    assert item.updated == WHEN_TEXT
    assert item.published == "2026-01-02T10:00:00+00:00"


def test_missing_file_folder_and_other_files_are_each_an_error(site: SiteFolder, tmp_path: Path):
    good = site.add("good.txt", article())
    original = good.read_bytes()
    notes = tmp_path / "notes.md"
    notes.write_text("Notes\n", encoding="utf-8")
    with pytest.raises(TouchRejected) as raised:
        touch_entries(
            [good, site.entries / "missing.txt", site.entries, notes], site.settings(), WHEN
        )
    problems = [(type(p), p.path, p.message) for p in raised.value.problems]
    assert problems == [
        (SourceError, str(site.entries / "missing.txt"), "no such file"),
        (SourceError, str(site.entries), "is a folder: give the article files to touch"),
        (
            SourceError,
            str(notes),
            "not an article file: feedtool reads only files named *.txt",
        ),
    ]
    assert raised.value.message == "3 of 4 files cannot be touched; none was changed"
    assert good.read_bytes() == original  # nothing written when anything is wrong


@pytest.mark.parametrize("inside", [True, False])
def test_a_file_that_does_not_parse_is_an_error_naming_its_line(
    site: SiteFolder, tmp_path: Path, inside: bool
):
    text = "Author: Ada\nDate: next Tuesday\n\nTitle\n"
    path = site.add("bad.txt", text) if inside else tmp_path / "bad.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TouchRejected) as raised:
        touch_entries([path], site.settings(), WHEN)
    (problem,) = raised.value.problems
    assert isinstance(problem, EntryError)
    assert (problem.path, problem.line) == (str(path), 2)
    assert path.read_text(encoding="utf-8") == text


def test_a_file_outside_the_entries_folder_that_parses_is_touched(site: SiteFolder, tmp_path: Path):
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    path = drafts / "draft.txt"
    path.write_text(article(), encoding="utf-8")
    touch_entries([path], site.settings(), WHEN)
    assert parsed(path).updated == WHEN


def test_invalid_utf8_and_empty_files_are_errors(site: SiteFolder):
    bad = site.add("bad.txt", b"Date: 2026-01-02\n\nCaf\xe9\n")
    empty = site.add("empty.txt", "")
    with pytest.raises(TouchRejected) as raised:
        touch_entries([bad, empty], site.settings(), WHEN)
    messages = [str(problem) for problem in raised.value.problems]
    assert messages[0].startswith(f"{bad}:3: error: not valid UTF-8 at byte offset 21")
    assert messages[1] == (
        f"{empty}:1: error: the file is empty: an article needs at least a title line"
    )
    assert bad.read_bytes() == b"Date: 2026-01-02\n\nCaf\xe9\n" and empty.read_bytes() == b""


def test_a_date_without_a_zone_is_refused(site: SiteFolder):
    path = site.add("a.txt", article())
    with pytest.raises(ValueError):
        touch_entries([path], site.settings(), datetime(2026, 5, 4, 12, 0))


# The command.


def test_touch_command_prints_each_file_and_its_new_date(site: SiteFolder, monkeypatch):
    monkeypatch.chdir(site.root)
    site.add("a.txt", article())
    site.add("sub/b.txt", "A title without metadata\n\nBody.\n")
    result = run("touch", "entries/a.txt", "entries/sub/b.txt")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split(": Updated: ")[0] for line in lines] == [
        "entries/a.txt",
        "entries/sub/b.txt",
    ]
    value = lines[0].split(": Updated: ")[1]
    assert lines[1].endswith(value) and value.endswith("+00:00")  # the site's zone: UTC
    assert f"Updated: {value}\n" in (site.entries / "a.txt").read_text(encoding="utf-8")
    assert result.stderr == ""


def test_touch_command_uses_the_config_time_zone(site: SiteFolder, tmp_path: Path):
    site.config.write_text(
        site.config.read_text(encoding="utf-8").replace('"UTC"', '"Asia/Kolkata"'),
        encoding="utf-8",
    )
    path = site.add("a.txt", article())
    result = run("touch", "--config", str(site.config), str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("+05:30")


def test_touch_command_reports_bad_files_and_exits_1(site: SiteFolder, monkeypatch):
    monkeypatch.chdir(site.root)
    site.add("good.txt", article())
    site.add("bad.txt", "Date: 2026-02-30\n\nTitle\n")
    result = run("touch", "entries/good.txt", "entries/bad.txt", "entries/gone.txt", "entries")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "entries/bad.txt:1: error: cannot read date '2026-02-30': day is out of range for month",
        "entries/gone.txt: error: no such file",
        "entries: error: is a folder: give the article files to touch",
        "error: 3 of 4 files cannot be touched; none was changed",
    ]
    assert "Updated:" not in (site.entries / "good.txt").read_text(encoding="utf-8")


def test_touch_command_with_one_bad_file_prints_one_line(site: SiteFolder, monkeypatch):
    monkeypatch.chdir(site.root)
    result = run("touch", "entries/nothing.txt")
    assert result.exit_code == 1
    assert result.stderr == "entries/nothing.txt: error: no such file\n"


def test_touch_command_without_files_is_a_usage_error(site: SiteFolder, monkeypatch):
    monkeypatch.chdir(site.root)
    result = run("touch")
    assert result.exit_code == 2
    assert "Missing argument 'FILE...'" in result.stderr


def test_touch_command_with_a_bad_config_is_a_usage_error(site: SiteFolder):
    site.config.write_text('[site]\ntimezone = "Mars/Olympus"\n', encoding="utf-8")
    path = site.add("a.txt", article())
    result = run("touch", "--config", str(site.config), str(path))
    assert result.exit_code == 2
    assert "unknown time zone 'Mars/Olympus'" in result.stderr
    assert "Updated:" not in path.read_text(encoding="utf-8")


def test_an_offset_date_written_by_touch_reads_back_as_the_same_instant(site: SiteFolder):
    path = site.add("a.txt", article())
    when = datetime(2026, 5, 4, 12, 0, 0, tzinfo=timezone(timedelta(hours=-3, minutes=-30)))
    touch_entries([path], site.settings(), when)
    assert "Updated: 2026-05-04T12:00:00-03:30\n" in path.read_text(encoding="utf-8")
    assert parsed(path).updated == when


def test_an_edit_that_would_change_how_the_file_reads_is_refused(site: SiteFolder, monkeypatch):
    import feedtool._touch

    # As if the block were found in the wrong place: the line would push the metadata
    # below the new block, where it reads as the title.
    monkeypatch.setattr(feedtool._touch, "metadata_block", lambda lines: (0, 0, {}))
    text = "Author: Ada\n\nTitle\n\nBody.\n"
    path = site.add("a.txt", text)
    with pytest.raises(TouchRejected) as raised:
        touch_entries([path], site.settings(), WHEN)
    assert "without changing how the file reads" in raised.value.problems[0].message
    assert path.read_text(encoding="utf-8") == text
