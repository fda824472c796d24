"""Where the autostart files go on this machine, and how they are enabled, disabled and reported.

The operating system is reached through a `Host`: the platform name, the environment, the home
folder and a way to run `systemctl --user`. Tests pass their own; everything else is real files.
Enabling writes our file (atomically) even over an older or edited copy of it, since the path is
ours, and says what it replaced. Disabling removes it. Neither starts or stops a running daemon.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from postureping.atomic_file import private_folder, replace_bytes
from postureping.autostart import entries
from postureping.autostart.entries import SESSION_TARGET, UNIT, Launch
from postureping.errors import EXIT_CONFIG, UserError


@dataclass(frozen=True)
class CommandResult:
    returncode: int
    output: str


class Systemctl(Protocol):
    def __call__(self, *args: str) -> CommandResult: ...


def run_systemctl(*args: str) -> CommandResult:
    """`systemctl --user ARGS`; a failed result when systemctl is missing or hangs."""
    try:
        done = subprocess.run(
            ["systemctl", "--user", *args], capture_output=True, text=True, timeout=60, check=False
        )
    except FileNotFoundError:
        return CommandResult(127, "systemctl is not installed")
    except subprocess.TimeoutExpired:
        return CommandResult(124, "systemctl did not answer within a minute")
    return CommandResult(done.returncode, (done.stderr.strip() or done.stdout.strip()))


@dataclass(frozen=True)
class Host:
    platform: str  # as sys.platform: "linux", "darwin", "win32"...
    environ: Mapping[str, str]
    home: Path
    systemctl: Systemctl = run_systemctl

    @classmethod
    def current(cls) -> Host:
        return cls(sys.platform, dict(os.environ), Path.home())

    @property
    def config_home(self) -> Path:
        # The XDG Base Directory spec says to ignore a relative $XDG_CONFIG_HOME.
        value = self.environ.get("XDG_CONFIG_HOME", "")
        return Path(value) if value and Path(value).is_absolute() else self.home / ".config"


def current_launch(platform: str, config_file: Path | None) -> Launch:
    """The command that starts this installation's daemon: the console script next to the
    running interpreter (same environment, same version) rather than the first `postureping`
    on PATH, which may be another installation; else the interpreter with `-m postureping`. On
    Windows, pythonw.exe, which opens no console window. A settings file named with --config
    or $POSTUREPING_CONFIG is passed on, since the login session will not have them."""
    if not sys.executable:
        raise UserError("cannot tell which Python runs postureping (sys.executable is empty)")
    python = Path(sys.executable)
    script = python.with_name("postureping")
    argv: list[str]
    if platform == "win32":
        pythonw = python.with_name("pythonw.exe")
        argv = [str(pythonw if pythonw.is_file() else python), "-m", "postureping"]
    elif script.is_file() and os.access(script, os.X_OK):
        argv = [str(script)]
    else:
        argv = [str(python), "-m", "postureping"]
    if config_file is not None:
        argv += ["--config", str(config_file.absolute())]
    try:
        return Launch((*argv, "run"))
    except ValueError as error:
        raise UserError(f"cannot start postureping at login: {error}") from None


@dataclass(frozen=True)
class Report:
    """What `status` says about one kind of entry."""

    title: str
    path: Path
    state: str  # "enabled", "not installed", or what is wrong
    argv: tuple[str, ...] | None = None
    advice: str | None = None


def _never_off(data: bytes) -> str | None:
    return None


@dataclass(frozen=True)
class Entry:
    """One kind of autostart file: where it goes, its content, and its command read back."""

    title: str
    path: Path
    render: Callable[[Launch], bytes]
    read_argv: Callable[[bytes], tuple[str, ...]]
    start_now: str  # how to start the daemon without logging in again
    flag: str = ""  # the command-line flag that picks this kind
    folders: tuple[Path, ...] = ()  # created on enable, besides the file's own
    switched_off: Callable[[bytes], str | None] = _never_off

    def present(self) -> bool:
        return self.path.exists() or self.path.is_symlink()

    def activate(self, host: Host) -> tuple[list[str], bool]:
        """After the file is written: what else makes it take effect; the lines to show and
        whether it did take effect."""
        return [], True

    def remove(self, host: Host) -> list[str]:
        """Remove the file, and whatever else made it take effect."""
        if not (self.path.exists() or self.path.is_symlink()):
            return []
        self.path.unlink()
        return [f"Removed {self.path}"]

    def inactive(self, host: Host, data: bytes) -> tuple[str, str] | None:
        """Why an installed file will not start anything, and the fix; None if it will."""
        reason = self.switched_off(data)
        return (
            (f"{reason} in the file", f"postureping autostart enable{self.flag}")
            if reason
            else None
        )


@dataclass(frozen=True)
class SystemdEntry(Entry):
    """A user unit: enabled through `systemctl --user` when a user manager answers."""

    @property
    def wants_link(self) -> Path:
        # Where `systemctl --user enable` links the unit, following WantedBy=.
        return self.path.parent / f"{SESSION_TARGET}.wants" / UNIT

    def present(self) -> bool:
        return super().present() or self.wants_link.is_symlink()

    def activate(self, host: Host) -> tuple[list[str], bool]:
        # systemctl itself decides whether to ask the user manager or, where none runs (no
        # systemd booted), to link the unit by itself; a failed daemon-reload alone proves little.
        reload = host.systemctl("daemon-reload")
        enabled = host.systemctl("enable", UNIT)
        if enabled.returncode == 0:
            ran = [f"Ran: systemctl --user enable {UNIT}"]
            if reload.returncode == 0:
                ran.insert(0, "Ran: systemctl --user daemon-reload")
            return ran, True
        if reload.returncode == 0:
            raise UserError(f"`systemctl --user enable {UNIT}` failed: {enabled.output}")
        return [
            f"Could not reach your systemd user manager ({enabled.output}).",
            "To enable the unit, run in your desktop session:",
            "  systemctl --user daemon-reload",
            f"  systemctl --user enable {UNIT}",
        ], False

    def remove(self, host: Host) -> list[str]:
        lines = []
        # `disable` reads the unit's [Install] section, so it runs while the file is there.
        if self.path.exists() and host.systemctl("disable", UNIT).returncode == 0:
            lines.append(f"Ran: systemctl --user disable {UNIT}")
        lines += super().remove(host)
        if self.wants_link.is_symlink():
            # What `systemctl --user disable` removes, when it could not run; a dangling link now.
            self.wants_link.unlink()
            lines.append(f"Removed {self.wants_link}")
        reload = host.systemctl("daemon-reload")
        if reload.returncode == 0:
            lines.append("Ran: systemctl --user daemon-reload")
        else:
            lines.append(
                f"No systemd user manager answered ({reload.output}); "
                "if one runs your desktop session, run there: systemctl --user daemon-reload"
            )
        return lines

    def inactive(self, host: Host, data: bytes) -> tuple[str, str] | None:
        if self.wants_link.exists():
            return None
        return (
            f"not enabled (no link in {self.wants_link.parent.name})",
            f"systemctl --user enable {UNIT}",
        )


def _desktop_switched_off(data: bytes) -> str | None:
    keys = entries.desktop_keys(data.decode("utf-8", errors="replace"))
    if keys.get("Hidden") == "true":
        return "Hidden=true"
    if keys.get("X-GNOME-Autostart-enabled") == "false":
        return "X-GNOME-Autostart-enabled=false"
    return None


def xdg_entry(host: Host) -> Entry:
    return Entry(
        title="XDG autostart entry",
        path=host.config_home / "autostart" / "postureping.desktop",
        render=lambda launch: entries.desktop_entry(launch).encode("utf-8"),
        read_argv=lambda data: entries.desktop_argv(data.decode("utf-8")),
        start_now="It starts when you next log in; `postureping run` starts it now.",
        switched_off=_desktop_switched_off,
    )


def systemd_entry(host: Host) -> SystemdEntry:
    return SystemdEntry(
        title="systemd user unit",
        path=host.config_home / "systemd" / "user" / UNIT,
        render=lambda launch: entries.systemd_unit(launch).encode("utf-8"),
        read_argv=lambda data: entries.unit_argv(data.decode("utf-8")),
        start_now=f"It starts with your next desktop session; "
        f"`systemctl --user start {UNIT}` starts it now.",
        flag=" --systemd",
    )


def launch_agent_entry(host: Host) -> Entry:
    path = host.home / "Library" / "LaunchAgents" / f"{entries.LABEL}.plist"
    logs = host.home / "Library" / "Logs" / "postureping"
    return Entry(
        title="LaunchAgent",
        path=path,
        render=lambda launch: entries.launch_agent(launch, logs),
        read_argv=entries.agent_argv,
        # launchd loads ~/Library/LaunchAgents at each login by itself; bootstrapping the agent
        # now would also start the daemon now, which the other kinds do not do.
        start_now="It starts when you next log in; "
        f"`launchctl bootstrap gui/$(id -u) {shlex.quote(str(path))}` starts it now.",
        folders=(logs,),
    )


def startup_entry(host: Host) -> Entry:
    appdata = host.environ.get("APPDATA")
    roaming = Path(appdata) if appdata else host.home / "AppData" / "Roaming"
    startup = roaming / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup"
    return Entry(
        title="Startup folder entry",
        path=startup / "postureping.cmd",
        render=lambda launch: entries.windows_startup(launch).encode("utf-8"),
        read_argv=lambda data: entries.startup_argv(data.decode("utf-8")),
        start_now="It starts when you next sign in; `postureping run` starts it now.",
    )


def all_entries(host: Host) -> list[Entry]:
    """Every kind that can start postureping on this platform, for `status`."""
    if host.platform == "darwin":
        return [launch_agent_entry(host)]
    if host.platform == "win32":
        return [startup_entry(host)]
    if host.platform.startswith("linux"):
        return [xdg_entry(host), systemd_entry(host)]
    return [xdg_entry(host)]  # the BSDs and other XDG desktops


def chosen_entry(host: Host, systemd: bool) -> Entry:
    """The kind that `enable` and `disable` act on."""
    if not systemd:
        return all_entries(host)[0]
    if not host.platform.startswith("linux"):
        native = {"darwin": "a LaunchAgent", "win32": "the Startup folder"}
        other = native.get(host.platform, "an XDG autostart entry")
        raise UserError(
            f"--systemd is for Linux only; here postureping starts from {other} "
            "(leave out --systemd)",
            EXIT_CONFIG,
        )
    return systemd_entry(host)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _command(entry: Entry, data: bytes) -> str:
    try:
        return str(Launch(entry.read_argv(data)))
    except ValueError:
        return "a command postureping cannot read"


def enable(entry: Entry, launch: Launch, host: Host) -> list[str]:
    """Write the entry for `launch` and make it take effect; the lines to show the user."""
    try:
        content = entry.render(launch)
    except ValueError as error:
        other = "; without --systemd, an XDG autostart entry can start it" if entry.flag else ""
        raise UserError(f"cannot write a {entry.title} for {launch}: {error}{other}") from None
    try:
        old = _read(entry.path)
        for folder in entry.folders:
            private_folder(folder)
        if old != content:
            # Private like every file postureping writes: the session reads it as the user.
            private_folder(entry.path.parent)
            replace_bytes(entry.path, content)
    except OSError as error:
        raise UserError(f"cannot write {entry.path}: {error.strerror or error}") from None
    if old is None:
        lines = [f"Wrote {entry.path}"]
    elif old == content:
        lines = [f"{entry.path} is already in place"]
    else:
        lines = [f"Replaced {entry.path} (it started: {_command(entry, old)})"]
    lines.append(f"It runs: {launch}")
    activation, done = entry.activate(host)
    return lines + activation + ([entry.start_now] if done else [])


def disable(entry: Entry, host: Host) -> list[str]:
    """Remove the entry (a running daemon keeps running); the lines to show the user."""
    if not entry.present():
        return [f"No {entry.title} at {entry.path}: nothing to remove"]
    try:
        return entry.remove(host)
    except OSError as error:
        raise UserError(f"cannot remove {entry.path}: {error.strerror or error}") from None


def _program_exists(program: str, host: Host) -> bool:
    path = Path(program)
    if path.is_absolute():
        return path.is_file() and os.access(path, os.X_OK)
    return shutil.which(program, path=host.environ.get("PATH")) is not None


def status(entry: Entry, host: Host) -> Report:
    """Whether the entry exists, and whether what it starts still exists."""
    try:
        data = _read(entry.path)
    except OSError as error:
        return Report(entry.title, entry.path, f"unreadable ({error.strerror or error})")
    if data is None:
        return Report(entry.title, entry.path, "not installed")
    fix = f"postureping autostart enable{entry.flag}"
    try:
        argv = entry.read_argv(data)
    except ValueError as error:
        return Report(entry.title, entry.path, f"its command cannot be read ({error})", None, fix)
    if not argv or not _program_exists(argv[0], host):
        return Report(entry.title, entry.path, "broken: the program it starts is gone", argv, fix)
    if off := entry.inactive(host, data):
        reason, advice = off
        return Report(entry.title, entry.path, f"installed but off: {reason}", argv, advice)
    return Report(entry.title, entry.path, "enabled", argv)
