"""The settings file: every kind of bad input gets a clear message, all at once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import pytest

from postureping.commands.config import starter_text
from postureping.errors import ConfigError
from postureping.paths import Paths
from postureping.routines import At, Every
from postureping.settings.load import LoadedSettings, load


def paths_for(file: Path, source: str = "--config") -> Paths:
    return Paths(file, source, file.parent / "data", file.parent / "state", file.parent / "run")


def load_text(
    tmp_path: Path, text: str | bytes, environ: Mapping[str, str] | None = None
) -> LoadedSettings:
    file = tmp_path / "config.toml"
    if isinstance(text, bytes):
        file.write_bytes(text)
    else:
        file.write_text(text, encoding="utf-8")
    return load(paths_for(file), environ or {})


def problems(
    tmp_path: Path, text: str | bytes, environ: Mapping[str, str] | None = None
) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_text(tmp_path, text, environ)
    assert caught.value.exit_code == 2
    return [str(p) for p in caught.value.problems]


def test_defaults_without_a_file(tmp_path: Path) -> None:
    loaded = load(paths_for(tmp_path / "absent.toml", source="default"), {})
    assert not loaded.config_exists
    assert len(loaded.routines) >= 8
    assert loaded.settings.notifications.backend == "auto"
    assert loaded.store_file == tmp_path / "data" / "events.jsonl"


def test_starter_file_is_valid(tmp_path: Path) -> None:
    loaded = load_text(tmp_path, starter_text())
    assert loaded.config_exists


def test_a_named_file_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load(paths_for(tmp_path / "missing.toml"), {})
    assert "missing.toml: file not found (named by --config)" in str(caught.value)


def test_bad_toml_names_the_line(tmp_path: Path) -> None:
    [message] = problems(tmp_path, '[notifications]\nbackend = "auto"\ntimeout = \n')
    assert "config.toml" in message and "not valid TOML" in message and "line 3" in message


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    [message] = problems(tmp_path, b'[notifications]\n# caf\xe9\nbackend = "auto"\n')
    assert "not UTF-8" in message and "line 2" in message and "0xe9" in message


def test_unknown_key_lists_the_allowed_ones(tmp_path: Path) -> None:
    [message] = problems(tmp_path, '[notifications]\nbakend = "console"\n')
    assert "notifications.bakend" in message
    assert "unknown key; did you mean 'backend'? allowed keys here: backend, timeout" in message


def test_unknown_section(tmp_path: Path) -> None:
    [message] = problems(tmp_path, "[notification]\n")
    assert "notification" in message and "unknown key" in message and "active_hours" in message


def test_wrong_types(tmp_path: Path) -> None:
    found = problems(tmp_path, '[stats]\ndaily_goal = "many"\n[routines.walk]\nenabled = 3\n')
    assert any("stats.daily_goal = 'many': must be a whole number" in p for p in found)
    assert any("routines.walk.enabled = 3: must be true or false" in p for p in found)


def test_wrong_choice(tmp_path: Path) -> None:
    [message] = problems(tmp_path, '[notifications]\nbackend = "growl"\n')
    assert "notifications.backend = 'growl'" in message
    assert "'auto', 'freedesktop', 'plyer' or 'console'" in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30 minutes please", "not a duration"),
        ("-5m", "must be positive"),
        ("0s", "must be longer than zero"),
        ("30m1h", "out of order"),
    ],
)
def test_bad_durations(tmp_path: Path, value: str, expected: str) -> None:
    [message] = problems(tmp_path, f'[routines.walk]\nevery = "{value}"\n')
    assert f"routines.walk.every = '{value}'" in message
    assert expected in message and "like 45s, 30m, 1h30m" in message


def test_duration_of_the_wrong_type(tmp_path: Path) -> None:
    [message] = problems(tmp_path, "[notifications]\ntimeout = 20\n")
    assert "notifications.timeout = 20: must be text in quotes" in message


def test_unknown_routine_id_lists_the_built_in_ones(tmp_path: Path) -> None:
    [message] = problems(tmp_path, "[routines.strech]\nenabled = false\n")
    assert "unknown routine id 'strech'" in message
    assert "walk" in message and "custom_routines" in message


@pytest.mark.parametrize("value", ['["25:00"]', '["12:60"]', '["noon"]'])
def test_bad_time_of_day(tmp_path: Path, value: str) -> None:
    [message] = problems(tmp_path, f"[routines.walk]\nat = {value}\n")
    assert "routines.walk.at" in message and "HH:MM, from 00:00 to 23:59" in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('["18:00-09:00"]', "reversed"),
        ('["10:00-10:00"]', "empty range"),
        ('["09:00-12:00", "11:00-14:00"]', "overlapping"),
        ('["9 to 5"]', "HH:MM"),
    ],
)
def test_bad_active_hours(tmp_path: Path, value: str, expected: str) -> None:
    [message] = problems(tmp_path, f"[active_hours]\nmon = {value}\n")
    assert "active_hours.mon" in message and expected in message


def test_duplicate_routine_ids(tmp_path: Path) -> None:
    entry = '[[custom_routines]]\nid = "{id}"\ntitle = "Water"\nmessage = "Drink."\nevery = "1h"\n'
    found = problems(tmp_path, entry.format(id="water") * 2 + entry.format(id="walk"))
    assert any("custom_routines[1].id = 'water': duplicate routine id" in p for p in found)
    assert any(
        "custom_routines[2].id = 'walk': is the id of a built-in routine" in p for p in found
    )


def test_every_and_at_together(tmp_path: Path) -> None:
    entry = (
        '[[custom_routines]]\nid = "water"\ntitle = "W"\nmessage = "M"\n'
        'every = "1h"\nat = ["10:00"]\n'
    )
    [message] = problems(tmp_path, entry)
    assert 'custom_routines[0] (id "water")' in message and "not both" in message


def test_custom_routine_needs_a_cadence_and_text(tmp_path: Path) -> None:
    found = problems(tmp_path, '[[custom_routines]]\nid = "water"\n')
    joined = "\n".join(found)
    assert "title: required key is missing" in joined
    assert "message: required key is missing" in joined


def test_all_errors_at_once(tmp_path: Path) -> None:
    text = (
        '[notifications]\nbackend = "x"\ntimeout = "0s"\n'
        '[active_hours]\ntue = ["18:00-09:00"]\n'
        "[routines.nope]\nenabled = true\n"
    )
    assert len(problems(tmp_path, text)) == 4


def test_environment_overrides_single_values(tmp_path: Path) -> None:
    loaded = load_text(
        tmp_path,
        '[notifications]\nbackend = "plyer"\n[routines.walk]\nevery = "1h"\n',
        {
            "POSTUREPING_NOTIFICATIONS__BACKEND": "console",
            "POSTUREPING_ROUTINES__WALK__EVERY": "25m",
            "POSTUREPING_ACTIVE_HOURS__SAT": "10:00-12:00, 14:00-16:00",
            "POSTUREPING_STATS__DAILY_GOAL": "3",
        },
    )
    assert loaded.settings.notifications.backend == "console"
    assert loaded.origin(("notifications", "backend")) == "env POSTUREPING_NOTIFICATIONS__BACKEND"
    assert loaded.origin(("notifications", "timeout")) == "default"
    walk = next(r for r in loaded.routines if r.id == "walk")
    assert walk.cadence == Every(timedelta(minutes=25))
    assert [str(r) for r in loaded.hours.days[5]] == ["10:00-12:00", "14:00-16:00"]
    assert loaded.settings.stats.daily_goal == 3


def test_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    [message] = problems(tmp_path, "", {"POSTUREPING_NOTIFICATIONS__TIMEOUT": "soon"})
    assert message.startswith("environment variable POSTUREPING_NOTIFICATIONS__TIMEOUT")


def test_overrides_change_a_built_in_routine(tmp_path: Path) -> None:
    loaded = load_text(
        tmp_path,
        '[routines.walk]\nat = ["10:00", "15:00"]\ndays = ["mon", "fri"]\ntitle = "Go for a walk"\n'
        "[routines.stretch]\nenabled = false\n",
    )
    walk = next(r for r in loaded.routines if r.id == "walk")
    assert isinstance(walk.cadence, At) and len(walk.cadence.times) == 2
    assert walk.days == frozenset({0, 4}) and walk.title == "Go for a walk"
    assert not next(r for r in loaded.routines if r.id == "stretch").enabled


def test_custom_routine_is_added(tmp_path: Path) -> None:
    loaded = load_text(
        tmp_path,
        '[[custom_routines]]\nid = "water"\ntitle = "Water"\nmessage = "Drink a glass."\n'
        'every = "1h"\n[[custom_routines.steps]]\ntext = "Fill the glass"\nseconds = 20\n',
    )
    water = loaded.routines[-1]
    assert (water.id, water.builtin, water.steps[0].seconds) == ("water", False, 20)


def test_store_path_is_expanded(tmp_path: Path) -> None:
    loaded = load_text(tmp_path, '[store]\npath = "~/my-events.jsonl"\n')
    assert loaded.store_file == Path("~/my-events.jsonl").expanduser()


def test_loading_never_writes_the_file(tmp_path: Path) -> None:
    text = '[notifications]\nbackend = "x"\n'
    file = tmp_path / "config.toml"
    problems(tmp_path, text)
    assert file.read_text(encoding="utf-8") == text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_environment_names_routines_with_dashes(tmp_path: Path) -> None:
    loaded = load_text(tmp_path, "", {"POSTUREPING_ROUTINES__SWITCH_POSITION__EVERY": "15m"})
    routine = next(r for r in loaded.routines if r.id == "switch-position")
    assert routine.cadence == Every(timedelta(minutes=15))
    assert loaded.origin(("routines", "switch-position", "every")) == (
        "env POSTUREPING_ROUTINES__SWITCH_POSITION__EVERY"
    )


def test_gnome_movement_breaks_takes_two_values(tmp_path: Path) -> None:
    [message] = problems(tmp_path, '[activity]\ngnome_movement_breaks = "skip"\n')
    assert "activity.gnome_movement_breaks = 'skip'" in message
    assert "must be one of: 'keep-walk' or 'skip-walk'" in message
    loaded = load_text(tmp_path, '[activity]\ngnome_movement_breaks = "skip-walk"\n')
    assert loaded.settings.activity.gnome_movement_breaks == "skip-walk"
