"""Run the real CLI in a subprocess, in a home of its own under the test's tmp_path.

The package must be importable by the child (an editable install, as for the other tests).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def isolated_env(root: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The current environment with HOME and the XDG folders moved under `root`, and no
    POSTUREPING_* variables from the outside, so the CLI never sees the real settings or
    talks to a real daemon (the runtime folder holds the control socket)."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("POSTUREPING_")}
    runtime = root / "run"
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    env.update(
        HOME=str(root / "home"),
        XDG_CONFIG_HOME=str(root / "config"),
        XDG_DATA_HOME=str(root / "data"),
        XDG_STATE_HOME=str(root / "state"),
        XDG_CACHE_HOME=str(root / "cache"),
        XDG_RUNTIME_DIR=str(runtime),
        TZ="UTC",
        PYTHONIOENCODING="utf-8",
    )
    env.update(extra or {})
    return env


# Settings with active hours all day, every day: no rest days, so the streaks a test sees
# do not depend on the weekday it runs on.
EVERY_DAY = "[active_hours]\n" + "".join(
    f'{day} = ["00:00-24:00"]\n' for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
)


def write_settings(root: Path, text: str) -> Path:
    """Write the settings file that the CLI run by `run_cli(root, ...)` reads."""
    path = root / "config" / "postureping" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def data_dir(root: Path) -> Path:
    """Where the CLI run by `run_cli(root, ...)` keeps its history (Linux layout)."""
    return root / "data" / "postureping"


def run_cli(
    root: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
) -> subprocess.CompletedProcess[str]:
    """`python -m postureping ARGS...` with an isolated home under `root`; never raises on
    a non-zero exit, so tests assert on returncode, stdout and stderr."""
    return subprocess.run(
        [sys.executable, "-m", "postureping", *args],
        cwd=root,
        env=isolated_env(root, env),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )


def read_pty(leader: int) -> bytes:
    """Everything a pseudo-terminal's other end wrote, until it closed (EIO or end of file)."""
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def kinds_and_sources(root: Path, routine_id: str) -> list[tuple[str, str]]:
    """The routine's events in the history (`history --json`), as (kind, source) pairs."""
    history = json.loads(run_cli(root, "history", "--json").stdout)
    return [(e["kind"], e["source"]) for e in history if e["routine"] == routine_id]
