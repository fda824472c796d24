"""Screen locks as the daemon hears of them (postureping.daemon.lock_signal): the real
mate-screensaver under Xvfb on a private session bus, and a stand-in logind on a private bus
that plays the system bus (tests/lock_services.py). Forgers on the same buses are ignored.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from postureping.daemon.lock_signal import LockSignals
from tests.cli_helpers import isolated_env, run_cli
from tests.desktop import DesktopSession, wait_until
from tests.lock_services import (
    SESSION_PATH,
    FakeLogind,
    fake_logind,
    gnome_screensaver,
    mate_screensaver,
)

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="D-Bus desktops")

WAIT = 10.0


class Told:
    def __init__(self) -> None:
        self.locks: list[bool] = []
        self._changed = threading.Condition()

    def __call__(self, locked: bool) -> None:
        with self._changed:
            self.locks.append(locked)
            self._changed.notify_all()

    def wait_for(self, expected: list[bool]) -> None:
        wait_until(lambda: self.locks == expected or None, timeout=WAIT,
                   what=f"locks {expected} (have {self.locks})")  # fmt: skip


@pytest.fixture
def logind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLogind]:
    with fake_logind(tmp_path / "system") as service:
        monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", service.address)
        yield service


@pytest.mark.desktop
def test_a_real_screen_saver_lock_and_its_end(
    desktop: DesktopSession, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", desktop.bus_address)
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path}/no-system-bus")
    told = Told()
    with mate_screensaver(desktop) as saver:
        signals = LockSignals(told, {})
        try:
            assert signals.start()
            assert signals.running
            assert signals.watching == ["screen saver (org.mate.ScreenSaver)"]
            assert signals.problems[0].startswith("logind: no system bus")
            saver.lock()
            told.wait_for([True])
            assert saver.active()
            # Another program on the bus cannot unlock us.
            forge = ["gdbus", "emit", "--session", "--object-path", "/org/mate/ScreenSaver",
                     "--signal", "org.mate.ScreenSaver.ActiveChanged", "false"]  # fmt: skip
            desktop.run(*forge)
            time.sleep(0.5)  # time enough for it to arrive, were it heard
            assert told.locks == [True]
            saver.unlock()
            told.wait_for([True, False])
        finally:
            signals.close()


@pytest.mark.desktop
def test_a_screen_saver_that_dies_while_locked_leaves_the_screen_unlocked(
    desktop: DesktopSession, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The real gnome-screensaver locks (org.gnome.ScreenSaver ActiveChanged, as GNOME Shell
    sends it), then crashes under Xvfb: an X screen saver that is gone locks nothing, so the
    user must not stay "away" for good."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", desktop.bus_address)
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path}/no-system-bus")
    told = Told()
    with gnome_screensaver(desktop) as saver:
        signals = LockSignals(told, {})
        try:
            assert signals.start()
            assert signals.watching == ["screen saver (org.gnome.ScreenSaver)"]
            saver.lock()
            told.wait_for([True])
            wait_until(lambda: saver.proc.poll() is not None, timeout=WAIT, what="the crash")
            told.wait_for([True, False])
        finally:
            signals.close()


@pytest.mark.desktop
def test_a_screen_saver_that_starts_later_is_heard(
    desktop: DesktopSession, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", desktop.bus_address)
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path}/no-system-bus")
    told = Told()
    signals = LockSignals(told, {})
    try:
        assert signals.start() and not signals.running
        assert signals.watching == ["screen saver (none running yet)"]
        with mate_screensaver(desktop) as saver:
            saver.lock()
            told.wait_for([True])
    finally:
        signals.close()


def test_logind_locked_hint_is_the_lock_and_its_signals_are_not(
    logind: FakeLogind, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """LockedHint is the session's state. The Lock and Unlock signals are only requests to
    the session's locker (`loginctl lock-session`): swaylock or i3lock, unlocked with a
    password, never brings an Unlock, so taking Lock for the state left the user away, and
    every reminder held, until the daemon restarted."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-session-bus")
    told = Told()
    signals = LockSignals(told, {"XDG_SESSION_ID": "31"})
    try:
        assert signals.start()
        assert signals.watching == [f"logind ({SESSION_PATH})"]
        logind.send("Lock")  # a request only: nothing is told
        logind.send("hint true")
        told.wait_for([True])
        logind.send("hint false")
        told.wait_for([True, False])
        logind.send("Unlock")
        logind.send("hint true")
        told.wait_for([True, False, True])
    finally:
        signals.close()


def test_under_a_systemd_user_unit_the_users_graphical_session_is_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`postureping run` as a systemd user unit (autostart --systemd) has no XDG_SESSION_ID
    and its process is in no logind session: the session followed is the user's graphical
    one (logind's User.Display), so a lock still counts as a break."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-session-bus")
    with fake_logind(tmp_path / "system", in_session=False) as service:
        monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", service.address)
        told = Told()
        signals = LockSignals(told, {})
        try:
            assert signals.start(), signals.problems
            assert signals.watching == [f"logind ({SESSION_PATH})"]
            service.send("hint true")
            told.wait_for([True])
        finally:
            signals.close()


def test_a_session_locked_before_the_daemon_starts_is_locked(
    logind: FakeLogind, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The daemon started (or restarted) while the screen is locked: logind's LockedHint at
    start is the lock, not only its later changes."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-session-bus")
    logind.send("hint true")
    told = Told()
    signals = LockSignals(told, {"XDG_SESSION_ID": "31"})
    try:
        assert signals.start()
        told.wait_for([True])
        logind.send("hint false")
        told.wait_for([True, False])
    finally:
        signals.close()


@pytest.mark.desktop
def test_a_screen_saver_active_before_the_daemon_starts_is_a_lock(
    desktop: DesktopSession, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """mate-screensaver locked before LockSignals starts: its GetActive at start is the lock."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", desktop.bus_address)
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path}/no-system-bus")
    told = Told()
    with mate_screensaver(desktop) as saver:
        saver.lock()
        wait_until(saver.active, timeout=WAIT, what="the screen saver to lock")
        signals = LockSignals(told, {})
        try:
            assert signals.start()
            told.wait_for([True])
            saver.unlock()
            told.wait_for([True, False])
        finally:
            signals.close()


def test_a_forged_logind_signal_is_ignored(
    logind: FakeLogind, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-session-bus")
    told = Told()
    signals = LockSignals(told, {})  # no XDG_SESSION_ID: the session of this process
    try:
        assert signals.start()
        env = {"DBUS_SYSTEM_BUS_ADDRESS": logind.address}
        forge = ["gdbus", "emit", "--system", "--object-path", SESSION_PATH,
                 "--signal", "org.freedesktop.DBus.Properties.PropertiesChanged",
                 "org.freedesktop.login1.Session", "{'LockedHint': <true>}", "@as []"]  # fmt: skip
        subprocess.run(forge, env=env, check=True, timeout=WAIT)
        logind.send("hint false")  # the real one comes after the forged one, in order
        told.wait_for([False])
    finally:
        signals.close()


def test_doctor_names_what_tells_of_a_lock(logind: FakeLogind, tmp_path: Path) -> None:
    root = tmp_path / "user"
    env = isolated_env(root, {"DBUS_SYSTEM_BUS_ADDRESS": logind.address, "XDG_SESSION_ID": "31"})
    env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={tmp_path}/no-session-bus"
    result = run_cli(root, "doctor", env=env)
    line = next(x for x in result.stdout.splitlines() if "screen lock" in x)
    assert line.split()[0] == "ok" and f"logind ({SESSION_PATH})" in line, line
