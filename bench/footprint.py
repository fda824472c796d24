"""Idle footprint of postureping next to its rivals Workrave and Safe Eyes, in one desktop.

One hermetic session (Xvfb, a private session bus, a stand-in system bus, dunst as the
notification server, trayer as the tray host; for "postureping (sni tray)" also the tests'
stand-in StatusNotifierWatcher, tests/sni_host.py) runs each app in turn, with a home of its own and
nothing due. After a start-up settle it reads RSS and PSS summed over the app's process tree,
then CPU time (all threads, plus reaped children) and context switches over an idle window.
Each figure is the median of several runs. Progress goes to stderr, the report to stdout.

    .venv/bin/python bench/footprint.py [--window 60] [--runs 3] [--settle 10]
    .venv/bin/python bench/footprint.py --window 10 --runs 1        (a quick try)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from common import PYTHON, heading, idle_config, isolated_env, median, scratch, table
from procfs import counters, growth, memory_kib, process_names, process_tree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the session harness lives with the tests

from tests.desktop import (  # noqa: E402
    DesktopError,
    DesktopSession,
    missing_programs,
    start_bus,
    start_session,
    strip_session_vars,
    wait_until,
)
from tests.sni_host import StandInHost  # noqa: E402

# What the rivals need on Debian 12. The last two are only recommended by safeeyes, but Safe
# Eyes shows no tray icon without an AppIndicator typelib, and without xprintidle it turns its
# Smart Pause plugin off (which runs xprintidle every 2 s): a default install has both.
RIVAL_PACKAGES = ("workrave", "safeeyes", "gir1.2-ayatanaappindicator3-0.1", "xprintidle")
APT_INSTALL = "sudo apt-get install -y --no-install-recommends " + " ".join(RIVAL_PACKAGES)
TRAY_PROGRAMS = {"trayer": "trayer", "xwininfo": "x11-utils", "xdotool": "xdotool"}
TRAYER = ["trayer", "--edge", "top", "--align", "right", "--widthtype", "request",
          "--height", "24", "--transparent", "false"]  # fmt: skip
START_TIMEOUT = 30.0  # seconds for an app to start and dock its icon
STOP_TIMEOUT = 5.0
MIB = 1024.0  # /proc reports kB


class AppFailed(Exception):
    """An app did not start, crashed, or could not be measured; the message says how."""


@dataclass(frozen=True)
class App:
    key: str  # for --app; not "safeeyes", see running_safe_eyes
    label: str
    binary: str  # checked before each app's turn
    command: Callable[[Path], list[str]]  # given the app's scratch folder
    icon_name: str | None = None  # its icon window's name in trayer's panel starts so
    ready_text: str | None = None  # printed once started
    sni_host: bool = False  # measured with a stand-in StatusNotifierWatcher on the bus


def postureping_command(*flags: str) -> Callable[[Path], list[str]]:
    def command(root: Path) -> list[str]:
        config = idle_config(root)  # active hours that never start: nothing comes due
        # As after a first run: no welcome notice (the state folder is isolated_env's).
        (marker := root / "state" / "postureping" / "welcome-shown").parent.mkdir(parents=True)
        marker.touch()
        return [PYTHON, "-m", "postureping", "--config", str(config), "run", *flags]

    return command


APPS = (
    App("postureping", "postureping (no tray)", PYTHON, postureping_command("--no-tray"),
        ready_text="running without a tray icon (--no-tray)"),
    App("postureping-tray", "postureping (tray)", PYTHON, postureping_command(),
        icon_name="postureping", ready_text="tray icon shown"),
    App("postureping-sni", "postureping (sni tray)", PYTHON, postureping_command(),
        ready_text="tray icon shown (sni)", sni_host=True),
    App("workrave", "Workrave", "/usr/bin/workrave", lambda _: ["/usr/bin/workrave"],
        icon_name="workrave"),
    App("safe-eyes", "Safe Eyes", "/usr/bin/safeeyes", lambda _: ["/usr/bin/safeeyes"],
        icon_name="safeeyes"),
)  # fmt: skip
BASELINES = APPS[:3]


# -- the desktop ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Desktop:
    session: DesktopSession
    system_bus: str  # Safe Eyes dies without a system bus; the others look for logind on it
    gdk_primed: bool  # see prime_gdk

    def run(self, *args: str) -> str:
        return self.session.run(*args)


@contextlib.contextmanager
def bench_desktop(directory: Path) -> Iterator[Desktop]:
    """The tests' session (Xvfb, session bus, dunst) plus a stand-in system bus and trayer."""
    with start_session(directory / "session") as session, ExitStack() as stack:
        (bus_dir := directory / "system-bus").mkdir()
        _, system_bus = start_bus(bus_dir, session.env, stack)
        log = stack.enter_context((directory / "trayer.log").open("wb"))
        trayer = subprocess.Popen(TRAYER, env=session.env, stdout=log, stderr=log)
        stack.callback(stop_tree, trayer)
        found = Desktop(session, system_bus, prime_gdk(session.env))
        wait_until(lambda: panel_children(found) is not None, timeout=START_TIMEOUT,
                   what="trayer's panel")  # fmt: skip
        yield found


