"""End to end: `postureping run --demo` as a real process with a real notification server."""

from __future__ import annotations

import ctypes
import json
import platform
import signal
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import isolated_env, run_cli
from tests.daemon_process import running_daemon
from tests.desktop import DesktopSession, wait_until

pytestmark = pytest.mark.slow  # the daemon in real time

# Linux's tgkill, a signal to one thread of a process, by machine.
SYS_TGKILL = {"x86_64": 234, "aarch64": 131}.get(platform.machine())

# Short cadences, so the demo (one schedule minute per second) fires within seconds.
FAST = {
    "POSTUREPING_ROUTINES__WALK__EVERY": "2m",
    "POSTUREPING_ROUTINES__SWITCH_POSITION__EVERY": "3m",
}


def desktop_env(desktop: DesktopSession, root: Path) -> dict[str, str]:
    env = isolated_env(root, FAST)
    for name in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "NO_AT_BRIDGE"):
        env[name] = desktop.env[name]
    return env


@pytest.mark.desktop
def test_demo_sends_real_notifications_and_records_answers(
    desktop: DesktopSession, tmp_path: Path
) -> None:
    env = desktop_env(desktop, tmp_path)
    with running_daemon(["--demo"], env, tmp_path) as daemon:
        daemon.wait_for_output("demo mode", timeout=20)

        def shown() -> set[str]:
            return {e["summary"] for e in desktop.history() if e["appname"] == "postureping"}

        def both(summaries: set[str]) -> bool:
            # Routines due within a minute of each other share a notification.
            text = " ".join(summaries)
            return "Stand up and walk around" in text and "Switch your sitting position" in text

        summaries = wait_until(
            lambda: s if both(s := shown()) else None,
            timeout=30,
            what="demo reminders in dunst's history",
        )
        assert "Welcome to postureping" in summaries  # the first run shows the health notice
        walk = next(e for e in desktop.history() if "Stand up and walk around" in e["summary"])
        assert walk["summary"].startswith("[demo] ")
        assert "demo" in walk["body"] and walk["timeout_ms"] == 20_000

        # Demo mode keeps a history of its own, and says where.
        history = run_cli(tmp_path, "history", "--demo", "--json", env=env)
        assert history.returncode == 0, history.stderr
        prompted = {e["routine"] for e in json.loads(history.stdout) if e["kind"] == "prompted"}
        assert {"walk", "switch-position"} <= prompted
        assert "demo-events.jsonl, not to your history" in daemon.output

        done = run_cli(tmp_path, "done", "walk", env=env)
        assert done.returncode == 0, done.stderr
        events = json.loads(run_cli(tmp_path, "history", "--demo", "--json", env=env).stdout)
        assert any(
            e["routine"] == "walk" and e["kind"] == "done" and e["source"] == "cli" for e in events
        )
        # The real history and statistics never see the demo.
        assert json.loads(run_cli(tmp_path, "history", "--json", env=env).stdout) == []
        stats = json.loads(run_cli(tmp_path, "stats", "--json", env=env).stdout)
        assert stats["overall"]["prompted"] == 0

        assert daemon.stop(signal.SIGTERM) == 0
    assert "When to see a doctor" in daemon.output
    assert "Traceback" not in daemon.output


def test_without_a_notification_server_reminders_go_to_the_terminal(tmp_path: Path) -> None:
    env = isolated_env(
        tmp_path, FAST | {"DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path}/no-bus"}
    )
    env.pop("DISPLAY", None)
    with running_daemon(["--demo"], env, tmp_path) as daemon:
        daemon.wait_for_output("Stand up and walk around", timeout=20)
        daemon.wait_for_output("Switch your sitting position", timeout=20)
        # Several reminders later the daemon is still up, and it warned once.
        wait_until(lambda: daemon.output.count("reminder: ") >= 4, timeout=30, what="4 reminders")
        assert daemon.proc.poll() is None
        assert daemon.stop(signal.SIGINT) == 0
    assert daemon.output.count("desktop notifications are not working") == 1, daemon.output
    assert "Traceback" not in daemon.output


def test_health_notice_only_on_the_first_run(tmp_path: Path) -> None:
    env = isolated_env(tmp_path, {"POSTUREPING_NOTIFICATIONS__BACKEND": "console"})
    outputs = []
    for _ in range(2):
        with running_daemon([], env, tmp_path) as daemon:
            daemon.wait_for_output("postureping is running", timeout=20)
            assert daemon.stop() == 0
        outputs.append(daemon.output)
    assert "When to see a doctor" in outputs[0]
    assert "When to see a doctor" not in outputs[1]


def test_daemon_refuses_an_invalid_settings_file(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[routines.walk]\nevery = "30 minutes please"\n', encoding="utf-8")
    result = run_cli(tmp_path, "--config", str(config), "run")
    assert result.returncode == 2
    assert "bad.toml: routines.walk.every = '30 minutes please'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or SYS_TGKILL is None,
    reason="needs Linux's tgkill on x86-64 or aarch64",
)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_that_lands_on_another_thread_still_stops_the_daemon(
    tmp_path: Path, sig: signal.Signals
) -> None:
    """The kernel may hand a process's signal to any of its threads; Python runs the handler on
    the main thread only, which must wake up for it."""
    env = isolated_env(tmp_path, {"POSTUREPING_NOTIFICATIONS__BACKEND": "console"})
    with running_daemon(["--no-tray"], env, tmp_path) as daemon:
        daemon.wait_for_output("postureping is running", timeout=20)
        pid = daemon.proc.pid
        others = [int(t.name) for t in Path(f"/proc/{pid}/task").iterdir() if int(t.name) != pid]
        assert others, "the daemon runs threads besides the main one"
        libc = ctypes.CDLL(None, use_errno=True)
        assert libc.syscall(SYS_TGKILL, pid, others[0], int(sig)) == 0, ctypes.get_errno()
        assert daemon.proc.wait(timeout=10) == 0
    assert "stopping" in daemon.output
