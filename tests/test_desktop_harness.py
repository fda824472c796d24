"""The desktop harness itself: real Xvfb, a private bus and dunst, checked end to end."""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import pytest

from tests.desktop import (
    DesktopError,
    DesktopSession,
    parse_history,
    pid_alive,
    start_session,
    strip_session_vars,
    wait_until,
)

# Trimmed from real `dunstctl history` output of dunst 1.9.0.
DUNSTCTL_HISTORY = {
    "type": "aa{sv}",
    "data": [
        [
            {
                "body": {"type": "s", "data": "Roll your shoulders"},
                "message": {"type": "s", "data": "<b>Stand up</b>\nRoll your shoulders"},
                "summary": {"type": "s", "data": "Stand up"},
                "appname": {"type": "s", "data": "postureping"},
                "category": {"type": "s", "data": ""},
                "id": {"type": "i", "data": 3},
                "timeout": {"type": "x", "data": 7000000},
                "progress": {"type": "i", "data": -1},
            }
        ]
    ],
}


def test_parse_history_flattens_dunst_json() -> None:
    assert parse_history(json.dumps(DUNSTCTL_HISTORY)) == [
        {
            "id": 3,
            "appname": "postureping",
            "summary": "Stand up",
            "body": "Roll your shoulders",
            "message": "<b>Stand up</b>\nRoll your shoulders",
            "timeout_ms": 7000,
        }
    ]


def test_session_env_drops_the_real_session() -> None:
    real = {
        "PATH": "/bin",
        "HOME": "/home/someone",
        "DISPLAY": ":0",
        "WAYLAND_DISPLAY": "wayland-0",
        "DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus",
        "XDG_RUNTIME_DIR": "/run/user/1000",
        "XDG_CURRENT_DESKTOP": "GNOME",
    }
    assert strip_session_vars(real) == {"PATH": "/bin", "HOME": "/home/someone"}


def test_notification_arrives_in_dunst_history(desktop: DesktopSession) -> None:
    sent = desktop.notify(
        "Stand up", "Roll your shoulders", app_name="postureping", timeout_ms=7000
    )

    wait_until(lambda: desktop.displayed_count() == 1, timeout=5, what="the bubble on screen")
    [entry] = desktop.history()
    assert entry["id"] == sent
    assert (entry["appname"], entry["summary"], entry["body"]) == (
        "postureping",
        "Stand up",
        "Roll your shoulders",
    )
    assert entry["timeout_ms"] == 7000


def test_session_env_points_at_the_private_session(desktop: DesktopSession) -> None:
    assert desktop.env["DISPLAY"] == desktop.display
    assert desktop.env["DBUS_SESSION_BUS_ADDRESS"] == desktop.bus_address
    assert desktop.env["NO_AT_BRIDGE"] == "1"
    assert str(desktop.directory) in desktop.bus_address or "pp-bus-" in desktop.bus_address


TRICKY_TEXTS = [
    pytest.param("<b>bold</b> & <i>not closed", id="markup"),
    pytest.param("quotes: \"double\" 'single' `back`", id="quotes"),
    pytest.param("$(touch {canary}) ${{HOME}} ; rm -rf nothing", id="shell"),
    pytest.param("-leading dash", id="dash"),
    pytest.param("--help", id="option"),
    pytest.param("back\\slash, tab\tand\nnewline, %s %b, é ✓", id="escapes"),
]


@pytest.mark.parametrize("template", TRICKY_TEXTS)
def test_text_arrives_exactly_as_sent(
    desktop_module: DesktopSession, template: str, tmp_path: Path
) -> None:
    canary = tmp_path / "canary"
    text = template.format(canary=canary)

    sent = desktop_module.notify(text, text, app_name=text)

    entry = next(e for e in desktop_module.history() if e["id"] == sent)
    assert (entry["summary"], entry["body"], entry["appname"]) == (text, text, text)
    assert not canary.exists(), "a shell ran the notification text"


def test_screenshot_shows_the_bubble(desktop: DesktopSession, tmp_path: Path) -> None:
    desktop.notify("Stand up", "Roll your shoulders")
    wait_until(lambda: desktop.displayed_count() == 1, timeout=5, what="the bubble on screen")

    png = desktop.screenshot(tmp_path / "screen.png").read_bytes()
    # 8-bit PPM: plain RGB bytes after a short header (ImageMagick's default is 16-bit).
    desktop.run("import", "-window", "root", "-depth", "8", str(tmp_path / "screen.ppm"))
    ppm = (tmp_path / "screen.ppm").read_bytes()

    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", png[16:24]) == (1024, 768)  # IHDR: width, height
    header = b"P6\n1024 768\n255\n"
    assert ppm.startswith(header)
    pixels = ppm[len(header) :]
    bubble_background = (0x28, 0x55, 0x77)  # urgency_normal background in DEFAULT_DUNSTRC
    painted = sum(
        1
        for rgb in zip(pixels[0::3], pixels[1::3], pixels[2::3], strict=True)
        if rgb == bubble_background
    )
    assert painted > 300 * 40, "no dunst bubble on the screen"


def test_every_process_is_gone_after_the_session(desktop_programs: None, tmp_path: Path) -> None:
    with start_session(tmp_path / "desktop") as session:
        pids = dict(session.pids)
        assert all(pid_alive(pid) for pid in pids.values())

    assert set(pids) == {"Xvfb", "dbus-daemon", "dunst"}
    assert [name for name, pid in pids.items() if pid_alive(pid)] == []


def test_every_process_is_gone_when_the_test_fails(desktop_programs: None, tmp_path: Path) -> None:
    pids: dict[str, int] = {}
    with pytest.raises(RuntimeError, match="the test failed"), start_session(tmp_path) as session:
        pids.update(session.pids)
        raise RuntimeError("the test failed")

    assert set(pids) == {"Xvfb", "dbus-daemon", "dunst"}
    assert [name for name, pid in pids.items() if pid_alive(pid)] == []


def _children() -> set[int]:
    tasks = Path("/proc/self/task").iterdir()
    return {int(pid) for task in tasks for pid in (task / "children").read_text().split()}


def test_a_failed_start_leaves_nothing_running(
    desktop_programs: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "bin" / "dunst"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'dunst: cannot start' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    before = _children()

    with pytest.raises(DesktopError, match="dunst: cannot start"), start_session(tmp_path / "d"):
        pass

    bus_pid = int((tmp_path / "d" / "dbus-daemon.out").read_text().split()[1])
    assert not pid_alive(bus_pid)
    assert _children() <= before  # Xvfb and the fake dunst were ours
