"""The report's charts: SVG markup of our own, to inline in the HTML page.

Three bar charts need no chart library: drawing them here keeps `postureping report`
working on a default install (matplotlib, numpy and their kin were about 147 MiB) and the
page small (see bench/report_weight.py). The markup has no ids, no scripts and nothing to
fetch; text stays text, in the page's font, with every text from the settings or the history
escaped; numbers are written with fixed decimals, so the same stats give the same bytes.
Each bar carries a <title>, which browsers show as a tooltip, with its figures in words.

Pure: stats in, markup out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from postureping.stats.compute import Counts, Day, RoutineStats, Stats, percent
from postureping.stats.report import Charts

DONE = "#2e7d32"
PROMPTED = "#c8e6c9"
SKIPPED = "#ef6c00"
MISSED = "#c62828"
INK = "#1b1f23"
MUTED = "#57606a"
GRID = "#d0d7de"

WIDTH = 800  # user units; the page scales the SVG to its column
LEFT = 44  # room for the count axis' labels
RIGHT = 8
PLOT_WIDTH = WIDTH - LEFT - RIGHT
HOURS_TOP, HOURS_BOTTOM = 46.0, 206.0  # the hours chart's plot, between legend and labels


def draw(stats: Stats) -> Charts:
    """The three charts of the report."""
    return Charts(
        daily=daily_chart(stats.daily),
        adherence=adherence_chart(stats.routines),
        hours=hours_chart(stats.hours),
    )


def daily_chart(days: Sequence[Day]) -> str:
    """Reminders shown (light) and routines done (dark, narrower), a pair of bars a day."""
    top, bottom, height = 34.0, 220.0, 250
    scale = _scale(max((max(d.counts.prompted, d.counts.done) for d in days), default=0))
    slot = PLOT_WIDTH / max(len(days), 1)
    axis = (float(scale[0]), top, bottom)
    parts = [*_legend(((PROMPTED, "reminded"), (DONE, "done"))), *_count_axis(scale, top, bottom)]
    for n, day in enumerate(days):
        x = LEFT + n * slot
        counts = day.counts
        tip = f"{day.date:%a %Y-%m-%d}: {counts.done} done, {counts.prompted} reminded"
        bars = [
            _bar(x + slot * 0.1, slot * 0.8, counts.prompted, PROMPTED, axis),
            _bar(x + slot * 0.25, slot * 0.5, counts.done, DONE, axis),
        ]
        parts.append(_group(tip, bars))
    mondays = [n for n, day in enumerate(days) if day.date.weekday() == 0] or [0]
    for n in mondays if days else []:
        label = f"{days[n].date:%a %m-%d}"
        parts.append(_text(LEFT + (n + 0.5) * slot, bottom + 18, label, anchor="middle"))
    return _svg(height, "Done and reminded, day by day", parts)


def adherence_chart(routines: Sequence[RoutineStats]) -> str:
    """A bar per routine with reminders: the share of them that ended done. The routine's
    title sits above its bar, so a long title never runs into it."""
    rows = [(r, value) for r in routines if (value := adherence(r.counts)) is not None]
    row_height, bar_height, full = 40.0, 14.0, PLOT_WIDTH - 52
    height = max(round(len(rows) * row_height) + 28, 60)
    parts: list[str] = []
    for n, (routine, value) in enumerate(rows):
        y = n * row_height
        counts = routine.counts
        tip = f"{routine.title or routine.id}: {counts.done} done of {counts.prompted} reminded"
        width = full * value / 100
        parts.append(_text(LEFT, y + 15, routine.title or routine.id))
        parts.append(
            _group(
                tip,
                [
                    _rect(LEFT, y + 20, full, bar_height, "#f6f8fa"),
                    _rect(LEFT, y + 20, width, bar_height, DONE),
                ],
            )
        )
        parts.append(_text(LEFT + width + 6, y + 32, f"{value:.0f}%"))
    if not rows:
        parts.append(_text(WIDTH / 2, 30, "No reminders in these weeks", anchor="middle"))
    for share in range(0, 101, 25):
        x = LEFT + full * share / 100
        parts.append(_text(x, height - 6, f"{share}%", anchor="middle", fill=MUTED))
    return _svg(height, "Adherence per routine", parts)


def hours_chart(hours: Sequence[Counts]) -> str:
    """For each hour of the day, the share of its reminders that were skipped (orange) or
    missed (red), that share written above the bar, and below the hour the count it comes
    from ("3/8": 3 skipped or missed of 8 reminders), as `stats` prints them."""
    top, bottom, height = HOURS_TOP, HOURS_BOTTOM, 262
    slot = PLOT_WIDTH / 24
    parts = [
        *_legend(((SKIPPED, "skipped"), (MISSED, "missed"))),
        *_share_axis(top, bottom),
        _text(4, bottom + 18, "hour", fill=MUTED),
        _text(4, bottom + 36, "count", fill=MUTED),
    ]
    for hour, counts in enumerate(hours):
        middle = LEFT + (hour + 0.5) * slot
        parts.append(_text(middle, bottom + 18, f"{hour:02}", anchor="middle"))
        if counts.prompted == 0 and counts.not_done == 0:
            continue
        share = percent(counts.not_done, counts.prompted)
        parts.append(_group(_hour_tip(hour, counts, share), _hour_bars(counts, middle, slot)))
        if share is not None:
            parts.append(
                _text(middle, _y(share, 100, top, bottom) - 4, f"{share:.0f}%", anchor="middle")
            )
        of = f"{counts.not_done}/{counts.prompted}" if counts.prompted else f"{counts.not_done}"
        parts.append(_text(middle, bottom + 36, of, anchor="middle", fill=MUTED))
    return _svg(height, "Skipped and missed reminders by hour of the day", parts)


def adherence(counts: Counts) -> float | None:
    return percent(counts.done, counts.prompted, 1)


def _hour_bars(counts: Counts, middle: float, slot: float) -> list[str]:
    """The hour's skipped and missed shares, stacked; none without reminders to share."""
    if counts.prompted == 0 or counts.not_done == 0:
        return []
    # Skips without a reminder (`postureping skip` alone) can outnumber the reminders.
    whole = max(counts.prompted, counts.not_done)
    top, bottom = HOURS_TOP, HOURS_BOTTOM
    skipped_top = _y(100 * counts.skipped / whole, 100, top, bottom)
    missed_top = _y(100 * counts.not_done / whole, 100, top, bottom)
    x, width = middle - slot * 0.35, slot * 0.7
    return [
        _rect(x, skipped_top, width, bottom - skipped_top, SKIPPED),
        _rect(x, missed_top, width, skipped_top - missed_top, MISSED),
    ]


