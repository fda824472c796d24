"""Shared pieces of the benchmark scripts: an isolated home, medians and a table printer."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

PYTHON = sys.executable
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def isolated_env(root: Path, **extra: str) -> dict[str, str]:
    """The environment with HOME and the XDG folders under `root`: the benchmark never
    touches the real settings or history."""
    # PYTHONDONTWRITEBYTECODE would make every run compile the modules it imports again,
    # which users' installs do not do.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("POSTUREPING_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    (root / "run").mkdir(mode=0o700, parents=True, exist_ok=True)
    env.update(
        XDG_RUNTIME_DIR=str(root / "run"),
        HOME=str(root / "home"),
        XDG_CONFIG_HOME=str(root / "config"),
        XDG_DATA_HOME=str(root / "data"),
        XDG_STATE_HOME=str(root / "state"),
    )
    env.update(extra)
    return env


def scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="postureping-bench-"))


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [list(map(str, headers))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def idle_config(root: Path) -> Path:
    """A settings file for an idle daemon: active all day, every day, with the built-in
    interval routines scheduled (the first due 25 minutes after start-up) and the routines
    at fixed times of day turned off, so no reminder comes while a benchmark watches."""
    from postureping.settings.builtin import load_builtin_specs

    days = "".join(f'{day} = ["00:00-24:00"]\n' for day in DAYS)
    fixed = "".join(
        f"[routines.{spec.id}]\nenabled = false\n" for spec in load_builtin_specs() if spec.at
    )
    config = root / "idle.toml"
    config.write_text(f"[active_hours]\n{days}{fixed}", encoding="utf-8")
    return config


class BenchError(Exception):
    """An expected failure: one line for the user, no traceback."""


def machine() -> str:
    """The machine the figures come from, in one line: system, kernel, cores, CPU, Python."""
    try:
        system = platform.freedesktop_os_release()["PRETTY_NAME"]
    except OSError:
        system = platform.system()
    cpuinfo = Path("/proc/cpuinfo")
    models = [
        line.split(":", 1)[1].strip()
        for line in (cpuinfo.read_text().splitlines() if cpuinfo.exists() else [])
        if line.startswith("model name")
    ]
    cpu = models[0] if models else platform.machine()
    return (
        f"{system}, {platform.system()} {platform.release()}, {os.cpu_count()} cores "
        f"({cpu}), Python {platform.python_version()}"
    )


def heading(title: str) -> str:
    """A benchmark's first line: what, when and on which machine."""
    return f"{title} ({datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; {machine()})"
