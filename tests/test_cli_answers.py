"""done, skip, snooze, history and stats, through the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import re
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from postureping.history.events import Event, Kind
from postureping.history.store import EventStore
from tests.cli_helpers import EVERY_DAY, data_dir, run_cli, write_settings


def ok(root: Path, *args: str) -> str:
    result = run_cli(root, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def history(root: Path, *args: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = json.loads(ok(root, "history", "--json", *args))
    return events


def test_answers_are_recorded_and_listed(tmp_path: Path) -> None:
    assert re.fullmatch(r"Recorded: walk done at \d\d:\d\d\.\n", ok(tmp_path, "done", "walk"))
    assert ok(tmp_path, "skip", "stretch").startswith("Recorded: stretch skipped at ")
    # A snooze needs the daemon (it reminds again later); here is what one records.
    no_daemon = run_cli(tmp_path, "snooze", "walk", "5m")
    assert no_daemon.returncode == 1 and "no postureping daemon is running" in no_daemon.stderr
    store = EventStore(data_dir(tmp_path) / "events.jsonl")
    for minutes in (5, 10):
        now = datetime.now(UTC)
        store.append(Event.new("walk", Kind.SNOOZED, "cli", now, timedelta(minutes=minutes)))

    events = history(tmp_path)
    assert [(e["routine"], e["kind"], e.get("for")) for e in events] == [
        ("walk", "done", None),
        ("stretch", "skipped", None),
        ("walk", "snoozed", "5m"),
        ("walk", "snoozed", "10m"),
    ]
    assert all(e["source"] == "cli" and e["v"] == 2 for e in events)
    assert len({e["id"] for e in events}) == 4
    assert all(datetime.fromisoformat(e["ts"]).tzinfo is not None for e in events)
    assert [e["routine"] for e in history(tmp_path, "--routine", "stretch")] == ["stretch"]

    table = ok(tmp_path, "history").splitlines()
    assert table[0].split() == ["time", "routine", "kind", "source"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d  walk     snoozed   cli  for 5m", table[3])


@pytest.mark.skipif(os.name != "posix", reason="permission bits are POSIX")
def test_the_history_is_private(tmp_path: Path) -> None:
    ok(tmp_path, "done", "walk")
    store_file = data_dir(tmp_path) / "events.jsonl"
    assert stat.S_IMODE(store_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(store_file.parent.stat().st_mode) == 0o700


@pytest.mark.parametrize("command", ["done", "skip", "snooze"])
def test_unknown_routine_lists_the_valid_ones(tmp_path: Path, command: str) -> None:
    result = run_cli(tmp_path, command, "wlak")
    assert result.returncode == 1
    assert result.stderr.startswith("postureping: unknown routine 'wlak'; valid routines: ")
    assert "walk" in result.stderr and "stretch" in result.stderr
    assert not (data_dir(tmp_path) / "events.jsonl").exists()


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        (("snooze", "walk", "5 fortnights"), 'like 30m, 1h30m, "30 minutes", "1 hour"'),
        (("snooze", "walk", "0s"), 'like 30m, 1h30m, "30 minutes", "1 hour"'),
        (("history", "--since", "last week"), '(7d, 12h, "3 days"), today, yesterday'),
    ],
)
def test_bad_duration_exits_2_and_says_what_is_allowed(
    tmp_path: Path, args: tuple[str, ...], allowed: str
) -> None:
    result = run_cli(tmp_path, *args)
    assert result.returncode == 2
    assert result.stderr.startswith("postureping: ")
    assert allowed in result.stderr


def test_history_of_an_unknown_routine(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "history", "--routine", "wlak")
    assert result.returncode == 1 and "valid routines: " in result.stderr


def test_history_of_nothing(tmp_path: Path) -> None:
    assert history(tmp_path) == []
    assert ok(tmp_path, "history").startswith("No events since ")


def test_damaged_lines_are_reported_and_do_not_stop_the_command(tmp_path: Path) -> None:
    ok(tmp_path, "done", "walk")
    store_file = data_dir(tmp_path) / "events.jsonl"
    good = store_file.read_bytes()
    with store_file.open("ab") as file:
        file.write(b"this is not json\n" + good)  # damage in the middle, a good line after it
    ok(tmp_path, "skip", "walk")
    for command in ("history", "stats"):
        result = run_cli(tmp_path, command, "--json")
        assert result.returncode == 0
        assert result.stderr == (
            f"postureping: {store_file}:2: damaged line skipped (not valid JSON)\n"
        )
    assert len(history(tmp_path)) == 3  # the copied line is the same event, listed twice


def test_stats_numbers_match_the_history(tmp_path: Path) -> None:
    write_settings(tmp_path, EVERY_DAY)  # today counts towards the streak, whatever weekday
    # Prompts come from the daemon; write them the way it does, into the same file.
    store = EventStore(data_dir(tmp_path) / "events.jsonl")
    for _ in range(4):
        store.append(Event.new("walk", Kind.PROMPTED, "daemon", datetime.now(UTC)))
    ok(tmp_path, "done", "walk")
    ok(tmp_path, "done", "walk")
    ok(tmp_path, "skip", "walk")
    store.append(
        Event.new("stretch", Kind.SNOOZED, "cli", datetime.now(UTC), timedelta(minutes=10))
    )

    document = json.loads(ok(tmp_path, "stats", "--json"))
    assert document["version"] == 1 and document["days"] == 7
    walk = next(r for r in document["routines"] if r["id"] == "walk")
    assert walk.pop("streak")["days"] == 1
    assert walk == {
        "id": "walk",
        "title": walk["title"],
        "prompted": 4,
        "done": 2,
        "skipped": 1,
        "snoozed": 0,
        "missed": 0,
        "adherence": 50.0,
    }
    stretch = next(r for r in document["routines"] if r["id"] == "stretch")
    assert (stretch["snoozed"], stretch["adherence"]) == (1, None)
    assert document["overall"] == {
        "prompted": 4,
        "done": 2,
        "skipped": 1,
        "snoozed": 1,
        "missed": 0,
        "adherence": 50.0,
    }
    assert (document["today"]["done"], document["today"]["prompted"]) == (2, 4)
    assert document["streak"].pop("best")["days"] == 1
    assert document["streak"] == {
        "days": 1,
        "daily_goal": 1,
        "includes_today": True,
        "rest_days": [],
    }

    text = ok(tmp_path, "stats")
    assert "Today: 2 of 4 reminders done" in text
    assert "Streak: 1 day with at least 1 done" in text
    assert re.search(r"^walk +4 +2 +1 +0 +0 +50% +1 +1$", text, re.MULTILINE)
    assert re.search(r"^overall +4 +2 +1 +1 +0 +50% +1 +1$", text, re.MULTILINE)


def test_daily_goal_comes_from_the_settings(tmp_path: Path) -> None:
    # Both answers must fall on one day: once more, in a fresh home, if midnight (UTC, as
    # the CLI runs) passed between them.
    for attempt in range(2):
        root = tmp_path / str(attempt)
        day = datetime.now(UTC).date()
        write_settings(root, f"{EVERY_DAY}[stats]\ndaily_goal = 2\n")
        ok(root, "done", "walk")
        first = json.loads(ok(root, "stats", "--json"))["streak"]
        ok(root, "done", "stretch")
        days = json.loads(ok(root, "stats", "--json"))["streak"]["days"]
        if datetime.now(UTC).date() == day:
            break
    assert first.pop("best") == {"days": 0, "first": None, "last": None}
    assert first == {"days": 0, "daily_goal": 2, "includes_today": False, "rest_days": []}
    assert days == 1


@pytest.mark.parametrize("days", ["0", "seven", "-1"])
def test_stats_days_must_be_a_positive_number(tmp_path: Path, days: str) -> None:
    result = run_cli(tmp_path, "stats", f"--days={days}")
    assert result.returncode == 2
    assert "--days" in result.stderr and "whole number from 1" in result.stderr


@pytest.mark.parametrize("command", ["done", "skip", "snooze", "history", "stats"])
def test_help(tmp_path: Path, command: str) -> None:
    result = run_cli(tmp_path, command, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith(f"usage: postureping {command}")
