"""Publishing: staged, checked, renamed into place; unchanged files left alone."""

from __future__ import annotations

import errno
import os
import threading
import time
from pathlib import Path

import pytest

import feedtool._publish
from feedtool._errors import PublishError
from feedtool._publish import (
    MANIFEST_NAME,
    clean_stale_staging,
    compare,
    lock_path,
    make_work_folder,
    publish,
    staging_path,
)


def files(**contents: str) -> list[tuple[str, bytes]]:
    return [(name.replace("__", "/"), text.encode()) for name, text in contents.items()]


def test_publish_writes_files_and_manifest(tmp_path: Path):
    output = tmp_path / "public"
    result = publish(output, files(a_txt="A", sub__b_txt="B"))
    assert (output / "a_txt").read_text() == "A"
    assert (output / "sub/b_txt").read_text() == "B"
    assert result.written == ["a_txt", "sub/b_txt"]
    assert (output / MANIFEST_NAME).read_text() == "a_txt\nsub/b_txt\n"
    assert not staging_path(output).exists()


def test_unchanged_files_are_not_rewritten(tmp_path: Path):
    output = tmp_path / "public"
    publish(output, files(a="same", b="old"))
    past = time.time() - 3600
    for name in ("a", "b"):
        os.utime(output / name, (past, past))
    result = publish(output, files(a="same", b="new"))
    assert result.written == ["b"] and result.unchanged == 1
    assert (output / "a").stat().st_mtime == pytest.approx(past)
    assert (output / "b").stat().st_mtime > past


def test_files_no_longer_built_are_removed_but_user_files_are_kept(tmp_path: Path):
    output = tmp_path / "public"
    publish(output, files(keep="k", categories__old__index_html="gone"))
    (output / "CNAME").write_text("example.org")
    result = publish(output, files(keep="k"))
    assert result.removed == ["categories/old/index_html"]
    assert not (output / "categories").exists()  # emptied folders are pruned
    assert (output / "CNAME").read_text() == "example.org"


def test_stale_staging_folder_from_a_killed_build_is_cleaned(tmp_path: Path):
    output = tmp_path / "public"
    stale = staging_path(output)
    (stale / "half").mkdir(parents=True)
    (stale / "half/rss.xml").write_text("<rss")
    publish(output, files(a="A"))
    assert not stale.exists()
    assert (output / "a").read_text() == "A"


def test_output_path_that_is_a_file_is_an_error(tmp_path: Path):
    output = tmp_path / "public"
    output.write_text("not a folder")
    with pytest.raises(PublishError, match="not a folder"):
        publish(output, files(a="A"))
    assert output.read_text() == "not a folder"


@pytest.mark.parametrize(
    "relative",
    ["../evil", "a/../../evil", "/evil", "a//b", "a/./b", ".", "..", "", "a/", "a/..", "a\0b"],
)
def test_paths_escaping_the_output_folder_are_refused(tmp_path: Path, relative: str):
    with pytest.raises(PublishError, match="outside the output folder"):
        publish(tmp_path / "public", [(relative, b"x")])
    assert not (tmp_path / "evil").exists()


@pytest.mark.parametrize("relative", ["a", "a/b.html", "a..b/c", ".well-known/x", "a/.b", "a/b."])
def test_paths_inside_the_output_folder_are_written(tmp_path: Path, relative: str):
    publish(tmp_path / "public", [(relative, b"x")])
    assert (tmp_path / "public" / relative).read_bytes() == b"x"


def test_second_build_waits_for_the_lock_then_fails_clearly(tmp_path: Path):
    import fcntl

    output = tmp_path / "public"
    with open(lock_path(output), "a+") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        with pytest.raises(PublishError, match="another feedtool build"):
            publish(output, files(a="A"), lock_timeout=0.2)
    assert not output.exists()


def test_second_build_proceeds_when_the_lock_is_released(tmp_path: Path):
    import fcntl

    output = tmp_path / "public"
    held = open(lock_path(output), "a+")  # noqa: SIM115
    fcntl.flock(held.fileno(), fcntl.LOCK_EX)
    threading.Timer(0.2, held.close).start()
    publish(output, files(a="A"), lock_timeout=5)
    assert (output / "a").read_text() == "A"


