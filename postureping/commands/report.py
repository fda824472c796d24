"""`postureping report [--weeks 4] [--output FILE]`: an HTML page with charts of the last weeks.

The page is self-contained (see postureping.stats.report), its charts drawn by
postureping.stats.charts. By default the page goes to the reports
folder in the data folder, and its path is printed, so `xdg-open "$(postureping report)"`
shows it; `--output -` prints the page itself.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from postureping import __version__
from postureping.atomic_file import replacing
from postureping.commands.stats import stats_for
from postureping.context import Context
from postureping.errors import EXIT_CONFIG, UserError
from postureping.paths import argument_path
from postureping.stats import charts
from postureping.stats.pain import has_pain
from postureping.stats.pain_chart import pain_chart
from postureping.stats.report import render

DEFAULT_WEEKS = 4
MAX_WEEKS = 104  # two years: beyond that a bar a day is too thin to see


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--weeks",
        metavar="N",
        default=str(DEFAULT_WEEKS),
        help=f"how many weeks to show, ending today (default: {DEFAULT_WEEKS})",
    )
    parser.add_argument(
        "--output",
        metavar="FILE",
        help="where to write the page ('-' for standard output; "
        "default: a file in the data folder, whose path is printed)",
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    weeks = _weeks(args.weeks)
    stats, pain = stats_for(ctx, 7 * weeks)
    drawn = charts.draw(stats)
    if has_pain(pain):
        drawn = replace(drawn, pain=pain_chart(pain))
    page = render(stats, drawn, weeks=weeks, version=__version__)
    if args.output == "-":
        sys.stdout.write(page)
        return 0
    if args.output is None:
        path = ctx.paths.data_dir / "reports" / f"report-{stats.today.date}.html"
    else:
        path = argument_path(args.output, "--output")
    try:
        with replacing(path, make_folder=args.output is None, output=True) as file:
            file.write(page)
    except OSError as error:
        raise UserError(f"cannot write the report {path}: {error.strerror or error}") from None
    ctx.confirm(str(path))
    return 0


def _weeks(text: str) -> int:
    try:
        weeks = int(text)
    except ValueError:
        weeks = 0
    if not 1 <= weeks <= MAX_WEEKS:
        raise UserError(
            f"--weeks {text!r}: must be a whole number from 1 to {MAX_WEEKS}", EXIT_CONFIG
        )
    return weeks
