"""`postureping export [--format json|csv] [--output FILE]`: the whole history, for other tools.

JSON is an array of the events exactly as stored (as `history --json` prints them), one
event a line; CSV has a header and the columns of CSV_COLUMNS, in that order, which is
part of the documented format (see the README). Damaged lines are reported on stderr and
left out, as by every reader.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from postureping.atomic_file import replacing
from postureping.checkin import CheckIn, Shown
from postureping.context import Context
from postureping.durations import format_duration
from postureping.errors import UserError
from postureping.history.events import Event
from postureping.paths import argument_path

FORMATS = ("json", "csv")
# The CSV columns, in order: add new ones at the end only.
CSV_COLUMNS = (
    "id", "timestamp", "routine", "kind", "source", "snooze",
    # a check-in's (format 3): pain 0-10, places and yes-answers separated by spaces, and
    # the red flags whose guidance was shown
    "pain", "where", "yes", "flags",
)  # fmt: skip
# A spreadsheet reads a cell that starts with one of these as a formula, which an imported
# history could use to run one on the user's machine ("CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="json", help="json (default) or csv")
    parser.add_argument(
        "--output",
        metavar="FILE",
        help="write to FILE (replaced whole, readable by you only) instead of standard output",
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    write = write_csv if args.format == "csv" else write_json
    events = sorted(ctx.history(), key=lambda e: e.ts)  # an import may append older events
    if args.output in (None, "-"):
        write(events, sys.stdout)
        return 0
    path = argument_path(args.output, "--output")
    try:
        with replacing(path, newline="", output=True) as file:
            write(events, file)
    except OSError as error:
        raise UserError(f"cannot write {path}: {error.strerror or error}") from None
    noun = "event" if len(events) == 1 else "events"
    ctx.confirm(f"{len(events)} {noun} written to {path}")
    return 0


def write_json(events: Sequence[Event], out: TextIO) -> None:
    """A JSON array, one event a line, so that it streams and diffs well."""
    if not events:
        out.write("[]\n")
        return
    # One encoder for all: json.dumps with options makes a new one for every call.
    encode = json.JSONEncoder(ensure_ascii=False).encode
    out.write("[\n")
    last = len(events) - 1
    for n, event in enumerate(events):
        out.write(encode(event.to_json()))
        out.write("\n" if n == last else ",\n")
    out.write("]\n")


def write_csv(events: Sequence[Event], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(
        (
            event.id,
            event.ts.isoformat(),
            text_cell(event.routine),
            str(event.kind),
            text_cell(event.source),
            "" if event.snooze is None else format_duration(event.snooze),
            *_detail_cells(event),
        )
        for event in events
    )


def _detail_cells(event: Event) -> tuple[str, str, str, str]:
    detail = event.detail
    if isinstance(detail, CheckIn):
        yes = " ".join(sorted(detail.yes)) if detail.asked else ""
        return str(detail.pain), " ".join(sorted(detail.where)), yes, ""
    if isinstance(detail, Shown):
        return "", "", "", text_cell(" ".join(detail.flags))
    return "", "", "", ""


def text_cell(text: str) -> str:
    """Free text for a CSV cell, with a quote mark before a formula's first character (as
    OWASP advises): a spreadsheet shows it as text and hides the quote mark."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
