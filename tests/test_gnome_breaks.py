"""GNOME's own movement breaks (postureping.desktop.gnome_breaks), read with the real
`gsettings` from a private schema folder (tests/gnome_settings.py), with and without a stand-in
GNOME Shell's ScreenTime on a private session bus; what `doctor` says about them; and the
engine's rule 9.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from postureping.desktop.gnome_breaks import GnomeBreaks, advice, parse_seconds, parse_strings
from postureping.desktop.gnome_breaks import read_gnome_breaks as read
from postureping.engine.inputs import Look, Tick
from tests.cli_helpers import isolated_env, run_cli
from tests.gnome_settings import gnome_settings_env, gsettings_set, movement_breaks, screen_time
from tests.routine_factory import every
from tests.test_engine import MONDAY_9, M, Rig, office

NO_BUS = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/bus"}


def test_gsettings_output_is_read() -> None:
    assert parse_strings("['movement', 'eyesight']") == ["movement", "eyesight"]
    assert parse_strings("@as []") == []
    assert parse_seconds("uint32 1800") == timedelta(minutes=30)
    assert parse_seconds("300") == timedelta(minutes=5)
    assert parse_seconds("'x'") is None


def test_the_advice_names_the_setting() -> None:
    on = GnomeBreaks(True, every=timedelta(minutes=30), length=timedelta(minutes=5))
    assert advice(on, "keep-walk") == (
        "GNOME's movement breaks are on (every 30 min, 5 min each): postureping reminds you of "
        'the walk as well; to leave it to GNOME, set activity.gnome_movement_breaks = "skip-walk"'
    )
    assert "leaves the walk to them" in advice(on, "skip-walk")


@pytest.fixture
def gnome(tmp_path: Path) -> dict[str, str]:
    env = gnome_settings_env(tmp_path / "gsettings")
    return {"PATH": os.environ["PATH"], **NO_BUS, **env}


def test_real_gsettings_movement_on_and_off(gnome: dict[str, str]) -> None:
    session = gnome | {"XDG_CURRENT_DESKTOP": "ubuntu:GNOME"}
    assert read(session) == GnomeBreaks(False, "GNOME's movement breaks are off")
    movement_breaks(gnome, on=True)
    gsettings_set(gnome, "org.gnome.desktop.break-reminders.movement", "interval-seconds", "2700")
    assert read(session) == GnomeBreaks(True, every=45 * M, length=5 * M)
    # Outside GNOME, a value left from an old GNOME session counts for nothing.
    assert not read(gnome | {"XDG_CURRENT_DESKTOP": "XFCE"}).movement
    movement_breaks(gnome, on=False)
    assert not read(session).movement


def test_no_schema_means_not_here(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "GSETTINGS_SCHEMA_DIR": os.fspath(tmp_path),
           "GSETTINGS_BACKEND": "memory", "XDG_CURRENT_DESKTOP": "GNOME", **NO_BUS}  # fmt: skip
    breaks = read(env)
    assert not breaks.movement and "no GSettings schema" in breaks.reason


@pytest.mark.parametrize(("state", "on"), [(0, False), (1, True), (3, True)])
def test_gnome_shells_screen_time_is_asked(
    gnome: dict[str, str], tmp_path: Path, state: int, on: bool
) -> None:
    movement_breaks(gnome, on=True)
    with screen_time(tmp_path / "bus", state) as address:
        # No XDG_CURRENT_DESKTOP: GNOME Shell's answer is what tells.
        breaks = read(gnome | {"DBUS_SESSION_BUS_ADDRESS": address})
    assert breaks.movement is on, breaks
    if not on:
        assert breaks.reason == "GNOME Shell's break reminders are off"


def test_doctor_says_so_and_a_bad_value_is_refused(gnome: dict[str, str], tmp_path: Path) -> None:
    movement_breaks(gnome, on=True)
    root = tmp_path / "user"
    env = isolated_env(root, {k: v for k, v in gnome.items() if k != "XDG_CONFIG_HOME"})
    env["XDG_CURRENT_DESKTOP"] = "GNOME"
    # gsettings keeps its keyfile in XDG_CONFIG_HOME, as does postureping its settings.
    env["XDG_CONFIG_HOME"] = gnome["XDG_CONFIG_HOME"]
    doctor = run_cli(root, "doctor", "--json", env=env)
    (check,) = [c for c in json.loads(doctor.stdout) if c["name"] == "GNOME breaks"]
    assert check["level"] == "warn"
    assert 'set activity.gnome_movement_breaks = "skip-walk"' in check["detail"]
    settings = Path(gnome["XDG_CONFIG_HOME"]) / "postureping" / "config.toml"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text('[activity]\ngnome_movement_breaks = "skip-walk"\n')
    doctor = run_cli(root, "doctor", env=env)
    line = next(x for x in doctor.stdout.splitlines() if "GNOME breaks" in x)
    assert line.startswith("ok") and "leaves the walk to them" in line, line
    settings.write_text('[activity]\ngnome_movement_breaks = "never"\n')
    check_run = run_cli(root, "config", "check", env=env)
    assert check_run.returncode == 2
    assert "activity.gnome_movement_breaks = 'never': must be one of" in check_run.stderr


# -- the engine's rule 9 -----------------------------------------------------------------------


def test_the_walk_is_left_to_gnome_while_its_movement_breaks_are_on() -> None:
    walk = replace(every(10), break_after=None)
    switch = replace(every(25, rid="switch"), title="Switch", break_after=None)
    rig = Rig(office(walk, switch, idle_monitor=None, left_to_desktop=frozenset({"walk"})))
    rig.now = MONDAY_9 + 10 * M
    rig.feed(Look(rig.now, None, None, holds_asked=True, desktop_breaks=True))
    rig.feed(Tick(rig.now))
    assert rig.shown() == []
    assert rig.engine.dues()["walk"] == MONDAY_9 + 20 * M  # counts afresh
    logs = [getattr(a, "text", "") for _, a in rig.actions]
    assert any("no 'walk' reminder: GNOME's movement breaks are on" in t for t in logs)
    rig.now = MONDAY_9 + 20 * M
    rig.feed(Look(rig.now, None, None, holds_asked=True, desktop_breaks=False))  # turned off
    rig.feed(Tick(rig.now))
    assert [r for _, r, _ in rig.shown()] == [("walk",)]
    rig.now = MONDAY_9 + 25 * M  # other routines are not affected
    rig.feed(Look(rig.now, None, None, holds_asked=True, desktop_breaks=True))
    rig.feed(Tick(rig.now))
    assert [r for _, r, _ in rig.shown()] == [("walk",), ("switch",)]


def test_without_the_setting_gnomes_breaks_change_nothing() -> None:
    rig = Rig(office(replace(every(10), break_after=None), idle_monitor=None))
    rig.now = MONDAY_9 + 10 * M
    rig.feed(Look(rig.now, None, None, holds_asked=True, desktop_breaks=True))
    rig.feed(Tick(rig.now))
    assert [r for _, r, _ in rig.shown()] == [("walk",)]
