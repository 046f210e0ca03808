"""Where a build may publish: dangerous output folders are refused before anything is
written, and an output path that cannot be made or written is one line, never a traceback."""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import feedtool._build
import feedtool._publish
import feedtool._render.pieces
from feedtool._build import build
from feedtool._cli import main
from feedtool._errors import ConfigError, PublishError
from feedtool._output_folder import OutputFolderRefused, check_output_folder
from feedtool._publish import MANIFEST_NAME
from tests.conftest import SiteFolder, article

ADVICE = "choose an empty folder or one feedtool published (--output / [build] output)"
NOT_OURS = (
    f"refusing to publish into a folder that holds files but no {MANIFEST_NAME} (feedtool "
    "did not publish it); choose an empty folder or one feedtool published, or run "
    "feedtool build --force to publish into it anyway (files with the names of outputs "
    "are replaced, others are kept)"
)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def everything_under(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def assert_one_error_line(result: Result, line: str, exit_code: int) -> None:
    assert "Traceback" not in result.output
    assert result.stderr == line + "\n"
    assert result.exit_code == exit_code


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder of the test's own, so that no test can write into the real one."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    return folder


@pytest.fixture
def no_writing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A build that got past the refusal would fail here before writing anything."""

    def must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("a refused build went on to write")

    monkeypatch.setattr(feedtool._build, "make_work_folder", must_not_run)
    monkeypatch.setattr(feedtool._build, "publish", must_not_run)


# The refusals, in the library.


def test_the_root_folder_is_refused(site: SiteFolder, no_writing: None):
    with pytest.raises(OutputFolderRefused) as caught:
        check_output_folder(Path("/"), site.entries, site.config)
    assert str(caught.value) == f"/: error: refusing to publish into the root folder; {ADVICE}"


def test_the_home_folder_is_refused_even_with_force(site: SiteFolder, home: Path):
    with pytest.raises(OutputFolderRefused, match="your home folder") as caught:
        check_output_folder(home, site.entries, site.config, force=True)
    assert caught.value.path == str(home.resolve())


def test_the_entries_folder_and_the_folders_holding_it_are_refused(site: SiteFolder):
    for output, reason in [
        (site.entries, "the entries folder"),
        (site.root, f"a folder that holds the entries folder {site.entries.resolve()}"),
        (site.root.parent, f"a folder that holds the entries folder {site.entries.resolve()}"),
    ]:
        with pytest.raises(OutputFolderRefused) as caught:
            check_output_folder(output, site.entries, None, force=True)
        assert caught.value.message == f"refusing to publish into {reason}; {ADVICE}"
        assert caught.value.path == str(output.resolve())


def test_the_folder_holding_the_config_file_is_refused(site: SiteFolder, tmp_path_factory):
    entries = tmp_path_factory.mktemp("elsewhere") / "entries"
    with pytest.raises(OutputFolderRefused) as caught:
        check_output_folder(site.root, entries, site.config, force=True)
    assert caught.value.message == (
        f"refusing to publish into a folder that holds the config file "
        f"{site.config.resolve()}; {ADVICE}"
    )


@pytest.mark.parametrize("spelling", ["{root}/", "{root}/public/..", "{root}/./entries/", "link"])
def test_paths_are_compared_resolved(site: SiteFolder, spelling: str):
    (site.root / "link").symlink_to(site.root)
    output = Path(spelling.format(root=site.root)) if "{" in spelling else site.root / "link"
    with pytest.raises(OutputFolderRefused):
        check_output_folder(output, site.entries, site.config, force=True)


def test_a_refusal_is_a_config_error_so_the_command_exits_2():
    assert issubclass(OutputFolderRefused, ConfigError)


def test_a_folder_with_files_but_no_manifest_is_refused_unless_forced(site: SiteFolder):
    site.output.mkdir()
    (site.output / "index.html").write_text("someone else's site")
    with pytest.raises(OutputFolderRefused) as caught:
        check_output_folder(site.output, site.entries, site.config)
    assert caught.value.message == NOT_OURS
    check_output_folder(site.output, site.entries, site.config, force=True)


@pytest.mark.parametrize("state", ["missing", "empty", "published"])
def test_a_missing_empty_or_published_folder_is_accepted(site: SiteFolder, state: str):
    if state != "missing":
        site.output.mkdir()
    if state == "published":
        (site.output / MANIFEST_NAME).write_text("index.html\n")
        (site.output / "index.html").write_text("ours")
        (site.output / "CNAME").write_text("yours")
    check_output_folder(site.output, site.entries, site.config)


def test_an_unreadable_output_folder_is_a_publish_error(site: SiteFolder, monkeypatch):
    site.output.mkdir()

    def denied(path: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(os, "scandir", denied)
    with pytest.raises(PublishError) as caught:
        check_output_folder(site.output, site.entries, site.config)
    assert str(caught.value) == (
        f"{site.output.resolve()}: error: cannot read the output folder: Permission denied"
    )


def test_build_refuses_before_writing_anything(three_entry_site: SiteFolder):
    site = three_entry_site
    before = everything_under(site.root)
    for check_only in (False, True):
        with pytest.raises(OutputFolderRefused):
            build(site.settings(output=site.root), check_only=check_only)
    assert everything_under(site.root) == before


# The refusals, through the command line: exit 2, one line, nothing written.


@pytest.mark.parametrize("check", [[], ["--check"]])
def test_output_root_is_refused_with_exit_2(
    three_entry_site: SiteFolder, no_writing: None, check: list[str]
):
    result = run("build", "--config", str(three_entry_site.config), "--output", "/", *check)
    assert_one_error_line(
        result, f"/: error: refusing to publish into the root folder; {ADVICE}", 2
    )


def test_output_home_is_refused_with_exit_2(three_entry_site: SiteFolder, home: Path):
    result = run("build", "--config", str(three_entry_site.config), "--output", str(home))
    expected = f"{home.resolve()}: error: refusing to publish into your home folder; {ADVICE}"
    assert_one_error_line(result, expected, 2)
    assert everything_under(home) == []


@pytest.mark.parametrize("check", [[], ["--check"]])
def test_output_in_the_entries_folder_or_above_it_is_refused_with_exit_2(
    three_entry_site: SiteFolder, check: list[str]
):
    site = three_entry_site
    before = everything_under(site.root.parent)
    for output, reason in [
        (f"{site.entries}/", "the entries folder"),
        (str(site.root), f"a folder that holds the entries folder {site.entries.resolve()}"),
        (f"{site.entries}/..", f"a folder that holds the entries folder {site.entries.resolve()}"),
    ]:
        result = run("build", "--config", str(site.config), "--output", output, *check)
        expected = f"{Path(output).resolve()}: error: refusing to publish into {reason}; {ADVICE}"
        assert_one_error_line(result, expected, 2)
    assert everything_under(site.root.parent) == before


def test_empty_output_in_the_config_is_an_error_on_its_line(three_entry_site: SiteFolder):
    site = three_entry_site
    site.write_config('[build]\noutput = ""\n')
    line = site.config.read_text().splitlines().index('output = ""') + 1
    before = everything_under(site.root)
    result = run("build", "--config", str(site.config))
    expected = (
        f"{site.config}:{line}: error: [build] output is empty: set it to the folder to "
        'publish into, e.g. "public"'
    )
    assert_one_error_line(result, expected, 2)
    assert everything_under(site.root) == before


def test_a_folder_of_other_files_needs_force_then_is_published_into(
    three_entry_site: SiteFolder,
):
    site = three_entry_site
    site.output.mkdir()
    (site.output / "notes.txt").write_text("mine")
    config = str(site.config)
    for check in ([], ["--check"]):
        result = run("build", "--config", config, *check)
        assert_one_error_line(result, f"{site.output.resolve()}: error: {NOT_OURS}", 2)
    assert everything_under(site.output) == ["notes.txt"]
    assert run("build", "--config", config, "--force").exit_code == 0
    assert (site.output / "notes.txt").read_text() == "mine"
    assert (site.output / MANIFEST_NAME).is_file()
    # Published by feedtool now: no --force needed again.
    site.add("004_delta.txt", article(title="Delta"))
    assert run("build", "--config", config).exit_code == 0


# An output path that cannot be made or written: exit 1, one line naming it and the cause.


def build_into(site: SiteFolder, output: Path | str) -> Result:
    return run("build", "--config", str(site.config), "--output", str(output))


def test_parent_not_writable_is_one_line(three_entry_site: SiteFolder, tmp_path, monkeypatch):
    output = tmp_path / "locked" / "public"
    output.parent.mkdir()
    real_mkdir = os.mkdir

    def denied_in_locked(path, *args, **kwargs):  # noqa: ANN001, ANN202 - stands in for os.mkdir
        if Path(path).parent == output.parent:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", denied_in_locked)
    result = build_into(three_entry_site, output)
    expected = f"{output}: error: cannot create the output folder: Permission denied"
    assert_one_error_line(result, expected, 1)
    assert everything_under(output.parent) == []


def test_parent_that_access_says_is_not_writable_is_one_line(
    three_entry_site: SiteFolder, tmp_path: Path, monkeypatch
):
    output = tmp_path / "public-elsewhere"
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != tmp_path)
    result = build_into(three_entry_site, output)
    expected = f"{output}: error: cannot create the output folder: Permission denied"
    assert_one_error_line(result, expected, 1)


def test_parent_made_read_only_with_chmod_is_one_line(three_entry_site: SiteFolder, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root can write anywhere; see the monkeypatched tests above")
    output = tmp_path / "locked" / "public"
    output.parent.mkdir()
    output.parent.chmod(0o500)
    try:
        result = build_into(three_entry_site, output)
    finally:
        output.parent.chmod(0o755)
    expected = f"{output}: error: cannot create the output folder: Permission denied"
    assert_one_error_line(result, expected, 1)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux's /proc")
def test_output_under_proc_is_one_line(three_entry_site: SiteFolder):
    result = build_into(three_entry_site, "/proc/nope")
    # Root may try, and /proc has no such entry; anyone else may not write in /proc.
    cause = "No such file or directory" if os.geteuid() == 0 else "Permission denied"
    expected = f"/proc/nope: error: cannot create the output folder: {cause}"
    assert_one_error_line(result, expected, 1)


def test_output_whose_parent_is_a_file_is_one_line(three_entry_site: SiteFolder, tmp_path):
    parent = tmp_path / "a-file"
    parent.write_text("not a folder")
    result = build_into(three_entry_site, parent / "public")
    expected = (
        f"{parent / 'public'}: error: cannot create the output folder: {parent} is not a folder"
    )
    assert_one_error_line(result, expected, 1)


def test_output_whose_parent_is_missing_is_one_line(three_entry_site: SiteFolder, tmp_path):
    output = tmp_path / "missing" / "public"
    result = build_into(three_entry_site, output)
    expected = (
        f"{output}: error: cannot create the output folder: its parent folder "
        f"{output.parent} does not exist"
    )
    assert_one_error_line(result, expected, 1)


def test_output_that_is_a_file_is_one_line(three_entry_site: SiteFolder, tmp_path):
    output = tmp_path / "a-file"
    output.write_text("not a folder")
    result = build_into(three_entry_site, output)
    expected = (
        f"{output}: error: output path exists and is not a folder (--output / [build] output)"
    )
    assert_one_error_line(result, expected, 1)
    assert output.read_text() == "not a folder"


def test_read_only_location_is_one_line(three_entry_site: SiteFolder, tmp_path, monkeypatch):
    output = tmp_path / "mounted" / "public"
    output.parent.mkdir()

    def read_only(path, *args, **kwargs):  # noqa: ANN001, ANN202 - stands in for os.mkdir
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(os, "mkdir", read_only)
    result = build_into(three_entry_site, output)
    expected = f"{output}: error: cannot create the output folder: Read-only file system"
    assert_one_error_line(result, expected, 1)


def test_published_folder_made_read_only_is_one_line_naming_the_file(
    three_entry_site: SiteFolder, monkeypatch
):
    site = three_entry_site
    assert run("build", "--config", str(site.config)).exit_code == 0
    before = everything_under(site.output)
    site.add("004_delta.txt", article(title="Delta"))
    targets: list[str] = []

    def read_only(source, target):  # noqa: ANN001, ANN202 - stands in for os.replace
        targets.append(str(target))
        raise OSError(errno.EROFS, "Read-only file system", str(source), None, str(target))

    monkeypatch.setattr(os, "replace", read_only)
    result = run("build", "--config", str(site.config))
    expected = f"{targets[0]}: error: cannot write the output folder: Read-only file system"
    assert_one_error_line(result, expected, 1)
    assert everything_under(site.output) == before


def test_disk_full_while_writing_the_stage_is_one_line(three_entry_site: SiteFolder, monkeypatch):
    def disk_full(descriptor: int, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(feedtool._publish, "write_all", disk_full)
    result = run("build", "--config", str(three_entry_site.config))
    expected = (
        f"{three_entry_site.output}: error: cannot create the output folder: "
        "No space left on device"
    )
    assert_one_error_line(result, expected, 1)
    assert not three_entry_site.output.exists()


def test_a_full_disk_while_parsing_writes_pieces_is_one_error_line(
    three_entry_site: SiteFolder, monkeypatch
):
    site = three_entry_site

    def disk_full(self, pieces):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self.path)

    monkeypatch.setattr(feedtool._render.pieces.PieceFile, "add", disk_full)
    result = run("build", "--config", str(site.config))
    assert result.exit_code == 1
    assert result.stderr == (
        f"{site.output}: error: cannot create the output folder: No space left on device\n"
    )
    assert not site.output.exists()
    assert [path.name for path in site.root.iterdir() if "feedtool-work" in path.name] == []


def test_a_cache_that_cannot_be_saved_is_a_warning_after_publishing(
    three_entry_site: SiteFolder,
):
    site = three_entry_site
    (site.root / ".feedtool-cache").write_text("a file where the cache folder goes")
    result = run("build", "--config", str(site.config))
    assert result.exit_code == 0
    assert (site.output / "rss.xml").is_file()
    assert (
        f"{site.root / '.feedtool-cache'}: warning: cannot save the cache: File exists; "
        "the next build reads every file again"
    ) in result.stderr.splitlines()
