"""`postureping config init|show|check|path`: the settings file, without ever rewriting it
(except `init --force`, which keeps the old file as a .bak)."""

from __future__ import annotations

import argparse
import json
from importlib import resources
from pathlib import Path
from typing import Any

from postureping.atomic_file import private_folder, replace_bytes
from postureping.context import Context
from postureping.durations import format_duration
from postureping.errors import ConfigError, UserError
from postureping.routines import DAY_NAMES, At, Every
from postureping.schedule import schedule_warnings
from postureping.settings.load import LoadedSettings, leaves
from postureping.settings.model import dump
from postureping.terminal import visible, warn


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = actions.add_parser("init", help="write a commented starter settings file")
    init.add_argument(
        "--force", action="store_true", help="replace an existing file (kept as .bak)"
    )
    actions.add_parser("show", help="print the settings in force and where each value comes from")
    actions.add_parser("check", help="validate the settings file and environment")
    actions.add_parser("path", help="print the paths in use")


def run(args: argparse.Namespace, ctx: Context) -> int:
    handlers = {"init": _init, "show": _show, "check": _check, "path": _path}
    return handlers[args.action](args, ctx)


def starter_text() -> str:
    return (
        resources.files("postureping.default_config")
        .joinpath("config.toml")
        .read_text(encoding="utf-8")
    )


def _init(args: argparse.Namespace, ctx: Context) -> int:
    path = ctx.paths.config_file
    if path.exists() and not path.is_file():
        raise UserError(f"{path} exists and is not a regular file; leaving it as it is")
    if path.exists() and not args.force:
        raise UserError(f"{path} already exists; leaving it as it is (use --force to replace it)")
    try:
        private_folder(path.parent)
        if path.exists():
            backup = _free_backup_name(path)
            path.replace(backup)
            print(visible(f"Kept the old file as {backup}"))
        replace_bytes(path, starter_text().encode())
    except OSError as error:
        raise UserError(f"cannot write {path}: {error.strerror or error}") from error
    ctx.confirm(f"Wrote {path}\nEdit it, then run: postureping config check")
    return 0


def _free_backup_name(path: Path) -> Path:
    """FILE.bak, or FILE.bak.2, .3 ... so an earlier backup is never overwritten."""
    candidate = path.with_name(path.name + ".bak")
    number = 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.name}.bak.{number}")
    return candidate


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def _line(key: str, value: Any, origin: str) -> None:
    print(visible(f"{f'{key} = {_toml(value)}':<40}  # {origin}"))


def _show(args: argparse.Namespace, ctx: Context) -> int:
    loaded = ctx.loaded
    state = "" if loaded.config_exists else " (not found: defaults apply)"
    print(visible(f"# settings file: {loaded.config_file}{state}"))
    data = dump(loaded.settings)
    data.pop("routines", None)
    data.pop("custom_routines", None)
    data.setdefault("store", {})["path"] = str(loaded.store_file)
    section = None
    for loc, value in leaves(data):
        if loc[:-1] != section:
            section = loc[:-1]
            print(visible(f"\n[{'.'.join(str(p) for p in section)}]"))
        _line(str(loc[-1]), value, loaded.origin(loc))
    _show_routines(loaded)
    return 0


def _show_routines(loaded: LoadedSettings) -> None:
    for routine in loaded.routines:
        print(visible(f"\n[routines.{routine.id}]" if routine.builtin else "\n[[custom_routines]]"))
        cadence = routine.cadence
        values: dict[str, Any] = {
            "id": routine.id,
            "enabled": routine.enabled,
            "every": format_duration(cadence.interval) if isinstance(cadence, Every) else None,
            "at": [t.strftime("%H:%M") for t in cadence.times] if isinstance(cadence, At) else None,
            "days": [DAY_NAMES[d] for d in sorted(routine.days)],
            "title": routine.title,
        }
        for key, value in values.items():
            if value is None or (key == "id" and routine.builtin):
                continue
            loc: tuple[str | int, ...] = ("routines", routine.id, key)
            if not routine.builtin:
                origin = "file"
            else:
                found = loaded.origin(loc)
                origin = "built-in" if found == "default" else found
            _line(key, value, origin)


def _check(args: argparse.Namespace, ctx: Context) -> int:
    loaded = ctx.loaded
    enabled = sum(r.enabled for r in loaded.routines)
    if loaded.config_exists:
        print(
            visible(
                f"{loaded.config_file}: OK ({enabled} of {len(loaded.routines)} routines enabled)"
            )
        )
    else:
        print(
            visible(
                f"{loaded.config_file}: not found, the defaults apply and are valid "
                f"({enabled} of {len(loaded.routines)} routines enabled)"
            )
        )
    warn(schedule_warnings(loaded.routines, loaded.hours))
    return 0


def _path(args: argparse.Namespace, ctx: Context) -> int:
    paths = ctx.paths
    exists = "exists" if paths.config_file.exists() else "not found"
    print(visible(f"settings file: {paths.config_file} ({exists}; from {paths.config_source})"))
    try:
        store = str(ctx.loaded.store_file)
    except ConfigError:
        store = f"{paths.default_store_file} (default; the settings file is invalid)"
    print(visible(f"history:       {store}"))
    print(visible(f"state folder:  {paths.state_dir}"))
    return 0