# The first GTK 3 client of an X server sets up GLX to choose its visuals (Mesa's llvmpipe:
# about 47 MiB more RSS, libLLVM) and caches the choice in the root window's GDK_VISUALS
# property; later clients read that. On a real desktop GTK apps have run long before.
GDK_PRIMER = (
    "import gi; gi.require_version('Gtk', '3.0'); from gi.repository import Gtk; Gtk.init()"
)


def prime_gdk(env: Mapping[str, str]) -> bool:
    """Run a GTK 3 client once, so no app measured here pays for being the first."""
    for python in (PYTHON, "/usr/bin/python3"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            args = [python, "-c", GDK_PRIMER]
            subprocess.run(args, env=env, capture_output=True, check=True, timeout=30)
            return True
    return False


_TREE_LINE = re.compile(r'^(?P<indent> *)0x[0-9a-f]+ (?:"(?P<name>.*)"|\(has no name\)): ')


def panel_children(desktop: Desktop) -> list[str] | None:
    """The names of all windows inside trayer's panel (docked icons), None with no panel."""
    names: list[str] | None = None
    panel_depth = -1
    for line in window_tree(desktop).splitlines():
        if not (match := _TREE_LINE.match(line)):
            continue
        depth = len(match["indent"])
        if names is not None and depth > panel_depth:
            names.append(match["name"] or "")
        elif names is None and '"panel": ("panel" "trayer")' in line:
            names, panel_depth = [], depth
        elif names is not None:
            break
    return names


def window_tree(desktop: Desktop, tries: int = 5) -> str:
    """`xwininfo -root -tree`, read again when a window vanished while it was read (an app
    closing a window of its own makes xwininfo fail with BadWindow)."""
    for _ in range(tries - 1):
        with contextlib.suppress(DesktopError):
            return desktop.run("xwininfo", "-root", "-tree")
        time.sleep(0.2)
    return desktop.run("xwininfo", "-root", "-tree")


def docked(desktop: Desktop, icon_name: str) -> bool:
    return any(name.startswith(icon_name) for name in panel_children(desktop) or [])


def visible_windows(desktop: Desktop) -> set[str]:
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", ""],
        env=desktop.session.env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return set(found.stdout.split())


def notifications_seen(desktop: Desktop) -> int:
    return sum(int(desktop.run("dunstctl", "count", what)) for what in ("displayed", "history"))


def app_env(desktop: Desktop, root: Path) -> dict[str, str]:
    """A home of its own under `root`, and this desktop."""
    home = isolated_env(root)
    env = strip_session_vars(home) | {k: v for k, v in home.items() if k in _OWN_FOLDERS}
    env.pop("PYSTRAY_BACKEND", None)  # postureping picks the best one itself
    session = desktop.session.env
    return env | {
        **{name: session[name] for name in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "NO_AT_BRIDGE")},
        "DBUS_SYSTEM_BUS_ADDRESS": desktop.system_bus,
        # Safe Eyes writes its config under $HOME/.config but reads it from $XDG_CONFIG_HOME.
        "XDG_CONFIG_HOME": str(Path(home["HOME"]) / ".config"),
        # No dconf service on the private bus: GTK apps keep their settings in memory.
        "GSETTINGS_BACKEND": "memory",
    }


