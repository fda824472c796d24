"""Merging another machine's history (or a sync conflict copy) into this one, by event id,
so that importing the same file twice, or two copies of one history, adds nothing twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from postureping.errors import EXIT_CONFIG
from postureping.history.events import Event
from postureping.history.store import Damage, EventStore, Repair, StoreError, parse
from postureping.limits import MAX_LINE, TooLarge, bounded_lines


@dataclass(frozen=True)
class ImportReport:
    source: Path
    new: int  # appended to the history
    present: int  # already there, or repeated in the file
    damaged: list[Damage] = field(default_factory=list)  # lines of the file, skipped
    repair: Repair | None = None  # a damaged tail of the history, moved aside first


def import_file(store: EventStore, source: Path) -> ImportReport:
    """Append the events of `source` that `store` lacks, oldest first, in one write.

    The history stays append-only, so imported events come after newer ones: readers must
    not take file order for time order. `source` is read a line at a time, within the
    limits of postureping.limits. Raises StoreError if `source` cannot be read, is too
    large, or the history cannot be written."""
    lines: list[bytes] = []
    overlong: list[Damage] = []
    try:
        with source.open("rb") as file:
            for number, line in enumerate(bounded_lines(file), 1):
                if line is None:  # kept as a blank line, so the others keep their numbers
                    overlong.append(Damage(source, number, f"longer than {MAX_LINE} bytes"))
                lines.append(line or b"\n")
    except TooLarge as error:
        raise StoreError(f"{source} {error}: not a history file", EXIT_CONFIG) from None
    except OSError as error:
        raise StoreError(f"cannot read {source}: {error.strerror or error}") from error
    result = parse(source, b"".join(lines))
    damaged = sorted([*overlong, *result.damaged], key=lambda damage: damage.line_number)
    unique: dict[str, Event] = {}
    for event in result.events:
        unique.setdefault(event.id, event)
    events = sorted(unique.values(), key=lambda event: event.ts)
    written, repair = store.append_new(events)
    present = len(result.events) - len(written)
    return ImportReport(source, len(written), present, damaged, repair)
