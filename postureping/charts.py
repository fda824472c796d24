"""The report's charts, drawn with matplotlib as SVG markup to inline in the HTML page.

matplotlib is an optional dependency (the `report` extra): only `postureping report`
imports this module. It is used without pyplot (no global figure state, no GUI backend),
text stays text (`svg.fonttype = none`, so it is small, sharp and searchable) and is never
read as mathtext, so a routine titled "$5 & <more>" shows as written; matplotlib escapes it
for XML. Each chart's ids are prefixed with its name, so that several charts can share one
HTML page, and salted with it, so that the same data gives the same bytes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from html import escape
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from postureping.report import Charts
from postureping.stats import Counts, Day, RoutineStats, Stats, percent

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

DONE = "#2e7d32"
PROMPTED = "#c8e6c9"
SKIPPED = "#ef6c00"
MISSED = "#c62828"
WIDTH = 10.0  # inches; the page scales the SVG to its column
_RC: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",
    "text.parse_math": False,
    "font.size": 10.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_ID = re.compile(r'(\bid="|url\(#|href="#)')


def draw(stats: Stats) -> Charts:
    """The three charts of the report."""
    return Charts(
        daily=daily_chart(stats.daily),
        adherence=adherence_chart(stats.routines),
        hours=hours_chart(stats.hours),
    )


def daily_chart(days: Sequence[Day]) -> str:
    with mpl.rc_context(_RC):
        figure = Figure(figsize=(WIDTH, 3.2), layout="constrained")
        axes = figure.subplots()
        positions = range(len(days))
        axes.bar(positions, [d.counts.prompted for d in days], color=PROMPTED, label="reminded")
        axes.bar(positions, [d.counts.done for d in days], width=0.5, color=DONE, label="done")
        ticks = [n for n, d in enumerate(days) if d.date.weekday() == 0] or [0]
        axes.set_xticks(ticks, [f"{days[n].date:%a %m-%d}" for n in ticks])
        axes.set_xlim(-0.6, len(days) - 0.4)
        axes.set_ylim(0, _top(max(d.counts.prompted, d.counts.done) for d in days))
        axes.set_ylabel("a day")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.legend(loc="lower left", bbox_to_anchor=(0, 1), frameon=False, ncols=2)
        return _svg(figure, "daily", "Done and reminded, day by day")


def adherence_chart(routines: Sequence[RoutineStats]) -> str:
    rows = [(r, value) for r in routines if (value := adherence(r.counts)) is not None]
    with mpl.rc_context(_RC):
        figure = Figure(figsize=(WIDTH, 0.9 + 0.38 * max(len(rows), 1)), layout="constrained")
        axes = figure.subplots()
        if rows:
            labels = [r.title or r.id for r, _ in reversed(rows)]
            values = [value for _, value in reversed(rows)]
            bars = axes.barh(labels, values, color=DONE)
            axes.bar_label(bars, labels=[f"{v:.0f}%" for v in values], padding=3)
        else:
            axes.set_yticks([])
            axes.text(50, 0.5, "No reminders in these weeks", ha="center", va="center")
        axes.set_xlim(0, 110)
        axes.set_xticks(range(0, 101, 25), [f"{n}%" for n in range(0, 101, 25)])
        axes.set_xlabel("done of reminded")
        return _svg(figure, "adherence", "Adherence per routine")


def hours_chart(hours: Sequence[Counts]) -> str:
    with mpl.rc_context(_RC):
        figure = Figure(figsize=(WIDTH, 3.0), layout="constrained")
        axes = figure.subplots()
        positions = range(len(hours))
        skipped = [c.skipped for c in hours]
        axes.bar(positions, skipped, color=SKIPPED, label="skipped")
        axes.bar(positions, [c.missed for c in hours], bottom=skipped, color=MISSED, label="missed")
        axes.set_xticks(range(0, 24, 2), [f"{h:02}:00" for h in range(0, 24, 2)])
        axes.set_xlim(-0.6, 23.6)
        axes.set_ylim(0, _top(c.not_done for c in hours))
        axes.set_ylabel("reminders")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.legend(loc="lower left", bbox_to_anchor=(0, 1), frameon=False, ncols=2)
        return _svg(figure, "hours", "Skipped and missed reminders by hour of the day")


def _top(values: Iterable[int]) -> float:
    """The top of a count axis: room above the highest bar, and 0 to 1 with no bars."""
    return max((1, *values)) * 1.08


def adherence(counts: Counts) -> float | None:
    return percent(counts.done, counts.prompted, 1)


def _svg(figure: Figure, name: str, label: str) -> str:
    buffer = io.StringIO()
    with mpl.rc_context({"svg.hashsalt": name}):
        figure.savefig(
            buffer, format="svg", metadata=dict.fromkeys(("Creator", "Date", "Format", "Type"))
        )
    markup = buffer.getvalue()
    markup = markup[markup.index("<svg") :]  # no XML declaration or DOCTYPE inside HTML
    markup = _ID.sub(lambda match: f"{match.group(1)}{name}-", markup)
    return markup.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
