"""GNOME's settings read with GLib's `gsettings` program, for the readers that have no
PyGObject (GNOME's do-not-disturb switch, its movement breaks, its colour scheme).

One call: `gsettings get SCHEMA KEY`, with a time limit and no standard input; what went
wrong is a GSettingsError (an OSError), and a schema or key that is not installed is the
NotInstalled kind of it, so a caller can tell "not this desktop" from "it failed".
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping

_NOT_INSTALLED = ("No such schema", "No such key", "No schemas")


class GSettingsError(OSError):
    """gsettings failed, or gave no answer in time."""


class NotInstalled(GSettingsError):
    """The schema or the key is not installed here."""


def find_gsettings(environ: Mapping[str, str]) -> str | None:
    """The gsettings program on `environ`'s PATH, or None."""
    return shutil.which("gsettings", path=environ.get("PATH"))


def gsettings_get(
    program: str, environ: Mapping[str, str], schema: str, key: str, timeout: float
) -> str:
    """The value of SCHEMA KEY as gsettings prints it (`true`, `'default'`, `uint32 1800`)."""
    try:
        result = subprocess.run(
            [program, "get", schema, key], env=dict(environ), capture_output=True,
            text=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except subprocess.TimeoutExpired as error:
        raise GSettingsError(f"gsettings gave no answer in {timeout:g} s") from error
    if result.returncode != 0:
        said = (result.stderr.strip().splitlines() or ["no answer"])[-1]
        kind = NotInstalled if any(words in said for words in _NOT_INSTALLED) else GSettingsError
        raise kind(f"gsettings get {schema} {key}: {said}")
    return result.stdout.strip()
