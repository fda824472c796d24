"""The tray icon on a real X desktop: Xvfb, a private session bus, and trayer as the tray host.

Most tests run the tray in a child process (tests/tray_driver.py) with the session's
environment and a FakeController that writes every call to a file; they find the docked icon
with `xwininfo`, open its menu with `xdotool` as a user would, and read the calls. The last ones
do the same with the real daemon (`postureping run`) and ask it with `status --json`. The open
menus are saved to artifacts/ (git-ignored) for people to look at.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from postureping.tray.menu import Item, build_view, moment
from postureping.tray.xembed import xembed_tray_present
from tests.cli_helpers import isolated_env, run_cli
from tests.daemon_process import running_daemon
from tests.desktop import DesktopSession, stop_pid, strip_session_vars, wait_until
from tests.tray_driver import FakeController

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="X11 tray hosts")

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
TRAY_PROGRAMS = {"trayer": "trayer", "xwininfo": "x11-utils", "xdotool": "xdotool"}
TRAYER = ["trayer", "--edge", "top", "--align", "right", "--widthtype", "request",
          "--height", "24", "--transparent", "false"]  # fmt: skip
WAIT = 15.0  # seconds for a window to appear or a call to arrive
SETTLE = 1.0  # seconds for a trayer that owns the selection to be ready to embed


def require(ok: bool, reason: str) -> None:
    """Skip without `ok`; in CI, fail instead, since CI must run these."""
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI is expected to install it (.ci/run, the test extra)")
    pytest.skip(reason)


def gtk_importable() -> bool:
    result = subprocess.run(
        [sys.executable, "-c", "import gi; gi.require_version('Gtk', '3.0')"],
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


@pytest.fixture(scope="module")
def tray_programs() -> None:
    missing = [f"{n} (apt package {p})" for n, p in TRAY_PROGRAMS.items() if not shutil.which(n)]
    require(not missing, "tray test needs " + ", ".join(missing))
    # Not imported here: pystray's import opens the display, which this process has not.
    require(importlib.util.find_spec("pystray") is not None, "tray test needs pystray")


@pytest.fixture(scope="module")
def trayer(tray_programs: None, desktop_module: DesktopSession) -> Iterator[DesktopSession]:
    """The module's desktop with trayer running as its tray host, once it owns the tray's
    selection and has settled."""
    log = (desktop_module.directory / "trayer.log").open("ab")
    proc = subprocess.Popen(TRAYER, env=desktop_module.env, stdout=log, stderr=log)
    try:
        wait_until(lambda: trayer_panel(desktop_module), timeout=WAIT, what="trayer's panel")
        # Its panel shows before it owns the tray's selection; an icon started in between
        # finds no tray (pystray's xorg backend never tries again).
        wait_until(lambda: xembed_tray_present(desktop_module.display), timeout=WAIT,
                   what="trayer to own the tray's selection")  # fmt: skip
        time.sleep(SETTLE)  # a trayer just started may not embed an icon yet
        yield desktop_module
    finally:
        stop_pid(proc.pid)
        proc.wait(5)
        log.close()


# -- the child process ----------------------------------------------------------------------


class Driver:
    """tests/tray_driver.py in a child process; stopped by PID when the test ends."""

    def __init__(self, env: Mapping[str, str], directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.calls = directory / "calls.txt"
        self.settings = directory / "config.toml"
        self.settings.write_text("# settings\n")
        self._out, self._err = directory / "driver.out", directory / "driver.err"
        with self._out.open("wb") as out, self._err.open("wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tests.tray_driver", str(self.calls), str(self.settings)],
                cwd=ROOT, env=dict(env), stdin=subprocess.DEVNULL, stdout=out, stderr=err,
            )  # fmt: skip

    @property
    def stdout(self) -> str:
        return self._out.read_text()

    @property
    def log(self) -> list[str]:
        """The tray's log lines (GTK's own warnings left out)."""
        return [line for line in self._err.read_text().splitlines() if line.startswith(LEVELS)]

    def wait_started(self) -> bool:
        def settled() -> str | None:
            # Whole lines only: "started" may be read before its newline is written.
            text = self.stdout
            return text if text.endswith("\n") and text != "not started\n" else None

        text = wait_until(settled, timeout=WAIT, what="the driver to start")
        assert text in ("started\n", "not started\nstopped\n"), self._err.read_text()
        return text == "started\n"

    def call_lines(self) -> list[str]:
        return self.calls.read_text().splitlines() if self.calls.exists() else []

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(10)

    def kill(self) -> None:
        if self.proc.poll() is None:
            stop_pid(self.proc.pid)
        self.proc.wait(5)


LEVELS = ("DEBUG ", "INFO ", "WARNING ", "ERROR ", "CRITICAL ")


@pytest.fixture
def start_driver(tmp_path: Path) -> Iterator[list[Driver]]:
    drivers: list[Driver] = []
    yield drivers
    for driver in drivers:
        driver.kill()


def launch(
    drivers: list[Driver], base: Mapping[str, str], directory: Path, backend: str | None = None
) -> Driver:
    """A driver with `base`'s session, folders of its own for anything GTK might write, and
    pystray's backend left to the tray unless `backend` is given."""
    env = {k: v for k, v in base.items() if k != "PYSTRAY_BACKEND"}
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        env[name] = str(directory / name.lower())
    if backend is not None:
        env["PYSTRAY_BACKEND"] = backend
    driver = Driver(env, directory)
    drivers.append(driver)
    return driver


