"""What the quick commands need from the settings, remembered between runs.

`postureping done walk` with no daemon running needs two things from the settings: the
routine ids, to refuse a typo, and where the history is. Validating the settings (pydantic)
takes about two thirds of that command's time. So after a full load that succeeds, those two
are written to a small file with a fingerprint of everything the settings come from: the
settings file (path, size, times, inode), the POSTUREPING_* environment, and the built-in
routine files of this version. A later command whose fingerprint matches uses them; any
change means a full load, which reports problems as always. The cache is only a shortcut:
a missing, unreadable, stale or damaged one is ignored, and failing to write one is silent.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from postureping import __version__
from postureping.atomic_file import replacing
from postureping.checkin import DEFAULT_LASTING_ABOVE
from postureping.limits import read_limited
from postureping.paths import Paths

FORMAT = 1
ENV_PREFIX = "POSTUREPING_"
BUILTIN_PACKAGE = "postureping.builtin_routines"
MAX_SIZE = 1 << 20  # a cache holds a few hundred bytes


@dataclass(frozen=True)
class Essentials:
    """The part of the settings that `done` and `skip` need, and `status` (the level of
    lasting pain, for the check-ins' guidance)."""

    routine_ids: tuple[str, ...]
    store_file: Path
    lasting_above: int = DEFAULT_LASTING_ABOVE


def cache_file(paths: Paths) -> Path:
    return paths.state_dir / "settings-cache.json"


# Whatever goes wrong with the cache only means a full load: an unreadable or strange file,
# a failing disk, a folder that cannot be made.
_IGNORED = (OSError, ValueError, KeyError, TypeError, RecursionError)


def recall(paths: Paths, environ: Mapping[str, str]) -> Essentials | None:
    """The essentials remembered for exactly these inputs, or None."""
    try:
        return _stored(paths).get(_key(fingerprint(paths, environ)))
    except _IGNORED:
        return None


def remember(paths: Paths, environ: Mapping[str, str], essentials: Essentials) -> None:
    """Keep the essentials of settings that were just loaded and found valid; the file is
    written only when they or their inputs changed. Never raises for a problem of the cache."""
    try:
        key = _key(fingerprint(paths, environ))
        if _stored(paths).get(key) == essentials:
            return
        data = {
            "fingerprint": json.loads(key),
            "routine_ids": list(essentials.routine_ids),
            "store_file": str(essentials.store_file),
            "lasting_above": essentials.lasting_above,
        }
        with replacing(cache_file(paths), make_folder=True) as file:
            json.dump(data, file)
    except _IGNORED:
        return


def _stored(paths: Paths) -> dict[str, Essentials]:
    """What the cache file holds, by its fingerprint's key; empty if it holds nothing usable."""
    path = cache_file(paths)
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO would block the command
            return {}
        data = json.loads(read_limited(path, MAX_SIZE).decode("utf-8"))
        key, ids, store = _key(data["fingerprint"]), data["routine_ids"], data["store_file"]
        lasting = data["lasting_above"]
    except _IGNORED:
        return {}
    if not isinstance(store, str) or "\0" in store or not _strings(ids):
        return {}
    if not Path(store).is_absolute() or type(lasting) is not int or not 0 <= lasting <= 9:
        return {}
    return {key: Essentials(tuple(ids), Path(store), lasting)}


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def fingerprint(paths: Paths, environ: Mapping[str, str]) -> list[Any]:
    """Everything the settings are made from, as JSON values."""
    return [
        FORMAT,
        __version__,
        str(paths.config_file),
        _stat(paths.config_file),
        sorted([k, v] for k, v in environ.items() if k.startswith(ENV_PREFIX)),
        sorted([e.name, _stat(Path(str(e)))] for e in resources.files(BUILTIN_PACKAGE).iterdir()),
    ]


def _stat(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)
