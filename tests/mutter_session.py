"""A real GNOME idle monitor for tests: headless Mutter on a private D-Bus session bus.

`mutter --headless --wayland --no-x11` needs no screen, GPU, X server, system bus or logind: it
draws into a virtual monitor (without a GPU, through Mesa's surfaceless EGL in software) and
serves the same `org.gnome.Mutter.IdleMonitor` a GNOME session has. A test makes input through
Mutter's RemoteDesktop API, which Mutter handles like a real mouse, so the idle time resets
exactly when the test says.

Mutter ties a RemoteDesktop session to the bus connection that created it (calls from any other
connection are refused, and the session ends when its connection closes), so the harness keeps
one jeepney connection open for the whole session. Everything runs from one directory and every
process is stopped by PID on exit, as in tests/desktop.py.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import DEVNULL, Popen
from typing import Any

from tests.desktop import (
    STOP_TIMEOUT,
    DesktopError,
    start_bus,
    stop_pid,
    strip_session_vars,
    wait_until,
)

STARTUP_TIMEOUT = 30.0  # seconds; Mutter starts in well under 1 s, a loaded CI machine is slower
CALL_TIMEOUT = 5.0
IDLE_MONITOR = "org.gnome.Mutter.IdleMonitor"
IDLE_MONITOR_PATH = "/org/gnome/Mutter/IdleMonitor/Core"
REMOTE_DESKTOP = "org.gnome.Mutter.RemoteDesktop"
REMOTE_DESKTOP_PATH = "/org/gnome/Mutter/RemoteDesktop"
WAYLAND_DISPLAY = "wayland-0"  # a socket in the session's own XDG_RUNTIME_DIR
# How far the idle time read after touch() may run ahead of the time since the input was sent:
# Mutter rounds to whole milliseconds.
TOUCH_SLACK_MS = 20

# Each program the session runs, and the Debian package that ships it. Debian 12's `mutter`
# (43) brings its schemas (mutter-common, gsettings-desktop-schemas) as dependencies.
REQUIRED_PROGRAMS = {"mutter": "mutter", "dbus-daemon": "dbus-daemon"}

MUTTER_ARGS = [
    "mutter",
    "--headless",
    "--wayland",
    "--no-x11",  # no Xwayland, so no X socket in /tmp and no child process
    "--virtual-monitor",
    "1024x768",
    "--wayland-display",
    WAYLAND_DISPLAY,
]


def missing_mutter() -> str | None:
    """Why the Mutter session cannot start here (a skip reason), or None if it can."""
    if sys.platform != "linux":
        return "headless Mutter runs on Linux only"
    missing = [f"{name} (apt package {pkg})" for name, pkg in REQUIRED_PROGRAMS.items()
               if not shutil.which(name)]  # fmt: skip
    try:
        import jeepney  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        missing.append("the jeepney Python package")
    return "GNOME idle test needs " + ", ".join(missing) if missing else None


def require_mutter() -> None:
    """Skip a test that needs Mutter where it is missing; in CI (`CI=true`), fail instead."""
    import pytest  # this module is also a plain harness

    if reason := missing_mutter():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI is expected to install it (.ci/run)", pytrace=False)
        pytest.skip(reason)


@dataclass(frozen=True)
class MutterSession:
    """A running headless Mutter. Start every process under test with `env`."""

    env: dict[str, str]  # DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR, WAYLAND_DISPLAY
    pids: dict[str, int]  # "dbus-daemon", "mutter"
    directory: Path  # holds the bus config, Mutter's HOME and each process's log
    _conn: Any = field(repr=False)  # the jeepney connection that owns the RemoteDesktop session
    _remote_desktop_session: str = field(repr=False)  # its object path

    def idle_ms(self) -> int:
        """Mutter's idle time now, in milliseconds (GetIdletime of the core idle monitor)."""
        idle_monitor = (IDLE_MONITOR_PATH, IDLE_MONITOR, IDLE_MONITOR)
        (value,) = _call(self._conn, *idle_monitor, "GetIdletime")
        return int(value)

    def touch(self) -> None:
        """Move the pointer one pixel right and back, as a user would, and wait until Mutter has
        counted it: the idle time is then no older than the moment this was called."""
        start = time.monotonic()
        for dx in (1.0, -1.0):
            _session_call(self._conn, self._remote_desktop_session,
                          "NotifyPointerMotionRelative", "dd", (dx, 0.0))  # fmt: skip

        def counted() -> bool:
            return self.idle_ms() <= (time.monotonic() - start) * 1000 + TOUCH_SLACK_MS

        wait_until(counted, timeout=CALL_TIMEOUT, what="Mutter to count the injected input")


