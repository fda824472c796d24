"""A hermetic desktop session for tests: Xvfb, a private D-Bus session bus and dunst.

Everything runs from one directory per session and is stopped by PID when the session ends, so a
test sees the notifications a user would have seen and never touches the developer's desktop.
DESKTOP-TESTING.md in the shared folder explains why each piece is set up the way it is.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from subprocess import DEVNULL, Popen, run
from typing import Any, TypedDict, TypeVar
from urllib.parse import quote

T = TypeVar("T")
Env = Mapping[str, str]

STARTUP_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
NOTIFICATIONS = "org.freedesktop.Notifications"

# Each program the session runs, and the Debian package that ships it.
REQUIRED_PROGRAMS = {
    "Xvfb": "xvfb",
    "xdpyinfo": "x11-utils",
    "dbus-daemon": "dbus-daemon",
    "dbus-send": "dbus-bin",
    "gdbus": "libglib2.0-bin",
    "dunst": "dunst",
    "dunstctl": "dunst",
    "busctl": "systemd",  # `dunstctl history` is a busctl call
    "import": "imagemagick",
}

# Variables that would point a test's processes at the developer's real session.
_LEAKY_PREFIXES = ("DBUS_", "XDG_")
_LEAKY_NAMES = {"DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY", "SESSION_MANAGER", "DESKTOP_SESSION"}

# Notifications stay until closed unless the sender sets a timeout, so a test or a screenshot
# sees them for as long as it needs.
DEFAULT_DUNSTRC = """\
[global]
    font = Monospace 12
    markup = full
    width = 400
    origin = top-right
    offset = 20x20
    notification_limit = 0
    idle_threshold = 0
    show_age_threshold = -1
    history_length = 100
    frame_width = 2
    frame_color = "#ffffff"
[urgency_low]
    timeout = 0
[urgency_normal]
    background = "#285577"
    foreground = "#ffffff"
    timeout = 0
