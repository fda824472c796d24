"""A real sway desktop for tests: headless sway, run as a Unix user the test creates, with its
own runtime folder and private D-Bus session bus, and optionally mako and waybar on it.

Usage::

    from tests.sway_session import require_sway, start_sway

    require_sway(mako=True)  # skip (fail with CI=true) if not root or a program is missing
    with start_sway(mako=True, waybar=False) as sway:
        sway.swaymsg("-t", "get_outputs")        # stdout; raises DesktopError on failure
        sway.swaymsg_json("-t", "get_tree")      # parsed `swaymsg -r`
        sway.mako_list()                         # `makoctl list`, flattened to dicts
        sway.makoctl("invoke", "-n", "3", "done")
        with running_daemon(["--no-tray"], sway.postureping_env(extra), sway.home,
                            program=sway.postureping_program) as daemon:
            ...
        sway.postureping("status", "--json", extra=extra)  # the CLI as the same user

API (kept stable; other tests build on it):

- `require_sway(mako=False, waybar=False, swaync=False)`: skip, or fail in CI, with the reason.
- `start_sway(*, mako=False, waybar=False, swaync=False, xwayland=False, mako_config=...,
  waybar_config=..., sway_config=...)`: a context manager yielding a `SwaySession` once sway
  answers on its IPC socket (with `xwayland=True`, once its Xwayland's X display is known),
  and mako (or swaync, SwayNotificationCenter, with its stock config) owns
  org.freedesktop.Notifications / waybar owns org.kde.StatusNotifierWatcher when asked for.
  Everything it started is stopped on exit, whatever happened (sway, mako, swaync, waybar,
  the bus, and any other process left running as the test's user, which is then removed).
- `SwaySession` fields: `user` (tests.unix_users.OtherUser), `root` (the session's folder,
  owned by the user), `runtime_dir` (XDG_RUNTIME_DIR, 0700, the user's), `home` (HOME; the
  XDG config, data, state and cache folders are under it), `wayland_display`, `swaysock`,
  `bus_address`, `env` (the session's variables for anything run as the user), `pids`
  ("dbus-daemon", "sway", and "mako" / "swaync" / "waybar" when started), `x_display`
  (Xwayland's DISPLAY, such as ":1", with `xwayland=True`; else None).
- `SwaySession` methods: `run(*args)` (a command as the user in the session; its stdout),
  `start(name, *args)` (a long-running process as the user, stopped at teardown, or before
  with `stop(name)`; `log(name)` is the end of its output),
  `swaymsg`, `swaymsg_json`, `makoctl`, `mako_list`, `has_bus_name(name)`,
  `write_file(path, text)` (a file the user owns), `settings_file(text)` (postureping's
  config.toml for the user), `postureping_env(extra)` (the environment for postureping run as
  the user: the session's variables, TZ=UTC, `extra` such as POSTUREPING_* settings),
  `postureping_program` (the command prefix that runs `python -m postureping` as the user;
  pass it as `program=` to tests.daemon_process), `postureping(*args, extra=...)` (the CLI
  as the user; a CompletedProcess, never raises on exit status).

Why as another user: sway refuses to run as root. Why a bus of our own, with no <servicedir>:
nothing outside the test is activated or reached (see tests/desktop.py). The bus lets root
connect too, so a test may watch it with jeepney or dbus-monitor. sway 1.7 runs on wlroots'
headless backend with software rendering (pixman), so it needs no GPU, no seat and no input
devices (WLR_LIBINPUT_NO_DEVICES=1); Xwayland is off unless asked for (`xwayland=True`:
sway's `xwayland enable`, which starts Xwayland, apt package xwayland, when the first X11
client connects; X11 clients then reach it through `x_display`).
"""

from __future__ import annotations

import atexit
import compileall
import contextlib
import json
import os
import shutil
import site
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from subprocess import DEVNULL, Popen
from typing import Any

from tests.desktop import (
    STOP_TIMEOUT,
    DesktopError,
    pid_alive,
    start_bus,
    stop_pid,
    wait_until,
)
from tests.unix_users import OtherUser, created_user, require_root, without_coverage