def _call(
    conn: Any,
    path: str,
    bus_name: str,
    interface: str,
    method: str,
    signature: str | None = None,
    body: tuple[Any, ...] = (),
) -> tuple[Any, ...]:
    """Call a method over `conn` and return the reply's arguments; raise for an error reply."""
    from jeepney import DBusAddress, new_method_call
    from jeepney.wrappers import unwrap_msg  # type: ignore[import-untyped]

    address = DBusAddress(path, bus_name=bus_name, interface=interface)
    message = new_method_call(address, method, signature, body)
    return tuple(unwrap_msg(conn.send_and_get_reply(message, timeout=CALL_TIMEOUT)))


def _session_call(
    conn: Any, path: str, method: str, signature: str | None = None, body: tuple[Any, ...] = ()
) -> None:
    _call(conn, path, REMOTE_DESKTOP, f"{REMOTE_DESKTOP}.Session", method, signature, body)


def _runtime_dir(directory: Path, stack: ExitStack) -> Path:
    """A private 0700 XDG_RUNTIME_DIR short enough for the Wayland socket's path (108 bytes)."""
    runtime = directory / "runtime"
    if len(os.fsencode(runtime / WAYLAND_DISPLAY)) > 100:
        runtime = Path(tempfile.mkdtemp(prefix="pp-mutter-"))  # mkdtemp makes it 0700
        stack.callback(shutil.rmtree, runtime, ignore_errors=True)
    else:
        runtime.mkdir(mode=0o700, exist_ok=True)
    return runtime


def _mutter_log(directory: Path) -> str:
    return (directory / "mutter.log").read_text(errors="replace")[-3000:]


@contextlib.contextmanager
def start_mutter(root: Path) -> Iterator[MutterSession]:
    """Start a private session bus and headless Mutter in `root`; stop both on exit.

    Yields once Mutter owns its IdleMonitor and RemoteDesktop names and a RemoteDesktop session
    is running. Each stop is registered as soon as its process exists, so a failed start-up or
    a failed test leaves nothing running.
    """
    from jeepney.bus_messages import message_bus  # type: ignore[import-untyped]
    from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]

    root.mkdir(parents=True, exist_ok=True)
    (home := root / "home").mkdir(exist_ok=True)
    base_env = strip_session_vars(os.environ)
    with ExitStack() as stack:
        runtime = _runtime_dir(root, stack)
        bus_pid, bus_address = start_bus(root, base_env, stack)
        env = base_env | {
            "DBUS_SESSION_BUS_ADDRESS": bus_address,
            "XDG_RUNTIME_DIR": os.fspath(runtime),
            "NO_AT_BRIDGE": "1",
        }
        mutter_env = env | {
            # Nothing from the developer's own GNOME settings, monitors.xml or caches, and
            # nothing written back: defaults from the installed schemas, a HOME of its own.
            "HOME": os.fspath(home),
            "GSETTINGS_BACKEND": "memory",
            # Mutter asks the system bus for locale1, colord, UPower, logind; a dead address keeps
            # it off the machine's real system bus (it runs fine without one).
            "DBUS_SYSTEM_BUS_ADDRESS": f"unix:path={root / 'no-system-bus'}",
        }
        with (root / "mutter.log").open("wb") as log:
            proc = Popen(MUTTER_ARGS, env=mutter_env, stdin=DEVNULL, stdout=log, stderr=log)
        stack.callback(proc.wait, STOP_TIMEOUT)  # callbacks run last first
        stack.callback(stop_pid, proc.pid)

        conn = open_dbus_connection(bus_address)
        stack.callback(conn.close)

        def owns_names() -> bool:
            if proc.poll() is not None:
                raise DesktopError(f"mutter exited with {proc.returncode}:\n{_mutter_log(root)}")
            for name in (IDLE_MONITOR, REMOTE_DESKTOP):
                reply = conn.send_and_get_reply(message_bus.NameHasOwner(name), timeout=5)
                if not reply.body[0]:
                    return False
            return True

        what = f"mutter to own {IDLE_MONITOR} and {REMOTE_DESKTOP}"
        try:
            wait_until(owns_names, timeout=STARTUP_TIMEOUT, what=what)
        except TimeoutError as error:
            raise DesktopError(f"{error}; its log:\n{_mutter_log(root)}") from error

        # The session belongs to `conn`: Mutter refuses its calls from any other connection and
        # ends it when `conn` closes.
        remote_desktop = (REMOTE_DESKTOP_PATH, REMOTE_DESKTOP, REMOTE_DESKTOP)
        (session_path,) = _call(conn, *remote_desktop, "CreateSession")
        _session_call(conn, session_path, "Start")
        # Stopping it before the connection closes keeps Mutter from warning that a client
        # with an active session vanished.
        stack.callback(_quietly, _session_call, conn, session_path, "Stop")
        pids = {"dbus-daemon": bus_pid, "mutter": proc.pid}
        session_env = env | {"WAYLAND_DISPLAY": WAYLAND_DISPLAY}
        yield MutterSession(session_env, pids, root, conn, session_path)


def _quietly(function: Any, *args: Any) -> None:
    """Call `function` at teardown, where Mutter or the bus may already be gone."""
    with contextlib.suppress(Exception):
        function(*args)
