"""The CLI's sentences: plurals, counts that add up, and phrases a person would say."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from postureping.commands.control import render_status
from postureping.stats.progress import today_progress
from tests.cli_helpers import run_cli


@pytest.mark.parametrize(
    ("done", "prompted", "said"),
    [
        (0, 0, "no reminders yet"),
        (2, 0, "2 done, no reminders yet"),
        (1, 1, "1 of 1 reminder done"),
        (0, 1, "0 of 1 reminder done"),
        (2, 4, "2 of 4 reminders done"),
        # Fault: "3 of 1 reminder done". Answers without a reminder count as done too.
        (3, 1, "3 done, 1 reminder shown"),
        (5, 2, "5 done, 2 reminders shown"),
    ],
)
def test_todays_progress_in_words(done: int, prompted: int, said: str) -> None:
    assert today_progress(done, prompted) == said


def _status(done: int, prompted: int) -> dict[str, Any]:
    return {
        "now": "2026-03-02T10:00:00+00:00",
        "paused": False,
        "paused_until": None,
        "awaiting": None,
        "next": [],
        "activity": {},
        "today": {"done": done, "prompted": prompted},
    }


def test_status_says_todays_progress_with_the_right_plural() -> None:
    """Fault: `status` said "Today: 2 done, 1 reminders shown"."""
    ctx: Any = SimpleNamespace(zone=ZoneInfo("UTC"))
    assert render_status(_status(2, 1), ctx).splitlines()[-1] == "Today: 2 done, 1 reminder shown"
    assert render_status(_status(1, 3), ctx).splitlines()[-1] == "Today: 1 of 3 reminders done"


def test_stats_of_one_day_says_today(tmp_path: Path) -> None:
    """Fault: `stats --days 1` began "In today (since ...)"."""
    result = run_cli(tmp_path, "stats", "--days", "1")
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("Today (") and "In today" not in result.stdout
    week = run_cli(tmp_path, "stats", "--days", "7").stdout.splitlines()[0]
    assert week.startswith("The last 7 days (since ")
