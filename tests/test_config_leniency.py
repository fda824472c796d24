"""What the settings file forgives on purpose, what it refuses, and what it warns about:
the spellings people use, the list entry that is wrong, the key they meant."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

from postureping.hours import TimeRange
from postureping.schedule import schedule_warnings
from tests.cli_helpers import run_cli, write_settings
from tests.test_settings import load_text, problems


def test_the_obvious_spellings_are_accepted_on_purpose(tmp_path: Path) -> None:
    loaded = load_text(
        tmp_path,
        '[activity]\nidle = "yes"\nrespect_do_not_disturb = "off"\n'
        '[active_hours]\nmon = ["9:00-17:00"]\nthu = "09:00-18:00"\n'
        'tue = "8:30-12:00, 13:00-17:00"\n'
        '[routines.walk]\ndays = ["monday", "Tue", "WEDNESDAY"]\n'
        '[routines.stretch]\nat = "9:45"\n',
    )
    settings = loaded.settings
    assert settings.activity.idle is True and settings.activity.respect_do_not_disturb is False
    hours = settings.active_hours
    assert hours.mon == (TimeRange(9 * 60, 17 * 60),)
    assert hours.thu == (TimeRange(9 * 60, 18 * 60),)
    assert hours.tue == (TimeRange(8 * 60 + 30, 12 * 60), TimeRange(13 * 60, 17 * 60))
    walk = next(r for r in loaded.routines if r.id == "walk")
    assert walk.days == frozenset({0, 1, 2})
    assert settings.routines["stretch"].at == (time(9, 45),)


def test_a_word_that_only_starts_like_a_weekday_is_refused(tmp_path: Path) -> None:
    """Fault: the first three letters were all that counted: "monkey" was a Monday."""
    found = problems(tmp_path, '[routines.walk]\ndays = ["mon", "monkey", "thurs"]\n')
    assert len(found) == 2, found
    assert "routines.walk.days[1] = 'monkey': is not a weekday" in found[0]
    assert "routines.walk.days[2] = 'thurs'" in found[1]
    assert "monday or mon" in found[0]


def test_each_bad_list_entry_is_named(tmp_path: Path) -> None:
    """Fault: `at = ['25:00', '11:5']` was reported as a whole, without the entry."""
    found = problems(
        tmp_path,
        "[routines.stretch]\nat = ['25:00', '11:5', '12:00']\n"
        '[active_hours]\nmon = ["09:00-12:00", "18:00-09:00"]\n',
    )
    assert any("routines.stretch.at[0] = '25:00': a time of day as HH:MM" in p for p in found)
    assert any("routines.stretch.at[1] = '11:5': a time of day as HH:MM" in p for p in found)
    assert any("active_hours.mon[1] = '18:00-09:00': is reversed" in p for p in found)
    assert len(found) == 3, found


def test_an_unknown_key_suggests_the_closest_and_lists_the_allowed(tmp_path: Path) -> None:
    """Fault: `routines.walk.evry` said only "unknown key"."""
    found = problems(tmp_path, '[routines.walk]\nevry = "20m"\n[activty]\nidle = false\n')
    walk = next(p for p in found if "routines.walk.evry" in p)
    assert "did you mean 'every'?" in walk
    assert "allowed keys here: title, message" in walk and "break_after" in walk
    top = next(p for p in found if "activty" in p)
    assert "did you mean 'activity'?" in top and "notifications" in top
    custom = problems(
        tmp_path,
        '[[custom_routines]]\nid = "x"\ntitle = "X"\nmessage = "m"\nevery = "1h"\nat_ = 1\n',
    )
    assert "did you mean 'at'?" in custom[0], custom


def test_a_very_short_interval_is_warned_about_not_refused(tmp_path: Path) -> None:
    """Fault: `walk.every = "10s"` (a notification every 10 s) was accepted without a word."""
    loaded = load_text(tmp_path, '[routines.walk]\nevery = "10s"\n')
    walk = next(r for r in loaded.routines if r.id == "walk")
    assert walk.cadence.interval == timedelta(seconds=10)  # type: ignore[union-attr]
    warnings = schedule_warnings(loaded.routines, loaded.hours)
    assert any("routine 'walk' comes every 10s" in w and "under 5 minutes" in w for w in warnings)


def test_config_check_and_routines_warn_on_stderr(tmp_path: Path) -> None:
    write_settings(tmp_path, '[routines.walk]\nevery = "4m"\n')
    check = run_cli(tmp_path, "config", "check")
    assert check.returncode == 0
    assert "warning: routine 'walk' comes every 4m" in check.stderr
    routines = run_cli(tmp_path, "routines")
    assert routines.returncode == 0 and "warning: routine 'walk'" in routines.stderr
