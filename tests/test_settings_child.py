"""The daemon validates its settings in a child process (postureping.settings.child), so that
pydantic never loads in the long-running daemon. The child must give what a load in this
process gives, report problems the same way, and the daemon must really stay without pydantic."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from postureping.daemon.settings import DaemonSettings
from postureping.errors import ConfigError, UserError
from postureping.paths import resolve_paths
from postureping.settings.child import load_settings
from postureping.settings.load import load
from tests.cli_helpers import isolated_env, run_cli
from tests.daemon_process import running_daemon

SETTINGS = """
[notifications]
backend = "console"
timeout = "45s"
renotify = 2

[activity]
away_after = "3m"
never_hold = ["mpv", "Firefox"]

[active_hours]
sat = ["10:00-12:00"]

[routines.walk]
every = "50m"

[[custom_routines]]
id = "squats"
title = "Ten squats"
message = "Bend your knees, keep your back straight."
every = "2h"
"""


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The folders resolve_paths finds, under tmp_path (the child writes its settings cache)."""
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))


def write(root: Path, text: str) -> Path:
    config = root / "settings.toml"
    config.write_text(text, encoding="utf-8")
    return config


def test_the_child_gives_what_a_load_here_gives(tmp_path: Path) -> None:
    environ = {"POSTUREPING_ROUTINES__STRETCH__ENABLED": "false", "OTHER": "ignored"}
    paths = resolve_paths(write(tmp_path, SETTINGS), environ)
    settings = load_settings(paths, environ)
    assert settings == DaemonSettings.from_loaded(load(paths, environ))
    assert settings.config_file == paths.config_file
    assert settings.notifications.backend == "console" and settings.notifications.renotify == 2
    assert set(settings.activity.never_hold) == {"mpv", "firefox"}  # the schema folds case
    by_id = {r.id: r for r in settings.routines}
    assert by_id["squats"].builtin is False and by_id["stretch"].enabled is False


def test_every_setting_of_the_daemons_sections_reaches_it_with_no_copy_by_hand(
    tmp_path: Path,
) -> None:
    """A new field of [notifications] or [activity] needs no change to the daemon's record."""
    paths = resolve_paths(write(tmp_path, SETTINGS), {})
    loaded = load(paths, {})
    settings = load_settings(paths, {})
    for name in ("notifications", "activity"):
        model = getattr(loaded.settings, name)
        for field in type(model).model_fields:
            assert getattr(getattr(settings, name), field) == getattr(model, field), field


def test_without_a_settings_file_the_defaults_apply(tmp_path: Path) -> None:
    paths = resolve_paths(None, {})
    assert not paths.config_file.exists()
    settings = load_settings(paths, {})
    assert settings.config_file is None
    assert settings == DaemonSettings.from_loaded(load(paths, {}))


def test_problems_come_back_as_the_same_error(tmp_path: Path) -> None:
    text = '[routines.walk]\nevery = "30 minutes please"\n[notifications]\nrenotify = 99\n'
    environ = {"POSTUREPING_ACTIVITY__IDLE": "maybe"}
    paths = resolve_paths(write(tmp_path, text), environ)
    with pytest.raises(ConfigError) as here:
        load(paths, environ)
    with pytest.raises(ConfigError) as there:
        load_settings(paths, environ)
    assert there.value.problems == here.value.problems and len(here.value.problems) == 3
    assert str(there.value) == str(here.value)


def test_a_child_over_its_time_limit_is_stopped(tmp_path: Path) -> None:
    paths = resolve_paths(write(tmp_path, SETTINGS), {})
    with pytest.raises(UserError, match=r"took over 0\.001 s"):
        load_settings(paths, {}, time_limit=0.001)


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/PID/maps")
def test_the_running_daemon_never_loads_pydantic(tmp_path: Path) -> None:
    env = isolated_env(tmp_path, {"POSTUREPING_NOTIFICATIONS__BACKEND": "console"})
    config = tmp_path / "config" / "postureping" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[routines.walk]\nevery = "40m"\n', encoding="utf-8")
    with running_daemon(["--no-tray"], env, tmp_path) as daemon:
        daemon.wait_for_output("postureping is running", timeout=20)
        config.write_text("[routines.walk]\nenabled = false\n", encoding="utf-8")
        reload = run_cli(tmp_path, "reload")
        assert reload.returncode == 0, reload.stderr
        status = run_cli(tmp_path, "status", "--json")
        assert '"walk"' not in status.stdout  # the reloaded settings are in force
        maps = Path(f"/proc/{daemon.proc.pid}/maps").read_text()
        assert "python3" in maps or "libpython" in maps  # we read the daemon's own map
        assert "_pydantic_core" not in maps
        assert daemon.stop() == 0
    assert "Traceback" not in daemon.output


def test_the_child_imports_this_copy_whatever_the_working_folder_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A daemon started at login runs in the home folder: a `postureping` folder or a
    `pickle.py` there must not be what the child imports."""
    decoy = tmp_path / "home"
    (decoy / "postureping").mkdir(parents=True)
    (decoy / "postureping" / "__init__.py").write_text("raise SystemExit('decoy')\n")
    (decoy / "pickle.py").write_text("raise SystemExit('decoy')\n")
    monkeypatch.chdir(decoy)
    paths = resolve_paths(write(tmp_path, SETTINGS), {})
    assert load_settings(paths, {}).notifications.backend == "console"


@pytest.mark.skipif(sys.platform == "win32", reason="a shell script stands in for Python")
def test_an_unreadable_answer_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\ncat >/dev/null\necho 'Welcome to a chatty interpreter'\n")
    fake.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(fake))
    paths = resolve_paths(write(tmp_path, SETTINGS), {})
    with pytest.raises(UserError, match="unreadable answer"):
        load_settings(paths, {})


def test_stop_ends_the_child_at_once(tmp_path: Path) -> None:
    paths = resolve_paths(write(tmp_path, SETTINGS), {})
    stop = threading.Event()
    threading.Timer(0.05, stop.set).start()
    started = time.monotonic()
    with pytest.raises(UserError, match="stopped while validating the settings"):
        load_settings(paths, {}, stop=stop)
    assert time.monotonic() - started < 2.0


@pytest.mark.skipif(sys.platform != "linux", reason="finds the child in /proc")
def test_sigterm_while_the_settings_are_checked_is_a_clean_stop(tmp_path: Path) -> None:
    env = isolated_env(tmp_path, {"POSTUREPING_NOTIFICATIONS__BACKEND": "console"})
    daemon = subprocess.Popen(
        [sys.executable, "-m", "postureping", "run", "--no-tray"],
        env=env, cwd=tmp_path, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        children = Path(f"/proc/{daemon.pid}/task/{daemon.pid}/children")
        deadline = time.monotonic() + 20
        while not children.read_text().split():  # the settings child is running
            assert daemon.poll() is None and time.monotonic() < deadline, "no settings child"
            time.sleep(0.005)
        daemon.send_signal(signal.SIGTERM)
        output, _ = daemon.communicate(timeout=20)
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    assert daemon.returncode == 0, output
    assert "Traceback" not in output and "failed" not in output
    assert "postureping is running" not in output
