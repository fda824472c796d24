"""Durations and dates as people type them on the command line: `pause 30 minutes`,
`snooze walk 1 hour`, `history --since yesterday`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from postureping.control.dispatch import pause_args
from postureping.durations import parse_spoken_duration
from postureping.history.events import Event, Kind
from postureping.history.store import EventStore
from postureping.since import parse_since
from tests.cli_helpers import EVERY_DAY, data_dir, run_cli, write_settings

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("30m", 30),
        ("1h30m", 90),
        ("30 minutes", 30),
        ("1 minute", 1),
        ("1 hour", 60),
        ("2 hours", 120),
        ("90 min", 90),
        ("90 mins", 90),
        ("1h 30min", 90),
        ("1 hour 30 minutes", 90),
        ("1 hour and 30 minutes", 90),
        ("2 days", 2 * 24 * 60),
        ("45 seconds", 0.75),
        ("1 HR", 60),
    ],
)
def test_spoken_durations(text: str, minutes: float) -> None:
    assert parse_spoken_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize(
    "text",
    ["", "30", "minutes", "30 minutes please", "1.5 hours", "30 minutes 1 hour", "5 fortnights"],
)
def test_spoken_durations_refused_say_what_is_allowed(text: str) -> None:
    with pytest.raises(ValueError, match='"30 minutes"'):
        parse_spoken_duration(text)


def test_pause_takes_a_spoken_duration() -> None:
    assert pause_args("30 minutes") == {"for": "30m"}
    assert pause_args("1h30m") == {"for": "1h30m"}
    with pytest.raises(ValueError, match="until-tomorrow"):
        pause_args("a while")


def test_pause_and_snooze_in_words_reach_for_the_daemon(tmp_path: Path) -> None:
    """Fault: `pause 30 minutes` was refused with argparse's usage line (exit 2)."""
    write_settings(tmp_path, EVERY_DAY)
    for args in (
        ("pause", "30", "minutes"),
        ("pause", "1", "hour"),
        ("snooze", "walk", "30", "minutes"),
        ("snooze", "90", "min"),
    ):
        result = run_cli(tmp_path, *args)
        assert result.returncode == 1, (args, result.stderr)
        assert "daemon is running" in result.stderr, (args, result.stderr)
    bad = run_cli(tmp_path, "pause", "30", "minutes", "please")
    assert bad.returncode == 2 and "usage:" not in bad.stderr
    assert '"30 minutes"' in bad.stderr and "until-tomorrow" in bad.stderr


NOW = datetime(2026, 3, 4, 15, 30, tzinfo=BERLIN)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("today", datetime(2026, 3, 4, tzinfo=BERLIN)),
        ("yesterday", datetime(2026, 3, 3, tzinfo=BERLIN)),
        ("2026-03-01", datetime(2026, 3, 1, tzinfo=BERLIN)),
        ("monday", datetime(2026, 3, 2, tzinfo=BERLIN)),
        ("Mon", datetime(2026, 3, 2, tzinfo=BERLIN)),
        ("wednesday", datetime(2026, 3, 4, tzinfo=BERLIN)),  # today's own weekday: today
        ("thu", datetime(2026, 2, 26, tzinfo=BERLIN)),
        ("7d", NOW - timedelta(days=7)),
        ("3 days", NOW - timedelta(days=3)),
        ("2 hours", NOW - timedelta(hours=2)),
    ],
)
def test_since_words(text: str, start: datetime) -> None:
    assert parse_since(text, NOW, BERLIN) == start


@pytest.mark.parametrize("text", ["last week", "2026-13-01", "2026-03-05", "tomorrow", "soon"])
def test_since_refused_says_what_is_allowed(text: str) -> None:
    with pytest.raises(ValueError, match="yesterday") as error:
        parse_since(text, NOW, BERLIN)
    assert "7d" in str(error.value) and "2026-03-02" in str(error.value)


def test_history_since_yesterday(tmp_path: Path) -> None:
    """Fault: `history --since yesterday` was refused as "not a duration"."""
    write_settings(tmp_path, EVERY_DAY)
    store = EventStore(data_dir(tmp_path) / "events.jsonl")
    for _ in range(2):  # once more if midnight (UTC, as the CLI runs) passed meanwhile
        today = datetime.now(UTC).date()
        midnight = datetime.combine(today, datetime.min.time(), UTC)
        store.append(Event.new("walk", Kind.DONE, "cli", midnight - timedelta(hours=12)))
        store.append(Event.new("walk", Kind.SKIPPED, "cli", midnight - timedelta(days=3)))
        result = run_cli(tmp_path, "history", "--since", "yesterday")
        dated = run_cli(tmp_path, "history", "--since", today.isoformat())
        if datetime.now(UTC).date() == today:
            break
    assert result.returncode == 0, result.stderr
    assert " done " in result.stdout and "skipped" not in result.stdout
    assert dated.returncode == 0 and "No events since" in dated.stdout
    bad = run_cli(tmp_path, "history", "--since", "last week")
    assert bad.returncode == 2 and "usage:" not in bad.stderr and "yesterday" in bad.stderr
