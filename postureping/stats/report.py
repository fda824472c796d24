"""The HTML report of `postureping report`: one self-contained page, no network needed.

Pure: `Stats` and the charts' SVG markup in, the page out. Everything the page needs is
inside it (styles inline, charts as inline SVG, no scripts), and its Content-Security-Policy
forbids loading anything else, so it looks the same offline, in a mail attachment or years
later. Every text from the settings or the history (routine titles and ids) is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from postureping.stats.compute import Counts, RoutineStats, Stats, percent
from postureping.stats.pain import CAVEAT
from postureping.stats.streaks import Streak

# Nothing may be fetched: inline styles and SVG only.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

STYLE = """
:root { color-scheme: light; --ink: #1b1f23; --muted: #57606a; --line: #d0d7de;
  --done: #2e7d32; --card: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 62rem; padding: 2rem 1.5rem 3rem; color: var(--ink);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
  background: #fff; }
h1 { margin: 0 0 .25rem; font-size: 1.8rem; }
h2 { margin: 2.5rem 0 .5rem; font-size: 1.25rem; border-bottom: 1px solid var(--line);
  padding-bottom: .25rem; }
.period, .note, footer { color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr));
  gap: .75rem; margin-top: 1.5rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: .5rem;
  padding: .75rem 1rem; }
.card b { display: block; font-size: 1.6rem; color: var(--done); }
figure { margin: .5rem 0 0; }
figure svg { display: block; width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; margin-top: .5rem;
  font-variant-numeric: tabular-nums; }
