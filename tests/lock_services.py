"""Things that lock the screen, for the tests: the real mate-screensaver under Xvfb, and a
stand-in logind on a private bus that plays the system bus.

logind cannot run here (it needs to be PID 1's systemd's, on the real system bus), so
FAKE_LOGIND owns org.freedesktop.login1, answers GetSession and GetSessionByPID with one
session (or, as for a process of a systemd user unit, which is in no session, GetSessionByPID
with NoSessionForPID while the user's Display property names the session), and, told on its
stdin, sets that session's LockedHint (emitting PropertiesChanged
as logind does) or emits its Lock and Unlock signals.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from tests.desktop import DesktopSession, pid_alive, start_bus, stop_pid, wait_until

WAIT = 10.0
SESSION_PATH = "/org/freedesktop/login1/session/_31"

FAKE_LOGIND = """\
import select, sys
from jeepney import HeaderFields, MessageType, message_bus, new_signal, DBusAddress
from jeepney.io.blocking import open_dbus_connection
from jeepney.wrappers import new_error, new_method_return

PATH = sys.argv[1]
IN_SESSION = sys.argv[2] == "in-session"  # else: a systemd user unit's process, in none
USER_PATH = "/org/freedesktop/login1/user/_1000"
conn = open_dbus_connection(bus="SYSTEM")
(result,) = conn.send_and_get_reply(message_bus.RequestName("org.freedesktop.login1", 4)).body
if result != 1:
    sys.exit(f"could not own org.freedesktop.login1: {result}")
locked = False  # the session's LockedHint
print("ready", flush=True)
session = DBusAddress(PATH, interface="org.freedesktop.login1.Session")
properties = DBusAddress(PATH, interface="org.freedesktop.DBus.Properties")
while True:
    ready, _, _ = select.select([conn.sock, sys.stdin], [], [])
    if sys.stdin in ready:
        line = sys.stdin.readline().strip()
        if not line:
            sys.exit(0)
        if line in ("Lock", "Unlock"):
            conn.send(new_signal(session, line))
        else:  # "hint true" / "hint false"
            locked = line == "hint true"
            changed = {"LockedHint": ("b", locked)}
            conn.send(new_signal(properties, "PropertiesChanged", "sa{sv}as",
                                 ("org.freedesktop.login1.Session", changed, [])))
        print("sent", line, flush=True)
        continue
    call = conn.receive()
    if call.header.message_type is not MessageType.method_call:
        continue
    member = call.header.fields.get(HeaderFields.member)
    if member == "GetSession" or (member == "GetSessionByPID" and IN_SESSION):
        conn.send(new_method_return(call, "o", (PATH,)))
    elif member == "GetSessionByPID":
        error = "org.freedesktop.login1.NoSessionForPID"
        conn.send(new_error(call, error, "s", ("PID does not belong to any known session",)))
    elif member == "GetUser":
        conn.send(new_method_return(call, "o", (USER_PATH,)))
    elif member == "Get" and call.body == ("org.freedesktop.login1.Session", "LockedHint"):
        conn.send(new_method_return(call, "v", (("b", locked),)))
    elif member == "Get" and call.body == ("org.freedesktop.login1.User", "Display"):
        conn.send(new_method_return(call, "v", (("(so)", ("31", PATH)),)))
    else:
        conn.send(new_error(call, "org.freedesktop.DBus.Error.UnknownMethod", "s", ("no",)))
"""


def need(program: str, package: str) -> None:
    """Skip without `program`; in CI, fail instead."""
    if shutil.which(program):
        return
    reason = f"needs {program} (apt package {package})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI is expected to install it (.ci/run)", pytrace=False)
    pytest.skip(reason)


class FakeLogind:
    def __init__(self, address: str, directory: Path, *, in_session: bool = True) -> None:
        self.address = address
        self.log = directory / "logind.log"
        env = {"DBUS_SYSTEM_BUS_ADDRESS": address, "PATH": os.environ.get("PATH", "/usr/bin")}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", FAKE_LOGIND, SESSION_PATH,
             "in-session" if in_session else "systemd-unit"],
            cwd=Path(__file__).resolve().parent.parent, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log.open("w"),
        )  # fmt: skip
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline() == "ready\n", self.log.read_text()

    def send(self, command: str) -> None:
        """ "Lock", "Unlock", "hint true" or "hint false"."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline() == f"sent {command}\n", self.log.read_text()

    def stop(self) -> None:
        if pid_alive(self.proc.pid):
            stop_pid(self.proc.pid)
        self.proc.wait(WAIT)