"""

# No <servicedir>: with one, the first Notify would D-Bus-activate the system's own dunst.
_BUS_CONFIG = """\
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir={tmpdir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""

_XVFB_OPTIONS = ["-screen", "0", "1024x768x24", "-nolisten", "tcp"]
_NOTIFY = [
    "gdbus",
    "call",
    "--session",
    "--dest",
    NOTIFICATIONS,
    "--object-path",
    "/org/freedesktop/Notifications",
    "--method",
    f"{NOTIFICATIONS}.Notify",
]
_NAME_HAS_OWNER = [
    "dbus-send",
    "--session",
    "--print-reply",
    "--dest=org.freedesktop.DBus",
    "/org/freedesktop/DBus",
    "org.freedesktop.DBus.NameHasOwner",
]


class DesktopError(RuntimeError):
    """A desktop process failed to start, or a command run in the session failed."""


class HistoryEntry(TypedDict):
    """One notification from `dunstctl history`, flattened from dunst's typed JSON."""

    id: int
    appname: str
    summary: str
    body: str
    message: str  # what dunst drew: its `format` applied, with the summary escaped
    timeout_ms: int  # 0: never expires by itself


def missing_programs() -> list[str]:
    """Each program the session needs that is not on PATH, named with its Debian package."""
    missing = [name for name in REQUIRED_PROGRAMS if not shutil.which(name)]
    return [f"{name} (apt package {REQUIRED_PROGRAMS[name]})" for name in missing]


def wait_until(condition: Callable[[], T | None], *, timeout: float, what: str) -> T:
    """Poll `condition` until it returns something truthy, and return that.

    Raises TimeoutError naming `what` once `timeout` seconds have passed.
    """
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if (remaining := deadline - time.monotonic()) <= 0:
            raise TimeoutError(f"gave up after {timeout:g} s waiting for {what}")
        time.sleep(min(0.02, remaining))
    return result


def pid_alive(pid: int) -> bool:
    """Whether `pid` is a running process; a zombie counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"  # the name in (...) may hold spaces


def stop_pid(pid: int) -> None:
    """Stop a process by PID: SIGTERM, then SIGKILL if it is still there after STOP_TIMEOUT."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        with contextlib.suppress(TimeoutError):
            wait_until(lambda: not pid_alive(pid), timeout=STOP_TIMEOUT, what=f"PID {pid} to exit")
            return
    raise DesktopError(f"PID {pid} survived SIGKILL")


def strip_session_vars(base: Mapping[str, str]) -> dict[str, str]:
    """A copy of `base` without the variables that locate a desktop session."""
    leaky = {k for k in base if k.startswith(_LEAKY_PREFIXES) or k in _LEAKY_NAMES}
    return {k: v for k, v in base.items() if k not in leaky}


def gvariant_str(text: str) -> str:
    """`text` as a GVariant string literal, which gdbus passes on unchanged (even "-x" or "'")."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def parse_history(json_text: str) -> list[HistoryEntry]:
    """Parse `dunstctl history` output, newest first as dunst lists it."""
    # busctl's JSON of the reply: {"type": "aa{sv}", "data": [[{key: {"type", "data"}}, ...]]}
    raw: list[dict[str, dict[str, Any]]] = json.loads(json_text)["data"][0]
    return [_history_entry({key: value["data"] for key, value in item.items()}) for item in raw]


def _history_entry(f: dict[str, Any]) -> HistoryEntry:
    return HistoryEntry(
        id=int(f["id"]),
        appname=str(f["appname"]),
        summary=str(f["summary"]),
        body=str(f["body"]),
        message=str(f["message"]),
        timeout_ms=int(f["timeout"]) // 1000,  # dunst keeps microseconds
    )


def _run(args: list[str], env: Mapping[str, str], timeout: float = STARTUP_TIMEOUT) -> str:
    result = run(args, check=False, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise DesktopError(f"{args[0]} exited with {result.returncode}: {result.stderr.strip()}")
    return result.stdout


@dataclass(frozen=True)
class DesktopSession:
    """A running desktop. Start every process under test with `env`."""

    display: str
    bus_address: str
    env: dict[str, str]
    pids: dict[str, int]  # "Xvfb", "dbus-daemon", "dunst"
    directory: Path  # holds the config files and each process's log

    def run(self, *args: str, timeout: float = STARTUP_TIMEOUT) -> str:
        """Run a command in the session; return its stdout, raise DesktopError if it fails."""
        return _run(list(args), self.env, timeout)

    def notify(
        self, summary: str, body: str = "", *, app_name: str = "harness", timeout_ms: int = -1
    ) -> int:
        """Send a freedesktop Notify call with exactly this text; return the notification id."""
        app, icon, summ, text = (gvariant_str(s) for s in (app_name, "", summary, body))
        args = [app, "uint32 0", icon, summ, text, "@as []", "@a{sv} {}", f"int32 {timeout_ms}"]
        reply = self.run(*_NOTIFY, *args)
        if not (match := re.fullmatch(r"\(uint32 (\d+),\)", reply.strip())):
            raise DesktopError(f"unexpected Notify reply: {reply!r}")
        return int(match[1])

    def displayed_count(self) -> int:
        """How many notifications are on screen now."""
        return int(self.run("dunstctl", "count", "displayed"))

    def close_all(self) -> None:
        """Close every notification on screen (reason 2: dismissed by the user)."""
        self.run("dunstctl", "close-all")

    def history(self, *, close_displayed: bool = True) -> list[HistoryEntry]:
        """Notifications dunst has shown, newest first.

        dunst lists a notification only once it has closed, so by default this closes those on
        screen first; a test that watches NotificationClosed passes close_displayed=False.
        """
        if close_displayed:
            self.close_all()
        return parse_history(self.run("dunstctl", "history"))

    def screenshot(self, path: Path) -> Path:
        """Save the whole virtual screen to `path` (format from its suffix) and return it."""
        self.run("import", "-window", "root", os.fspath(path))
        return path


def _spawn(
    args: list[str], env: Env, directory: Path, stack: ExitStack, fds: tuple[int, ...] = ()
) -> Popen[bytes]:
    """Start `args` logging to `<program>.log`; on exit, stop it and then reap it."""
    with (directory / f"{args[0]}.log").open("wb") as log:
        proc = Popen(args, env=env, stdin=DEVNULL, stdout=log, stderr=log, pass_fds=fds)
    stack.callback(proc.wait, STOP_TIMEOUT)  # callbacks run last first
    stack.callback(stop_pid, proc.pid)
    return proc


def _check_running(proc: Popen[bytes], directory: Path, program: str) -> None:
    if proc.poll() is not None:
        log = (directory / f"{program}.log").read_text()[-2000:]
        raise DesktopError(f"{program} exited with {proc.returncode}:\n{log}")


def _start_xvfb(directory: Path, env: Env, stack: ExitStack) -> tuple[int, str]:
    # -displayfd lets Xvfb pick a free display itself, with no race against other test runs.
    read_fd, write_fd = os.pipe()
    stack.callback(os.close, read_fd)
    try:
        args = ["Xvfb", "-displayfd", str(write_fd), *_XVFB_OPTIONS]
        proc = _spawn(args, env, directory, stack, fds=(write_fd,))
    finally:
        os.close(write_fd)
    number, deadline = b"", time.monotonic() + STARTUP_TIMEOUT
    while not number.endswith(b"\n"):
        _check_running(proc, directory, "Xvfb")
        if time.monotonic() > deadline:
            raise DesktopError(f"Xvfb printed no display number in {STARTUP_TIMEOUT:g} s")
        if select.select([read_fd], [], [], 0.05)[0]:
            number += os.read(read_fd, 64)
    display = ":" + number.decode().strip()
    xdpyinfo = ["xdpyinfo", "-display", display]
    what = f"Xvfb on {display} to accept clients"
    wait_until(lambda: _succeeds(xdpyinfo, env), timeout=STARTUP_TIMEOUT, what=what)
    return proc.pid, display


def _succeeds(args: list[str], env: Env) -> bool:
    result = run(args, check=False, env=env, capture_output=True, timeout=STARTUP_TIMEOUT)
    return result.returncode == 0


def start_bus(
    directory: Path,
    env: Env,
    stack: ExitStack,
    *,
    command: Callable[[list[str]], list[str]] = list,
    allow_users: Sequence[str] = (),
) -> tuple[int, str]:
    """Start a private session bus in `directory`; return its PID and address.

    `command` wraps the dbus-daemon command line (to run it as another user: only the user
    it runs as may connect, and also `allow_users`)."""
    socket_dir = directory
    if len(os.fsencode(socket_dir)) > 80:  # a socket path must fit in 108 bytes
        socket_dir = Path(tempfile.mkdtemp(prefix="pp-bus-"))
        stack.callback(shutil.rmtree, socket_dir, ignore_errors=True)
    config, printed = directory / "session-bus.conf", directory / "dbus-daemon.out"
    # Percent-escaping makes the path a valid D-Bus address value and leaves nothing for XML.
    text = _BUS_CONFIG.format(tmpdir=quote(os.fspath(socket_dir), safe="/"))
    users = "".join(f'    <allow user="{user}"/>\n' for user in allow_users)
    config.write_text(
        text.replace('  <policy context="default">\n', f'  <policy context="default">\n{users}')
    )
    args = command(
        ["dbus-daemon", f"--config-file={config}", "--fork", "--print-address=1", "--print-pid=1"]
    )
    # Files, not pipes: the forked daemon inherits them and would hold a pipe open forever.
    with printed.open("wb") as out, (directory / "dbus-daemon.log").open("wb") as err:
        run(
            args,
            check=True,
            env=env,
            stdin=DEVNULL,
            stdout=out,
            stderr=err,
            timeout=STARTUP_TIMEOUT,
        )

    def address_and_pid() -> list[str] | None:
        lines = printed.read_text().split("\n")
        return lines[:2] if len(lines) > 2 else None  # both lines complete

    what = "dbus-daemon to print its address and PID"
    address, pid = wait_until(address_and_pid, timeout=STARTUP_TIMEOUT, what=what)
    stack.callback(stop_pid, int(pid))
    return int(pid), address


def _start_dunst(directory: Path, env: Env, dunstrc: str, stack: ExitStack) -> int:
    (config := directory / "dunstrc").write_text(dunstrc)
    proc = _spawn(["dunst", "-config", os.fspath(config)], env, directory, stack)

    def owns_name() -> bool:
        _check_running(proc, directory, "dunst")
        return "boolean true" in _run([*_NAME_HAS_OWNER, f"string:{NOTIFICATIONS}"], env)

    wait_until(owns_name, timeout=STARTUP_TIMEOUT, what=f"dunst to own {NOTIFICATIONS}")
    return proc.pid


@contextlib.contextmanager
def start_session(directory: Path, *, dunstrc: str = DEFAULT_DUNSTRC) -> Iterator[DesktopSession]:
    """Start Xvfb, a private session bus and dunst, working in `directory`; stop all on exit.

    Each stop is registered as soon as its process exists, so a failed start-up or a failed test
    still leaves nothing running.
    """
    directory.mkdir(parents=True, exist_ok=True)
    (runtime_dir := directory / "runtime").mkdir(mode=0o700, exist_ok=True)
    base_env = strip_session_vars(os.environ)
    with ExitStack() as stack:
        xvfb_pid, display = _start_xvfb(directory, base_env, stack)
        bus_pid, bus_address = start_bus(directory, base_env, stack)
        env = base_env | {
            "DISPLAY": display,
            "DBUS_SESSION_BUS_ADDRESS": bus_address,
            "XDG_RUNTIME_DIR": os.fspath(runtime_dir),  # not the real one with its `bus` socket
            "NO_AT_BRIDGE": "1",
        }
        dunst_pid = _start_dunst(directory, env, dunstrc, stack)
        pids = {"Xvfb": xvfb_pid, "dbus-daemon": bus_pid, "dunst": dunst_pid}
        yield DesktopSession(display, bus_address, env, pids, directory)
