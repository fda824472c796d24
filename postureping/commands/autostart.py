"""`postureping autostart enable|disable|status [--systemd]`: start the daemon at login.

An XDG autostart entry by default (Linux and other XDG desktops), a systemd user unit with
--systemd (Linux only), a LaunchAgent on macOS, a Startup folder script on Windows. Neither
`enable` nor `disable` starts or stops a daemon now: they change what happens at the next login.
"""

from __future__ import annotations

import argparse
import shlex

from postureping.autostart.installers import (
    Host,
    Report,
    all_entries,
    chosen_entry,
    current_launch,
    disable,
    enable,
    status,
)
from postureping.context import Context
from postureping.terminal import visible


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        choices=("enable", "disable", "status"),
        help="enable: start postureping at each login; disable: stop doing so; "
        "status: which autostart entries exist and what they start",
    )
    parser.add_argument(
        "--systemd",
        action="store_true",
        help="Linux only: a systemd user unit, started with the graphical session, instead of "
        "an XDG autostart entry",
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    return execute(args, ctx, Host.current())


def execute(args: argparse.Namespace, ctx: Context, host: Host) -> int:
    """`run` on a given host: tests pass one with another platform or a fake systemctl."""
    entry = chosen_entry(host, args.systemd)  # --systemd off Linux stops here, exit status 2
    if args.action == "status":
        for report in (status(e, host) for e in all_entries(host)):
            _print_report(report)
        return 0
    if args.action == "disable":
        print(visible("\n".join(disable(entry, host))))
        return 0
    config_file = ctx.paths.config_file if ctx.paths.config_explicit else None
    print(visible("\n".join(enable(entry, current_launch(host.platform, config_file), host))))
    for other in all_entries(host):
        if other.path != entry.path and other.present():
            print(
                visible(
                    f"Note: the {other.title} {other.path} starts postureping too (a second daemon "
                    f"would stop at once); `postureping autostart disable{other.flag}` removes it."
                )
            )
    return 0


def _print_report(report: Report) -> None:
    print(visible(f"{report.title}: {report.state}"))
    print(visible(f"  file:   {report.path}"))
    if report.argv is not None:
        print(visible(f"  starts: {shlex.join(report.argv)}"))
    if report.advice is not None:
        print(visible(f"  fix:    {report.advice}"))
