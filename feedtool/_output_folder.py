"""Which folders a build may publish into.

Publishing replaces the files an output folder holds under the names of outputs, and a
later build removes what it no longer makes; an output folder of ``/``, the home folder
or the project's own folder would put the site among files that are not the site's.
``check_output_folder`` refuses such folders before a build writes anything, not even its
work folder or lock beside them.
"""

from __future__ import annotations

import os
from pathlib import Path

from feedtool._errors import ConfigError, PublishError
from feedtool._publish import MANIFEST_NAME

_WHAT_TO_DO = "choose an empty folder or one feedtool published (--output / [build] output)"


class OutputFolderRefused(ConfigError):
    """The output folder is one a build must not publish into; nothing was written."""


def check_output_folder(
    output: Path, entries: Path, config: Path | None = None, *, force: bool = False
) -> None:
    """Raise ``OutputFolderRefused`` when ``output`` is a folder a build must not publish into.

    Refused always: ``/``, the home folder, the entries folder, and a folder that holds the
    entries folder or the config file. Refused unless ``force``: an existing folder that
    holds files but no manifest (so feedtool did not publish it). Paths are compared
    resolved (symlinks, ``..``, trailing slashes). Raises ``PublishError`` when the folder
    cannot be read.
    """
    folder = _resolved(output)
    reason = _why_refused(folder, _resolved(entries), config and _resolved(config))
    if reason is not None:
        raise OutputFolderRefused(f"refusing to publish into {reason}; {_WHAT_TO_DO}", str(folder))
    if not force and _holds_files_feedtool_did_not_publish(folder):
        raise OutputFolderRefused(
            f"refusing to publish into a folder that holds files but no {MANIFEST_NAME} "
            "(feedtool did not publish it); choose an empty folder or one feedtool "
            "published, or run feedtool build --force to publish into it anyway (files "
            "with the names of outputs are replaced, others are kept)",
            str(folder),
        )


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError) as error:  # a symlink loop, an unreadable folder
        raise PublishError(f"cannot resolve the path: {error}", str(path)) from None


def _why_refused(folder: Path, entries: Path, config: Path | None) -> str | None:
    if folder == Path(folder.anchor):
        return "the root folder"
    home = os.path.expanduser("~")
    if home != "~" and folder == _resolved(Path(home)):
        return "your home folder"
    if folder == entries:
        return "the entries folder"
    if folder in entries.parents:
        return f"a folder that holds the entries folder {entries}"
    if config is not None and folder in config.parents:
        return f"a folder that holds the config file {config}"
    return None


def _holds_files_feedtool_did_not_publish(folder: Path) -> bool:
    try:
        if os.path.lexists(folder / MANIFEST_NAME):
            return False
        with os.scandir(folder) as listing:
            return any(True for _ in listing)
    except (FileNotFoundError, NotADirectoryError):
        return False  # a folder to make, or a file (refused when publishing)
    except OSError as error:
        raise PublishError(
            f"cannot read the output folder: {error.strerror or error}", str(folder)
        ) from None
