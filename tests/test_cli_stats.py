"""`stats` through the real CLI: the new JSON keys, the text views (piped: plain text), and
what the command imports."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from postureping.history.events import Event, Kind
from postureping.history.store import EventStore
from tests.cli_helpers import (
    EVERY_DAY,
    data_dir,
    isolated_env,
    read_pty,
    run_cli,
    write_settings,
)

# run_cli sets TZ=UTC: local days are UTC days here.


def at(days_ago: int, hour: int) -> datetime:
    today = datetime.now(UTC).date()
    return datetime.combine(today - timedelta(days=days_ago), time(hour), tzinfo=UTC)


def write_history(root: Path) -> None:
    write_settings(root, EVERY_DAY)
    store = EventStore(data_dir(root) / "events.jsonl")
    for days_ago in (1, 2, 3, 10, 11):
        store.append(Event.new("walk", Kind.PROMPTED, "daemon", at(days_ago, 10)))
        store.append(Event.new("walk", Kind.DONE, "cli", at(days_ago, 10)))
    for kind in (Kind.SKIPPED, Kind.SKIPPED, Kind.MISSED):
        store.append(Event.new("stretch", Kind.PROMPTED, "daemon", at(2, 14)))
        store.append(Event.new("stretch", kind, "cli", at(2, 14)))
    store.append(Event.new("stretch", Kind.SKIPPED, "cli", at(3, 9)))


def ok(root: Path, *args: str) -> str:
    result = run_cli(root, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_json_has_streaks_days_and_hours(tmp_path: Path) -> None:
    write_history(tmp_path)
    document = json.loads(ok(tmp_path, "stats", "--json"))
    today = datetime.now(UTC).date()
    assert document["streak"] == {
        "days": 3,
        "daily_goal": 1,
        "includes_today": False,
        "best": {
            "days": 3,
            "first": (today - timedelta(days=3)).isoformat(),
            "last": (today - timedelta(days=1)).isoformat(),
        },
        "rest_days": [],
    }
    walk = next(r for r in document["routines"] if r["id"] == "walk")
    assert walk["streak"]["days"] == 3 and walk["streak"]["best"]["days"] == 3
    assert [d["date"] for d in document["daily"]] == [
        (today - timedelta(days=n)).isoformat() for n in range(6, -1, -1)
    ]
    assert [d["goal_met"] for d in document["daily"]] == [False] * 3 + [True] * 3 + [False]
    assert [d["rest_day"] for d in document["daily"]] == [False] * 7
    assert document["hours"][14]["skipped"] == 2 and document["hours"][14]["missed"] == 1
    assert document["most_skipped_hours"] == [14, 9]


def test_text_summary_has_streak_columns_best_streak_and_skipped_hours(tmp_path: Path) -> None:
    write_history(tmp_path)
    text = ok(tmp_path, "stats")
    assert re.search(r"^routine +prompted .* adherence +streak +best$", text, re.MULTILINE)
    assert re.search(r"^walk +3 +3 +0 +0 +0 +100% +3 +3$", text, re.MULTILINE)
    assert "Best streak: 3 days (" in text
    skipped = "Most often skipped or missed: 14:00-15:00 (3 of 3 reminders), 09:00-10:00 (1)"
    assert skipped in text


def write_working_weeks(root: Path) -> list[date]:
    """Walk done on each weekday of the last 14 days and on their Saturdays, lifting (tue,
    thu) on its days; the default active hours: Monday to Friday. Returns those 14 days."""
    store = EventStore(data_dir(root) / "events.jsonl")
    days = [datetime.now(UTC).date() - timedelta(days=n) for n in range(14, 0, -1)]
    for day in days:
        moment = datetime.combine(day, time(10), tzinfo=UTC)
        if day.weekday() <= 5:
            store.append(Event.new("walk", Kind.DONE, "cli", moment))
        if day.weekday() in (1, 3):
            store.append(Event.new("lifting", Kind.DONE, "cli", moment))
    return days


def test_json_streaks_skip_days_without_active_hours(tmp_path: Path) -> None:
    days = write_working_weeks(tmp_path)
    weekdays = [d for d in days if d.weekday() < 5]  # ten of them in any two weeks
    document = json.loads(ok(tmp_path, "stats", "--json"))
    streak = document["streak"]
    assert (streak["days"], streak["includes_today"]) == (10, False)
    first, last = weekdays[0].isoformat(), weekdays[-1].isoformat()
    assert streak["best"] == {"days": 10, "first": first, "last": last}
    weekends = [d for d in days if weekdays[0] < d < weekdays[-1] and d.weekday() >= 5]
    assert streak["rest_days"] == [d.isoformat() for d in weekends]
    lifting = next(r for r in document["routines"] if r["id"] == "lifting")["streak"]
    tue_thu = [d for d in days if d.weekday() in (1, 3)]
    assert (lifting["days"], lifting["best"]["days"]) == (4, 4)
    assert lifting["rest_days"] == [
        d.isoformat() for d in days if tue_thu[0] < d < tue_thu[-1] and d not in tue_thu
    ]
    stretch = next(r for r in document["routines"] if r["id"] == "stretch")["streak"]
    assert (stretch["days"], stretch["rest_days"]) == (0, [])
    today = datetime.now(UTC).date()
    assert [(d["date"], d["rest_day"]) for d in document["daily"]] == [
        ((day := today - timedelta(days=n)).isoformat(), day.weekday() >= 5)
        for n in range(6, -1, -1)
    ]


def test_text_says_the_streak_skips_weekends(tmp_path: Path) -> None:
    write_working_weeks(tmp_path)
    text = ok(tmp_path, "stats")
    note = "(weekends without active hours are skipped)"
    assert f"Streak: 10 days with at least 1 done {note}" in text
    assert re.search(r"^walk +\d+ +\d+ .* +10 +10$", text, re.MULTILINE)
    rest_day = datetime.now(UTC).date().weekday() >= 5
    assert ("today is a rest day" in text) == rest_day
    assert ("today not counted yet" in text) != rest_day
    week = ok(tmp_path, "stats", "--view", "week").splitlines()[-7:]
    today = datetime.now(UTC).date()
    for n, line in zip(range(6, -1, -1), week, strict=True):
        weekend = (today - timedelta(days=n)).weekday() >= 5
        assert line.endswith("  rest day") == weekend, line


def test_week_view_piped_is_plain_text(tmp_path: Path) -> None:
    write_history(tmp_path)
    text = ok(tmp_path, "stats", "--view", "week")
    assert "\x1b" not in text
    picture = text[text.index("Last 7 days") :].splitlines()[1:]
    today = datetime.now(UTC).date()
    assert [line[:9] for line in picture] == [
        f"{today - timedelta(days=n):%a %m-%d}" for n in range(6, -1, -1)
    ]
    # The busiest day had 4 reminders (walk, 3 stretch), one done: a quarter of the bar full.
    two_days_ago = picture[4]
    assert re.search(r"  (█{6})(░{18})   +1 of 4 +25%  goal met$", two_days_ago)
    assert re.search(r"  (█{6})\s+1 of 1 +100%  goal met$", picture[5])


def test_month_view_piped_is_plain_text(tmp_path: Path) -> None:
    write_history(tmp_path)
    text = ok(tmp_path, "stats", "--view", "month", "--days", "1")
    assert "\x1b" not in text
    lines = text[text.index("Last 5 weeks") :].splitlines()
    assert lines[0].startswith("Last 5 weeks: done a day (· none, ░ ▒ ▓ █ up to 1;")
    assert lines[1].split() == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    today = datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday() + 28)
    assert [line[:5] for line in lines[2:]] == [
        f"{monday + timedelta(weeks=n):%m-%d}" for n in range(5)
    ]
    cells = re.findall(r"[·░▒▓█] +\d+\*?", "\n".join(lines[2:]))
    assert len(cells) == 28 + today.weekday() + 1
    assert cells.count("█  1*") == 5  # the days walk was done: every one the busiest


def test_view_and_json_do_not_go_together(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "stats", "--view", "week", "--json")
    assert result.returncode == 2 and "not allowed with" in result.stderr
    result = run_cli(tmp_path, "stats", "--view", "year")
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_the_terminal_library_is_imported_by_the_views_alone() -> None:
    code = (
        "import sys, postureping.commands.stats, postureping.stats.compute\n"
        "import postureping.daemon.daemon\n"
        "import postureping.commands.report, postureping.commands.export\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'rich', 'matplotlib'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_stats_of_an_empty_history(tmp_path: Path) -> None:
    text = ok(tmp_path, "stats", "--view", "month")
    assert "Best streak: none yet" in text
    assert "Most often skipped" not in text
    document = json.loads(ok(tmp_path, "stats", "--json", "--days", "2"))
    assert document["most_skipped_hours"] == [] and len(document["daily"]) == 2
    assert date.fromisoformat(document["daily"][-1]["date"]) == datetime.now(UTC).date()


def _on_a_terminal(root: Path, *args: str, env: dict[str, str]) -> str:
    """The CLI's output when its stdout is a terminal (a pseudo-terminal)."""
    import pty  # POSIX only

    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "postureping", *args],
            cwd=root,
            env=isolated_env(root, {"TERM": "xterm-256color", "COLUMNS": "100", **env}),
            stdout=follower,
            stderr=subprocess.PIPE,
        )
        os.close(follower)
        output = read_pty(leader)
        assert process.wait(timeout=60) == 0
    finally:
        os.close(leader)
    return output.decode("utf-8")


@pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX")
def test_views_are_coloured_on_a_terminal_only_without_no_color(tmp_path: Path) -> None:
    write_history(tmp_path)
    coloured = _on_a_terminal(tmp_path, "stats", "--view", "month", env={})
    assert "\x1b[" in coloured and "Last 5 weeks" in coloured
    plain = _on_a_terminal(tmp_path, "stats", "--view", "month", env={"NO_COLOR": "1"})
    assert re.search(r"\x1b\[[0-9;]*3[0-9]m", plain) is None  # no colour, maybe bold or dim