def test_compare_lists_changes_without_writing(tmp_path: Path):
    output = tmp_path / "public"
    publish(output, files(a="A", b="B"))
    result = compare(output, ["a", "c"], changed={"c"})
    assert result.written == sorted(["c", MANIFEST_NAME])
    assert result.removed == ["b"] and result.unchanged == 1
    assert not (output / "c").exists() and (output / "b").exists()
    assert compare(output, ["a", "b"], changed=set()).changed == []


def test_a_prepared_file_is_moved_into_place_or_copied_across_file_systems(
    tmp_path: Path, monkeypatch
):
    import errno

    from feedtool._publish import PreparedFile

    output = tmp_path / "public"
    publish(output, files(old="x"))  # an existing output: files are staged one by one
    moved, copied = tmp_path / "moved.html", tmp_path / "copied.html"
    moved.write_bytes(b"<p>moved</p>")
    copied.write_bytes(b"<p>copied</p>")
    real_rename = os.rename

    def rename(source, target):
        if str(source) == str(copied):  # as if the work folder were on another device
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        real_rename(source, target)

    monkeypatch.setattr(os, "rename", rename)
    result = publish(
        output, [("a.html", PreparedFile(str(moved))), ("b.html", PreparedFile(str(copied)))]
    )
    assert result.written == ["a.html", "b.html"]
    assert (output / "a.html").read_bytes() == b"<p>moved</p>" and not moved.exists()
    assert (output / "b.html").read_bytes() == b"<p>copied</p>"
    assert not (output / "old").exists()


def deny_opening(monkeypatch: pytest.MonkeyPatch, cause: int = errno.EACCES) -> None:
    """The lock file beside the output folder cannot be opened."""

    def refuse(path, *args, **kwargs):  # noqa: ANN001, ANN202 - stands in for open
        raise OSError(cause, os.strerror(cause), str(path))

    monkeypatch.setattr(feedtool._publish, "open", refuse, raising=False)


def test_a_lock_that_cannot_be_made_is_a_publish_error_naming_the_output(
    tmp_path: Path, monkeypatch
):
    output = tmp_path / "public"
    deny_opening(monkeypatch)
    with pytest.raises(PublishError) as caught:
        publish(output, files(a="A"))
    assert (
        str(caught.value) == f"{output}: error: cannot create the output folder: Permission denied"
    )


def test_a_lock_that_cannot_be_made_beside_a_published_folder_names_the_parent(
    tmp_path: Path, monkeypatch
):
    output = tmp_path / "public"
    publish(output, files(a="A"))
    deny_opening(monkeypatch, errno.EROFS)
    with pytest.raises(PublishError) as caught:
        publish(output, files(a="B"))
    assert str(caught.value) == (
        f"{output}: error: cannot write beside the output folder, in {tmp_path}, where a "
        "build stages its files: Read-only file system"
    )
    assert (output / "a").read_text() == "A"


def test_cleaning_stale_staging_that_cannot_lock_is_a_publish_error(tmp_path: Path, monkeypatch):
    output = tmp_path / "public"
    publish(output, files(a="A"))
    staging_path(output).mkdir()
    deny_opening(monkeypatch)
    with pytest.raises(PublishError) as caught:
        clean_stale_staging(output)
    assert caught.value.message.startswith("cannot write beside the output folder, in ")
    assert caught.value.message.endswith(": Permission denied")


def test_a_work_folder_that_cannot_be_made_is_a_publish_error(tmp_path: Path, monkeypatch):
    output = tmp_path / "public"

    def denied(path, *args, **kwargs):  # noqa: ANN001, ANN202 - stands in for os.mkdir
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(os, "mkdir", denied)
    with pytest.raises(PublishError) as caught:
        make_work_folder(output)
    assert (
        str(caught.value) == f"{output}: error: cannot create the output folder: Permission denied"
    )


def test_a_manifest_that_cannot_be_written_is_a_publish_error(tmp_path: Path, monkeypatch):
    output = tmp_path / "public"
    publish(output, files(a="A"))

    def disk_full(self: Path, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_bytes", disk_full)
    with pytest.raises(PublishError) as caught:
        publish(output, files(a="A", b="B"))
    assert caught.value.message.endswith("stages its files: No space left on device")