@contextmanager
def fake_logind(directory: Path, *, in_session: bool = True) -> Iterator[FakeLogind]:
    """A private bus standing in for the system bus, with FAKE_LOGIND on it; `in_session`
    False: this process is in no logind session, as under a systemd user unit."""
    need("dbus-daemon", "dbus-daemon")
    directory.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        _, address = start_bus(directory, {}, stack)
        logind = FakeLogind(address, directory, in_session=in_session)
        stack.callback(logind.stop)
        yield logind


class MateScreensaver:
    """The real mate-screensaver in a desktop session; it owns org.mate.ScreenSaver."""

    def __init__(self, desktop: DesktopSession) -> None:
        need("mate-screensaver", "mate-screensaver")
        self.desktop = desktop
        log = desktop.directory / "mate-screensaver.log"
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                ["mate-screensaver", "--no-daemon"], env=desktop.env,
                stdin=subprocess.DEVNULL, stdout=out, stderr=out,
            )  # fmt: skip
        owner = ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
                 "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner",
                 "string:org.mate.ScreenSaver"]  # fmt: skip

        def owns() -> bool:
            assert self.proc.poll() is None, log.read_text()
            return "boolean true" in desktop.run(*owner)

        wait_until(owns, timeout=WAIT, what="mate-screensaver to own its name")

    def lock(self) -> None:
        self.desktop.run("mate-screensaver-command", "--lock")

    def unlock(self) -> None:
        """What the password dialog does once the right password is typed: the screen saver
        goes away (typing a password into Xvfb is beyond this test)."""
        self.desktop.run("mate-screensaver-command", "--deactivate")

    def active(self) -> bool:
        return "is active" in self.desktop.run("mate-screensaver-command", "--query")

    def stop(self) -> None:
        if pid_alive(self.proc.pid):
            stop_pid(self.proc.pid)
        self.proc.wait(WAIT)


class GnomeScreensaver:
    """The real gnome-screensaver 3.6 (org.gnome.ScreenSaver, the interface GNOME Shell serves
    too). Under Xvfb it announces its lock (ActiveChanged true) and then crashes (SIGSEGV)."""

    def __init__(self, desktop: DesktopSession) -> None:
        need("gnome-screensaver", "gnome-screensaver")
        self.desktop = desktop
        log = desktop.directory / "gnome-screensaver.log"
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                ["gnome-screensaver", "--no-daemon"], env=desktop.env,
                stdin=subprocess.DEVNULL, stdout=out, stderr=out,
            )  # fmt: skip
        owner = ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
                 "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner",
                 "string:org.gnome.ScreenSaver"]  # fmt: skip

        def owns() -> bool:
            assert self.proc.poll() is None, log.read_text()
            return "boolean true" in desktop.run(*owner)

        wait_until(owns, timeout=WAIT, what="gnome-screensaver to own its name")

    def lock(self) -> None:
        self.desktop.run("gnome-screensaver-command", "--lock")

    def stop(self) -> None:
        if pid_alive(self.proc.pid):
            stop_pid(self.proc.pid)
        self.proc.wait(WAIT)


@contextmanager
def gnome_screensaver(desktop: DesktopSession) -> Iterator[GnomeScreensaver]:
    saver = GnomeScreensaver(desktop)
    try:
        yield saver
    finally:
        saver.stop()


@contextmanager
def mate_screensaver(desktop: DesktopSession) -> Iterator[MateScreensaver]:
    saver = MateScreensaver(desktop)
    try:
        yield saver
    finally:
        saver.stop()
