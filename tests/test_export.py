"""`postureping export` through the real CLI: JSON and CSV of the whole history."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from postureping.commands.export import CSV_COLUMNS
from postureping.history.events import Event, Kind
from postureping.history.store import EventStore
from tests.cli_helpers import data_dir, run_cli


def ok(root: Path, *args: str) -> str:
    result = run_cli(root, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def write_history(root: Path) -> list[Event]:
    store = EventStore(data_dir(root) / "events.jsonl")
    now = datetime.now(UTC)
    events = [
        Event.new("walk", Kind.PROMPTED, "daemon", now - timedelta(days=400)),
        Event.new("walk", Kind.DONE, "cli", now - timedelta(days=400, minutes=-3)),
        Event.new("stretch", Kind.SNOOZED, "cli", now - timedelta(days=2), timedelta(hours=1)),
        Event.new("stretch", Kind.SKIPPED, "notification", now - timedelta(hours=1)),
        Event.new("walk", Kind.PROMPTED, "demo", now),
    ]
    for event in events:
        store.append(event)
    return events


def everything(root: Path) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = json.loads(ok(root, "history", "--json", "--since", "3650d"))
    return events


def test_json_is_the_whole_history_as_history_prints_it(tmp_path: Path) -> None:
    written = write_history(tmp_path)
    text = ok(tmp_path, "export")
    assert text == ok(tmp_path, "export", "--format", "json")
    exported = json.loads(text)
    assert exported == everything(tmp_path)
    assert [e["id"] for e in exported] == [e.id for e in written]
    assert [Event.from_json(e) for e in exported] == written  # nothing lost on the way
    assert len(text.splitlines()) == len(written) + 2  # "[", one event a line, "]"


def test_csv_has_a_header_and_a_row_per_event(tmp_path: Path) -> None:
    written = write_history(tmp_path)
    text = ok(tmp_path, "export", "--format", "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert (
        tuple(rows[0])
        == CSV_COLUMNS
        == (
            "id",
            "timestamp",
            "routine",
            "kind",
            "source",
            "snooze",
            "pain",
            "where",
            "yes",
            "flags",
        )
    )
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert len(records) == len(everything(tmp_path)) == len(written)
    for record, event in zip(records, written, strict=True):
        assert datetime.fromisoformat(record["timestamp"]) == event.ts
        assert (record["id"], record["routine"], record["kind"], record["source"]) == (
            event.id,
            event.routine,
            str(event.kind),
            event.source,
        )
    assert [r["snooze"] for r in records] == ["", "", "1h", "", ""]


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_quoted(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    # An imported history can hold any routine id and source.
    EventStore(data_dir(tmp_path) / "events.jsonl").append_many([
        Event.new('=HYPERLINK("http://example.com")', Kind.DONE, "cli", now),
        Event.new("walk", Kind.DONE, "@SUM(A1)", now),
        Event.new("-2+3", Kind.SKIPPED, "+cli", now),
        Event.new("stretch-2", Kind.DONE, "cli", now),
    ])  # fmt: skip
    rows = list(csv.reader(io.StringIO(ok(tmp_path, "export", "--format", "csv"))))[1:]
    assert [(row[2], row[4]) for row in rows] == [
        ('\'=HYPERLINK("http://example.com")', "cli"),
        ("walk", "'@SUM(A1)"),
        ("'-2+3", "'+cli"),
        ("stretch-2", "cli"),
    ]
    # JSON is for programs: it keeps the text as it is.
    assert json.loads(ok(tmp_path, "export"))[0]["routine"] == '=HYPERLINK("http://example.com")'


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_output_file_is_written_whole_and_private(tmp_path: Path, kind: str) -> None:
    write_history(tmp_path)
    target = tmp_path / "out" / f"history.{kind}"
    target.parent.mkdir()
    target.write_text("old content", encoding="utf-8")
    message = ok(tmp_path, "export", "--format", kind, "--output", str(target))
    assert message == f"5 events written to {target}\n"
    assert target.read_text(encoding="utf-8") == ok(tmp_path, "export", "--format", kind)
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]  # no temporary


def test_an_empty_history(tmp_path: Path) -> None:
    assert ok(tmp_path, "export") == "[]\n"
    assert ok(tmp_path, "export", "--format", "csv") == ",".join(CSV_COLUMNS) + "\n"


def test_a_folder_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "export", "--output", str(tmp_path / "missing" / "x.json"))
    assert result.returncode == 1
    assert result.stderr.startswith("postureping: cannot write ")
    assert "No such file or directory" in result.stderr


def test_damaged_lines_are_reported_and_left_out(tmp_path: Path) -> None:
    write_history(tmp_path)
    with (data_dir(tmp_path) / "events.jsonl").open("ab") as file:
        file.write(b"not an event\n")
    result = run_cli(tmp_path, "export", "--format", "csv")
    assert result.returncode == 0
    assert str(data_dir(tmp_path) / "events.jsonl") in result.stderr  # reported
    assert len(result.stdout.splitlines()) == 6
