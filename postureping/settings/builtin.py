"""The built-in routines shipped in the package (routines/*.toml in the source tree)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from importlib import resources

from pydantic import ValidationError

from postureping.errors import ConfigError, Problem
from postureping.settings.model import RoutineSpec
from postureping.settings.problems import Loc, problems_from_validation

PACKAGE = "postureping.builtin_routines"  # routines/ in the source tree (see pyproject.toml)


def _fixed(where: str) -> Callable[[Loc], str]:
    return lambda _loc: where


def load_builtin_specs() -> tuple[RoutineSpec, ...]:
    """Every built-in routine, sorted by id. A broken file is a bug in postureping, reported
    like a settings error so it names the file and key."""
    specs: list[RoutineSpec] = []
    problems: list[Problem] = []
    for entry in sorted(resources.files(PACKAGE).iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        where = f"built-in routine {entry.name}"
        try:
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            spec = RoutineSpec.model_validate(data)
        except tomllib.TOMLDecodeError as error:
            problems.append(Problem(where, "", "", f"not valid TOML: {error}"))
            continue
        except ValidationError as error:
            problems += problems_from_validation(error, RoutineSpec, _fixed(where))
            continue
        if f"{spec.id}.toml" != entry.name:
            problems.append(Problem(where, "id", repr(spec.id), "must match the file name"))
        specs.append(spec)
    if problems:
        raise ConfigError(problems)
    return tuple(specs)
