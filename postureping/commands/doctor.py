"""`postureping doctor [--json]`: what works on this desktop, and what does not and why.

Checks the settings file, the history file, the notification server, the tray host, the idle
monitor, the do-not-disturb probes, logind, and whether a daemon runs. Each check is one line:
"ok", "warn" (postureping works, with less) or "fail" (something the user should fix). Exit
status 1 when any check failed, else 0. Nothing is written anywhere.
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
from postureping.store import StoreError
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
    from postureping.notify.freedesktop import server_information  # noqa: PLC0415

    info = server_information()
    if isinstance(info, str):
        return Check("notifications", "warn", f"{info}; reminders go to the terminal")
    name, capabilities = info
    buttons = "with Done/Snooze/Skip buttons" if "actions" in capabilities else "no buttons"
    return Check("notifications", "ok", f"{name}, {buttons}")


def tray(ctx: Context) -> Check:
    from postureping.tray.choose import describe_tray_host  # noqa: PLC0415

    level, detail = describe_tray_host(ctx.environ)
    return Check("tray", level, detail)


def idle(ctx: Context) -> Check:
    from postureping.idle.registry import choose_idle_monitor, describe  # noqa: PLC0415

    monitor, failed = choose_idle_monitor(ctx.environ)
    tried = "; ".join(f"{name}: {why}" for name, why in failed)
    if monitor is None:
        return Check("idle time", "warn", f"unavailable ({tried}); no natural breaks")
    monitor.close()
    return Check("idle time", "ok", describe(monitor) + (f" (not: {tried})" if tried else ""))


def do_not_disturb(ctx: Context) -> Check:
    from postureping.dnd.registry import choose_hold_probes  # noqa: PLC0415

    probes, failed = choose_hold_probes(ctx.environ, frozenset())
    for probe in probes:
        probe.close()
    if not probes:
        tried = "; ".join(f"{name}: {why}" for name, why in failed)
        return Check("do not disturb", "warn", f"nothing to watch ({tried})")
    return Check("do not disturb", "ok", "watches " + ", ".join(p.name for p in probes))


def sleep(ctx: Context) -> Check:
    from postureping.daemon.sleep_signal import SleepSignals  # noqa: PLC0415

    signals = SleepSignals(lambda: None)
    if signals.start():
        signals.close()
        return Check("suspend", "ok", "logind tells when the computer wakes up")
    return Check("suspend", "warn", f"{signals.problem}; a resume is noticed within a minute")


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
    daemon,
)
