"""The history is refused, with one clear line and nothing touched, where someone else could
have put it: a symbolic link at its path or at its .damaged file (a planted link made
postureping append to, cut and chmod whatever it pointed to), a file or folder that belongs
to another user, or something that is not a regular file (a FIFO made every reader hang).

Giving a file to another user needs root; those tests are skipped otherwise (CI runs as root).
"""

from __future__ import annotations

import os
import stat
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from postureping.history.events import Event, Kind
from postureping.history.store import EventStore, StoreError
from tests.cli_helpers import data_dir, run_cli

NOW = datetime.now(UTC).replace(microsecond=0)
SECRET = b"not a history: someone's file\n" * 3
OTHER_UID = 65534  # nobody
POSIX = os.name == "posix"
as_root = pytest.mark.skipif(
    not POSIX or os.geteuid() != 0, reason="giving a file to another user needs root"
)
# Commands that write, read and merge the history: each must refuse the same way.
COMMANDS = [["done", "walk"], ["history", "--json"], ["stats", "--json"], ["export"]]


def at(hours_ago: float) -> Event:
    return Event.new("walk", Kind.DONE, "cli", NOW - timedelta(hours=hours_ago))


def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(SECRET)
    victim.chmod(0o644)
    return victim


def _untouched(path: Path, content: bytes, mode: int) -> None:
    assert path.read_bytes() == content
    assert stat.S_IMODE(path.stat().st_mode) == mode


def _refused(result: subprocess.CompletedProcess[str], what: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stderr.startswith("postureping: refusing "), result.stderr
    assert what in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr  # one line
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_symlink_at_the_history_path_is_refused_and_its_target_left_alone(
    tmp_path: Path, command: list[str]
) -> None:
    victim = _victim(tmp_path)
    history = data_dir(tmp_path) / "events.jsonl"
    history.parent.mkdir(parents=True, mode=0o700)
    history.symlink_to(victim)

    result = run_cli(tmp_path, *command)

    _refused(result, f"{history}: it is a symbolic link")
    _untouched(victim, SECRET, 0o644)
    assert history.is_symlink()
    assert not history.with_name("events.jsonl.damaged").exists()


def test_a_dangling_symlink_is_refused_and_nothing_is_created(tmp_path: Path) -> None:
    history = data_dir(tmp_path) / "events.jsonl"
    history.parent.mkdir(parents=True, mode=0o700)
    target = tmp_path / "elsewhere" / "made-by-postureping"
    target.parent.mkdir()
    history.symlink_to(target)

    _refused(run_cli(tmp_path, "done", "walk"), "it is a symbolic link")

    assert not target.exists()


def test_a_symlink_at_the_damaged_file_is_refused_and_its_target_left_alone(
    tmp_path: Path,
) -> None:
    victim = _victim(tmp_path)
    store = EventStore(data_dir(tmp_path) / "events.jsonl")
    store.append(at(2))
    torn = at(1).to_line()[:60]
    with store.path.open("ab") as file:
        file.write(torn)
    before = store.path.read_bytes()
    store.damaged_path.symlink_to(victim)

    result = run_cli(tmp_path, "done", "walk")

    _refused(result, f"{store.damaged_path}: it is a symbolic link")
    _untouched(victim, SECRET, 0o644)
    assert store.path.read_bytes() == before  # the torn tail waits for a safe place


def test_a_fifo_at_the_history_path_is_refused_not_waited_on(tmp_path: Path) -> None:
    history = data_dir(tmp_path) / "events.jsonl"
    history.parent.mkdir(parents=True, mode=0o700)
    os.mkfifo(history, 0o600)

    for command in (["history"], ["done", "walk"]):
        _refused(run_cli(tmp_path, *command, timeout=20), "it is not a regular file")


@as_root
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_history_file_of_another_user_is_refused_and_left_alone(
    tmp_path: Path, command: list[str]
) -> None:
    store = EventStore(data_dir(tmp_path) / "events.jsonl")
    store.append(at(1))
    content = store.path.read_bytes()
    store.path.chmod(0o666)
    os.chown(store.path, OTHER_UID, OTHER_UID)

    result = run_cli(tmp_path, *command)

    _refused(result, f"{store.path}: it belongs to another user (uid {OTHER_UID})")
    _untouched(store.path, content, 0o666)
    assert store.path.stat().st_uid == OTHER_UID


@as_root
def test_a_damaged_file_of_another_user_is_refused_and_left_alone(tmp_path: Path) -> None:
    store = EventStore(data_dir(tmp_path) / "events.jsonl")
    store.append(at(2))
    with store.path.open("ab") as file:
        file.write(at(1).to_line()[:60])
    store.damaged_path.write_bytes(SECRET)
    store.damaged_path.chmod(0o666)
    os.chown(store.damaged_path, OTHER_UID, OTHER_UID)

    _refused(run_cli(tmp_path, "done", "walk"), "it belongs to another user")

    _untouched(store.damaged_path, SECRET, 0o666)


@as_root
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_history_folder_of_another_user_is_refused(tmp_path: Path, command: list[str]) -> None:
    folder = data_dir(tmp_path)
    folder.mkdir(parents=True)
    folder.chmod(0o777)
    os.chown(folder, OTHER_UID, OTHER_UID)

    result = run_cli(tmp_path, *command)

    _refused(result, f"{folder}: the folder belongs to another user (uid {OTHER_UID})")
    assert list(folder.iterdir()) == []
    assert stat.S_IMODE(folder.stat().st_mode) == 0o777


def test_the_store_refuses_a_symlink_whichever_way_it_is_used(tmp_path: Path) -> None:
    victim = _victim(tmp_path)
    store = EventStore(tmp_path / "events.jsonl")
    store.path.symlink_to(victim)
    for use in (
        lambda: store.append(at(1)),
        lambda: store.append_new([at(1)]),
        store.read,
        lambda: store.read(since=NOW),
    ):
        with pytest.raises(StoreError, match="it is a symbolic link"):
            use()
    _untouched(victim, SECRET, 0o644)


def test_a_symlinked_folder_of_ones_own_is_fine(tmp_path: Path) -> None:
    """A folder of the user's own may be reached through a link (to a sync folder, say):
    only the file itself must not be one."""
    real = tmp_path / "Sync" / "postureping"
    real.mkdir(parents=True, mode=0o700)
    (tmp_path / "linked").symlink_to(real)
    store = EventStore(tmp_path / "linked" / "events.jsonl")
    event = at(1)
    store.append(event)
    assert EventStore(real / "events.jsonl").read().events == [event]
