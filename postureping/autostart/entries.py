"""The autostart files, as pure functions of the command line that starts the daemon.

Each renderer has a reader that finds the command line in a file again, so that
`read(render(launch)) == launch.argv`: `status` uses the readers, and the tests check the pair
with awkward arguments. The quoting follows the programs that read the files: the Desktop Entry
specification ("The Exec key"), systemd.service(5) ("Command lines"), plistlib's XML, and cmd.exe
followed by the Microsoft C runtime's argument parser.
"""

from __future__ import annotations

import plistlib
import re
import shlex
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath

NAME = "postureping"
COMMENT = "Exercise and posture reminders"
LABEL = "org.postureping"  # the LaunchAgent's label, also its file name
UNIT = "postureping.service"
SESSION_TARGET = "graphical-session.target"


@dataclass(frozen=True)
class Launch:
    """The command line that starts the daemon: `argv[0]` is the program, an absolute path.

    Control characters and text that is not valid Unicode are refused (ValueError): no autostart
    format can carry them all, and no real installation path has them."""

    argv: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.argv or not self.argv[0]:
            raise ValueError("the command line has no program")
        for arg in self.argv:
            if any(unicodedata.category(char) == "Cc" for char in arg):
                raise ValueError(f"{arg!r} contains a control character")
            try:
                arg.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError(f"{arg!r} is not valid Unicode") from None

    def __str__(self) -> str:
        return shlex.join(self.argv)


def _written_by(flag: str) -> str:
    return (
        f"Written by `postureping autostart enable{flag}`; "
        f"`postureping autostart disable{flag}` removes it."
    )


# --- XDG autostart: a desktop entry ------------------------------------------------------------

_EXEC_RESERVED = frozenset(" \t\n\"'\\><~|&;$*?#()`")
_EXEC_ESCAPED = re.compile(r'(["`$\\])')
_STRING_ESCAPES = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}


def _exec_word(arg: str) -> str:
    # An argument with a reserved character goes in double quotes, where ", `, $ and \ take a
    # backslash; a literal % is %% everywhere, since % starts a field code.
    if arg == "" or not _EXEC_RESERVED.isdisjoint(arg):
        arg = '"' + _EXEC_ESCAPED.sub(r"\\\1", arg) + '"'
    return arg.replace("%", "%%")


def _string_value(text: str) -> str:
    # The key-file string escapes apply on top of the Exec quoting, so a backslash doubles again
    # (a literal $ in a quoted argument ends up as \\$, as the specification says).
    text = text.replace("\\", "\\\\")
    return "\\s" + text[1:] if text.startswith(" ") else text


def desktop_entry(launch: Launch) -> str:
    """An XDG autostart entry: `$XDG_CONFIG_HOME/autostart/postureping.desktop`."""
    exec_value = " ".join(_exec_word(arg) for arg in launch.argv)
    lines = [
        f"# {_written_by('')}",
        "[Desktop Entry]",
        "Type=Application",
        f"Name={NAME}",
        f"Comment={COMMENT}",
        f"Exec={_string_value(exec_value)}",
        # Once the program is gone, the session skips the entry instead of failing each login.
        f"TryExec={_string_value(launch.argv[0])}",
        "Terminal=false",
        "Categories=Utility;",
        "X-GNOME-Autostart-enabled=true",
    ]
    return "\n".join(lines) + "\n"


def desktop_keys(text: str) -> dict[str, str]:
    """The keys of the [Desktop Entry] group, their string escapes undone."""
    keys: dict[str, str] = {}
    group = None
    # Only "\n" ends a line of a key file, and only spaces and tabs are blanks around its keys.
    for raw in text.split("\n"):
        line = raw.strip(" \t\r")
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            group = line
        elif group == "[Desktop Entry]" and "=" in line:
            key, _, value = line.partition("=")
            unescaped = re.sub(
                r"\\(.)", lambda m: _STRING_ESCAPES.get(m[1], m[0]), value.lstrip(" \t")
            )
            keys.setdefault(key.strip(" \t"), unescaped)
    return keys


