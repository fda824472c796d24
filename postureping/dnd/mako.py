"""mako's modes, its do-not-disturb: `makoctl mode -a do-not-disturb` with a mode in mako's
config that hides notifications, as mako's manual suggests::

    [mode=do-not-disturb]
    invisible=1

mako 1.7 (Debian 12) has no signal or property for its modes: `makoctl mode` calls ListModes
on fr.emersion.Mako at /fr/emersion/Mako, and so does this probe, when asked (at reminder
time, then about every 30 s while something holds: never in between). A mode alone hides
nothing, so the probe reads mako's config to learn which modes do: a section whose only
criterion is `mode=NAME` and that sets `invisible=1` (or `true`). The config is the file the
running mako was started with (`-c`/`--config`, read from its command line: Linux, the same
user), else the first of ~/.mako/config and $XDG_CONFIG_HOME/mako/config, as mako looks; it
is looked up again when mako restarts, and read again when it changes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from jeepney.bus_messages import message_bus  # type: ignore[import-untyped]
from jeepney.wrappers import DBusErrorResponse, unwrap_msg  # type: ignore[import-untyped]

from postureping.dnd.server_call import ServerCall, ServerCallProbe
from postureping.dnd.server_flag import CALL_TIMEOUT, NOTIFICATIONS

NAME = "mako"
PATH = "/fr/emersion/Mako"
INTERFACE = "fr.emersion.Mako"
_TRUE, _FALSE = ("1", "true"), ("0", "false")

_log = logging.getLogger(__name__)


def hiding_modes(config: str) -> frozenset[str]:
    """The modes that mako's `config` (its text) makes hide every notification."""
    hiding: set[str] = set()
    mode = None  # the mode of the section being read, if its only criterion is a mode
    for raw in config.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            try:
                criteria = shlex.split(line[1:-1])
            except ValueError:  # an unbalanced quote: mako rejects it too
                criteria = []
            only = criteria[0] if len(criteria) == 1 else ""
            mode = only.removeprefix("mode=") if only.startswith("mode=") else None
            continue
        key, _, value = line.partition("=")
        if mode and key.strip() == "invisible":
            if value.strip().lower() in _TRUE:
                hiding.add(mode)
            elif value.strip().lower() in _FALSE:
                hiding.discard(mode)
    return frozenset(hiding)


def default_config(environ: Mapping[str, str]) -> Path | None:
    """Where mako looks for its config when started without `--config`, if there is one."""
    home = environ.get("HOME", "")
    config_home = environ.get("XDG_CONFIG_HOME") or (f"{home}/.config" if home else "")
    candidates = [f"{home}/.mako/config" if home else "", f"{config_home}/mako/config"]
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


def config_argument(cmdline: bytes) -> Path | None:
    """The `-c PATH`, `--config PATH` or `--config=PATH` in a /proc/PID/cmdline."""
    args = [os.fsdecode(arg) for arg in cmdline.split(b"\0")]
    for arg, following in zip(args, [*args[1:], ""], strict=True):
        if arg in ("-c", "--config") and following:
            return Path(following)
        if arg.startswith("--config="):
            return Path(arg.removeprefix("--config="))
    return None


class MakoModes:
    """Decides from ListModes' answer, with the hiding modes of the running mako's config.

    `owner_pid()` gives the running mako's process id (None when unknown): when it changes
    (mako started after the daemon, or again with another config), the config is looked up
    again, from its command line, else `default`."""

    def __init__(self, default: Path | None, owner_pid: Callable[[], int | None]) -> None:
        self.config = default
        self._default = default
        self._owner_pid = owner_pid
        self._pid: int | None = None
        self._stamp: tuple[int, int] | None = None
        self._hiding: frozenset[str] = frozenset()

    def hiding(self) -> frozenset[str]:
        """The config's hiding modes, read again when the file changed."""
        if (pid := self._owner_pid()) is not None and pid != self._pid:
            self._pid, self._stamp, found = pid, None, None
            with contextlib.suppress(OSError):
                found = config_argument(Path(f"/proc/{pid}/cmdline").read_bytes())
            self.config = found or self._default
        if self.config is None:
            return frozenset()
        try:
            info = self.config.stat()
            stamp = (info.st_mtime_ns, info.st_size)
            if stamp != self._stamp:
                self._hiding = hiding_modes(self.config.read_text(errors="replace"))
                self._stamp = stamp
        except OSError:
            self._hiding, self._stamp = frozenset(), None
        return self._hiding

    def decide(self, reply: tuple[Any, ...]) -> str | None:
        (active,) = reply
        if hidden := sorted(set(active) & self.hiding()):
            return f"do not disturb is on (mako's mode {', '.join(hidden)} hides notifications)"
        return None


def open_probe(environ: Mapping[str, str]) -> ServerCallProbe:
    """Raises ProbeUnavailable when the notification server is not mako, or not there."""
    calls: list[ServerCall] = []  # the probe's own, once it exists
    modes = MakoModes(default_config(environ), lambda: _owner_pid(calls[0]) if calls else None)
    probe = ServerCallProbe.open(
        environ, NAME, (PATH, INTERFACE, "ListModes", "as"), modes.decide, _log
    )
    calls.append(probe.call)
    return probe


def _owner_pid(call: ServerCall) -> int | None:
    """The process id of the notification server, over the probe's connection; None when
    the bus cannot tell."""
    with contextlib.suppress(DBusErrorResponse, OSError, ValueError, TypeError):
        reply = call.connection().send_and_get_reply(
            message_bus.GetConnectionUnixProcessID(NOTIFICATIONS), timeout=CALL_TIMEOUT
        )
        (pid,) = unwrap_msg(reply)
        return int(pid)
    return None
