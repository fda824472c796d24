"""Load the settings: read the file (never write it), apply the environment, validate
everything, and report every problem at once."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_settings import EnvSettingsSource, SettingsError

from postureping.errors import ConfigError, Problem
from postureping.hours import ActiveHours
from postureping.limits import (
    MAX_DEPTH,
    MAX_SETTINGS_BYTES,
    TooLarge,
    read_limited,
    text_depth,
    too_deep,
)
from postureping.paths import CONFIG_ENV, Paths
from postureping.routines import Routine
from postureping.settings.builtin import load_builtin_specs
from postureping.settings.model import ENV_DELIMITER, ENV_PREFIX, Settings
from postureping.settings.problems import Loc, key_path, problems_from_validation
from postureping.settings.types import describe_value

TOO_DEEP = f"is nested too deeply: tables and lists go at most {MAX_DEPTH} levels deep"


@dataclass(frozen=True)
class LoadedSettings:
    settings: Settings
    routines: tuple[Routine, ...]  # built-in ones first, in id order, then the user's own
    hours: ActiveHours
    store_file: Path
    config_file: Path
    config_exists: bool
    file_data: dict[str, Any] = field(repr=False)
    env_data: dict[str, Any] = field(repr=False)

    def origin(self, loc: Loc) -> str:
        """Where the value at `loc` came from: "env VAR", "file" or "default"."""
        if _lookup(self.env_data, loc):
            return "env " + env_name(loc)
        if _lookup(self.file_data, loc):
            return "file"
        return "default"


def env_name(loc: Loc) -> str:
    return ENV_PREFIX + ENV_DELIMITER.join(str(p) for p in loc).upper().replace("-", "_")


_MISSING = object()


def _get(data: Any, loc: Loc) -> Any:
    for part in loc:
        if isinstance(data, dict):
            found = data.get(part, _MISSING)
        elif isinstance(data, list | tuple) and isinstance(part, int) and part < len(data):
            found = data[part]
        else:
            found = _MISSING
        if found is _MISSING:
            return _MISSING
        data = found
    return data


def _lookup(data: Any, loc: Loc) -> bool:
    return _get(data, loc) is not _MISSING


class _Environment(EnvSettingsSource):
    """pydantic-settings' environment source, reading a given mapping instead of os.environ
    (so the CLI and tests pass their own)."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(Settings)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {k.lower(): v for k, v in self._environ.items() if k.upper().startswith(ENV_PREFIX)}


def read_environment(environ: Mapping[str, str]) -> tuple[dict[str, Any], list[Problem]]:
    """The POSTUREPING_* variables as nested settings values, and what is wrong with them
    that the schema cannot say (an unknown setting, a table given as one value)."""
    problems = []
    known = ", ".join(Settings.model_fields)
    usable = dict(environ)
    for name, value in environ.items():
        if not name.upper().startswith(ENV_PREFIX) or name.upper() == CONFIG_ENV:
            continue
        top = name[len(ENV_PREFIX) :].lower().split(ENV_DELIMITER)[0]
        if top not in Settings.model_fields:
            problems.append(Problem(
                f"environment variable {name}", "", describe_value(value),
                f"not a setting; the settings are {known} (POSTUREPING_SECTION__KEY)",
            ))  # fmt: skip
        elif text_depth(value) > MAX_DEPTH:
            # Read as JSON for a table or a list: thousands of levels exhaust the recursion.
            problems.append(Problem(f"environment variable {name}", "", "", TOO_DEEP))
            del usable[name]
    try:
        data = _routine_ids_from_env(_Environment(usable)())
    except RecursionError:
        return {}, [*problems, Problem("environment variables POSTUREPING_*", "", "", TOO_DEEP)]
    except SettingsError as error:
        match = re.search(r'field "(\w+)"', str(error))
        field = match[1] if match else ""
        name = ENV_PREFIX + field.upper()
        problems.append(Problem(
            f"environment variable {name}", field, repr(environ.get(name, "")),
            f"is a table: set its keys one by one, like {name}{ENV_DELIMITER}KEY",
        ))  # fmt: skip
        return {}, problems
    if (loc := too_deep(data)) is not None:
        return {}, [*problems, Problem(_env_where(loc), "", "", TOO_DEEP)]
    return data, problems


def _env_where(loc: Loc) -> str:
    return "environment variable " + env_name(tuple(p for p in loc if isinstance(p, str))[:3])


def _routine_ids_from_env(data: dict[str, Any]) -> dict[str, Any]:
    """Variable names cannot hold a dash, so POSTUREPING_ROUTINES__SWITCH_POSITION__EVERY
    names the routine "switch-position" (ids never contain "_")."""
    routines = data.get("routines")
    if isinstance(routines, dict):
        data = {**data, "routines": {k.replace("_", "-"): v for k, v in routines.items()}}
    return data


