"""The runtime folder, which holds the daemon's lock and control socket: it must be the user's
own, a real folder (not a symbolic link), and closed to everybody else.

Without $XDG_RUNTIME_DIR (ssh, su, cron) it is postureping-<uid> in the temporary folder,
where anyone can create that name first: with a fake daemon in it, or as a link to somewhere
else. So the daemon (`private_folder`) and the CLI (`check_folder`) look at the folder itself
(lstat, never following a link) before they use it, and refuse one that is not private, with
one line that says what to do. The temporary folder must have the sticky bit, as /tmp has:
then nobody else can rename or remove a folder of ours once we checked it.

POSIX only; on Windows the runtime folder is in the user's profile and is only created.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from pathlib import Path

from postureping.errors import UserError

FOLDER_MODE = 0o700


def private_folder(folder: Path) -> Path:
    """The daemon's side: create `folder` private to the user, or check that an existing one
    is. A folder that others could read or enter, but not write to, is closed (nobody else
    can have put anything in it); one they could write to, a link, or someone else's is
    refused with UserError."""
    if sys.platform == "win32":
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    try:
        folder.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=FOLDER_MODE)
        info = folder.lstat()
    except OSError as error:
        raise UserError(folder_problem(folder, error)) from error
    _refuse_unless_ours(folder, info)
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o022:
        raise UserError(
            f"other users can write to the runtime folder {folder} (mode {mode:04o}), so what "
            "is in it cannot be trusted; refusing to use it (remove it, and postureping makes "
            "a private one)"
        )
    if mode & 0o077:
        folder.chmod(FOLDER_MODE)
    return folder


def check_folder(folder: Path) -> bool:
    """The CLI's side, before it connects: False when the folder does not exist (so no
    daemon runs), True when it is private; UserError when it is not ours to trust."""
    if sys.platform == "win32":
        return folder.is_dir()
    try:
        info = folder.lstat()
    except FileNotFoundError:
        return False
    except OSError as error:
        raise UserError(folder_problem(folder, error)) from error
    _refuse_unless_ours(folder, info)
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise UserError(
            f"the runtime folder {folder} is open to other users (mode {mode:04o}); refusing "
            f"to use it (make it private with `chmod 700 {folder}`)"
        )
    return True


def _refuse_unless_ours(folder: Path, info: os.stat_result) -> None:
    if stat.S_ISLNK(info.st_mode):
        raise UserError(
            f"the runtime folder {folder} is a symbolic link, which someone else may have "
            "planted; refusing to follow it (remove it, or set XDG_RUNTIME_DIR)"
        )
    if not stat.S_ISDIR(info.st_mode):
        raise UserError(f"the runtime folder {folder} is not a folder; refusing to use it")
    if sys.platform != "win32" and info.st_uid != os.getuid():
        raise UserError(
            f"the runtime folder {folder} belongs to another user, {user_name(info.st_uid)}, "
            "who could pass for your daemon; refusing to use it (have it removed, or set "
            "XDG_RUNTIME_DIR)"
        )


def folder_problem(folder: Path, error: OSError) -> str:
    """One line for an OSError met on the way to the runtime folder. Permission denied
    usually means $XDG_RUNTIME_DIR still names another user's folder, as after `su`."""
    reason = error.strerror or str(error)
    line = f"cannot use the runtime folder {folder}: {reason.lower()}"
    if not isinstance(error, PermissionError) or sys.platform == "win32":
        return line
    parent = folder.parent
    try:
        owner = parent.stat().st_uid
    except OSError:
        return line
    if owner != os.getuid() and not os.access(parent, os.X_OK):
        return (
            f"{line} ({parent} belongs to {user_name(owner)}: perhaps XDG_RUNTIME_DIR was left "
            "from another user, as after `su`; use `su -l`, or unset XDG_RUNTIME_DIR)"
        )
    return line


def user_name(uid: int) -> str:
    """`jane (uid 1000)`, or `uid 1000` for an id with no name."""
    if sys.platform == "win32":
        return f"uid {uid}"
    import pwd  # POSIX only; needed only to word a refusal

    try:
        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"uid {uid}"
