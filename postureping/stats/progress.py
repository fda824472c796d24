"""Today's progress in words, for `status` and `stats`: counts that add up, right plurals."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """ "1 reminder", "2 reminders", "0 reminders"."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def today_progress(done: int, prompted: int) -> str:
    """ "2 of 4 reminders done"; when answers given without a reminder make `done` the larger
    (`postureping done walk` on one's own), the two counts stand apart: "3 done, 1 reminder
    shown", never the impossible "3 of 1"."""
    if prompted == 0:
        return f"{done} done, no reminders yet" if done else "no reminders yet"
    if done > prompted:
        return f"{done} done, {plural(prompted, 'reminder')} shown"
    return f"{done} of {plural(prompted, 'reminder')} done"
