"""Messages between the CLI and the daemon: one JSON object per line, each way.

Request:  {"v": 1, "command": "pause", "args": {"until": "2026-03-14T15:00:00+01:00"}}
Reply:    {"ok": true, "message": "Paused until 15:00.", "result": {...}}
          {"ok": false, "error": "unknown routine 'x'; valid routines: ...", "exit": 1}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

VERSION = 1
MAX_MESSAGE = 1 << 20  # a request or reply larger than this is refused, not buffered
COMMANDS = ("status", "pause", "resume", "answer", "trigger", "reload", "quit")


class ProtocolError(Exception):
    """A message that is not one of ours."""


@dataclass(frozen=True)
class Request:
    command: str
    args: dict[str, Any] = field(default_factory=dict)

    def encode(self) -> bytes:
        return _line({"v": VERSION, "command": self.command, "args": self.args})

    @classmethod
    def decode(cls, data: bytes) -> Request:
        obj = _object(data)
        if obj.get("v") != VERSION:
            raise ProtocolError(f"unsupported protocol version {obj.get('v')!r}")
        command, args = obj.get("command"), obj.get("args", {})
        if command not in COMMANDS or not isinstance(args, dict):
            raise ProtocolError(f"unknown command {command!r}")
        return cls(command, args)


@dataclass(frozen=True)
class Reply:
    ok: bool
    message: str = ""
    result: dict[str, Any] | None = None
    exit: int = 0  # for a failure: the exit status the CLI should use

    def encode(self) -> bytes:
        if self.ok:
            return _line({"ok": True, "message": self.message, "result": self.result})
        return _line({"ok": False, "error": self.message, "exit": self.exit})

    @classmethod
    def decode(cls, data: bytes) -> Reply:
        obj = _object(data)
        if obj.get("ok") is True:
            result = obj.get("result")
            return cls(
                True, str(obj.get("message", "")), result if isinstance(result, dict) else None
            )
        return cls(
            False, str(obj.get("error", "the daemon refused")), None, int(obj.get("exit", 1))
        )


def _line(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode() + b"\n"


def _object(data: bytes) -> dict[str, Any]:
    try:
        obj = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise ProtocolError(f"not JSON: {error}") from error
    if not isinstance(obj, dict):
        raise ProtocolError("not a JSON object")
    return obj
