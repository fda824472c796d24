"""Pausing reminders: when a pause ends, and the pause kept across daemon restarts."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from postureping.atomic_file import private_folder, replace_bytes
from postureping.hours import ActiveHours

STATE_VERSION = 1


def until_tomorrow(now: datetime, hours: ActiveHours, zone: ZoneInfo) -> datetime:
    """The start of the next active period on a later day than today's; the next local
    midnight when no later day within a week has active hours."""
    today = now.astimezone(zone).date()
    for offset in range(1, 8):
        windows = hours.windows_on(today + timedelta(days=offset), zone)
        if windows:
            return windows[0][0]
    return datetime.combine(today + timedelta(days=1), datetime.min.time(), zone).astimezone(UTC)


@dataclass(frozen=True)
class PauseState:
    paused: bool = False
    until: datetime | None = None  # None while paused: until resumed

    def active(self, now: datetime) -> bool:
        return self.paused and (self.until is None or self.until > now)

    def to_json(self) -> dict[str, object]:
        until = self.until.isoformat() if self.until else None
        return {"v": STATE_VERSION, "paused": self.paused, "until": until}

    @classmethod
    def from_json(cls, obj: object) -> PauseState:
        if not isinstance(obj, dict) or obj.get("v") != STATE_VERSION:
            raise ValueError("not a pause state of this version")
        until = obj.get("until")
        moment = datetime.fromisoformat(until) if isinstance(until, str) else None
        if moment is not None and moment.tzinfo is None:
            raise ValueError("a pause end without a time zone")
        return cls(bool(obj.get("paused")), moment)


def load_pause(path: Path) -> tuple[PauseState, str | None]:
    """The saved pause, and a warning if the file was damaged (it is then moved aside to
    FILE.damaged, never deleted)."""
    try:
        return PauseState.from_json(json.loads(path.read_text(encoding="utf-8"))), None
    except FileNotFoundError:
        return PauseState(), None
    except (OSError, ValueError) as error:
        with contextlib.suppress(OSError):
            path.replace(path.with_name(path.name + ".damaged"))
        return PauseState(), f"ignored the damaged pause state {path} ({error}); not paused"


def save_pause(path: Path, state: PauseState) -> None:
    """Write atomically and privately (postureping.atomic_file). Raises OSError."""
    private_folder(path.parent)
    replace_bytes(path, json.dumps(state.to_json()).encode())