_OWN_FOLDERS = ("HOME", "XDG_RUNTIME_DIR", "XDG_DATA_HOME", "XDG_STATE_HOME")


# -- one measurement ------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    rss_kib: int
    pss_kib: int
    cpu_s: float
    switches: int
    threads: int
    processes: str  # the names in its tree
    docked: bool | None  # None: it has no icon
    notes: tuple[str, ...] = ()


def launch(argv: list[str], env: dict[str, str], root: Path) -> subprocess.Popen[bytes]:
    with (root / "app.log").open("wb") as log:
        return subprocess.Popen(
            argv, env=env, cwd=root, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            start_new_session=True,  # its own session: its helpers are easy to find and stop
        )  # fmt: skip


def log_tail(root: Path, lines: int = 3) -> str:
    text = (root / "app.log").read_text(errors="replace").strip().splitlines()
    return " | ".join(text[-lines:]) or "(nothing logged)"


def check_running(proc: subprocess.Popen[bytes], root: Path) -> None:
    if proc.poll() is not None:
        raise AppFailed(f"exited with {proc.returncode}: {log_tail(root)}")
    log = (root / "app.log").read_text(errors="replace")
    if "Traceback (most recent call last)" in log:  # Safe Eyes can crash and stay up
        raise AppFailed(f"raised an exception: {log_tail(root)}")


def wait_started(app: App, proc: subprocess.Popen[bytes], root: Path) -> None:
    """Wait until the app says it is running; raise AppFailed if it dies or says nothing."""

    def started() -> bool:
        check_running(proc, root)
        text = (root / "app.log").read_text(errors="replace")
        return app.ready_text is None or app.ready_text in text

    try:
        wait_until(started, timeout=START_TIMEOUT, what=f"{app.label} to start")
    except TimeoutError as error:
        raise AppFailed(f"{error}: {log_tail(root)}") from None


def wait_docked(app: App, desktop: Desktop) -> bool | None:
    """Whether the app's icon docked in trayer within START_TIMEOUT; None if it has none."""
    if (icon := app.icon_name) is None:
        return None
    with contextlib.suppress(TimeoutError):
        wait_until(lambda: docked(desktop, icon), timeout=START_TIMEOUT, what="its icon")
        return True
    return False


def measure(app: App, desktop: Desktop, root: Path, settle: float, window: float) -> Sample:
    root.mkdir(parents=True)
    argv, env = app.command(root), app_env(desktop, root)
    host = StandInHost(desktop.session.bus_address) if app.sni_host else None  # this turn only
    started = time.monotonic()
    proc = launch(argv, env, root)
    try:
        wait_started(app, proc, root)
        is_docked = wait_docked(app, desktop)
        time.sleep(max(0.0, settle - (time.monotonic() - started)))
        check_running(proc, root)
        tree = process_tree(proc.pid)
        rss, pss = memory_kib(tree)
        windows, shown = visible_windows(desktop), notifications_seen(desktop)
        before = counters(tree)
        time.sleep(window)
        check_running(proc, root)
        tree = process_tree(proc.pid)
        after, names = counters(tree), process_names(tree)
        notes = idle_notes(desktop, windows, shown)
    finally:
        stop_tree(proc)
        if host is not None:
            host.close()
    return Sample(
        rss, pss, growth(before.cpu, after.cpu), round(growth(before.switches, after.switches)),
        after.threads, names, is_docked, notes,
    )  # fmt: skip


def idle_notes(desktop: Desktop, windows: set[str], shown: int) -> tuple[str, ...]:
    """What showed up during the window: an idle app shows nothing."""
    notes = []
    if new := visible_windows(desktop) - windows:
        notes.append(f"{len(new)} window(s) appeared in the window (a break?)")
    if (count := notifications_seen(desktop) - shown) > 0:
        notes.append(f"{count} notification(s) in the window")
    return tuple(notes)