def _hour_tip(hour: int, counts: Counts, share: float | None) -> str:
    span = f"{hour:02}:00-{(hour + 1) % 24:02}:00"
    noun = "reminder" if counts.prompted == 1 else "reminders"
    if share is None or counts.prompted < counts.not_done:
        of = f"{counts.not_done} skipped or missed, {counts.prompted} {noun}"
    else:
        of = f"{counts.not_done} of {counts.prompted} {noun} skipped or missed ({share:.0f}%)"
    return f"{span}: {of}: {counts.skipped} skipped, {counts.missed} missed"


# -- drawing ----------------------------------------------------------------------------------


def _scale(highest: int) -> tuple[int, int]:
    """A count axis for values up to `highest`: (its top, its step), whole numbers with at
    most five steps, of 1, 2 or 5 times a power of ten; 0 to 1 with no bars."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if highest <= 5 * step * factor:
                size = step * factor
                return max(1, -(-highest // size)) * size, size
        step *= 10


def _y(value: float, maximum: float, top: float, bottom: float) -> float:
    return bottom - (bottom - top) * min(value, maximum) / maximum


def _bar(x: float, width: float, value: int, fill: str, axis: tuple[float, float, float]) -> str:
    """A bar up from the axis; `axis` is (the value at its top, its top, its bottom)."""
    if value <= 0:
        return ""
    highest, top, bottom = axis
    y = _y(value, highest, top, bottom)
    return _rect(x, y, width, bottom - y, fill)


def _count_axis(scale: tuple[int, int], top: float, bottom: float) -> list[str]:
    highest, step = scale
    return _axis(((v, str(v)) for v in range(0, highest + 1, step)), highest, top, bottom)


def _share_axis(top: float, bottom: float) -> list[str]:
    return _axis(((v, f"{v}%") for v in range(0, 101, 25)), 100, top, bottom)


def _axis(ticks: Iterable[tuple[int, str]], maximum: int, top: float, bottom: float) -> list[str]:
    parts = []
    for value, label in ticks:
        y = _y(value, maximum, top, bottom)
        parts.append(
            f'<line x1="{LEFT}" y1="{_n(y)}" x2="{WIDTH - RIGHT}" y2="{_n(y)}" '
            f'stroke="{GRID if value else MUTED}" stroke-width="1"/>'
        )
        parts.append(_text(LEFT - 6, y + 4, label, anchor="end", fill=MUTED))
    return parts


def _legend(entries: Iterable[tuple[str, str]]) -> list[str]:
    parts, x = [], float(LEFT)
    for colour, label in entries:
        parts.append(_rect(x, 4, 12, 12, colour))
        parts.append(_text(x + 17, 14, label))
        x += 17 + 8 * len(label) + 16
    return parts


def _group(tip: str, shapes: Sequence[str]) -> str:
    inner = "".join(shapes)
    return f"<g><title>{escape(tip, quote=False)}</title>{inner}</g>" if inner else ""


def _rect(x: float, y: float, width: float, height: float, fill: str) -> str:
    return (
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" height="{_n(height)}" fill="{fill}"/>'
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", fill: str = INK) -> str:
    position = f'x="{_n(x)}" y="{_n(y)}"'
    if anchor != "start":
        position += f' text-anchor="{anchor}"'
    if fill != INK:
        position += f' fill="{fill}"'
    return f"<text {position}>{escape(text, quote=False)}</text>"


def _n(value: float) -> str:
    """A coordinate with at most one decimal: short, and the same on every machine."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _svg(height: int, label: str, parts: Iterable[str]) -> str:
    body = "\n".join(part for part in parts if part)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'font-size="12" fill="{INK}">\n<title>{escape(label, quote=False)}</title>\n'
        f"{body}\n</svg>"
    )


# The helpers other charts of the report draw with (postureping.stats.pain_chart).
group, legend, number, rect, share_axis, svg, text, y_of = (
    _group, _legend, _n, _rect, _share_axis, _svg, _text, _y,
)  # fmt: skip
