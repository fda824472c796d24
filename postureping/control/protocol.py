"""Messages between the CLI and the daemon: one JSON object per line, each way.

Request:  {"v": 1, "id": "4f0c...", "expires": 1773496800.5,
           "command": "pause", "args": {"until": "2026-03-14T15:00:00+01:00"}}
Reply:    {"ok": true, "message": "Paused until 15:00.", "result": {...}}
          {"ok": false, "error": "unknown routine 'x'; valid routines: ...", "exit": 1}

`id` (a uuid4 the client picks) and `expires` (when the client stops waiting, in seconds
since the epoch) are optional: the daemon answers a repeated id with the reply it gave, and
does not carry out a request that arrives after it expired (see ledger.py).
"""

from __future__ import annotations

import json
import math
import time
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

VERSION = 1
MAX_MESSAGE = 1 << 20  # a request or reply larger than this is refused, not buffered
COMMANDS = ("status", "pause", "resume", "answer", "trigger", "reload", "quit")
READ_ONLY = frozenset({"status"})  # changes nothing: carrying it out twice does no harm
MAX_ID = 64


class ProtocolError(Exception):
    """A message that is not one of ours."""


@dataclass(frozen=True)
class Request:
    command: str
    args: dict[str, Any] = field(default_factory=dict)
    id: str | None = None
    expires: float | None = None  # seconds since the epoch

    def stamped(self, timeout: float) -> Request:
        """This request as a client sends it: with an id (a new one unless it has one, so
        a retry keeps it) and the time it stops waiting, `timeout` seconds from now."""
        return replace(self, id=self.id or uuid.uuid4().hex, expires=time.time() + timeout)

    def encode(self) -> bytes:
        message: dict[str, Any] = {"v": VERSION}
        if self.id is not None:
            message["id"] = self.id
        if self.expires is not None:
            message["expires"] = self.expires
        return _line(message | {"command": self.command, "args": self.args})

    @classmethod
    def decode(cls, data: bytes) -> Request:
        obj = _object(data)
        if obj.get("v") != VERSION:
            raise ProtocolError(f"unsupported protocol version {obj.get('v')!r}")
        command, args = obj.get("command"), obj.get("args", {})
        if command not in COMMANDS or not isinstance(args, dict):
            raise ProtocolError(f"unknown command {command!r}")
        request_id, expires = obj.get("id"), obj.get("expires")
        if request_id is not None and not (
            isinstance(request_id, str) and 0 < len(request_id) <= MAX_ID
        ):
            raise ProtocolError(f"a request id is a string of 1 to {MAX_ID} characters")
        if expires is not None and not (
            isinstance(expires, int | float)
            and not isinstance(expires, bool)
            and math.isfinite(expires)
        ):
            raise ProtocolError("expires is a time in seconds since the epoch")
        return cls(command, args, request_id, None if expires is None else float(expires))


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
