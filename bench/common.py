"""Shared pieces of the benchmark scripts: an isolated home, medians and a table printer."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

PYTHON = sys.executable


def isolated_env(root: Path, **extra: str) -> dict[str, str]:
    """The environment with HOME and the XDG folders under `root`: the benchmark never
    touches the real settings or history."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTUREPING_")}
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
    """A settings file whose active hours never start: the daemon runs with every routine
    scheduled, and no reminder comes while a benchmark watches it."""
    config = root / "idle.toml"
    config.write_text(
        '[active_hours]\nmon = ["00:00-00:01"]\ntue = []\nwed = []\nthu = []\nfri = []\n',
        encoding="utf-8",
    )
    return config