def exec_argv(value: str) -> tuple[str, ...]:
    """Split an Exec value (string escapes already undone) into its arguments. Field codes
    other than %% are left as they are. ValueError on an unterminated quote."""
    words: list[str] = []
    word: list[str] | None = None
    chars = iter(value)
    for char in chars:
        if char in " \t\n":
            if word is not None:
                words.append("".join(word))
            word = None
            continue
        word = word if word is not None else []
        if char != '"':
            word.append(char)
            continue
        for quoted in chars:
            if quoted == '"':
                break
            if quoted == "\\":
                following = next(chars, "")
                word.append(following if following in '"`$\\' else quoted + following)
            else:
                word.append(quoted)
        else:
            raise ValueError("an Exec value has an unterminated quote")
    if word is not None:
        words.append("".join(word))
    return tuple(w.replace("%%", "%") for w in words)


def desktop_argv(text: str) -> tuple[str, ...]:
    keys = desktop_keys(text)
    if "Exec" not in keys:
        raise ValueError("no Exec key")
    return exec_argv(keys["Exec"])


# --- systemd user unit ---------------------------------------------------------------------------


_SYSTEMD_UNSAFE = frozenset("\"'\\")


def _systemd_word(arg: str, *, program: bool) -> str:
    # Always in double quotes, with C escapes for \ and ". A literal % is %% (specifiers), and a
    # literal $ in an argument is $$ (variable substitution, which the program path is spared).
    text = arg.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    return f'"{text if program else text.replace("$", "$$")}"'


def systemd_unit(launch: Launch) -> str:
    """A systemd user service: `$XDG_CONFIG_HOME/systemd/user/postureping.service`.

    ValueError for a program that systemd would refuse to start: one without an absolute path,
    or whose path holds a quote or a backslash ("Executable name contains special characters",
    however it is quoted)."""
    program, *args = launch.argv
    if not program.startswith("/"):
        raise ValueError(f"systemd needs the program's absolute path, not {program!r}")
    if not _SYSTEMD_UNSAFE.isdisjoint(program):
        raise ValueError(
            "systemd refuses to start a program whose path holds a quote or a backslash"
        )
    exec_start = " ".join(
        [_systemd_word(program, program=True), *(_systemd_word(a, program=False) for a in args)]
    )
    return f"""\
# {_written_by(" --systemd")}
[Unit]
Description={NAME}: {COMMENT.lower()}
# Started and stopped with the graphical session: the reminders need its notification server.
After={SESSION_TARGET}
PartOf={SESSION_TARGET}
# A daemon that keeps failing (another one is already running, say) gives up after 5 starts.
StartLimitIntervalSec=10min
StartLimitBurst=5

[Service]
Type=exec
ExecStart={exec_start}
Restart=on-failure
RestartSec=30s
# Exit status 2 means invalid settings: starting again cannot help until the file is fixed.
RestartPreventExitStatus=2

[Install]
# Not default.target: the user manager reaches that at any login, ssh included, and possibly
# before the desktop has given it DISPLAY and WAYLAND_DISPLAY. graphical-session.target is
# started by the desktop session (GNOME, KDE Plasma, and others that integrate with systemd);
# on a desktop that does not start it, the XDG autostart entry (the default) is the one to use.
WantedBy={SESSION_TARGET}
"""


_C_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t", "r": "\r", "s": " "}


def _systemd_split(value: str) -> list[str]:
    words: list[str] = []
    word: list[str] = []
    quote, in_word = "", False
    chars = iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            if following == "x":
                following = chr(int(next(chars, "") + next(chars, ""), 16))
            word.append(_C_ESCAPES.get(following, following))
            in_word = True
        elif quote:
            if char == quote:
                quote = ""
            else:
                word.append(char)
        elif char in "\"'":
            quote, in_word = char, True
        elif char in " \t\n\r":
            if in_word:
                words.append("".join(word))
            word, in_word = [], False
        else:
            word.append(char)
            in_word = True
    if quote:
        raise ValueError("ExecStart= has an unterminated quote")
    if in_word:
        words.append("".join(word))
    return words