def read_settings_file(paths: Paths) -> tuple[dict[str, Any], bool, list[Problem]]:
    """The parsed file, whether it exists, and what is wrong with it. A default file that
    does not exist is fine (defaults apply); one named by --config or the environment must."""
    path, where = paths.config_file, str(paths.config_file)
    try:
        raw = read_limited(path, MAX_SETTINGS_BYTES)
    except TooLarge as error:
        return {}, True, [Problem(where, "", "", f"{error}; a settings file is a few KiB")]
    except FileNotFoundError:
        if paths.config_explicit:
            return (
                {},
                False,
                [Problem(where, "", "", f"file not found (named by {paths.config_source})")],
            )
        return {}, False, []
    except IsADirectoryError:
        return {}, False, [Problem(where, "", "", "is a folder, not a settings file")]
    except OSError as error:
        return {}, False, [Problem(where, "", "", f"cannot be read: {error.strerror}")]
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark, as some editors write, is fine
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        byte = raw[error.start]
        return (
            {},
            True,
            [
                Problem(
                    where,
                    "",
                    "",
                    f"is not UTF-8 text (line {line}, byte 0x{byte:02x}); save it as UTF-8",
                )
            ],
        )
    try:
        data = tomllib.loads(text)
    except RecursionError:
        return {}, True, [Problem(where, "", "", TOO_DEEP)]
    except ValueError as error:  # TOMLDecodeError, or a number of over 4300 digits
        reason = str(error).split(";")[0]  # not Python's advice on sys.set_int_max_str_digits
        return {}, True, [Problem(where, "", "", f"is not valid TOML: {reason}")]
    if (loc := too_deep(data)) is not None:
        return {}, True, [Problem(where, key_path(loc[:4]), "", TOO_DEEP)]
    return data, True, []


def load(paths: Paths, environ: Mapping[str, str]) -> LoadedSettings:
    """Validate the settings file and environment against the schema and the built-in
    routines. Raises ConfigError listing every problem found."""
    file_data, exists, problems = read_settings_file(paths)
    env_data, env_problems = read_environment(environ)
    problems += env_problems
    builtins = load_builtin_specs()
    merged = _deep_merge(file_data, env_data)

    def where(loc: Loc) -> str:
        """The environment variable that set the value at `loc` (or a table around it),
        else the settings file."""
        for depth in range(len(loc), 0, -1):
            node = _get(env_data, loc[:depth])
            if node is not _MISSING and (depth == len(loc) or not isinstance(node, dict)):
                return "environment variable " + env_name(loc[:depth])
        return str(paths.config_file)

    problems += _check_ids(merged, {s.id for s in builtins}, where)
    settings: Settings | None = None
    try:
        settings = Settings.model_validate(merged)
    except ValidationError as error:
        problems += problems_from_validation(error, Settings, where, merged)
    if problems or settings is None:
        raise ConfigError(problems)

    routines = [
        spec.merged(settings.routines[spec.id]) if spec.id in settings.routines else spec
        for spec in builtins
    ]
    return LoadedSettings(
        settings=settings,
        routines=tuple(
            [s.to_routine(builtin=True) for s in routines]
            + [s.to_routine(builtin=False) for s in settings.custom_routines]
        ),
        hours=settings.active_hours.to_hours(),
        store_file=settings.store.path or paths.default_store_file,
        config_file=paths.config_file,
        config_exists=exists,
        file_data=file_data,
        env_data=env_data,
    )


def _check_ids(data: dict[str, Any], builtin_ids: set[str], where: Any) -> list[Problem]:
    """Routine ids the schema cannot check: [routines.ID] must name a built-in routine, and
    the user's own routines need ids of their own."""
    problems = []
    known = ", ".join(sorted(builtin_ids))
    overrides = data.get("routines")
    for rid in overrides if isinstance(overrides, dict) else ():
        if rid not in builtin_ids:
            problems.append(
                Problem(
                    where(("routines", rid)),
                    key_path(("routines", rid)),
                    "",
                    f"unknown routine id {rid!r}; built-in routines are: {known} "
                    "(add your own routines under [[custom_routines]])",
                )
            )
    seen: dict[str, int] = {}
    customs = data.get("custom_routines")
    for index, entry in enumerate(customs if isinstance(customs, list) else ()):
        rid = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(rid, str):
            continue
        loc: Loc = ("custom_routines", index, "id")
        if rid in builtin_ids:
            problems.append(
                Problem(
                    where(loc),
                    key_path(loc),
                    repr(rid),
                    "is the id of a built-in routine; change it with [routines."
                    + rid
                    + "] or pick another id",
                )
            )
        elif rid in seen:
            problems.append(
                Problem(
                    where(loc),
                    key_path(loc),
                    repr(rid),
                    f"duplicate routine id (also custom_routines[{seen[rid]}])",
                )
            )
        else:
            seen[rid] = index
    return problems


def _deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def leaves(data: Any, loc: Loc = ()) -> Iterator[tuple[Loc, Any]]:
    """Every (location, value) at the bottom of nested tables; lists are values."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaves(value, (*loc, key))
    else:
        yield loc, data