th, td { padding: .35rem .6rem; border-bottom: 1px solid var(--line); text-align: right; }
th:first-child, td:first-child { text-align: left; }
td small { color: var(--muted); }
tfoot td { font-weight: 600; }
footer { margin-top: 3rem; font-size: .875rem; }
@media print { body { padding: 0; } h2 { break-after: avoid; } figure { break-inside: avoid; } }
"""


@dataclass(frozen=True)
class Charts:
    """The charts as SVG markup to inline (postureping.stats.charts draws them). Trusted markup:
    whoever makes it escapes the text in it."""

    daily: str  # done and prompted, day by day
    adherence: str  # adherence per routine
    hours: str  # skipped and missed by hour of the day
    pain: str = ""  # back pain by week beside reminders done (postureping.stats.pain_chart)


COLUMNS = ("prompted", "done", "skipped", "snoozed", "missed", "adherence", "streak", "best")


def render(stats: Stats, charts: Charts, *, weeks: int, version: str) -> str:
    first, last = stats.since.date(), stats.today.date
    period = f"{first:%a %Y-%m-%d} to {last:%a %Y-%m-%d}"
    span = "week" if weeks == 1 else f"{weeks} weeks"
    head = (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>postureping report: {period}</title>\n"
        f"<style>{STYLE}</style>\n</head>\n"
    )
    body = [
        "<body>",
        "<h1>Your movement and posture habits</h1>",
        f'<p class="period">The last {span}: {period}.</p>',
        _cards(stats),
        "<h2>Day by day</h2>",
        '<p class="note">Reminders shown (light) and routines done (dark) each day.</p>',
        f"<figure>{charts.daily}</figure>",
        "<h2>Adherence per routine</h2>",
        '<p class="note">The share of reminders that ended with the routine done.</p>',
        f"<figure>{charts.adherence}</figure>",
        _table(stats),
        *_streak_note(stats),
        *_pain_section(charts.pain),
        "<h2>When reminders are skipped or missed</h2>",
        f'<p class="note">{_hours_note(stats)}</p>',
        f"<figure>{charts.hours}</figure>",
        f"<footer>Made by postureping {escape(version)} on "
        f"{_stamp(stats.generated_at)}. Days are local calendar days.</footer>",
        "</body>\n</html>\n",
    ]
    return head + "\n".join(body)


def _pain_section(chart: str) -> list[str]:
    """Back pain beside the habits, when there are check-ins in these weeks."""
    if not chart:
        return []
    return [
        "<h2>Back pain and habits, week by week</h2>",
        '<p class="note">The mean pain of each week&#8217;s check-ins (0 to 10, the line) and '
        "the share of its reminders done (the bars).</p>",
        f"<figure>{chart}</figure>",
        f'<p class="note"><b>{escape(CAVEAT)}</b></p>',
    ]


def _cards(stats: Stats) -> str:
    overall = stats.overall
    value = percent(overall.done, overall.prompted)
    cards = [
        ("-" if value is None else f"{value:.0f}%", "of reminders done"),
        (f"{overall.done}", "routines done"),
        (f"{overall.prompted}", "reminders shown"),
        (_days(stats.streak.days), f"streak: {stats.streak.daily_goal}+ done a day"),
        (_days(stats.streak.best.days), "best streak"),
    ]
    items = "".join(f'<div class="card"><b>{escape(v)}</b>{escape(t)}</div>' for v, t in cards)
    return f'<div class="cards">{items}</div>'


def _table(stats: Stats) -> str:
    header = "".join(f"<th>{name}</th>" for name in ("routine", *COLUMNS))
    rows = "".join(_row(r) for r in stats.routines)
    total = _cells("All routines", "", stats.overall, stats.streak)
    return (
        f"<table>\n<thead><tr>{header}</tr></thead>\n<tbody>\n{rows}</tbody>\n"
        f"<tfoot>{total}</tfoot>\n</table>"
    )


def _row(routine: RoutineStats) -> str:
    title = routine.title if routine.title is not None else "(no longer in the settings)"
    return _cells(title, routine.id, routine.counts, routine.streak)


def _cells(title: str, rid: str, counts: Counts, streak: Streak) -> str:
    value = percent(counts.done, counts.prompted)
    numbers = (
        counts.prompted,
        counts.done,
        counts.skipped,
        counts.snoozed,
        counts.missed,
        "-" if value is None else f"{value:.0f}%",
        streak.days,
        streak.best.days,
    )
    name = escape(title) + (f" <small>{escape(rid)}</small>" if rid else "")
    cells = "".join(f"<td>{escape(str(n))}</td>" for n in numbers)
    return f"<tr><td>{name}</td>{cells}</tr>\n"


def _streak_note(stats: Stats) -> list[str]:
    """A word on rest days, where a streak on the page skips some."""
    streaks = [stats.streak, *(routine.streak for routine in stats.routines)]
    if not any(streak.rest_days for streak in streaks):
        return []
    return [
        '<p class="note">Streaks skip rest days: days without active hours and, for a '
        "routine, the days it is not set to remind on.</p>"
    ]


def _hours_note(stats: Stats) -> str:
    if not stats.most_skipped_hours:
        return "No reminder was skipped or missed in these weeks."
    hours = ", ".join(_hour(h, stats.hours[h]) for h in stats.most_skipped_hours)
    return escape(
        "The share of each hour's reminders that were skipped or missed; under the hour, "
        f"how many of how many. Most often skipped or missed: {hours}."
    )


def _hour(hour: int, counts: Counts) -> str:
    """As `postureping stats` says it, with the share: "09:00-10:00 (3 of 8 reminders, 38%)"."""
    span = f"{hour:02}:00-{(hour + 1) % 24:02}:00"
    share = percent(counts.not_done, counts.prompted)
    if share is None or counts.prompted < counts.not_done:  # skips without reminders
        return f"{span} ({counts.not_done})"
    noun = "reminder" if counts.prompted == 1 else "reminders"
    return f"{span} ({counts.not_done} of {counts.prompted} {noun}, {share:.0f}%)"


def _days(days: int) -> str:
    return f"{days} day" if days == 1 else f"{days} days"


def _stamp(moment: datetime) -> str:
    return escape(f"{moment:%Y-%m-%d %H:%M}")
