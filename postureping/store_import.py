"""Merging another machine's history (or a sync conflict copy) into this one, by event id,
so that importing the same file twice, or two copies of one history, adds nothing twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from postureping.events import Event
from postureping.store import Damage, EventStore, Repair, StoreError, parse


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
    not take file order for time order. Raises StoreError if `source` cannot be read or
    the history cannot be written."""
    try:
        data = source.read_bytes()
    except OSError as error:
        raise StoreError(f"cannot read {source}: {error.strerror or error}") from error
    result = parse(source, data)
    unique: dict[str, Event] = {}
    for event in result.events:
        unique.setdefault(event.id, event)
    events = sorted(unique.values(), key=lambda event: event.ts)
    written, repair = store.append_new(events)
    present = len(result.events) - len(written)
    return ImportReport(source, len(written), present, result.damaged, repair)