def stop_tree(proc: subprocess.Popen[bytes]) -> None:
    """Stop `proc` and everything it started, by PID: SIGTERM, then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in process_tree(proc.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        with contextlib.suppress(TimeoutError):
            wait_until(lambda: not process_tree(proc.pid), timeout=STOP_TIMEOUT, what="exit")
            break
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(STOP_TIMEOUT)


# -- the report -----------------------------------------------------------------------------


def command_output(*args: str) -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(args, capture_output=True, text=True, check=False, timeout=10)
        if done.returncode == 0:
            return done.stdout.strip()
    return ""


def package_version(package: str) -> str:
    status = command_output("dpkg-query", "-W", "-f=${db:Status-Abbrev}${Version}", package)
    return status[3:] if status.startswith("ii") else "not installed"


def machine_lines() -> list[str]:
    debian = Path("/etc/debian_version")
    return [
        heading("Idle footprint next to Workrave and Safe Eyes"),
        f"Debian {debian.read_text().strip() if debian.exists() else '?'}",
        "Versions: " + ", ".join(
            [command_output(PYTHON, "-m", "postureping", "--version") or "postureping ?"]
            + [f"{p} {package_version(p)}" for p in RIVAL_PACKAGES]
            + [f"{p} {package_version(p)}" for p in ("dunst", "trayer", "xvfb")]
        ),
    ]  # fmt: skip


def medians(samples: Sequence[Sample]) -> tuple[float, float, float, float]:
    return (
        median([s.rss_kib / MIB for s in samples]),
        median([s.pss_kib / MIB for s in samples]),
        median([s.cpu_s for s in samples]),
        median([s.switches for s in samples]),
    )


def results_table(results: Mapping[str, list[Sample]]) -> str:
    rows = []
    for label, samples in results.items():
        rss, pss, cpu, switches = medians(samples)
        docked = tray_column([s.docked for s in samples])
        rows.append((
            label, f"{rss:.1f}", f"{pss:.1f}", f"{cpu:.2f}", f"{switches:g}",
            samples[-1].threads, samples[-1].processes, docked,
        ))  # fmt: skip
    headers = ("app", "RSS MiB", "PSS MiB", "CPU s/window", "ctx switches/window",
               "threads", "processes", "tray icon")  # fmt: skip
    return table(headers, rows)


def tray_column(docked: Sequence[bool | None]) -> str:
    if None in docked:
        return "-"
    return "docked" if all(docked) else f"NOT docked in {docked.count(False)}/{len(docked)}"


def ratios_table(results: Mapping[str, list[Sample]]) -> str:
    rows = []
    for rival in (app.label for app in APPS if app not in BASELINES):
        for base in (app.label for app in BASELINES):
            if rival in results and base in results:
                rival_rss, rival_pss, *_ = medians(results[rival])
                base_rss, base_pss, *_ = medians(results[base])
                ratios = (f"{rival_rss / base_rss:.2f}x", f"{rival_pss / base_pss:.2f}x")
                rows.append((f"{rival} / {base}", *ratios))
    return table(("ratio", "RSS", "PSS"), rows) if rows else "(no rival measured)"


def report(results: Mapping[str, list[Sample]], failures: Mapping[str, str],
           args: argparse.Namespace, gdk_primed: bool) -> None:  # fmt: skip
    print("\n".join(machine_lines()))
    print(
        f"Idle footprint: Xvfb + private D-Bus session bus + dunst + trayer; "
        f"{args.settle:g} s settle, {args.window:g} s idle window, median of {args.runs} run(s)"
    )
    if not gdk_primed:
        print("Warning: no GTK 3 client ran before the apps (PyGObject missing?): the first "
              "GTK app measured pays about 47 MiB for setting up GLX.")  # fmt: skip
    print()
    print(results_table(results))
    print()
    print(ratios_table(results))
    for label, samples in results.items():
        for note in sorted({note for sample in samples for note in sample.notes}):
            print(f"Note: {label}: {note}")
    for label, reason in failures.items():
        print(f"Not measured: {label}: {reason}")
    print(FOOTNOTE)


FOOTNOTE = """\
RSS, PSS: /proc/PID/smaps_rollup summed over the app's process tree, after the settle.
CPU: utime+stime of all its threads plus the children it reaped, over the window.
Context switches: voluntary+nonvoluntary of the threads alive at the end of the window (those
of a thread or child process that ended within it are lost).
With no input under Xvfb every app sees an idle user: postureping has its interval routines
scheduled (the first due 25 minutes after start-up) and checks the idle time, Workrave's timers
stand still, Safe Eyes' Smart Pause has disabled it (it still runs xprintidle every 2 s).
Shared processes (Xvfb, dbus-daemon, dunst, trayer) are not counted."""


# -- main -------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Idle footprint of postureping and rivals.")
    parser.add_argument("--window", type=float, default=60.0, help="idle window, seconds")
    parser.add_argument("--runs", type=int, default=3, help="runs per app (median)")
    parser.add_argument("--settle", type=float, default=10.0, help="start-up settle, seconds")
    parser.add_argument("--app", action="append", choices=[app.key for app in APPS],
                        help="measure only this app (repeatable; default: all)")  # fmt: skip
    return parser.parse_args(argv)


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def skip_reason(app: App) -> str | None:
    if not Path(app.binary).exists():
        return f"{app.binary} is not installed; install the rivals with: {APT_INSTALL}"
    if app.key == "safe-eyes" and (pid := running_safe_eyes()):
        return f"PID {pid} looks like Safe Eyes to Safe Eyes; stop it to measure"
    return None


def running_safe_eyes() -> int | None:
    """A process Safe Eyes would take for a running Safe Eyes: it does not start then, but
    sends that one (perhaps the user's own) a command on TCP port 7200 and exits."""
    for entry in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            args = entry.read_bytes().decode(errors="replace").split("\0")
            # Safe Eyes' own test (safeeyes/__main__.py, __running)
            if (
                len(args) > 1
                and "python" in args[0]
                and ("safeeyes" in args[1] or "safeeyes" in args)
            ):
                return int(entry.parent.name)
    return None


def run_all(desktop: Desktop, directory: Path, args: argparse.Namespace,
            results: dict[str, list[Sample]], failures: dict[str, str]) -> None:  # fmt: skip
    """Each run measures every app in turn, so slow drifts of the machine hit them alike."""
    for run in range(1, args.runs + 1):
        for index, app in enumerate(APPS):
            if app.label in failures or (args.app and app.key not in args.app):
                continue
            if reason := skip_reason(app):
                failures[app.label] = reason
                progress(f"{app.label}: skipped: {reason}")
                continue
            progress(f"run {run}/{args.runs}: {app.label} ...")
            root = directory / f"run{run}-app{index}"
            try:
                sample = measure(app, desktop, root, args.settle, args.window)
            except (AppFailed, DesktopError, OSError, subprocess.SubprocessError) as error:
                failures[app.label] = f"run {run}: {error}"
                progress(f"{app.label}: failed: {error}")
                continue
            results.setdefault(app.label, []).append(sample)
            progress(f"  RSS {sample.rss_kib / MIB:.1f} MiB, CPU {sample.cpu_s:.2f} s, "
                     f"{sample.switches} switches, {sample.processes}")  # fmt: skip
    for label in failures:  # a partly measured app is reported as failed only
        results.pop(label, None)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    missing = missing_programs() + [
        f"{name} (apt package {package})"
        for name, package in TRAY_PROGRAMS.items()
        if not shutil.which(name)
    ]
    if missing:
        print("The desktop session needs: " + ", ".join(missing), file=sys.stderr)
        return 1
    directory = scratch()
    results: dict[str, list[Sample]] = {}
    failures: dict[str, str] = {}
    try:
        with bench_desktop(directory) as found:
            run_all(found, directory, args, results, failures)
            gdk_primed = found.gdk_primed
    except (DesktopError, TimeoutError, OSError, subprocess.SubprocessError) as error:
        print(f"The desktop session failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    report(results, failures, args, gdk_primed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