STARTUP_TIMEOUT = 30.0  # seconds; sway starts in ~0.1 s, mako and waybar in well under 1 s
COMMAND_TIMEOUT = 30.0
NOTIFICATIONS = "org.freedesktop.Notifications"
SNI_WATCHER = "org.kde.StatusNotifierWatcher"
SWAYNC = "org.erikreider.swaync.cc"  # owned after org.freedesktop.Notifications, once ready

# Each program, and the Debian package that ships it.
SWAY_PROGRAMS = {"sway": "sway", "swaymsg": "sway", "dbus-daemon": "dbus-daemon",
                 "dbus-send": "dbus-bin"}  # fmt: skip
MAKO_PROGRAMS = {"mako": "mako-notifier", "makoctl": "mako-notifier"}
WAYBAR_PROGRAMS = {"waybar": "waybar"}
XWAYLAND_PROGRAMS = {"Xwayland": "xwayland"}
SWAYNC_PROGRAMS = {
    "swaync": "sway-notification-center",
    "swaync-client": "sway-notification-center",
}

# No bar (sway's default config has one, which would start swaybar), no Xwayland, one output.
DEFAULT_SWAY_CONFIG = """\
xwayland disable
output HEADLESS-1 resolution 1024x768 position 0 0
default_border none
"""

# Notifications stay until dismissed, so a test reads them when it likes; `history` keeps
# dismissed ones for `makoctl restore`.
DEFAULT_MAKO_CONFIG = """\
default-timeout=0
ignore-timeout=1
max-visible=20
max-history=20
font=monospace 10
"""

# Only the tray: other modules would poll the system (battery, network...).
DEFAULT_WAYBAR_CONFIG = json.dumps(
    {
        "layer": "top",
        "position": "top",
        "height": 26,
        "modules-right": ["tray"],
        "tray": {"icon-size": 18, "spacing": 4},
    },
    indent=2,
)
# No padding around the tray: its last icon ends at the output's right edge (a test clicks it).
DEFAULT_WAYBAR_STYLE = (
    "* { font-family: monospace; font-size: 12px; }\n#tray { padding: 0; margin: 0; }\n"
)
OUTPUT_SIZE = (1024, 768)  # HEADLESS-1's mode in DEFAULT_SWAY_CONFIG

_BUS_NAME_HAS_OWNER = [
    "dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
    "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner",
]  # fmt: skip


def missing_sway(
    *, mako: bool = False, waybar: bool = False, swaync: bool = False, xwayland: bool = False
) -> str | None:
    """Why the sway session cannot start here (not counting root), or None if it can."""
    if sys.platform != "linux":
        return "headless sway runs on Linux only"
    programs = dict(SWAY_PROGRAMS)
    for wanted, more in ((mako, MAKO_PROGRAMS), (waybar, WAYBAR_PROGRAMS),
                         (swaync, SWAYNC_PROGRAMS), (xwayland, XWAYLAND_PROGRAMS)):  # fmt: skip
        if wanted:
            programs.update(more)
    missing = [f"{name} (apt package {pkg})" for name, pkg in programs.items()
               if not shutil.which(name)]  # fmt: skip
    return "sway test needs " + ", ".join(missing) if missing else None


def require_sway(
    *, mako: bool = False, waybar: bool = False, swaync: bool = False, xwayland: bool = False
) -> None:
    """Skip a test that needs the sway session where it cannot run; with CI=true, fail."""
    import pytest  # this module is also a plain harness

    require_root()  # sway refuses root: the session runs as a user the test creates
    if reason := missing_sway(mako=mako, waybar=waybar, swaync=swaync, xwayland=xwayland):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI is expected to install it (.ci/run)", pytrace=False)
        pytest.skip(reason)


