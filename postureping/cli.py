"""The command line: parse, dispatch to postureping.commands, and turn errors into exit codes."""

from __future__ import annotations

import argparse
import errno
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from postureping import __version__
from postureping.errors import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, UserError
from postureping.terminal import OutputError, discard_stdout, visible, watch_stdout

# name -> module under postureping.commands; imported only when its command runs, so that a
# quick command never pays for the scheduler or the notification backends.
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("run", "run the reminder daemon in the foreground"),
    "routines": ("routines", "list the routines, their cadence and when each is next due"),
    "done": ("answer", "record that you did a routine"),
    "skip": ("answer", "record that you skipped a routine"),
    "snooze": ("answer", "record that you put a routine off for a while"),
    "guide": ("guide", "walk through a routine's steps with a countdown, then record it done"),
    "checkin": ("checkin", "how is your back today? record your pain, 0 to 10"),
    "history": ("history", "show recorded prompts and answers"),
    "stats": ("stats", "show how well you keep your habits"),
    "report": ("report", "write an HTML report with charts of the last weeks"),
    "export": ("export", "write the whole history as JSON or CSV"),
    "import": ("importer", "merge another machine's history file into this one"),
    "config": ("config", "create, show, check or locate the settings file"),
    "status": ("control", "show what the running daemon is doing"),
    "pause": ("control", "hold reminders for a while"),
    "resume": ("control", "end a pause"),
    "trigger": ("control", "remind of a routine now"),
    "reload": ("control", "make the running daemon read the settings file again"),
    "quit": ("control", "stop the running daemon"),
    "autostart": ("autostart", "start postureping when you log in"),
    "doctor": ("doctor", "check what works on this desktop: notifications, tray, idle time..."),
}


if TYPE_CHECKING:
    from postureping.context import Context


class CommandModule(Protocol):
    def add_arguments(self, name: str, parser: argparse.ArgumentParser) -> None: ...
    def run(self, args: argparse.Namespace, ctx: Context) -> int: ...


def _module(name: str) -> CommandModule:
    module: CommandModule = importlib.import_module(f"postureping.commands.{COMMANDS[name][0]}")
    return module


def build_parser(command: str | None) -> argparse.ArgumentParser:
    """The parser, with the arguments of `command` only: the other sub-commands are listed
    by name, so `--version`, `--help` and each command import just what they need."""
    parser = argparse.ArgumentParser(
        prog="postureping",
        description="Exercise and posture reminders for people who sit at a computer all day.",
    )
    parser.add_argument("--version", action="version", version=f"postureping {__version__}")
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="settings file to use "
        "(default: $POSTUREPING_CONFIG, then the platform's config folder)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (_, help_text) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        if name == command:
            # `postureping run --config F` as well as `postureping --config F run`.
            sub.add_argument("--config", type=Path, metavar="FILE", default=argparse.SUPPRESS,
                             help="settings file to use")  # fmt: skip
            _module(name).add_arguments(name, sub)
    return parser


def _command_name(argv: Sequence[str]) -> str | None:
    """The sub-command in `argv`: the first word that is not an option or an option's value."""
    words = iter(argv)
    for arg in words:
        if arg == "--config":
            next(words, None)
        elif not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def _report_crash(ctx: Context | None) -> int:
    """An unexpected error: one line for the user, the details in a log for a bug report."""
    import platform
    import traceback

    details = (
        f"postureping {__version__}, Python {platform.python_version()}, {platform.platform()}\n"
        f"command: {sys.argv!r}\n\n{traceback.format_exc()}"
    )
    log_file = None
    if ctx is not None:
        from postureping.atomic_file import private_folder, replace_bytes

        try:
            private_folder(ctx.paths.state_dir)
            log_file = ctx.paths.state_dir / "crash.log"
            replace_bytes(log_file, details.encode("utf-8", "backslashreplace"))
        except OSError:
            log_file = None
    error = sys.exc_info()[1]
    where = f"; details in {log_file}" if log_file else "\n" + details
    print(f"postureping: unexpected error: {error!r}{visible(where)}", file=sys.stderr)
    return EXIT_FAILURE


def _output_failed(error: OutputError, ctx: Context | None) -> int:
    """Standard output failed. A reader that left (`postureping history | head`) is no error.
    A command that did its work and only could not say so (`done walk >/dev/full`) succeeded:
    its confirmation goes to stderr instead, and a retry will not do the work twice. Any
    other output, the product of the command, is lost: a failure."""
    discard_stdout()
    if error.errno == errno.EPIPE:
        return EXIT_OK
    reason = error.strerror or str(error)
    if ctx is not None and ctx.confirmation is not None:
        text = f"postureping: {visible(ctx.confirmation)} (not shown on standard output: {reason})"
        print(text, file=sys.stderr)
        return EXIT_OK
    print(f"postureping: cannot write to standard output: {reason}", file=sys.stderr)
    return EXIT_FAILURE


def main(argv: Sequence[str] | None = None) -> int:
    from postureping.context import Context  # keep --version and --help light

    ctx: Context | None = None
    watch_stdout()
    try:
        args_list = list(sys.argv[1:] if argv is None else argv)
        parser = build_parser(_command_name(args_list))
        try:
            args = parser.parse_args(args_list)
        except SystemExit:  # --help, --version: printed, to be written out here too
            sys.stdout.flush()
            raise
        ctx = Context.from_environment(config_arg=args.config)
        code = _module(args.command).run(args, ctx)
        sys.stdout.flush()  # here, where a failure is handled, not as the interpreter ends
        return code
    except OutputError as error:
        return _output_failed(error, ctx)
    except UserError as error:
        print(f"postureping: {visible(error.message)}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `postureping history | head` with a standard output that is not watched.
        sys.stderr.close()
        return EXIT_OK
    except Exception:
        return _report_crash(ctx)


if __name__ == "__main__":
    raise SystemExit(main())
