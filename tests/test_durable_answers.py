"""An answer is acknowledged only once it is on disk: the real daemon, its history on a real
full file system (a small tmpfs, mounted by the test as root)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_helpers import isolated_env, run_cli
from tests.daemon_process import running_daemon


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs, unmounted after the test."""
    mount = tmp_path / "disk"
    mount.mkdir()
    why = None
    if os.geteuid() != 0 or not shutil.which("mount"):
        why = "needs root to mount a small tmpfs"
    else:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", str(mount)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            why = f"could not mount a tmpfs: {done.stderr.strip()}"
    if why is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{why}; CI runs as root", pytrace=False)
        pytest.skip(why)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    """Fill the file system to the last byte; the filler's path."""
    filler = disk / "filler"
    with contextlib.suppress(OSError), filler.open("wb") as out:
        while True:
            out.write(b"\0" * 4096)
            out.flush()
    return filler


def test_an_answer_the_disk_cannot_take_is_not_acknowledged(
    small_disk: Path, tmp_path: Path
) -> None:
    history = small_disk / "events.jsonl"
    env = isolated_env(
        tmp_path,
        {
            "POSTUREPING_NOTIFICATIONS__BACKEND": "console",
            "POSTUREPING_ACTIVITY__IDLE": "false",
            "POSTUREPING_STORE__PATH": str(history),
        },
    )
    with running_daemon(["--no-tray"], env, tmp_path) as daemon:
        daemon.wait_for_output("postureping is running", timeout=20)
        filler = fill(small_disk)
        full = run_cli(tmp_path, "done", "walk", env=env)
        assert full.returncode == 1, full.stdout
        assert "not recorded" in full.stderr and "No space left" in full.stderr
        assert "keeps the answer in memory" in full.stderr
        assert "Traceback" not in full.stderr
        filler.unlink()  # space again
        again = run_cli(tmp_path, "skip", "walk", env=env)
        assert again.returncode == 0, again.stderr  # written, with the one it kept before it
        assert daemon.stop() == 0
    events = json.loads(run_cli(tmp_path, "history", "--json", env=env).stdout)
    assert [(e["routine"], e["kind"]) for e in events] == [("walk", "done"), ("walk", "skipped")]
    assert "Traceback" not in daemon.output


def test_without_a_daemon_a_full_disk_is_an_error_too(small_disk: Path, tmp_path: Path) -> None:
    env = {"POSTUREPING_STORE__PATH": str(small_disk / "events.jsonl")}
    fill(small_disk)
    result = run_cli(tmp_path, "done", "walk", env=env)
    assert result.returncode == 1
    assert "No space left" in result.stderr and "Traceback" not in result.stderr
