"""Publishing: the only place that writes the output folder.

A build's files are staged beside the output folder, checked, then moved into place one
atomic rename at a time, so a reader sees each file whole, old or new. Files whose bytes
did not change are left alone (their modification times, hence HTTP caches, stay valid).
Files of an earlier build that no longer belong to the site are removed last; feedtool
knows which files are its own from the manifest it keeps in the output folder, so files
a user put there (a CNAME, images) are never touched.
"""

from __future__ import annotations

import errno
import fcntl
import glob
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from feedtool._errors import PublishError

if TYPE_CHECKING:
    from feedtool._validate.report import Finding

MANIFEST_NAME = ".feedtool-manifest"
DEFAULT_LOCK_TIMEOUT = 60.0


@dataclass(frozen=True)
class PreparedFile:
    """An output already written, complete, to a file of the build's own on the same file
    system: publishing moves it into place instead of writing its bytes again, and leaves
    it where it is when it was written to its place in the build's stage (see
    ``stage_folder``).

    A build's workers write the outputs they make this way, in place in its stage, so
    that creating files happens on every core at once; they compared each with the
    published file before writing it.
    """

    path: str

    def read(self) -> bytes:
        with open(self.path, "rb") as handle:
            return handle.read()


# What a renderer hands over for an output file: its bytes, a prepared file, or None
# when it knows the published file is current.
OutputData = bytes | PreparedFile | None


@dataclass
class PublishResult:
    """What a publish did (or, for a check, would do), as sorted relative paths."""

    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)

    @property
    def changed(self) -> list[str]:
        return sorted(self.written + self.removed)


class BuildRejected(PublishError):
    """The new files failed their checks: nothing was published.

    ``findings`` are the validator's errors; ``problems`` the same as text lines.
    """

    def __init__(self, findings: Sequence[Finding]):
        super().__init__(f"{len(findings)} problem(s) in the rendered files; nothing published")
        self.findings = tuple(findings)
        self.problems = [str(finding) for finding in self.findings]


def staging_path(output: Path) -> Path:
    return output.parent / f".{output.name}.feedtool-staging"


def lock_path(output: Path) -> Path:
    return output.parent / f".{output.name}.feedtool-lock"


def publish(
    output: Path,
    files: Iterable[tuple[str, OutputData]],
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    staging: Path | None = None,
) -> PublishResult:
    """Publish ``files`` into ``output`` atomically.

    A file given as ``None`` is known to be current and is kept as it is. ``staging`` is
    the build's own stage (see ``stage_folder``), which may hold outputs written in place
    already; without it, files are staged in a folder beside the output. Raises
    ``PublishError`` (naming the path and the system's reason) when it cannot write.
    """
    check_output_path(output)
    try:
        with _Lock(lock_path(output), lock_timeout, output):
            # A shared staging folder that exists now was left by a build that was killed.
            shutil.rmtree(staging_path(output), ignore_errors=True)
            for orphan in _orphaned_work_folders(output):
                shutil.rmtree(orphan, ignore_errors=True)
            staging = staging or staging_path(output)
            try:
                staging.mkdir(exist_ok=True)
                result, expected = _stage(output, staging, files)
                if not os.path.isdir(output):
                    # A first build: the staged folder becomes the output in one rename.
                    (staging / MANIFEST_NAME).write_bytes(_manifest_bytes(expected))
                    os.rename(staging, output)
                    return result
                _move_into_place(output, staging, result.written)
                listed = _read_manifest(output)
                result.removed = _stale_files(output, expected, listed)
                if listed != expected:  # the same files: the manifest is already right
                    _write_manifest(output, staging, expected)
                for relative in result.removed:
                    _remove(output, relative)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except OSError as error:
        raise output_error(output, error) from None
    return result


