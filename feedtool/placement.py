"""Where on the disk a build's new files go: away from inodes the file system just freed.

On ext4 without a journal, the kernel avoids reusing an inode freed in the last minutes:
to create a file it scans, one by one, every such inode of the block group it picked,
which is the group of the file's folder. Right after a big output folder was deleted
(``rm -rf public`` before a build, or a benchmark's clean-up between runs) the next build's
folders land in the same groups, and each new file then costs about half a millisecond of
kernel time instead of 15 µs: seconds for a site of 10,000 pages.

ext4 places the subfolders of a folder marked "top directory" (``chattr +T``) the way it
places top-level folders: in a group chosen across the whole disk, starting from the
folder name's hash, instead of beside their parent. A build marks its work folder so and
makes its stage folder (everything it writes goes under it) with ``make_quick_folder``:
under a few random names, keeping the first in which creating files is quick. Where the
file system has no such mark (tmpfs, btrfs, xfs, other systems) the stage is an ordinary
folder: nothing else changes.
"""

from __future__ import annotations

import array
import fcntl
import os
import secrets
import shutil
import time
from collections.abc import Callable

# From <linux/fs.h>: get and set an inode's flags; FS_TOPDIR_FL is the "top directory" mark.
_FS_IOC_GETFLAGS = 0x80086601
_FS_IOC_SETFLAGS = 0x40086602
_FS_TOPDIR_FL = 0x00020000

PLACEMENT_ATTEMPTS = 4
PROBE_FILES = 256
PROBE_FOLDER = ".probe"
# Creating an empty file takes 10-30 µs on a quiet ext4; behind a scan of freed inodes,
# hundreds. Anything over this, per file, is taken as the scan.
QUICK_CREATE_SECONDS = 60e-6


def mark_top_folder(folder: str) -> bool:
    """Mark ``folder`` so the file system places its subfolders across the disk.

    False where the file system (or the operating system) has no such mark.
    """
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        flags = array.array("l", [0])
        fcntl.ioctl(descriptor, _FS_IOC_GETFLAGS, flags, True)
        if not flags[0] & _FS_TOPDIR_FL:
            flags[0] |= _FS_TOPDIR_FL
            fcntl.ioctl(descriptor, _FS_IOC_SETFLAGS, flags, True)
        return True
    except OSError:
        return False
    finally:
        os.close(descriptor)


def seconds_per_new_file(folder: str, count: int = PROBE_FILES) -> float:
    """How long creating an empty file in ``folder`` takes, on average over ``count``.

    The files are made in a subfolder ``PROBE_FOLDER`` and left there for the caller to
    move away (``_set_probe_aside``): deleted, they would be inodes freed a moment ago at
    the front of the group, for every later file there to skip.
    """
    probe = os.path.join(folder, PROBE_FOLDER)
    os.mkdir(probe)
    names = [os.path.join(probe, str(number)) for number in range(count)]
    start = time.perf_counter()
    for name in names:
        os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return (time.perf_counter() - start) / count


def _set_probe_aside(folder: str, aside: str) -> None:
    probe = os.path.join(folder, PROBE_FOLDER)
    if os.path.isdir(probe):
        os.rename(probe, os.path.join(aside, f"probe-{secrets.token_hex(8)}"))


def make_quick_folder(path: str, aside: str, timer: Callable[[str], float] | None = None) -> None:
    """Make the folder ``path`` where creating files in it is quick, if the file system
    lets its parent be marked (``mark_top_folder``); else as an ordinary folder.

    The files made to time it are moved into the folder ``aside`` (outside ``path``), for
    the caller to remove with it.
    """
    if mark_top_folder(os.path.dirname(path)):
        make_placed_folder(path, aside, timer=timer)
    else:
        os.mkdir(path)


def make_placed_folder(
    path: str,
    aside: str,
    attempts: int = PLACEMENT_ATTEMPTS,
    timer: Callable[[str], float] | None = None,
) -> None:
    """Make the folder ``path`` (its parent marked by ``mark_top_folder``) where new files
    are quick to create.

    Each attempt makes a folder under a random name beside ``path`` and times creating
    files in it (``timer``); the first quick one, or else the quickest, becomes ``path``.
    The slow ones stay until the choice is made, so that the file system, counting them,
    looks elsewhere for the next attempt; then they are removed. The chosen one's timing
    files go into ``aside``, as in ``make_quick_folder``.
    """
    timer = timer or seconds_per_new_file
    parent = os.path.dirname(path)
    made: list[str] = []
    timings: list[tuple[float, str]] = []
    try:
        for _ in range(attempts):
            candidate = os.path.join(parent, f".placing-{secrets.token_hex(8)}")
            os.mkdir(candidate)
            made.append(candidate)
            seconds = timer(candidate)
            timings.append((seconds, candidate))
            if seconds <= QUICK_CREATE_SECONDS:
                break
        chosen = min(timings)[1]
        _set_probe_aside(chosen, aside)
        os.rename(chosen, path)
        made.remove(chosen)
    finally:
        for candidate in made:
            shutil.rmtree(candidate, ignore_errors=True)  # probe files too, after a failure
