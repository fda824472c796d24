"""The sway harness itself (tests/sway_session.py): it starts, mako and waybar come up on its
bus, commands run as its user, and nothing it started outlives it."""

from __future__ import annotations

import os

import pytest

from tests.desktop import pid_alive
from tests.sway_session import SNI_WATCHER, require_sway, start_sway

pytestmark = pytest.mark.desktop


def test_sway_with_mako_and_waybar_runs_as_its_user_and_stops_entirely() -> None:
    require_sway(mako=True, waybar=True)
    with start_sway(mako=True, waybar=True) as sway:
        outputs = sway.swaymsg_json("-t", "get_outputs")
        assert [o["name"] for o in outputs] == ["HEADLESS-1"]
        assert sway.run("id", "-u").strip() == str(sway.user.uid)
        assert (sway.runtime_dir.stat().st_mode & 0o777, sway.runtime_dir.stat().st_uid) == (
            0o700,
            sway.user.uid,
        )
        assert sway.env["WAYLAND_DISPLAY"] == sway.wayland_display
        assert sway.env["SWAYSOCK"] == sway.swaysock and os.path.exists(sway.swaysock)
        assert sway.has_bus_name(SNI_WATCHER)
        sway.run(
            "gdbus", "call", "--session", "--dest", "org.freedesktop.Notifications",
            "--object-path", "/org/freedesktop/Notifications",
            "--method", "org.freedesktop.Notifications.Notify",
            "'harness'", "uint32 0", "''", "'hello'", "'from the test'", "@as []",
            "@a{sv} {}", "int32 -1",
        )  # fmt: skip
        shown = sway.mako_list()
        assert [(n["app-name"], n["summary"]) for n in shown] == [("harness", "hello")]
        version = sway.postureping("--version")
        assert version.returncode == 0, version.stderr
        pids = dict(sway.pids)
        uid = sway.user.uid
    assert not [name for name, pid in pids.items() if pid_alive(pid)]
    # Not even a process that one of them started (a zombie waiting for init is gone).
    left = [p for p in os.listdir("/proc") if p.isdigit() and _uid(p) == uid and pid_alive(int(p))]
    assert not left


def _uid(pid: str) -> int | None:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None
