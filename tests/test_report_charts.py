"""The report's charts (postureping.stats.charts): SVG drawn by postureping itself, with no chart
library, so that `report` works on a default install."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

from postureping.history.events import Kind
from postureping.stats.charts import adherence_chart, draw, hours_chart
from postureping.stats.compute import Counts, RoutineStats
from postureping.stats.report import render
from postureping.stats.streaks import Streak
from tests.cli_helpers import run_cli
from tests.test_report import TITLE, external_references
from tests.test_stats import NOW, day, ev, stats

SVG = "{http://www.w3.org/2000/svg}"


def texts(markup: str) -> list[str]:
    """The text a reader sees in the chart, in order (well-formed XML, or this raises)."""
    root = ET.fromstring(markup)
    return [node.text or "" for node in root.iter(f"{SVG}text")]


def tips(markup: str) -> list[str]:
    root = ET.fromstring(markup)
    return [node.text or "" for node in root.iter(f"{SVG}title")]


def test_skipped_or_missed_by_hour_shows_the_rate_and_the_count() -> None:
    hours = [Counts()] * 24
    hours[9] = Counts(prompted=8, done=5, skipped=2, missed=1)
    hours[14] = Counts(prompted=4, done=4)
    hours[22] = Counts(skipped=2)  # `postureping skip` without a reminder: no rate to tell
    markup = hours_chart(hours)
    shown = texts(markup)
    # As `stats` says it: 3 of 8 reminders, 38 % (rounded half up).
    assert "38%" in shown and "3/8" in shown
    assert "0%" in shown and "0/4" in shown
    assert "2" in shown and not any(t.startswith("2/") for t in shown)
    assert "09:00-10:00: 3 of 8 reminders skipped or missed (38%): 2 skipped, 1 missed" in tips(
        markup
    )
    assert [f"{h:02}" for h in range(24)] == [t for t in shown if re.fullmatch(r"\d\d", t)]


def test_the_same_stats_give_the_same_bytes_and_no_scripts_or_ids() -> None:
    events = [ev(Kind.PROMPTED, day(n, 9)) for n in range(7)]
    events += [ev(Kind.DONE, day(n, 9)) for n in range(0, 7, 2)]
    events += [ev(Kind.MISSED, day(n, 10)) for n in range(1, 7, 2)]
    first, second = draw(stats(events)), draw(stats(list(reversed(events))))
    assert first == second
    for markup in (first.daily, first.adherence, first.hours):
        assert markup.startswith("<svg ") and markup.endswith("</svg>")
        ET.fromstring(markup)  # well-formed
        assert "<script" not in markup and " id=" not in markup and " on" not in markup
        assert external_references(markup) == []
    assert "Mon 03-24" in texts(first.daily)  # NOW is Sunday 2025-03-30


def test_titles_are_text_and_escaped() -> None:
    routine = RoutineStats("reach", TITLE, Counts(prompted=3, done=2), Streak(0, 1, False))
    markup = adherence_chart([routine])
    assert TITLE in texts(markup)  # shown as written
    assert "<script>" not in markup
    assert "67%" in texts(markup)
    assert texts(adherence_chart([])) == [
        "No reminders in these weeks", "0%", "25%", "50%", "75%", "100%"
    ]  # fmt: skip


def test_the_report_needs_no_chart_library(tmp_path: Path) -> None:
    """A default install has no matplotlib: a stand-in that cannot be imported proves that
    the report does not reach for it."""
    blocker = tmp_path / "blocker" / "matplotlib"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text(
        'raise ModuleNotFoundError("No module named \'matplotlib\'", name="matplotlib")\n',
        encoding="utf-8",
    )
    result = run_cli(tmp_path, "report", "--output", "-", env={"PYTHONPATH": str(blocker.parent)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("<svg ") == 3


def test_the_page_names_the_worst_hours_as_stats_does(tmp_path: Path) -> None:
    events = [ev(Kind.PROMPTED, day(1, 14)) for _ in range(8)]
    events += [ev(Kind.SKIPPED, day(1, 14)), ev(Kind.MISSED, day(1, 14)), ev(Kind.SKIPPED, day(2))]
    page = render(stats(events), draw(stats(events)), weeks=1, version="9")
    worst = "14:00-15:00 (2 of 8 reminders, 25%), 12:00-13:00 (1)"
    assert f"Most often skipped or missed: {worst}." in page


def test_days_axis_counts_in_whole_steps() -> None:
    events = [ev(Kind.PROMPTED, NOW - timedelta(hours=n)) for n in range(13)]
    shown = texts(draw(stats(events)).daily)
    assert {"0", "5", "10", "15"} <= set(shown)