def unit_argv(text: str) -> tuple[str, ...]:
    """The command line of ExecStart= in [Service]; ValueError when there is none."""
    section = None
    for raw in text.split("\n"):
        line = raw.strip(" \t\r")
        if line.startswith("["):
            section = line
        elif section == "[Service]" and line.startswith("ExecStart="):
            words = _systemd_split(line.partition("=")[2])
            if not words:
                break
            program = words[0].lstrip("@-:+!").replace("%%", "%")
            return (program, *(w.replace("%%", "%").replace("$$", "$") for w in words[1:]))
    raise ValueError("no ExecStart= command")


# --- macOS LaunchAgent ---------------------------------------------------------------------------


def launch_agent(launch: Launch, log_dir: PurePath) -> bytes:
    """A LaunchAgent: `~/Library/LaunchAgents/org.postureping.plist`. launchd creates no
    folders, so `log_dir` must exist before the agent runs."""
    return plistlib.dumps(
        {
            "Label": LABEL,
            "ProgramArguments": list(launch.argv),
            "RunAtLoad": True,
            # One start a login, as with the other kinds: the daemon ends only when asked to
            # (or when another one already runs), and then it should stay ended.
            "KeepAlive": False,
            # GUI logins only, not ssh sessions: the reminders need the desktop.
            "LimitLoadToSessionType": "Aqua",
            "ProcessType": "Interactive",
            "StandardOutPath": str(log_dir / "stdout.log"),
            "StandardErrorPath": str(log_dir / "stderr.log"),
        }
    )


def agent_argv(data: bytes) -> tuple[str, ...]:
    """ProgramArguments of a LaunchAgent; ValueError when the file is not a plist of ours."""
    agent = plistlib.loads(data)
    argv = agent.get("ProgramArguments") if isinstance(agent, dict) else None
    if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
        raise ValueError("no ProgramArguments")
    return tuple(argv)


# --- Windows Startup folder ----------------------------------------------------------------------


def _cmd_word(arg: str) -> str:
    # In double quotes cmd.exe takes & | < > ^ literally; % still expands in a batch file, so it
    # doubles. Then the program's C runtime splits the line: backslashes before the closing
    # quote double so that they do not escape it. Windows paths cannot contain a double quote.
    if '"' in arg:
        raise ValueError(f"{arg!r} contains a double quote")
    trailing = len(arg) - len(arg.rstrip("\\"))
    return '"' + arg.replace("%", "%%") + "\\" * trailing + '"'


def windows_startup(launch: Launch) -> str:
    """A batch file for the Startup folder. A .cmd rather than a .vbs (VBScript is being
    removed from Windows) or a .lnk (a binary format that needs COM to write). Its console
    window closes at once: `start` returns without waiting, and the program should be
    pythonw.exe, which has no console of its own."""
    command = " ".join(_cmd_word(arg) for arg in launch.argv)
    lines = [
        "@echo off",
        f"rem {_written_by('')}",
        # A user who turned delayed expansion on would otherwise lose every "!" in the paths.
        "setlocal DisableDelayedExpansion",
    ]
    if not command.isascii():
        lines.append("chcp 65001 >nul")  # cmd.exe reads the rest of the file as UTF-8
    lines.append(f'start "" {command}')
    return "\r\n".join(lines) + "\r\n"


def startup_argv(text: str) -> tuple[str, ...]:
    """The command line of the `start` line; ValueError when there is none."""
    for line in re.split(r"\r?\n", text):
        if line.startswith('start "" '):
            words = re.findall(r'"([^"]*)"', line.removeprefix('start "" '))
            if words:
                return tuple(
                    w[: len(w) - (len(w) - len(w.rstrip("\\"))) // 2].replace("%%", "%")
                    for w in words
                )
    raise ValueError("no start command")
