"""`postureping stats [--days 7] [--view week|month] [--json]`: adherence per routine, today's
progress, the streaks, the hours most often skipped, and a week or month picture.

The numbers come from postureping.stats.compute and the pictures' layout from
postureping.stats.views (both pure); this module only prints them. The pictures are drawn
with rich, imported only when one is asked for; rich colours them on a terminal only (and
honours NO_COLOR), so piped output is plain text.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from postureping.context import Context
from postureping.errors import EXIT_CONFIG, UserError
from postureping.stats.compute import Counts, Stats, percent, summarize, window
from postureping.stats.pain import PainWeek, pain_line, pain_weeks
from postureping.stats.progress import today_progress
from postureping.stats.streaks import Streak
from postureping.terminal import visible

if TYPE_CHECKING:
    from rich.text import Text

    from postureping.stats.views import MonthView, WeekView

MAX_DAYS = 3660
# "streak" and "best": days in a row with at least one done of the routine (overall: with
# at least the daily goal), up to today, and the most such days in a row; rest days (no
# reminders: no active hours, or not one of the routine's days) are skipped.
COLUMNS = ("prompted", "done", "skipped", "snoozed", "missed", "adherence", "streak", "best")
VIEWS = ("week", "month")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKEND = frozenset({5, 6})
SHADES = "·░▒▓█"  # heat levels 0 to 4, readable without colour
# Heat levels 0 to 4 on a terminal: named colours, which keep their order on 16-colour
# terminals too (rich maps hex colours to the nearest, which turns dark green grey).
HEAT_STYLES = ("dim", "green", "bold green", "black on green", "black on bright_green")


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--days",
        metavar="N",
        default="7",
        help="how many days to count, ending today (default: 7)",
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument(
        "--view",
        choices=VIEWS,
        help="add a picture: week (a bar a day) or month (a heatmap of the last 5 weeks)",
    )
    output.add_argument("--json", action="store_true", help="print JSON (see the README)")


def stats_for(ctx: Context, days: int) -> tuple[Stats, tuple[PainWeek, ...]]:
    """The statistics of the last `days` days (also used by `report`), from the whole
    history: the streaks may reach back further; and the back pain of those days' check-ins,
    week by week. The events are counted straight from the file
    (postureping.history.counts); each damaged line is reported and left out."""
    loaded, now = ctx.loaded, ctx.now()
    counted = ctx.store().tally(window(now, ctx.zone, days))
    ctx.report_damage(counted.damaged)
    stats = summarize(
        counted.tally,
        loaded.routines,
        now,
        ctx.zone,
        daily_goal=loaded.settings.stats.daily_goal,
        hours=loaded.hours,
    )
    return stats, pain_weeks(counted.checkins, stats.daily, ctx.zone)


def run(args: argparse.Namespace, ctx: Context) -> int:
    stats, weeks = stats_for(ctx, _days(args.days))
    if args.json:
        document = {**stats.to_json(), "pain_by_week": [week.to_json() for week in weeks]}
        print(json.dumps(document, indent=2, ensure_ascii=False))
        return 0
    print(visible(render(stats)))
    if lines := pain_line(weeks):
        print("\n".join(lines))
    if args.view is not None:
        _print_view(stats, args.view)
    return 0


def _days(text: str) -> int:
    # Parsed here rather than by argparse so a bad value is a UserError, worded like others.
    try:
        days = int(text)
    except ValueError:
        days = 0
    if not 1 <= days <= MAX_DAYS:
        allowed = f"must be a whole number from 1 to {MAX_DAYS}"
        raise UserError(f"--days {text!r}: {allowed}", EXIT_CONFIG)
    return days


def render(stats: Stats) -> str:
    width = max(len("overall"), *(len(r.id) for r in stats.routines))
    heading = (
        f"Today ({stats.since:%a %Y-%m-%d}):"
        if stats.days == 1
        else f"The last {stats.days} days (since {stats.since:%a %Y-%m-%d}):"
    )
    lines = [
        heading,
        f"{'routine':<{width}}  " + "  ".join(COLUMNS),
    ]
    lines += [_row(r.id, r.counts, r.streak, width) for r in stats.routines]
    lines.append(_row("overall", stats.overall, stats.streak, width))
    today = stats.today
    lines += ["", "Today: " + today_progress(today.done, today.prompted)]
    streak = stats.streak
    note = f" ({_rest_note(streak)})" if streak.rest_days else ""
    if streak.includes_today or streak.days == 0:
        pending = ""
    elif stats.day(today.date).rest_day:
        pending = "; today is a rest day"
    else:
        pending = "; today not counted yet"
    lines.append(
        f"Streak: {_days_text(streak.days)} with at least {streak.daily_goal} done{note}{pending}"
    )
    lines.append(f"Best streak: {_best(streak)}")
    if stats.most_skipped_hours:
        hours = ", ".join(_hour(h, stats.hours[h]) for h in stats.most_skipped_hours)
        lines.append(f"Most often skipped or missed: {hours}")
    return "\n".join(lines)


def _days_text(days: int) -> str:
    return f"{days} day" if days == 1 else f"{days} days"


def _rest_note(streak: Streak) -> str:
    """Why the streak is longer than its days in a row: the rest days it skips."""
    if {day.weekday() for day in streak.rest_days} <= WEEKEND:
        return "weekends without active hours are skipped"
    return "days without active hours are skipped"


def _best(streak: Streak) -> str:
    best = streak.best
    if best.first is None or best.last is None:
        return "none yet"
    span = f"{best.first}" if best.first == best.last else f"{best.first} to {best.last}"
    return f"{_days_text(best.days)} ({span})"


def _hour(hour: int, counts: Counts) -> str:
    noun = "reminder" if counts.prompted == 1 else "reminders"
    # Skipped with `postureping skip` and no reminder: no "of" to tell.
    of = f" of {counts.prompted} {noun}" if counts.prompted >= counts.not_done else ""
    return f"{hour:02}:00-{(hour + 1) % 24:02}:00 ({counts.not_done}{of})"


def _percent(counts: Counts) -> str:
    value = percent(counts.done, counts.prompted)
    return "-" if value is None else f"{value:.0f}%"


def _row(name: str, counts: Counts, streak: Streak, width: int) -> str:
    values = (
        counts.prompted,
        counts.done,
        counts.skipped,
        counts.snoozed,
        counts.missed,
        _percent(counts),
        streak.days,
        streak.best.days,
    )
    cells = [f"{value:>{len(column)}}" for value, column in zip(values, COLUMNS, strict=True)]
    return f"{name:<{width}}  " + "  ".join(cells)


def _print_view(stats: Stats, view: str) -> None:
    # rich costs some 30 ms to import: only for the pictures, never in the daemon.
    from rich.console import Console

    from postureping.stats.views import month_view, week_view

    picture = _week(week_view(stats)) if view == "week" else _month(month_view(stats))
    console = Console(highlight=False, soft_wrap=True)
    console.print()
    console.print(picture)


def _week(view: WeekView) -> Text:
    from rich.text import Text

    text = Text("Last 7 days: reminders done (█) and not done (░)\n")
    for bar in view.bars:
        day, counts = bar.day, bar.day.counts
        text.append(f"{day.date:%a %m-%d}  ")
        text.append("█" * bar.done, style="green")
        text.append("░" * bar.undone, style="red")
        text.append(" " * (view.width - bar.done - bar.undone))
        text.append(f"  {counts.done:>3} of {counts.prompted:<3} {_percent(counts):>4}")
        if day.rest_day:  # neither meets nor misses the goal: the streak skips it
            text.append("  rest day", style="dim")
        elif day.goal_met:
            text.append("  goal met", style="bold green")
        text.append("\n")
    text.rstrip()
    return text


def _month(view: MonthView) -> Text:
    from rich.text import Text

    text = Text(
        f"Last {len(view.weeks)} weeks: done a day ({SHADES[0]} none, "
        f"{' '.join(SHADES[1:])} up to {view.most_done}; * daily goal met)\n"
    )
    text.append("       " + " ".join(f"{name:<5}" for name in WEEKDAYS).rstrip() + "\n")
    for week in view.weeks:
        first = week[0]
        text.append(f"{first.date:%m-%d}  " if first is not None else "       ")
        for cell in week:
            if cell is None:
                continue
            done = cell.day.counts.done
            mark = "*" if cell.day.goal_met else " "
            text.append(f"{SHADES[cell.level]}{done:>3}{mark}", style=HEAT_STYLES[cell.level])
            text.append(" ")
        text.rstrip()
        text.append("\n")
    text.rstrip()
    return text