def _move_into_place(output: Path, staging: Path, written: list[str]) -> None:
    """Rename each staged file over its target; if one fails, put back every file replaced.

    So a build that fails while publishing (a full disk, an I/O error) leaves the output
    folder as it was, not half old and half new.
    """
    replaced = _replaced_path(staging)
    shutil.rmtree(replaced, ignore_errors=True)
    # The old versions are kept in one flat folder, by number: mirroring the output's
    # folders there would make one more folder per listing page a rebuild rewrites.
    replaced.mkdir()
    done: list[tuple[str, bool]] = []  # (relative path, whether an old version existed)
    folders: set[Path] = set()
    try:
        for relative in written:
            target = output / relative
            if target.parent not in folders:
                target.parent.mkdir(parents=True, exist_ok=True)
                folders.add(target.parent)
            existed = target.is_file()
            if existed:
                _keep_copy(target, replaced / str(len(done)))
            os.replace(staging / relative, target)
            done.append((relative, existed))
    except OSError:
        for number, (relative, existed) in reversed(list(enumerate(done))):
            if existed:
                os.replace(replaced / str(number), output / relative)
            else:
                (output / relative).unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(replaced, ignore_errors=True)


def _replaced_path(staging: Path) -> Path:
    return staging.with_name(staging.name + "-replaced")


def _keep_copy(path: Path, copy: Path) -> None:
    try:
        os.link(path, copy)  # a second name for the old bytes: no copying
    except OSError:
        shutil.copy2(path, copy)


def killed_build_left(output: Path) -> bool:
    """Whether a build that was killed left its stage or work folder beside the output
    folder: it may have put some of its files in place, so that no file there can be
    taken as what the last build that ended published."""
    return bool(_leftovers(output))


def _leftovers(output: Path) -> list[Path]:
    leftovers = [staging_path(output), _replaced_path(staging_path(output))]
    leftovers += _orphaned_work_folders(output)
    return [path for path in leftovers if os.path.lexists(path)]


def clean_stale_staging(output: Path, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
    """Remove what a killed build left beside the output folder, under the build lock."""
    leftovers = _leftovers(output)
    if not leftovers:
        return
    try:
        with _Lock(lock_path(output), lock_timeout, output):
            for path in leftovers:
                shutil.rmtree(path, ignore_errors=True)
    except OSError as error:
        raise output_error(output, error) from None


def stage_folder(work: Path) -> Path:
    """Where in a build's work folder the outputs are staged, each at its relative path:
    processes that make outputs can write them there, in place, and ``publish`` (given it
    as ``staging``) then has nothing to move before it publishes."""
    return work / "stage"


def make_work_folder(output: Path) -> Path:
    """A private folder beside the output folder, for files a build prepares before
    publishing them (see ``PreparedFile``), with its stage (``stage_folder``) made; the build
    removes it when it ends.

    Beside the output, so that a prepared file is moved into place, never copied. Its name
    holds the build's process id: a folder whose build is gone was left by a killed build.
    """
    parent = output.parent if os.path.isdir(output.parent) else Path(tempfile.gettempdir())
    prefix = f".{output.name}.feedtool-work-{os.getpid()}-"
    try:
        work = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    except OSError as error:
        raise output_error(output, error) from None
    try:
        stage_folder(work).mkdir()
    except OSError as error:
        shutil.rmtree(work, ignore_errors=True)
        raise output_error(output, error) from None
    return work


def _orphaned_work_folders(output: Path) -> list[Path]:
    if not os.path.isdir(output.parent):
        return []
    found = []
    for path in output.parent.glob(f".{glob.escape(output.name)}.feedtool-work-*-*"):
        pid = path.name.rsplit(".feedtool-work-", 1)[1].split("-", 1)[0]
        if pid.isdigit() and not process_running(int(pid)):
            found.append(path)
    return found


def process_running(pid: int) -> bool:
    """Whether process ``pid`` still runs (whoever's it is): a folder it left is not stale."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def compare(output: Path, expected: list[str], changed: set[str]) -> PublishResult:
    """What ``publish`` would change (``build --check``), given every output path and the
    ones whose bytes differ from the published files'."""
    result = PublishResult()
    result.written = sorted(changed)
    result.unchanged = len(expected) - len(changed)
    expected_set = set(expected)
    if not same_bytes(output / MANIFEST_NAME, _manifest_bytes(expected_set)):
        result.written = sorted([*changed, MANIFEST_NAME])
    if os.path.isdir(output):
        result.removed = _stale_files(output, expected_set, _read_manifest(output))
    return result


def _stage(
    output: Path, staging: Path, files: Iterable[tuple[str, OutputData]]
) -> tuple[PublishResult, set[str]]:
    result = PublishResult()
    expected: set[str] = set()
    # Paths as text, not Path objects: a first build stages 112,000 files at 100,000
    # entries. Nothing can be the same as a file of an output folder not made yet.
    published = os.path.isdir(output)
    output_base = os.path.join(output, "")
    stage = StageWriter(str(staging))
    for relative, data in files:
        check_relative(relative)
        if relative in expected:
            raise PublishError(f"two outputs would be written to {relative}", str(output))
        expected.add(relative)
        # None: the renderer knows the published file is current, without making it. A
        # prepared file was compared by whoever prepared it.
        if data is None or (
            published
            and not isinstance(data, PreparedFile)
            and same_bytes(output_base + relative, data)
        ):
            result.unchanged += 1
            continue
        if isinstance(data, PreparedFile):
            staged = stage.folder_for(relative) + os.path.basename(relative)
            if data.path != staged:  # else it was written in place, in the stage
                _move_prepared(data, staged)
        else:
            stage.write(relative, data)
        result.written.append(relative)
    result.written.sort()
    return result, expected


class StageWriter:
    """Writes outputs into a stage folder at their relative paths, each folder made once."""

    def __init__(self, stage: str):
        self.base = os.path.join(stage, "")
        self._folders: set[str] = set()

    def folder_for(self, relative: str) -> str:
        """The staged folder of ``relative`` (made if need be), ending in a separator."""
        check_relative(relative)
        folder = os.path.dirname(self.base + relative)
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)  # other processes may make it too
            self._folders.add(folder)
        return os.path.join(folder, "")

    def write(self, relative: str, data: bytes) -> None:
        _write_file(self.folder_for(relative) + os.path.basename(relative), data)


