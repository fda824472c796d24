"""How well the habits are kept, from the history: pure, values in and values out.

- `tally.py`: one pass over the events: counts by local day, hour, routine and kind.
- `compute.py`: counts, adherence, today's progress, the days and the hours.
- `streaks.py`: the days in a row that met a goal.
- `progress.py`: today's progress in words, for `status` and `stats`.
- `views.py`: the terminal's pictures (a week of bars, a heatmap) as values.
- `report.py` and `charts.py`: the self-contained HTML report and its inline SVG charts.
- `pain.py` and `pain_chart.py`: back pain from the check-ins beside the habits, by week.
"""