@dataclass
class SwaySession:
    """A running headless sway. See the module docstring for the API."""

    user: OtherUser
    root: Path
    runtime_dir: Path
    home: Path
    wayland_display: str
    swaysock: str
    bus_address: str
    env: dict[str, str]
    pids: dict[str, int]
    _stack: ExitStack = field(repr=False)
    _program: list[str] | None = field(default=None, repr=False)
    _python_env: dict[str, str] = field(default_factory=dict, repr=False)
    x_display: str | None = None

    # --- commands as the user ---------------------------------------------------------------

    def run(self, *args: str, timeout: float = COMMAND_TIMEOUT, env: Mapping[str, str] = {}) -> str:
        """Run a command as the user in the session; return its stdout, raise DesktopError if it
        fails."""
        result = self.user.run(list(args), self.env | dict(env), self.home, timeout=timeout)
        if result.returncode != 0:
            raise DesktopError(
                f"{args[0]} exited with {result.returncode}: {result.stderr.strip()[-2000:]}"
            )
        return result.stdout

    def start(self, name: str, *args: str, env: Mapping[str, str] = {}) -> Popen[bytes]:
        """Start a long-running process as the user, logging to `<root>/<name>.log`; it is
        stopped (by its id) when the session ends, or earlier with `stop(name)`."""
        process = _spawn(self.user, list(args), self.env | dict(env), self.root, name, self._stack)
        self.pids[name] = process.pid
        return process

    def stop(self, name: str) -> None:
        """Stop a process this session started, by the name it was started under."""
        stop_pid(self.pids.pop(name))

    def log(self, name: str, tail: int | None = 3000) -> str:
        """A started process's output: its last `tail` characters, or all of it (None)."""
        path = self.root / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return text if tail is None else text[-tail:]

    def swaymsg(self, *args: str) -> str:
        return self.run("swaymsg", "-s", self.swaysock, *args)

    def swaymsg_json(self, *args: str) -> Any:
        return json.loads(self.run("swaymsg", "-s", self.swaysock, "-r", *args))

    def makoctl(self, *args: str) -> str:
        return self.run("makoctl", *args)

    def mako_list(self) -> list[dict[str, Any]]:
        """The notifications mako shows now (`makoctl list`), each a dict of plain values
        (id, app-name, summary, body, actions {key: label}, ...), oldest first."""
        shown: list[dict[str, Any]] = _flatten(json.loads(self.makoctl("list")))
        return shown

    def has_bus_name(self, name: str) -> bool:
        return "boolean true" in self.run(*_BUS_NAME_HAS_OWNER, f"string:{name}")

    # --- files ------------------------------------------------------------------------------

    def write_file(self, path: Path, text: str, mode: int = 0o600) -> Path:
        """Write `text` to `path` (under `home` or `root`) as a file the user owns, creating its
        folders the same way."""
        for folder in reversed(path.parents):
            if folder.is_relative_to(self.root) and not folder.exists():
                folder.mkdir(mode=0o700)
                os.chown(folder, self.user.uid, self.user.gid)
        path.write_text(text, encoding="utf-8")
        path.chmod(mode)
        os.chown(path, self.user.uid, self.user.gid)
        return path

    def settings_file(self, text: str) -> Path:
        """postureping's settings file for the user (the default path under its XDG config)."""
        return self.write_file(self.home / ".config" / "postureping" / "config.toml", text)

    # --- postureping as the user ------------------------------------------------------------

    @property
    def postureping_program(self) -> list[str]:
        """The command that runs `python -m postureping` as the user (setpriv, the interpreter,
        -m postureping); pass it as `program=` to tests.daemon_process."""
        if self._program is None:
            python, self._python_env = _python_for_daemon(self.user)
            self._program = self.user.command([python, "-m", "postureping"])
        return list(self._program)

    def postureping_env(self, extra: Mapping[str, str] = {}) -> dict[str, str]:
        """The environment for postureping run as the user: the session, TZ=UTC, `extra`."""
        self.postureping_program  # noqa: B018  (finds the interpreter, sets _python_env)
        env = self.env | self._python_env | {"TZ": "UTC", "PYTHONIOENCODING": "utf-8"}
        return without_coverage(env | dict(extra))

    def postureping(
        self,
        *args: str,
        extra: Mapping[str, str] = {},
        timeout: float = 60.0,
    ) -> subprocess.CompletedProcess[str]:
        """The postureping CLI as the user; never raises on a non-zero exit."""
        return subprocess.run(
            [*self.postureping_program, *args], env=self.postureping_env(extra), cwd=self.home,
            capture_output=True, text=True, encoding="utf-8", timeout=timeout, check=False,
        )  # fmt: skip