def _write_file(path: str | Path, data: bytes, mode: int = os.O_TRUNC) -> None:
    # Permissions as any new file gets them (the umask decides), like Path.write_bytes.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | mode, 0o666)
    try:
        write_all(descriptor, data)
    finally:
        os.close(descriptor)


def write_all(descriptor: int, data: bytes) -> None:
    """Write all of ``data``: a write may take only part of it (when interrupted)."""
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def _move_prepared(prepared: PreparedFile, staged: str | Path) -> None:
    try:
        os.rename(prepared.path, staged)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        _write_file(staged, prepared.read())  # another file system after all: copy it


def same_bytes(path: str | Path, data: bytes | PreparedFile) -> bool:
    """Whether the file at ``path`` holds exactly ``data``."""
    try:
        if isinstance(data, PreparedFile):
            if os.stat(path).st_size != os.stat(data.path).st_size:
                return False
            data = data.read()
        elif os.stat(path).st_size != len(data):
            return False
        with open(path, "rb") as published:
            return published.read() == data
    except OSError:
        return False


def check_relative(relative: str) -> None:
    """Refuse an output path that could lead out of the folder it is written to.

    Renderers make these paths from entry ids and slugs, and whatever writes an output
    (publishing, or a process writing in place in the stage) checks it first: no part may
    be "", "." or "..".
    """
    # Tested on the path wrapped in slashes, as text: this runs for each of 112,000 outputs.
    wrapped = f"/{relative}/"
    if "//" in wrapped or "/./" in wrapped or "/../" in wrapped or "\0" in relative:
        raise PublishError(f"refusing to write outside the output folder: {relative!r}")


def check_output_path(output: Path) -> None:
    """Raise ``PublishError`` when the output folder can be neither written nor made: it is
    a file, its parent folder is missing, or one of them is not writable."""
    if os.path.lexists(output) and not os.path.isdir(output):
        raise PublishError(
            "output path exists and is not a folder (--output / [build] output)", str(output)
        )
    parent = output.parent
    if not os.path.isdir(output):
        if not os.path.lexists(parent):
            raise PublishError(
                f"cannot create the output folder: its parent folder {parent} does not exist",
                str(output),
            )
        if not os.path.isdir(parent):
            raise PublishError(
                f"cannot create the output folder: {parent} is not a folder", str(output)
            )
    # Staging, the lock and a first build's rename all happen in the parent folder.
    if not os.access(parent, os.W_OK | os.X_OK):
        raise output_error(output, PermissionError(errno.EACCES, os.strerror(errno.EACCES)))
    if os.path.isdir(output) and not os.access(output, os.W_OK | os.X_OK):
        raise output_error(
            output, PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(output))
        )


