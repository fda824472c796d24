"""`postureping import FILE`: merge another machine's history file into this one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from postureping.context import Context
from postureping.history.merge import import_file
from postureping.paths import argument_path
from postureping.terminal import visible


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", metavar="FILE", type=Path,
        help="a history file (events.jsonl) from another machine, a backup or a "
        "*.sync-conflict-* copy; events already in your history are left out",
    )  # fmt: skip


def run(args: argparse.Namespace, ctx: Context) -> int:
    report = import_file(ctx.store(), argument_path(args.file, "import"))
    for damage in report.damaged:
        print(f"postureping: {visible(str(damage))}", file=sys.stderr)  # the import goes on
    if report.repair is not None:
        print(f"postureping: {visible(str(report.repair))}", file=sys.stderr)
    ctx.confirm(
        f"Imported {report.source}: {report.new} new, {report.present} already present, "
        f"{len(report.damaged)} damaged (skipped)."
    )
    return 0