# -- reading the screen ----------------------------------------------------------------------


@dataclass(frozen=True)
class XWindow:
    id: str
    name: str  # WM_NAME, "" when it has none
    wm_class: str
    width: int
    height: int
    x: int  # absolute
    y: int

    @property
    def centre(self) -> tuple[int, int]:
        return self.x + self.width // 2, self.y + self.height // 2


_TREE_LINE = re.compile(
    r"^(?P<indent> *)(?P<id>0x[0-9a-f]+) (?:\"(?P<name>.*)\"|\(has no name\)): "
    r"\((?P<cls>.*)\)\s+(?P<w>\d+)x(?P<h>\d+)[+-]-?\d+[+-]-?\d+\s+\+(?P<x>-?\d+)\+(?P<y>-?\d+)$"
)


def window_tree(desktop: DesktopSession) -> list[tuple[list[XWindow], XWindow]]:
    """Every window under the root, each with its ancestors (outermost first)."""
    found: list[tuple[list[XWindow], XWindow]] = []
    stack: list[tuple[int, XWindow]] = []
    for line in desktop.run("xwininfo", "-root", "-tree").splitlines():
        if not (match := _TREE_LINE.match(line)):
            continue
        window = XWindow(
            match["id"], match["name"] or "", match["cls"],
            int(match["w"]), int(match["h"]), int(match["x"]), int(match["y"]),
        )  # fmt: skip
        depth = len(match["indent"])
        while stack and stack[-1][0] >= depth:
            stack.pop()
        found.append(([w for _, w in stack], window))
        stack.append((depth, window))
    return found


def trayer_panel(desktop: DesktopSession) -> XWindow | None:
    panels = [w for _, w in window_tree(desktop) if w.name == "panel" and "trayer" in w.wm_class]
    return panels[0] if panels else None


def docked_icon(desktop: DesktopSession) -> XWindow | None:
    """postureping's icon window, embedded in trayer's panel."""
    for ancestors, window in window_tree(desktop):
        in_trayer = any(a.name == "panel" and "trayer" in a.wm_class for a in ancestors)
        if in_trayer and window.name.startswith("postureping"):
            return window
    return None


def icon_named(desktop: DesktopSession, name: str) -> XWindow | None:
    icon = docked_icon(desktop)
    return icon if icon is not None and icon.name == name else None


