"""Standard output that cannot be written (a full disk: /dev/full; a reader that left: a
closed pipe). An answer that was recorded is never reported as failed, so a retry does not
record it twice; output that is the product of a command fails clearly; a reader that
left is no error. Real processes, real devices and pipes."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from postureping.history.events import Event, Kind
from postureping.history.store import EventStore
from tests.cli_helpers import data_dir, isolated_env, run_cli
from tests.daemon_process import running_daemon

FULL = Path("/dev/full")
pytestmark = pytest.mark.skipif(not FULL.exists(), reason="needs /dev/full (Linux)")

# Python writes its standard output at once with PYTHONUNBUFFERED set, else when it exits.
BUFFERING = {"unbuffered": {"PYTHONUNBUFFERED": "1"}, "buffered": {"PYTHONUNBUFFERED": ""}}


def to_full(root: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    with FULL.open("w") as full:
        return subprocess.run(
            [sys.executable, "-m", "postureping", *args],
            cwd=root, env=isolated_env(root, env), stdout=full, stderr=subprocess.PIPE,
            text=True, encoding="utf-8", timeout=60, check=False,
        )  # fmt: skip


def recorded(root: Path) -> list[str]:
    path = data_dir(root) / "events.jsonl"
    return [json.loads(line)["routine"] for line in path.read_text(encoding="utf-8").splitlines()]


def assert_no_crash(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert "unexpected error" not in result.stderr, result.stderr
    assert "Exception ignored" not in result.stderr, result.stderr


@pytest.mark.parametrize("buffering", BUFFERING)
def test_a_recorded_answer_is_not_reported_as_failed(tmp_path: Path, buffering: str) -> None:
    result = to_full(tmp_path, "done", "walk", env=BUFFERING[buffering])
    assert_no_crash(result)
    assert result.returncode == 0, result.stderr
    assert "Recorded: walk done" in result.stderr  # said where it can be seen
    assert recorded(tmp_path) == ["walk"]


def test_an_answer_through_the_daemon_is_not_reported_as_failed(tmp_path: Path) -> None:
    env = isolated_env(tmp_path, {"POSTUREPING_NOTIFICATIONS__BACKEND": "console"})
    with running_daemon(["--no-tray"], env, tmp_path) as daemon:
        daemon.wait_for_output("postureping is running", timeout=20)
        result = to_full(tmp_path, "done", "walk", env=BUFFERING["unbuffered"])
        assert_no_crash(result)
        assert result.returncode == 0, result.stderr
        assert "walk" in result.stderr
        daemon.stop()
    assert recorded(tmp_path) == ["walk"]


@pytest.mark.parametrize("buffering", BUFFERING)
@pytest.mark.parametrize("args", [["history"], ["export"], ["routines"], ["stats", "--json"]])
def test_output_that_cannot_be_written_fails_clearly(
    tmp_path: Path, buffering: str, args: list[str]
) -> None:
    run_cli(tmp_path, "done", "walk")
    result = to_full(tmp_path, *args, env=BUFFERING[buffering])
    assert_no_crash(result)
    assert result.returncode == 1, result.stderr
    assert (
        result.stderr == "postureping: cannot write to standard output: No space left on device\n"
    )


def test_help_that_cannot_be_written_fails_clearly(tmp_path: Path) -> None:
    result = to_full(tmp_path, "--help", env=BUFFERING["buffered"])
    assert_no_crash(result)
    assert result.returncode == 1


@pytest.mark.parametrize("args", [["history", "--since", "30d"], ["export"]])
def test_a_reader_that_leaves_is_no_error(tmp_path: Path, args: list[str]) -> None:
    now = datetime.now().astimezone()
    events = [Event.new("walk", Kind.DONE, "cli", now - timedelta(minutes=n)) for n in range(3000)]
    EventStore(data_dir(tmp_path) / "events.jsonl").append_many(events)
    for buffering in BUFFERING.values():
        process = subprocess.Popen(
            [sys.executable, "-m", "postureping", *args],
            cwd=tmp_path, env=isolated_env(tmp_path, buffering),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline()  # `| head -1`
        process.stdout.close()
        stderr = process.stderr.read().decode()
        assert process.wait(timeout=60) == 0, stderr
        assert stderr == ""