def _flatten(value: Any) -> Any:
    """makoctl's (busctl-style) typed JSON -> plain values."""
    if isinstance(value, dict):
        if set(value) == {"type", "data"}:
            data = value["data"]
            if value["type"] == "aa{sv}":
                return [_flatten(item) for item in data[0]]
            return _flatten(data)
        return {key: _flatten(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_flatten(item) for item in value]
    return value


def _spawn(
    user: OtherUser, args: list[str], env: Mapping[str, str], root: Path, name: str,
    stack: ExitStack,
) -> Popen[bytes]:  # fmt: skip
    """Start `args` as the user with its output in a log file (a pipe nobody reads would fill
    up and stall it); on exit, stop it by its id, then reap it."""
    with (root / f"{name}.log").open("ab") as log:
        process = Popen(user.command(args), env=without_coverage(env), cwd=root, stdin=DEVNULL,
                        stdout=log, stderr=log)  # fmt: skip
    stack.callback(process.wait, STOP_TIMEOUT)  # callbacks run last first
    stack.callback(_stop_if_running, process.pid)
    return process


def _stop_if_running(pid: int) -> None:
    if pid_alive(pid):
        stop_pid(pid)


def _user_processes(uid: int) -> list[int]:
    """Every process running as `uid` (a user this module created, so all of them are ours)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == uid and pid_alive(int(entry.name)):
                    pids.append(int(entry.name))
    return pids


def _stop_user_processes(uid: int) -> None:
    """The last sweep before the user is removed: a process a started one left behind."""
    for pid in _user_processes(uid):
        with contextlib.suppress(DesktopError):
            stop_pid(pid)


def _owned_folder(path: Path, user: OtherUser) -> Path:
    path.mkdir(mode=0o700)
    os.chown(path, user.uid, user.gid)
    return path


# The daemon starts the same interpreter again (sys.executable) to check the settings: the
# probe does too, since a path the user cannot follow may still start once (a virtual
# environment's link into a folder closed to others).
_PROBE = (
    "import postureping.daemon.app, postureping.settings.model, jeepney, apscheduler"
    ", subprocess, sys"
    "; subprocess.run([sys.executable, '-c', 'import postureping.settings.model'], check=True)"
)
_chosen: list[tuple[str, dict[str, str]]] = []  # found once per test run, for every user
_choosing = threading.Lock()


def _python_for_daemon(user: OtherUser) -> tuple[str, dict[str, str]]:
    """An interpreter the user can run the daemon with, and the environment it needs.

    The test's own interpreter, if the user can run the daemon's modules with it (a checkout
    and virtual environment open to all); else the packages the installed postureping
    requires (and what they require) are copied once, to a folder every user can read, and
    compiled there, for this Python's version in /usr/bin. Found once per test run: every
    user the tests create has the same rights."""
    with _choosing:
        if not _chosen:
            _chosen.append(_find_python(user))
        python, env = _chosen[0]
        return python, dict(env)


def _find_python(user: OtherUser) -> tuple[str, dict[str, str]]:
    base = {"PATH": os.environ["PATH"], "PYTHONDONTWRITEBYTECODE": "1"}
    if user.run([sys.executable, "-c", _PROBE], base, cwd=Path("/")).returncode == 0:
        return sys.executable, base
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    candidates = (os.path.realpath(sys.executable), f"/usr/bin/{version}", shutil.which(version))
    pythons = [python for python in dict.fromkeys(candidates) if python]
    # This environment's packages where the user can read them (its interpreter's link is
    # what it cannot follow), else a copy of them.
    for lib in (_site_of_this_python, _shared_lib):
        env = base | {"PYTHONPATH": os.fspath(lib())}
        for python in pythons:
            if user.run([python, "-c", _PROBE], env, cwd=Path("/")).returncode == 0:
                return python, env
    raise DesktopError(f"no Python that user {user.name} can run the daemon with")


def _site_of_this_python() -> Path:
    """A folder whose sitecustomize adds this interpreter's site-packages (with their .pth
    files, such as an editable install's) to another interpreter of the same version."""
    folder = Path(tempfile.mkdtemp(prefix="pp-sway-site-", dir="/tmp"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    folders = [folder for folder in site.getsitepackages() if Path(folder).is_dir()]
    (folder / "sitecustomize.py").write_text(
        f"import site\nfor folder in {folders!r}:\n    site.addsitedir(folder)\n"
    )
    for path in (folder, folder / "sitecustomize.py"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return folder


def _shared_lib() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="pp-sway-python-", dir="/tmp"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    lib = folder / "lib"
    import postureping

    no_cache = shutil.ignore_patterns("__pycache__")
    shutil.copytree(Path(postureping.__file__ or "").parent, lib / "postureping", ignore=no_cache)
    # Data packages kept elsewhere in the source tree (the built-in routines...).
    for package, source in _package_dirs().items():
        shutil.copytree(source, lib.joinpath(*package.split(".")), ignore=no_cache)
    for dist in _requirement_closure("postureping"):
        for file in dist.files or ():  # with its .dist-info: apscheduler finds its parts there
            source = Path(str(dist.locate_file(file)))
            inside = not file.is_absolute() and ".." not in file.parts
            if inside and "__pycache__" not in file.parts and source.is_file():
                (lib / file).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, lib / file)
    # Compiled here, once: the user cannot write bytecode there, and every daemon and CLI
    # run would compile its imports again (a second or more each).
    compileall.compile_dir(lib, quiet=2, workers=2)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o444 | (0o111 if path.is_dir() else 0))
    return lib


def _package_dirs() -> dict[str, Path]:
    """The packages pyproject.toml maps to other folders of the source tree (package-dir)."""
    import tomllib

    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    mapping = tomllib.loads(pyproject.read_text())["tool"]["setuptools"].get("package-dir", {})
    return {name: pyproject.parent / folder for name, folder in mapping.items() if name}


def _requirement_closure(name: str) -> list[metadata.Distribution]:
    """The installed distributions `name` needs on this machine (markers evaluated, extras
    left out), itself excluded."""
    from packaging.requirements import Requirement

    seen: dict[str, metadata.Distribution] = {}
    todo = [name]
    while todo:
        dist = metadata.distribution(todo.pop())
        for text in dist.requires or ():
            requirement = Requirement(text)
            if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
                continue
            key = requirement.name.lower().replace("_", "-")
            if key not in seen:
                with contextlib.suppress(metadata.PackageNotFoundError):
                    seen[key] = metadata.distribution(requirement.name)
                    todo.append(requirement.name)
    return list(seen.values())


def _wait_for_sway(session_root: Path, runtime: Path, process: Popen[bytes]) -> tuple[str, str]:
    def sockets() -> tuple[str, str] | None:
        if process.poll() is not None:
            log = (session_root / "sway.log").read_text(errors="replace")[-3000:]
            raise DesktopError(f"sway exited with {process.returncode}:\n{log}")
        names = [p.name for p in runtime.iterdir()]
        wayland = [n for n in names if n.startswith("wayland-") and not n.endswith(".lock")]
        ipc = [n for n in names if n.startswith("sway-ipc.") and n.endswith(".sock")]
        return (wayland[0], os.fspath(runtime / ipc[0])) if wayland and ipc else None

    return wait_until(sockets, timeout=STARTUP_TIMEOUT, what="sway's Wayland and IPC sockets")


@contextlib.contextmanager
def start_sway(
    *,
    mako: bool = False,
    waybar: bool = False,
    swaync: bool = False,
    xwayland: bool = False,
    sway_config: str = DEFAULT_SWAY_CONFIG,
    mako_config: str = DEFAULT_MAKO_CONFIG,
    waybar_config: str = DEFAULT_WAYBAR_CONFIG,
) -> Iterator[SwaySession]:
    """Create a user, start its bus and headless sway (and mako, waybar, Xwayland if asked);
    yield the session; stop everything and remove the user on exit, whatever happened."""
    if mako and swaync:
        raise ValueError("mako and swaync are both notification servers: start one")
    with ExitStack() as stack:
        user = stack.enter_context(created_user())
        # Last: any process still running as the user, before created_user removes it.
        stack.callback(_stop_user_processes, user.uid)
        # In /tmp, not pytest's tmp_path: that is root's (0700) and the user cannot reach it.
        root = Path(tempfile.mkdtemp(prefix="pp-sway-", dir="/tmp"))
        stack.callback(shutil.rmtree, root, ignore_errors=True)
        os.chown(root, user.uid, user.gid)
        runtime = _owned_folder(root / "run", user)
        home = _owned_folder(root / "home", user)
        bus_folder = _owned_folder(root / "bus", user)
        base_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": os.fspath(home),
            "XDG_RUNTIME_DIR": os.fspath(runtime),
            "XDG_CONFIG_HOME": os.fspath(home / ".config"),
            "XDG_DATA_HOME": os.fspath(home / ".local" / "share"),
            "XDG_STATE_HOME": os.fspath(home / ".local" / "state"),
            "XDG_CACHE_HOME": os.fspath(home / ".cache"),
            "NO_AT_BRIDGE": "1",
        }
        bus_pid, bus_address = start_bus(
            bus_folder, base_env, stack, command=user.command, allow_users=("root",)
        )
        (root / "sway.conf").write_text(_with_xwayland(sway_config) if xwayland else sway_config)
        sway_env = base_env | {
            "DBUS_SESSION_BUS_ADDRESS": bus_address,
            "WLR_BACKENDS": "headless",
            "WLR_LIBINPUT_NO_DEVICES": "1",
            "WLR_RENDERER": "pixman",  # no GPU here: software rendering, no EGL probing
        }
        sway = _spawn(user, ["sway", "-c", os.fspath(root / "sway.conf")], sway_env, root,
                      "sway", stack)  # fmt: skip
        wayland_display, swaysock = _wait_for_sway(root, runtime, sway)
        env = base_env | {
            "DBUS_SESSION_BUS_ADDRESS": bus_address,
            "WAYLAND_DISPLAY": wayland_display,
            "SWAYSOCK": swaysock,
            "XDG_SESSION_TYPE": "wayland",
            "XDG_CURRENT_DESKTOP": "sway",
        }
        session = SwaySession(
            user, root, runtime, home, wayland_display, swaysock, bus_address, env,
            {"dbus-daemon": bus_pid, "sway": sway.pid}, stack,
        )  # fmt: skip
        wait_until(lambda: _answers(session), timeout=STARTUP_TIMEOUT, what="sway's IPC")
        if xwayland:
            session.x_display = _x_display(session)
        if mako:
            session.write_file(root / "mako.conf", mako_config, 0o644)
            _start_owner(session, "mako", ["mako", "--config", os.fspath(root / "mako.conf")],
                         NOTIFICATIONS)  # fmt: skip
        if swaync:
            # GSettings in memory: swaync would ask a dconf service this bus does not have.
            args = ["swaync"]
            _start_owner(session, "swaync", args, SWAYNC, env={"GSETTINGS_BACKEND": "memory"})
        if waybar:
            session.write_file(root / "waybar.json", waybar_config, 0o644)
            session.write_file(root / "waybar.css", DEFAULT_WAYBAR_STYLE, 0o644)
            args = ["waybar", "-c", os.fspath(root / "waybar.json"),
                    "-s", os.fspath(root / "waybar.css")]  # fmt: skip
            _start_owner(session, "waybar", args, SNI_WATCHER)
        yield session


def _with_xwayland(config: str) -> str:
    """`config` with Xwayland on: its `xwayland disable` line made `enable`, or one added."""
    lines = [line for line in config.splitlines() if not line.startswith("xwayland ")]
    return "\n".join(["xwayland enable", *lines]) + "\n"


def _x_display(session: SwaySession) -> str:
    """Xwayland's DISPLAY: sway sets it in the environment of what it starts (`exec`)."""
    found = session.root / "x-display"
    session.swaymsg("exec", f'printf "%s" "$DISPLAY" > {found}.part && mv {found}.part {found}')

    def display() -> str | None:
        text = found.read_text().strip() if found.exists() else ""
        return text or None

    value = wait_until(display, timeout=STARTUP_TIMEOUT, what="Xwayland's DISPLAY from sway")
    if not value.startswith(":"):
        raise DesktopError(f"sway's DISPLAY is {value!r}, not Xwayland's")
    return value


def _answers(session: SwaySession) -> bool:
    with contextlib.suppress(DesktopError):
        session.swaymsg("-t", "get_version")
        return True
    return False


def _start_owner(
    session: SwaySession, name: str, args: list[str], bus_name: str, env: Mapping[str, str] = {}
) -> None:
    """Start `args` and wait until it owns `bus_name` on the session bus."""
    process = session.start(name, *args, env=env)

    def owns() -> bool:
        if process.poll() is not None:
            raise DesktopError(f"{name} exited with {process.returncode}:\n{session.log(name)}")
        return session.has_bus_name(bus_name)

    try:
        wait_until(owns, timeout=STARTUP_TIMEOUT, what=f"{name} to own {bus_name}")
    except TimeoutError as error:
        raise DesktopError(f"{error}; its log:\n{session.log(name)}") from error
