"""The history file through the real CLI: `postureping import FILE`, and a damaged end of
the file moved aside by `done`, with a warning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from postureping.history.events import Event, Kind
from postureping.history.store import EventStore
from tests.cli_helpers import data_dir, run_cli

NOW = datetime.now(UTC).replace(microsecond=0)


def at(hours: float, routine: str = "walk") -> Event:
    return Event.new(routine, Kind.DONE, "cli", NOW - timedelta(hours=hours))


def test_another_machines_history_merges_without_duplicates(tmp_path: Path) -> None:
    here = EventStore(data_dir(tmp_path) / "events.jsonl")
    mine = [at(30), at(2)]
    here.append_many(mine)
    theirs = [at(50, "stretch"), mine[0], at(1, "stretch"), at(40, "stretch")]
    conflict = tmp_path / "events.sync-conflict-20250314-140500-ABCDEFG.jsonl"
    lines = [e.to_line() for e in theirs]
    lines.insert(2, b'{"v":2,"id":"garbage after a power cut\n')
    conflict.write_bytes(b"".join(lines) + theirs[1].to_line())  # one event twice

    result = run_cli(tmp_path, "import", str(conflict))

    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"Imported {conflict}: 3 new, 2 already present, 1 damaged (skipped).\n"
    )
    assert result.stderr == f"postureping: {conflict}:3: damaged line skipped (not valid JSON)\n"
    events = here.read().events
    assert events == [*mine, theirs[0], theirs[3], theirs[2]]  # the new ones, oldest first
    # The day's history sees an imported event of today, though it comes after newer ones.
    assert here.read(since=NOW - timedelta(hours=3)).events == [mine[1], theirs[2]]

    again = run_cli(tmp_path, "import", str(conflict))
    assert again.stdout.startswith(f"Imported {conflict}: 0 new, 5 already present, 1 damaged")
    assert len(here.read().events) == 5


def test_a_missing_or_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.jsonl"
    result = run_cli(tmp_path, "import", str(missing))
    assert result.returncode == 1
    assert result.stderr == f"postureping: cannot read {missing}: No such file or directory\n"
    folder = run_cli(tmp_path, "import", str(tmp_path))
    assert folder.returncode == 1
    assert folder.stderr == f"postureping: cannot read {tmp_path}: Is a directory\n"
    assert not (data_dir(tmp_path) / "events.jsonl").exists()


def test_import_is_listed_in_the_help(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "--help")
    assert "import" in result.stdout
    assert "merge another machine's history file into this one" in result.stdout


def test_done_moves_a_torn_last_line_aside_and_says_so(tmp_path: Path) -> None:
    history = data_dir(tmp_path) / "events.jsonl"
    EventStore(history).append(at(1))
    torn = at(0.5).to_line()[:70]
    with history.open("ab") as file:
        file.write(torn)

    result = run_cli(tmp_path, "done", "walk")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Recorded: walk done at ")
    damaged = history.with_name("events.jsonl.damaged")
    assert result.stderr == (
        f"{history}: its last line was damaged (71 bytes), probably by an interrupted write; "
        f"moved it to {damaged} and carried on\n"
    )
    assert damaged.read_bytes() == torn + b"\n"
    assert [e.routine for e in EventStore(history).read().events] == ["walk", "walk"]
