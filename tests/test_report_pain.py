"""Does it help? Back pain from the check-ins beside the habits, week by week: the pure
weeks (postureping.stats.pain), the `stats` line, and the report's chart, looked at in
headless Chromium (the screenshot goes to artifacts/, git-ignored)."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from PIL import Image

from postureping.checkin import CheckIn
from postureping.history.events import Event, Kind
from postureping.history.store import EventStore
from postureping.stats.compute import Counts, Day
from postureping.stats.pain import CAVEAT, pain_line, pain_weeks
from postureping.stats.pain_chart import pain_chart
from tests.cli_helpers import data_dir, isolated_env, run_cli
from tests.test_report import ARTIFACTS, chromium  # noqa: F401 - the fixture

PURPLE = (0x6A, 0x1B, 0x9A)  # postureping.stats.pain_chart.PAIN


def _day(day: date, done: int, prompted: int) -> Day:
    return Day(day, Counts(prompted=prompted, done=done), goal_met=done > 0)


def test_weeks_start_on_monday_and_average_their_checkins() -> None:
    wed = date(2026, 3, 4)  # a Wednesday: the first week is cut short
    days = [_day(wed + timedelta(days=n), 1, 2) for n in range(13)]
    noon = datetime(2026, 3, 4, 12, tzinfo=UTC)
    checkins = [
        (noon, CheckIn(6)),
        (noon + timedelta(days=1), CheckIn(3)),
        (noon + timedelta(days=7), CheckIn(2)),
        (noon - timedelta(days=3), CheckIn(9)),  # before the window: left out
    ]
    weeks = pain_weeks(checkins, days, UTC)
    assert [w.start for w in weeks] == [wed, date(2026, 3, 9), date(2026, 3, 16)]
    assert [w.pain for w in weeks] == [4.5, 2.0, None]
    assert [w.checkins for w in weeks] == [2, 1, 0]
    assert [(w.done, w.prompted, w.adherence) for w in weeks] == [
        (5, 10, 50.0),
        (7, 14, 50.0),
        (1, 2, 50.0),
    ]


def test_the_stats_line_has_the_caveat_and_only_with_checkins() -> None:
    days = [_day(date(2026, 3, 2) + timedelta(days=n), 1, 4) for n in range(7)]
    assert pain_line(pain_weeks([], days, UTC)) == []
    at = datetime(2026, 3, 3, 9, tzinfo=UTC)
    lines = pain_line(pain_weeks([(at, CheckIn(5))], days, UTC))
    assert lines == [
        "Back pain (0-10, check-ins' mean) and reminders done, by week: 03-02 pain 5, done 25%",
        CAVEAT,
    ]
    assert "no proof" in CAVEAT


def test_the_chart_draws_a_dot_a_week_with_pain_and_a_line_between() -> None:
    days = [_day(date(2026, 3, 2) + timedelta(days=n), 2, 4) for n in range(21)]
    at = datetime(2026, 3, 3, 9, tzinfo=UTC)
    svg = pain_chart(
        pain_weeks([(at, CheckIn(7)), (at + timedelta(days=14), CheckIn(3))], days, UTC)
    )
    assert svg.count("<circle") == 2 and svg.count("<polyline") == 1
    assert "pain 7 (1 check-in)" in svg and "50% of reminders done" in svg


def _history(root: Path) -> None:
    """Four weeks of walks, more of them done each week, and a weekly check-in whose pain
    goes down."""
    store = EventStore(data_dir(root) / "events.jsonl")
    today = datetime.now(UTC).date()
    events = []
    for days_ago in range(27, -1, -1):
        moment = datetime.combine(today - timedelta(days=days_ago), time(9), tzinfo=UTC)
        events.append(Event.new("walk", Kind.PROMPTED, "daemon", moment))
        if days_ago % 4 < 4 - days_ago // 7:  # fewer skipped, week by week
            events.append(Event.new("walk", Kind.DONE, "notification", moment))
        if days_ago % 7 == 0:
            pain = CheckIn(2 + days_ago // 7 * 2)
            events.append(Event.new("checkin", Kind.CHECKIN, "cli", moment, detail=pain))
    store.append_many(events)


def test_stats_shows_the_line_and_json_the_weeks(tmp_path: Path) -> None:
    _history(tmp_path)
    result = run_cli(tmp_path, "stats", "--days", "28")
    assert result.returncode == 0, result.stderr
    assert "Back pain (0-10, check-ins' mean) and reminders done, by week:" in result.stdout
    assert CAVEAT in result.stdout
    document = json.loads(run_cli(tmp_path, "stats", "--days", "28", "--json").stdout)
    pains = [week["pain"] for week in document["pain_by_week"] if week["pain"] is not None]
    assert pains[-1] == 2.0 and len(pains) >= 4
    # The check-ins are not reminders: no row, no counts.
    assert "checkin" not in {routine["id"] for routine in document["routines"]}


def test_the_report_shows_the_pain_chart_in_chromium(
    tmp_path: Path,
    chromium: str,  # noqa: F811 - the fixture
) -> None:
    _history(tmp_path)
    page = tmp_path / "report.html"
    result = run_cli(tmp_path, "report", "--output", str(page))
    assert result.returncode == 0, result.stderr
    html = page.read_text(encoding="utf-8")
    assert "<h2>Back pain and habits, week by week</h2>" in html
    assert "no proof that one changes the other" in html
    assert html.count("<circle") >= 4
    screenshot = tmp_path / "report-pain.png"
    run = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={screenshot}",
         "--window-size=1200,2600", page.as_uri()],
        env=isolated_env(tmp_path), capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip
    assert run.returncode == 0 and screenshot.exists(), run.stderr[-2000:]
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(screenshot, ARTIFACTS / "report-pain.png")
    with Image.open(screenshot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1200 * 2600)
    assert colours is not None
    purple = sum(
        count
        for count, rgb in colours
        if isinstance(rgb, tuple)
        and all(abs(a - b) <= 12 for a, b in zip(rgb, PURPLE, strict=True))
    )
    assert purple > 300, "the pain line and its dots are on the page"


def _near(rgb: tuple[int, ...], target: tuple[int, ...]) -> bool:
    return all(abs(a - b) <= 12 for a, b in zip(rgb, target, strict=True))


def test_a_report_without_checkins_has_no_pain_section(tmp_path: Path) -> None:
    store = EventStore(data_dir(tmp_path) / "events.jsonl")
    store.append(Event.new("walk", Kind.DONE, "cli", datetime.now(UTC)))
    result = run_cli(tmp_path, "report", "--output", "-")
    assert result.returncode == 0 and "Back pain" not in result.stdout


@pytest.mark.parametrize("days", ["7", "365"])
def test_stats_without_checkins_has_no_pain_line(tmp_path: Path, days: str) -> None:
    result = run_cli(tmp_path, "stats", "--days", days)
    assert result.returncode == 0 and "Back pain" not in result.stdout