def open_menus(desktop: DesktopSession) -> list[str]:
    """The ids of postureping's visible menu windows (the icon itself is smaller)."""
    search = ["xdotool", "search", "--onlyvisible", "--classname", "postureping"]
    result = subprocess.run(search, env=desktop.env, capture_output=True, text=True, check=False)
    menus = []
    for window in result.stdout.split():
        shape = subprocess.run(
            ["xdotool", "getwindowgeometry", "--shell", window],
            env=desktop.env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        height = re.search(r"HEIGHT=(\d+)", shape.stdout)  # none: it closed meanwhile
        if height and int(height[1]) > 60:
            menus.append(window)
    return menus


def colourful_pixels(desktop: DesktopSession, icon: XWindow, path: Path) -> int:
    """How many clearly coloured (not grey) pixels the icon shows on screen now."""
    desktop.screenshot(path)
    with Image.open(path) as shot:
        box = (icon.x, icon.y, icon.x + icon.width, icon.y + icon.height)
        data = shot.convert("RGB").crop(box).tobytes()
    rgb = zip(data[0::3], data[1::3], data[2::3], strict=True)
    return sum(1 for r, g, b in rgb if max(r, g, b) - min(r, g, b) > 40)


def drawn_icon(desktop: DesktopSession, shot: Path, *, coloured: bool = True) -> XWindow | None:
    """The docked icon once it shows in colour (or all grey); found afresh each time, since
    trayer may still move it while its panel settles."""
    icon = docked_icon(desktop)
    if icon is None:
        return None
    pixels = colourful_pixels(desktop, icon, shot)
    return icon if (pixels > 20 if coloured else pixels == 0) else None


def keys_to(label: str) -> int:
    """How many Down presses select `label` in the fake's menu: GTK skips greyed-out items."""
    status = FakeController(Path(os.devnull)).status()
    menu = build_view(status, status.now, Path("config.toml"), UTC).menu
    selectable = [e.label for e in menu if isinstance(e, Item) and e.enabled]
    return selectable.index(label) + 1


# -- with a tray host -------------------------------------------------------------------------


def test_the_icon_docks_in_the_tray_and_sigint_stops_it(
    trayer: DesktopSession, start_driver: list[Driver], tmp_path: Path
) -> None:
    require(gtk_importable(), "tray test needs PyGObject with Gtk 3 for the menu backends")
    driver = launch(start_driver, trayer.env, tmp_path / "driver")
    assert driver.wait_started()
    title = "postureping: Time for a gentle stretch in 13 min"  # the tooltip

    def laid_out() -> XWindow | None:
        # trayer embeds an icon 1 pixel wide, then gives it its size.
        icon = icon_named(trayer, title)
        return icon if icon is not None and icon.width > 1 else None

    icon = wait_until(laid_out, timeout=WAIT, what="the icon to dock")
    assert (icon.width, icon.height) > (8, 8)
    assert driver.log == ["INFO tray icon shown (gtk)"]  # an XEMBED tray: GTK's StatusIcon
    assert driver.stop(signal.SIGINT) == 0
    assert driver.stdout == "started\nstopped\n"
    wait_until(lambda: docked_icon(trayer) is None, timeout=WAIT, what="the icon to go")


def test_pause_from_the_tray_menu(
    trayer: DesktopSession, start_driver: list[Driver], tmp_path: Path
) -> None:
    require(gtk_importable(), "tray test needs PyGObject with Gtk 3 for the menu backends")
    driver = launch(start_driver, trayer.env, tmp_path / "driver")
    assert driver.wait_started()
    before = tmp_path / "before.png"  # teal, with an orange dot: a reminder awaits an answer
    icon = wait_until(lambda: drawn_icon(trayer, before), timeout=WAIT, what="a coloured icon")

    x, y = icon.centre
    trayer.run("xdotool", "mousemove", str(x), str(y), "click", "3")
    wait_until(lambda: len(open_menus(trayer)) == 1, timeout=WAIT, what="the menu to open")
    downs = ["Down"] * keys_to("Pause")
    trayer.run("xdotool", "key", *downs, "Right")  # Pause, then its submenu's first item
    wait_until(lambda: len(open_menus(trayer)) == 2, timeout=WAIT, what="the Pause submenu")
    ARTIFACTS.mkdir(exist_ok=True)
    trayer.screenshot(ARTIFACTS / "tray-menu.png")

    picked = datetime.now(UTC)
    trayer.run("xdotool", "key", "Return")  # "30 min"
    calls = wait_until(driver.call_lines, timeout=WAIT, what="the pause call")
    assert len(calls) == 1 and calls[0].startswith("pause "), calls
    until = datetime.fromisoformat(calls[0].removeprefix("pause "))
    assert abs(until - (picked + timedelta(minutes=30))) < timedelta(seconds=30)

    # The icon now says so: greyed out, and the tooltip names the end of the pause.
    wait_until(lambda: not open_menus(trayer), timeout=WAIT, what="the menu to close")

    # The label depends on the day ("00:26" or "tomorrow 00:26" near midnight): ask the
    # tray's own wording, at each look, so the test passes at any time of day.
    def paused() -> str:
        return f"postureping: Paused until {moment(until, datetime.now(UTC), UTC)}"

    wait_until(lambda: icon_named(trayer, paused()), timeout=WAIT, what=paused())
    shot = tmp_path / "after.png"
    wait_until(lambda: drawn_icon(trayer, shot, coloured=False), timeout=WAIT, what="a grey icon")
    shutil.copy(shot, ARTIFACTS / "tray-paused.png")
    assert driver.stop(signal.SIGTERM) == 0
    assert driver.stdout == "started\nstopped\n"


def test_quit_from_the_tray_menu(
    trayer: DesktopSession, start_driver: list[Driver], tmp_path: Path
) -> None:
    require(gtk_importable(), "tray test needs PyGObject with Gtk 3 for the menu backends")
    driver = launch(start_driver, trayer.env, tmp_path / "driver")
    assert driver.wait_started()
    icon = wait_until(lambda: docked_icon(trayer), timeout=WAIT, what="the icon to dock")
    x, y = icon.centre
    trayer.run("xdotool", "mousemove", str(x), str(y), "click", "3")
    wait_until(lambda: len(open_menus(trayer)) == 1, timeout=WAIT, what="the menu to open")
    trayer.run("xdotool", "key", *["Down"] * keys_to("Quit"), "Return")
    assert driver.proc.wait(WAIT) == 0
    assert driver.call_lines() == ["quit"]
    assert driver.stdout == "started\nstopped\n"


# Owns the StatusNotifierWatcher name on the session bus and implements nothing: enough for the
# tray to choose a StatusNotifierItem, whose registration then fails.
FAKE_WATCHER = """\
from gi.repository import Gio, GLib
loop = GLib.MainLoop()
Gio.bus_own_name(Gio.BusType.SESSION, "org.kde.StatusNotifierWatcher", Gio.BusNameOwnerFlags.NONE,
                 None, lambda *_: print("owned", flush=True), lambda *_: loop.quit())
loop.run()
"""


@contextmanager
def broken_watcher(desktop: DesktopSession) -> Iterator[None]:
    watcher = subprocess.Popen(
        [sys.executable, "-c", FAKE_WATCHER], env=desktop.env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert watcher.stdout is not None
        assert watcher.stdout.readline() == "owned\n"
        yield
    finally:
        stop_pid(watcher.pid)
        watcher.wait(5)


def test_a_watcher_that_does_not_take_the_item_leaves_the_xembed_tray(
    trayer: DesktopSession, start_driver: list[Driver], tmp_path: Path
) -> None:
    require(gtk_importable(), "tray test needs PyGObject with Gtk 3 for the menu backends")
    with broken_watcher(trayer):
        driver = launch(start_driver, trayer.env, tmp_path / "driver")
        assert driver.wait_started()
        [refused, shown] = driver.log
        assert refused.startswith("WARNING the StatusNotifierWatcher did not take the icon (")
        assert refused.endswith("; trying an XEMBED tray")
        assert shown == "INFO tray icon shown (gtk)"
        wait_until(lambda: docked_icon(trayer), timeout=WAIT, what="the icon to dock")
        assert driver.stop() == 0


def test_pystray_appindicator_on_request(
    trayer: DesktopSession, start_driver: list[Driver], tmp_path: Path
) -> None:
    """PYSTRAY_BACKEND=appindicator: pystray's AppIndicator, which falls back to XEMBED itself."""
    require(gtk_importable(), "tray test needs PyGObject with Gtk 3 for the menu backends")
    with broken_watcher(trayer):
        driver = launch(start_driver, trayer.env, tmp_path / "driver", backend="appindicator")
        assert driver.wait_started()
        assert driver.log == ["INFO tray icon shown (appindicator)"]
        wait_until(lambda: docked_icon(trayer), timeout=WAIT, what="the icon to dock")
        assert driver.stop() == 0


def test_without_pygobject_the_icon_docks_without_a_menu(
    trayer: DesktopSession, start_driver: list[Driver], tmp_path: Path
) -> None:
    driver = launch(start_driver, trayer.env, tmp_path / "driver", backend="xorg")
    assert driver.wait_started()
    try:
        wait_until(lambda: docked_icon(trayer), timeout=WAIT, what="the icon to dock")
    except TimeoutError:
        # pystray's xorg backend asks to dock once and never again; in CI, under two
        # workers, that request was now and then lost. One more start, as a user would.
        assert driver.stop() == 0
        driver = launch(start_driver, trayer.env, tmp_path / "driver-again", backend="xorg")
        assert driver.wait_started()
        wait_until(lambda: docked_icon(trayer), timeout=WAIT, what="the icon to dock")
    assert driver.log == [
        "INFO tray icon shown, without a menu: "
        "its menu needs PyGObject (see the README, 'The tray icon')"
    ]
    assert driver.stop() == 0


def test_a_broken_pystray_leaves_the_daemon_without_a_tray(
    trayer: DesktopSession, start_driver: list[Driver], tmp_path: Path
) -> None:
    driver = launch(start_driver, trayer.env, tmp_path / "driver", backend="no-such-backend")
    assert not driver.wait_started()
    assert driver.proc.wait(10) == 0
    assert driver.log == [
        "WARNING pystray cannot show an icon (ImportError: unknown backend: "
        "'no-such-backend'); running without a tray icon"
    ]


# -- without a tray host, without a display ------------------------------------------------------


def test_no_tray_host(desktop: DesktopSession, start_driver: list[Driver], tmp_path: Path) -> None:
    driver = launch(start_driver, desktop.env, tmp_path / "driver")
    assert not driver.wait_started()
    assert driver.proc.wait(10) == 0
    assert driver.log == ["INFO no system tray found; running without a tray icon"]


def test_no_display(start_driver: list[Driver], tmp_path: Path) -> None:
    driver = launch(start_driver, strip_session_vars(os.environ), tmp_path / "driver")
    assert not driver.wait_started()
    assert driver.proc.wait(10) == 0
    assert driver.log == ["INFO no display; running without a tray icon"]


# -- the real daemon ------------------------------------------------------------------------------


def daemon_env(desktop: DesktopSession, root: Path) -> dict[str, str]:
    """A home of its own under `root`, this desktop, and reminders on the terminal only."""
    env = isolated_env(root, {"POSTUREPING_NOTIFICATIONS__BACKEND": "console"})
    for name in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "NO_AT_BRIDGE"):
        env[name] = desktop.env[name]
    env.pop("PYSTRAY_BACKEND", None)
    return env


def daemon_status(root: Path) -> dict[str, Any]:
    result = run_cli(root, "status", "--json")
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_pause_from_the_daemons_tray_menu(trayer: DesktopSession, tmp_path: Path) -> None:
    require(gtk_importable(), "tray test needs PyGObject with Gtk 3 for the menu backends")
    with running_daemon([], daemon_env(trayer, tmp_path), tmp_path) as daemon:
        daemon.wait_for_output("tray icon shown (gtk)", timeout=WAIT)
        before = daemon_status(tmp_path)
        assert before["paused"] is False and before["awaiting"] is None
        icon = wait_until(lambda: drawn_icon(trayer, tmp_path / "a.png"), timeout=WAIT, what="icon")
        assert icon.name.startswith("postureping: ")  # the tooltip: the next reminder

        x, y = icon.centre
        trayer.run("xdotool", "mousemove", str(x), str(y), "click", "3")
        wait_until(lambda: len(open_menus(trayer)) == 1, timeout=WAIT, what="the menu to open")
        # With no prompt awaiting an answer (and no settings file), "Pause" is the first item
        # one can pick: the headline and "Today" above it are greyed out.
        trayer.run("xdotool", "key", "Down", "Right")
        wait_until(lambda: len(open_menus(trayer)) == 2, timeout=WAIT, what="the Pause submenu")
        ARTIFACTS.mkdir(exist_ok=True)
        trayer.screenshot(ARTIFACTS / "daemon-tray-menu.png")
        picked = datetime.now(UTC)
        trayer.run("xdotool", "key", "Return")  # "30 min"

        after = wait_until(
            lambda: (data := daemon_status(tmp_path))["paused"] and data,
            timeout=WAIT,
            what="status --json to report the pause",
        )
        until = datetime.fromisoformat(after["paused_until"])
        assert abs(until - (picked + timedelta(minutes=30))) < timedelta(seconds=30)
        assert after["next"] == []  # nothing is due while paused
        wait_until(
            lambda: drawn_icon(trayer, tmp_path / "b.png", coloured=False),
            timeout=WAIT,
            what="the icon to turn grey",
        )
        assert daemon.stop() == 0
    assert "Traceback" not in daemon.output
    wait_until(lambda: docked_icon(trayer) is None, timeout=WAIT, what="the icon to go")


def test_an_open_menu_follows_a_reminder_that_comes_meanwhile(
    trayer: DesktopSession, tmp_path: Path
) -> None:
    """The menu is open when a reminder comes: it gains Done / Snooze / Skip at once, and
    picking "Done" answers the reminder that came (before, the open menu stayed as it was
    when it opened, and the same keys picked "Pause")."""
    require(gtk_importable(), "tray test needs PyGObject with Gtk 3 for the menu backends")
    env = daemon_env(trayer, tmp_path)
    with running_daemon([], env, tmp_path) as daemon:
        daemon.wait_for_output("tray icon shown (gtk)", timeout=WAIT)
        icon = wait_until(lambda: drawn_icon(trayer, tmp_path / "a.png"), timeout=WAIT, what="icon")
        x, y = icon.centre
        trayer.run("xdotool", "mousemove", str(x), str(y), "click", "3")
        [menu] = wait_until(lambda: open_menus(trayer), timeout=WAIT, what="the menu to open")

        def height() -> int:
            shape = trayer.run("xdotool", "getwindowgeometry", "--shell", menu)
            found = re.search(r"HEIGHT=(\d+)", shape)
            return int(found[1]) if found else 0

        closed_height = height()
        assert run_cli(tmp_path, "trigger", "walk", env=env).returncode == 0
        wait_until(lambda: height() > closed_height, timeout=WAIT, what="the open menu to grow")
        assert open_menus(trayer) == [menu]  # the same menu, still open
        ARTIFACTS.mkdir(exist_ok=True)
        trayer.screenshot(ARTIFACTS / "daemon-tray-menu-refreshed.png")
        trayer.run("xdotool", "key", "Down", "Return")  # the first item one can pick: Done
        wait_until(
            lambda: any(
                e["routine"] == "walk" and e["kind"] == "done" and e["source"] == "tray"
                for e in json.loads(run_cli(tmp_path, "history", "--json", env=env).stdout)
            ),
            timeout=WAIT,
            what="the walk answered from the tray",
        )
        assert daemon.stop() == 0
    assert "Traceback" not in daemon.output


def test_no_tray_flag(trayer: DesktopSession, tmp_path: Path) -> None:
    with running_daemon(["--no-tray"], daemon_env(trayer, tmp_path), tmp_path) as daemon:
        daemon.wait_for_output("running without a tray icon (--no-tray)", timeout=WAIT)
        assert daemon_status(tmp_path)["running"] is True
        assert docked_icon(trayer) is None
        assert daemon.stop() == 0


def test_the_daemon_runs_on_without_a_tray_host(desktop: DesktopSession, tmp_path: Path) -> None:
    with running_daemon([], daemon_env(desktop, tmp_path), tmp_path) as daemon:
        daemon.wait_for_output("no system tray found; running without a tray icon", timeout=WAIT)
        assert daemon_status(tmp_path)["running"] is True
        assert daemon.stop() == 0
    assert daemon.output.count("without a tray icon") == 1


def test_a_clean_start_prints_only_what_the_user_needs(
    trayer: DesktopSession, tmp_path: Path
) -> None:
    """A start with the GTK tray, and a stop: no GLib or GTK criticals or warnings on the
    terminal (every start printed `Gdk-CRITICAL ... gdk_window_thaw_toplevel_updates`)."""
    require(gtk_importable(), "tray test needs PyGObject with Gtk 3 for the menu backends")
    with running_daemon([], daemon_env(trayer, tmp_path), tmp_path) as daemon:
        daemon.wait_for_output("tray icon shown (gtk)", timeout=WAIT)
        icon = wait_until(lambda: drawn_icon(trayer, tmp_path / "a.png"), timeout=WAIT, what="icon")
        assert "postureping" in icon.wm_class  # from the program name
        assert daemon.stop() == 0
    noise = [
        line
        for line in daemon.output.splitlines()
        if re.search(r"\b(Gdk|Gtk|GLib|GLib-GObject|dbind)-(CRITICAL|WARNING)\b", line)
    ]
    assert noise == [], daemon.output
