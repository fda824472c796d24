"""Schedule time against real time. In demo mode one minute of the schedule lasts one real
second, starting from the moment the daemon starts; otherwise the two are the same."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Timescale:
    origin: datetime  # where schedule time and real time meet
    speed: float = 1.0  # schedule seconds per real second

    @classmethod
    def demo(cls, origin: datetime) -> Timescale:
        return cls(origin.astimezone(UTC), speed=60.0)

    # In UTC: subtracting two datetimes of one zone would use their wall times.
    def to_schedule(self, real: datetime) -> datetime:
        if self.speed == 1.0:
            return real
        return self.origin + (real.astimezone(UTC) - self.origin) * self.speed

    def to_real(self, scheduled: datetime) -> datetime:
        if self.speed == 1.0:
            return scheduled
        return self.origin + (scheduled.astimezone(UTC) - self.origin) / self.speed
