"""`postureping doctor [--json]`: what works on this desktop, and what does not and why.

Checks the settings file, the history file, the notification server, the tray host, the idle
monitor, the do-not-disturb probes, logind, what tells of a screen lock, GNOME's own movement
breaks, whether the guided routine can open a window, and whether a daemon runs. Each check
is one line: "ok", "warn" (postureping works, with less) or "fail" (something the user should
fix). Exit status 1 when any check failed, else 0. Nothing is written anywhere.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from postureping.context import Context
from postureping.control.protocol import Request
from postureping.control.transport import NoDaemon, send
from postureping.errors import ConfigError, UserError
from postureping.history.store import StoreError
from postureping.terminal import visible

Level = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Check:
    name: str
    level: Level
    detail: str


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON: a list of checks")


def run(args: argparse.Namespace, ctx: Context) -> int:
    checks = [check(ctx) for check in CHECKS]
    if args.json:
        print(json.dumps([c.__dict__ for c in checks], indent=2))
    else:
        width = max(len(c.name) for c in checks)
        for c in checks:
            print(visible(f"{c.level:<4}  {c.name:<{width}}  {c.detail}"))
    return 1 if any(c.level == "fail" for c in checks) else 0


def settings(ctx: Context) -> Check:
    try:
        loaded = ctx.loaded
    except ConfigError as error:
        count = len(error.problems)
        return Check("settings", "fail", f"{count} problem(s); see `postureping config check`")
    where = loaded.config_file if loaded.config_exists else "none (defaults)"
    enabled = sum(r.enabled for r in loaded.routines)
    return Check("settings", "ok", f"file: {where}; {enabled} routines enabled")


def history(ctx: Context) -> Check:
    try:
        store = ctx.store()
        if not store.path.exists():
            return Check("history", "ok", f"{store.path} (not created yet)")
        read = store.read()
    except (ConfigError, StoreError, OSError) as error:
        return Check("history", "fail", str(error))
    damaged = len(read.damaged)
    detail = f"{store.path}: {len(read.events)} events"
    if damaged:
        return Check("history", "warn", f"{detail}, {damaged} damaged line(s) kept and skipped")
    return Check("history", "ok", detail)


def notifications(ctx: Context) -> Check:
    if not sys.platform.startswith("linux"):
        return Check("notifications", "ok", "the system's notifications (plyer)")
    from postureping.notify.freedesktop import server_information

    info = server_information()
    trouble = _daemon_trouble(ctx)
    said = f"; the running daemon: {trouble}" if trouble else ""
    if isinstance(info, str):
        return Check("notifications", "warn", f"{info}; reminders go to the terminal{said}")
    name, capabilities = info
    buttons = "with Done/Snooze/Skip buttons" if "actions" in capabilities else "no buttons"
    return Check("notifications", "warn" if trouble else "ok", f"{name}, {buttons}{said}")


def _daemon_trouble(ctx: Context) -> str | None:
    """What went wrong with the running daemon's notifications since it started, if anything
    (its status's `notifications`); None without a daemon or trouble."""
    try:
        reply = send(ctx.paths, Request("status"), timeout=2.0)
    except (NoDaemon, UserError):
        return None  # the daemon check says why
    health = reply.result.get("notifications") if reply.ok and reply.result else None
    if not isinstance(health, dict):
        return None
    said = []
    troubles = [str(t) for t in health.get("troubles") or ()]
    if troubles:
        more = f" ({len(troubles)} times; the latest shown)" if len(troubles) > 1 else ""
        said.append(f"{troubles[-1]}{more}; it reconnects for the next reminder")
    if on_terminal := health.get("on_terminal"):
        said.append(f"{on_terminal} reminder(s) went to the terminal instead")
    return "; ".join(said) or None


def tray(ctx: Context) -> Check:
    from postureping.tray.choose import describe_tray_host

    level, detail = describe_tray_host(ctx.environ)
    return Check("tray", level, detail)


def idle(ctx: Context) -> Check:
    from postureping.idle.registry import choose_idle_monitor, describe

    monitor, failed = choose_idle_monitor(ctx.environ)
    tried = "; ".join(f"{name}: {why}" for name, why in failed)
    if monitor is None:
        return Check("idle time", "warn", f"unavailable ({tried}); no natural breaks")
    monitor.close()
    return Check("idle time", "ok", describe(monitor) + (f" (not: {tried})" if tried else ""))


def do_not_disturb(ctx: Context) -> Check:
    from postureping.dnd.registry import choose_hold_probes

    probes, failed = choose_hold_probes(ctx.environ, frozenset())
    for probe in probes:
        probe.close()
    if not probes:
        tried = "; ".join(f"{name}: {why}" for name, why in failed)
        return Check("do not disturb", "warn", f"nothing to watch ({tried})")
    return Check("do not disturb", "ok", "watches " + ", ".join(p.name for p in probes))


def sleep(ctx: Context) -> Check:
    from postureping.daemon.sleep_signal import SleepSignals

    signals = SleepSignals(lambda: None)
    if signals.start():
        signals.close()
        return Check("suspend", "ok", "logind tells when the computer wakes up")
    return Check("suspend", "warn", f"{signals.problem}; a resume is noticed within a minute")


def gnome_breaks(ctx: Context) -> Check:
    from postureping.desktop.gnome_breaks import advice, read_gnome_breaks

    breaks = read_gnome_breaks(ctx.environ)
    if not breaks.movement:
        return Check("GNOME breaks", "ok", breaks.reason)
    try:
        setting = ctx.loaded.settings.activity.gnome_movement_breaks
    except ConfigError:
        setting = "keep-walk"  # the settings check reports the problem
    level: Level = "ok" if setting == "skip-walk" else "warn"
    return Check("GNOME breaks", level, advice(breaks, setting))


def screen_lock(ctx: Context) -> Check:
    from postureping.daemon.lock_signal import LockSignals

    signals = LockSignals(lambda locked: None, ctx.environ)
    try:
        signals.start()
    finally:
        signals.close()
    problems = "; ".join(signals.problems)
    if signals.running:
        watching = "; ".join(signals.watching)
        return Check("screen lock", "ok", f"a lock counts as time away: {watching}")
    detail = "; ".join(filter(None, ["; ".join(signals.watching), problems]))
    return Check("screen lock", "warn", f"nothing tells of a lock now ({detail})")


def guide(ctx: Context) -> Check:
    """The guided routine's window needs tkinter; without it the guide uses the terminal."""
    try:
        import tkinter
    except ImportError as error:
        return Check(
            "guide",
            "warn",
            f"no window: tkinter is missing ({error}; Debian and Ubuntu: apt install "
            "python3-tk); `postureping guide` works on a terminal",
        )
    return Check("guide", "ok", f"a window (Tk {tkinter.TkVersion})")


def daemon(ctx: Context) -> Check:
    try:
        reply = send(ctx.paths, Request("status"), timeout=2.0)
    except NoDaemon:
        return Check("daemon", "warn", "not running (start it with `postureping run`)")
    except UserError as error:
        return Check("daemon", "fail", error.message)
    return Check("daemon", "ok" if reply.ok else "fail", "running" if reply.ok else reply.message)


CHECKS: tuple[Callable[[Context], Check], ...] = (
    settings,
    history,
    notifications,
    tray,
    idle,
    do_not_disturb,
    sleep,
    screen_lock,
    gnome_breaks,
    guide,
    daemon,
)
