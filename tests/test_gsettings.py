"""GLib's real `gsettings` program through postureping.desktop.gsettings, on a private schema
folder (tests/gnome_settings.py): a value, a schema or key that is not installed, a program
that fails, and one that does not answer in time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from postureping.desktop.gsettings import (
    GSettingsError,
    NotInstalled,
    find_gsettings,
    gsettings_get,
)
from tests.gnome_settings import gnome_settings_env, movement_breaks

SCHEMA = "org.gnome.desktop.break-reminders"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"PATH": os.environ["PATH"], **gnome_settings_env(tmp_path / "gsettings")}


def program(env: dict[str, str]) -> str:
    found = find_gsettings(env)
    assert found is not None
    return found


def test_a_value_as_gsettings_prints_it(env: dict[str, str]) -> None:
    assert gsettings_get(program(env), env, SCHEMA, "selected-breaks", 10.0) == "@as []"
    movement_breaks(env, on=True)
    assert "'movement'" in gsettings_get(program(env), env, SCHEMA, "selected-breaks", 10.0)


def test_a_schema_or_key_not_installed_is_told_apart(env: dict[str, str]) -> None:
    with pytest.raises(NotInstalled, match="No such schema"):
        gsettings_get(program(env), env, "org.example.none", "key", 10.0)
    with pytest.raises(NotInstalled, match="No such key"):
        gsettings_get(program(env), env, SCHEMA, "no-such-key", 10.0)


def test_a_failing_or_silent_program_is_an_error(tmp_path: Path) -> None:
    failing, silent = tmp_path / "failing", tmp_path / "silent"
    failing.write_text("#!/bin/sh\necho 'broken: oops' >&2\nexit 1\n")
    silent.write_text("#!/bin/sh\nexec sleep 30\n")
    for script in (failing, silent):
        script.chmod(0o755)
    with pytest.raises(GSettingsError, match="broken: oops") as failed:
        gsettings_get(str(failing), {}, SCHEMA, "selected-breaks", 10.0)
    assert not isinstance(failed.value, NotInstalled)
    with pytest.raises(GSettingsError, match=r"no answer in 0\.5 s"):
        gsettings_get(str(silent), {}, SCHEMA, "selected-breaks", 0.5)


def test_no_program_on_the_path(tmp_path: Path) -> None:
    assert find_gsettings({"PATH": str(tmp_path)}) is None