def output_error(output: Path, error: OSError) -> PublishError:
    """The one-line error for ``error``, met making, writing or publishing beside ``output``.

    It names the output folder (or the file in it that could not be written) and the
    system's reason, so that no failure to write an output path ends in a traceback.
    """
    cause = error.strerror or str(error)
    if not os.path.isdir(output):
        return PublishError(f"cannot create the output folder: {cause}", str(output))
    folder = os.path.abspath(output)
    for name in (error.filename, error.filename2):
        if isinstance(name, str | bytes | os.PathLike):
            path = os.path.abspath(os.fsdecode(name))
            if path == folder or path.startswith(os.path.join(folder, "")):
                return PublishError(f"cannot write the output folder: {cause}", os.fsdecode(name))
    parent = os.path.dirname(folder)
    return PublishError(
        f"cannot write beside the output folder, in {parent}, where a build stages its "
        f"files: {cause}",
        str(output),
    )


def _read_manifest(output: Path) -> set[str]:
    try:
        text = (output / MANIFEST_NAME).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return set()
    return {line for line in text.split("\n") if line}


def output_state(output: Path) -> str:
    """A hash of the output folder as feedtool left it ("" when it has no manifest).

    It covers the manifest and the modification time of every folder holding a published
    file: deleting, adding or renaming a file changes its folder's time, so a file removed
    by hand makes the next build render it again, at the cost of one stat per folder.
    """
    try:
        manifest = (output / MANIFEST_NAME).read_bytes()
    except OSError:
        return ""
    digest = hashlib.sha256(manifest)
    folders = {""} | {
        relative.rpartition("/")[0] for relative in manifest.decode("utf-8").split("\n")
    }
    base = os.fspath(output)
    for folder in sorted(folders):
        try:
            # Joined as text: a site of 100,000 entries has some 10,000 folders.
            mtime = os.stat(os.path.join(base, folder)).st_mtime_ns
        except OSError:
            mtime = -1
        digest.update(f"{folder}\0{mtime}\n".encode())
    return digest.hexdigest()


def _manifest_bytes(expected: set[str]) -> bytes:
    return "".join(f"{relative}\n" for relative in sorted(expected)).encode("utf-8")


def _write_manifest(output: Path, staging: Path, expected: set[str]) -> None:
    data = _manifest_bytes(expected)
    target = output / MANIFEST_NAME
    if same_bytes(target, data):
        return
    output.mkdir(parents=True, exist_ok=True)
    staged = staging / MANIFEST_NAME
    staged.write_bytes(data)
    os.replace(staged, target)


def _stale_files(output: Path, expected: set[str], listed: set[str]) -> list[str]:
    """Files an earlier build wrote (``listed`` in its manifest) that this build does not."""
    stale = []
    for relative in listed - expected:
        try:
            check_relative(relative)
        except PublishError:
            continue  # a damaged manifest line; never act on it
        if os.path.isfile(output / relative):
            stale.append(relative)
    return sorted(stale)


def _remove(output: Path, relative: str) -> None:
    (output / relative).unlink(missing_ok=True)
    # Prune folders the removal emptied (an emptied category), up to the output folder.
    folder = (output / relative).parent
    while folder != output:
        try:
            folder.rmdir()
        except OSError:
            break
        folder = folder.parent


class _Lock:
    """An exclusive ``flock`` on a file beside the output folder, so builds never interleave."""

    def __init__(self, path: Path, timeout: float, output: Path):
        self.path = path
        self.timeout = timeout
        self.output = output
        self.handle = None

    def __enter__(self) -> _Lock:
        self.handle = open(self.path, "a+")  # noqa: SIM115 - held until __exit__
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    self.handle.close()
                    raise PublishError(
                        f"another feedtool build is publishing to this folder (waited "
                        f"{self.timeout:g} s for {self.path.name}); try again when it ends",
                        str(self.output),
                    ) from None
                time.sleep(0.05)

    def __exit__(self, *exc_info: object) -> None:
        assert self.handle is not None
        fcntl.flock(self.handle.fileno(), fcntl.LOCK_UN)
        self.handle.close()
