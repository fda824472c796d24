"""`postureping checkin [0-10] [--where PLACES] [--yes SYMPTOMS]`: how is your back today?

Records a pain check-in in the history (postureping.history.checkins). When the pain is above
the user's level ([checkin] ask_above), the yes/no questions about warning signs are asked on
the terminal, or taken from `--yes` (for scripts); without a terminal and without `--yes`,
none are asked, and the command says so. Guidance that the answers call for is printed, and
recorded as shown. A running daemon is told, so that an open check-in reminder closes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from postureping import health
from postureping.checkin import (
    ROUTINE_ID,
    CheckIn,
    Place,
    Symptom,
    parse_pain,
    parse_places,
    parse_symptoms,
)
from postureping.context import Context
from postureping.control.protocol import Request
from postureping.control.transport import NoDaemon, send
from postureping.errors import EXIT_CONFIG, UserError
from postureping.history.checkins import LOOK_BACK, MARKER, record
from postureping.red_flags import Guidance, should_ask

SOURCE = "cli"
NONE = "none"  # `--yes none`: every question answered no


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "pain", metavar="PAIN", nargs="?",
        help="your back pain now, 0 (none) to 10 (the worst you can imagine); asked on the "
        "terminal when left out",
    )  # fmt: skip
    parser.add_argument(
        "--where", metavar="PLACES", action="append", default=[],
        help="where it hurts, comma-separated: " + ", ".join(p.value for p in Place)
        + " (a leg without below-knee means above the knee)",
    )  # fmt: skip
    parser.add_argument(
        "--yes", metavar="SYMPTOMS", action="append", default=None,
        help="answer the warning-sign questions without a terminal: the ones that apply, "
        "comma-separated, from " + ", ".join(s.value for s in Symptom)
        + f"; or {NONE!r} for none of them",
    )  # fmt: skip


def run(args: argparse.Namespace, ctx: Context) -> int:
    interactive = sys.stdin.isatty()
    pain = _pain(args.pain, interactive)
    where = _places(args.where)
    if not args.where and interactive and pain > 0:
        where = _ask_places()
    settings = ctx.loaded.settings.checkin
    asked, yes = False, frozenset[Symptom]()
    if args.yes is not None:
        asked, yes = True, _symptoms(args.yes)
    elif should_ask(pain, settings.ask_above):
        if interactive:
            asked, yes = True, _ask_symptoms(_input)
        else:
            print(
                f"Your pain is above {settings.ask_above}, when postureping asks about warning "
                "signs; with no terminal to ask on and no --yes given, none were asked. "
                "See `postureping checkin --help`, and `postureping routines --about` for when "
                "to see a doctor."
            )
    checkin = CheckIn(pain, where, asked=asked, yes=yes)
    now = ctx.now()
    store = ctx.store()
    before = store.read_marked(now - LOOK_BACK, MARKER)  # the check-ins, read fast
    recorded = record(before, checkin, SOURCE, now, settings.lasting_above)
    store.append_many(recorded.events)
    if recorded.guidance is not None:
        print(render_guidance(recorded.guidance))
    _tell_daemon(ctx)
    ctx.confirm(f"Recorded: check-in, {checkin.describe()} at {now:%H:%M}.")
    return 0


def render_guidance(shown: Guidance) -> str:
    """The guidance for the terminal, set apart from the rest of the output."""
    rule = "!" * 72
    return "\n".join([rule, shown.title, "", *shown.lines(), rule, ""])


def _pain(text: str | None, interactive: bool) -> int:
    if text is None:
        if not interactive:
            raise UserError(
                "checkin: give your pain level from 0 to 10, like `postureping checkin 4` "
                "(it is asked only on a terminal)",
                EXIT_CONFIG,
            )
        print(f"{health.CHECKIN_QUESTION} {health.CHECKIN_SCALE}")
        while True:
            try:
                return parse_pain(_input("Pain (0-10): "))
            except ValueError as error:
                print(error)
    try:
        return parse_pain(text)
    except ValueError as error:
        raise UserError(f"checkin: {error}", EXIT_CONFIG) from None


def _split(values: list[str]) -> list[str]:
    return [word for value in values for word in value.split(",") if word.strip()]


def _places(values: list[str]) -> frozenset[Place]:
    try:
        return parse_places(_split(values))
    except ValueError as error:
        raise UserError(f"checkin --where: {error}", EXIT_CONFIG) from None


def _symptoms(values: list[str]) -> frozenset[Symptom]:
    words = _split(values)
    if [word.strip().lower() for word in words] == [NONE]:
        return frozenset()
    try:
        return parse_symptoms(words)
    except ValueError as error:
        raise UserError(f"checkin --yes: {error} (or {NONE!r})", EXIT_CONFIG) from None


def _input(prompt: str) -> str:
    try:
        return input(prompt)
    except EOFError:
        raise UserError("checkin: no answer (end of input); nothing recorded") from None


def _ask_places() -> frozenset[Place]:
    allowed = ", ".join(p.value for p in Place)
    while True:
        text = _input(f"Where does it hurt? ({allowed}; comma-separated, Enter to skip): ")
        try:
            return parse_places(_split([text]))
        except ValueError as error:
            print(error)


def _ask_symptoms(ask: Callable[[str], str]) -> frozenset[Symptom]:
    print("A few yes/no questions about warning signs:")
    yes = set()
    for symptom in Symptom:
        while (answer := ask(f"{health.QUESTIONS[symptom.value]} [y/n] ").strip().lower()) not in (
            "y", "yes", "n", "no",
        ):  # fmt: skip
            print("Please answer y or n.")
        if answer.startswith("y"):
            yes.add(symptom)
    return frozenset(yes)


def _tell_daemon(ctx: Context) -> None:
    """Answer a running daemon's open check-in reminder, if there is one (it closes it and
    records it done, as a button would). The check-in is recorded either way."""
    try:
        status = send(ctx.paths, Request("status"))
        reminders = (status.result or {}).get("open", []) if status.ok else []
        if any(entry.get("routine") == ROUTINE_ID for entry in reminders):
            args = {"answer": "done", "routine": ROUTINE_ID, "source": SOURCE}
            send(ctx.paths, Request("answer", args))
    except (NoDaemon, OSError, UserError):
        pass
