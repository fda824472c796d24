"""Turn a control request into a call on the Controller, and its outcome into a reply."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from postureping.control.protocol import Reply, Request
from postureping.controller import Answer, Controller
from postureping.durations import format_duration, parse_duration, parse_spoken_duration
from postureping.errors import EXIT_CONFIG, UserError
from postureping.hours import ActiveHours
from postureping.pause import until_tomorrow

MAX_SNOOZE = timedelta(days=1)
MAX_PAUSE = timedelta(days=31)


def dispatch(controller: Controller, request: Request, hours: ActiveHours, zone: ZoneInfo) -> Reply:
    """Never raises for a bad request: the reply carries the message and the exit status."""
    try:
        return _dispatch(controller, request, hours, zone)
    except UserError as error:
        return Reply(False, error.message, exit=error.exit_code)
    except (ValueError, TypeError, KeyError) as error:
        return Reply(False, f"bad {request.command} request: {error}", exit=EXIT_CONFIG)


def _dispatch(
    controller: Controller, request: Request, hours: ActiveHours, zone: ZoneInfo
) -> Reply:
    args = request.args
    match request.command:
        case "status":
            return Reply(True, result=controller.status().to_json())
        case "pause":
            status = controller.pause(_pause_end(args, controller.status().now, hours, zone))
            until = status.paused_until
            text = (
                f"Paused until {until.astimezone(zone):%a %H:%M}."
                if until
                else "Paused until you resume."
            )
            return Reply(True, text, status.to_json())
        case "resume":
            return Reply(True, "Resumed.", controller.resume().to_json())
        case "answer":
            snooze = parse_duration(args["snooze"], MAX_SNOOZE) if args.get("snooze") else None
            routine = args.get("routine")
            message = controller.answer(
                Answer(args["answer"]),
                (str(routine),) if routine else None,
                str(args.get("source", "cli")),
                snooze,
            )
            return Reply(True, message)
        case "trigger":
            controller.trigger(str(args["routine"]))
            return Reply(True, f"Reminded: {args['routine']}.")
        case "reload":
            return Reply(True, controller.reload())
        case "quit":
            controller.quit()
            return Reply(True, "postureping is stopping.")
    return Reply(False, f"unknown command {request.command!r}", exit=EXIT_CONFIG)


def _pause_end(
    args: dict[str, object], now: datetime, hours: ActiveHours, zone: ZoneInfo
) -> datetime | None:
    """{"for": "30m"}, {"until": "tomorrow"}, or {} for a pause until resumed."""
    if isinstance(args.get("for"), str):
        return now + parse_duration(str(args["for"]), MAX_PAUSE)
    if args.get("until") == "tomorrow":
        return until_tomorrow(now, hours, zone)
    return None


PAUSE_WORDS = {"until-tomorrow": {"until": "tomorrow"}, "indefinitely": {}}


def pause_args(text: str | None) -> dict[str, str]:
    """The CLI's `pause [DURATION | until-tomorrow | indefinitely]` as request arguments;
    raises ValueError naming what is allowed. No argument: indefinitely. A duration may be
    spoken ("30 minutes"); the daemon gets its short form ("30m")."""
    if text is None or text in PAUSE_WORDS:
        return dict(PAUSE_WORDS.get(text or "indefinitely", {}))
    try:
        length = parse_spoken_duration(text, MAX_PAUSE)
    except ValueError as error:
        raise ValueError(f"{error}, or until-tomorrow, or indefinitely") from None
    return {"for": format_duration(length)}
