"""The report's pain chart: back pain from the check-ins (a line on a 0-10 scale) over the
weeks, with the share of reminders done each week (bars) behind it. SVG of our own, drawn
as the other charts are (postureping.stats.charts). Pure: weeks in, markup out."""

from __future__ import annotations

from collections.abc import Sequence

from postureping.stats.charts import (
    LEFT,
    MUTED,
    PLOT_WIDTH,
    PROMPTED,
    WIDTH,
    group,
    legend,
    number,
    rect,
    share_axis,
    svg,
    text,
    y_of,
)
from postureping.stats.pain import PainWeek

PAIN = "#6a1b9a"  # apart from every other colour of the report
TOP, BOTTOM, HEIGHT = 34.0, 220.0, 250


def pain_chart(weeks: Sequence[PainWeek]) -> str:
    """A bar a week for the share of reminders done (left axis, %), and the mean pain of
    the week's check-ins as a line with a dot a week (right axis, 0-10)."""
    slot = PLOT_WIDTH / max(len(weeks), 1)
    parts = [*legend(((PROMPTED, "reminders done"), (PAIN, "back pain (0-10)"))),
             *share_axis(TOP, BOTTOM)]  # fmt: skip
    for level in range(0, 11, 2):
        y = y_of(level, 10, TOP, BOTTOM)
        parts.append(text(WIDTH - 2, y + 4, str(level), anchor="end", fill=PAIN))
    points: list[tuple[float, float]] = []
    dots: list[str] = []  # drawn last, over the bars and the line
    for n, week in enumerate(weeks):
        middle = LEFT + (n + 0.5) * slot
        done = week.adherence
        tip = f"week of {week.start:%a %Y-%m-%d}: " + (
            "no reminders" if done is None else f"{done:.0f}% of reminders done"
        )
        if week.pain is not None:
            tip += f", pain {week.pain:g} ({week.checkins} check-in{'s' * (week.checkins != 1)})"
            point = (middle, y_of(week.pain, 10, TOP, BOTTOM))
            points.append(point)
            dots.append(group(tip, [_dot(*point)]))
        if done:
            y = y_of(done, 100, TOP, BOTTOM)
            parts.append(
                group(tip, [rect(middle - slot * 0.3, y, slot * 0.6, BOTTOM - y, PROMPTED)])
            )
        parts.append(text(middle, BOTTOM + 18, f"{week.start:%m-%d}", anchor="middle", fill=MUTED))
    if len(points) > 1:
        path = " ".join(f"{number(x)},{number(y)}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{PAIN}" stroke-width="2.5"/>')
    parts += dots
    return svg(HEIGHT, "Back pain and reminders done, week by week", parts)


def _dot(x: float, y: float) -> str:
    return f'<circle cx="{number(x)}" cy="{number(y)}" r="5" fill="{PAIN}"/>'
