"""A Hypothesis state machine over the store: writes (in any time order), crashes (a torn
line, garbage), reopening, and imports, checked against a model of what must be there."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from postureping.history.events import Event, Kind
from postureping.history.format import decode_line
from postureping.history.lock import exclusive_lock
from postureping.history.merge import import_file
from postureping.history.store import EventStore

NOW = datetime(2025, 3, 14, 14, 5, tzinfo=ZoneInfo("Europe/Berlin"))
minutes = st.integers(min_value=-3000, max_value=3000)


def make(minute: int, routine: str = "walk") -> Event:
    return Event.new(routine, Kind.DONE, "cli", NOW + timedelta(minutes=minute))


class StoreMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="postureping-model-"))
        self.store = EventStore(self.folder / "data" / "events.jsonl")
        self.written: list[Event] = []  # reported written, in file order: all must be there
        self.leftovers: list[bytes] = []  # what crashes left: in the file or moved aside

    def teardown(self) -> None:
        shutil.rmtree(self.folder)

    def _raw_append(self, data: bytes) -> None:
        """As a writer that crashed in the middle of its write: under the lock."""
        self.store.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.store.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            with exclusive_lock(fd):
                os.write(fd, data)
        finally:
            os.close(fd)
        self.leftovers.append(data)

    @rule(minute=minutes)
    def write(self, minute: int) -> None:
        event = make(minute)
        self.store.append(event)
        self.written.append(event)

    @rule(batch=st.lists(minutes, min_size=1, max_size=5))
    def write_several(self, batch: list[int]) -> None:
        events = [make(m) for m in batch]
        self.store.append_many(events)
        self.written += events

    @rule(minute=minutes, cut=st.floats(min_value=0, max_value=1))
    def crash_in_a_write(self, minute: int, cut: float) -> None:
        line = make(minute, "torn").to_line()
        self._raw_append(line[: 1 + int(cut * (len(line) - 3))])  # never the whole line

    @rule(junk=st.binary(min_size=1, max_size=200))
    def crash_leaving_garbage(self, junk: bytes) -> None:
        self._raw_append(junk)

    @rule()
    def reopen(self) -> None:
        self.store = EventStore(self.store.path)

    @rule(
        known=st.lists(st.integers(min_value=0, max_value=50), max_size=5),
        fresh=st.lists(minutes, max_size=5),
        damaged=st.integers(min_value=0, max_value=2),
        twice=st.booleans(),
    )
    def import_another_history(
        self, known: list[int], fresh: list[int], damaged: int, twice: bool
    ) -> None:
        present = [self.written[i % len(self.written)] for i in known] if self.written else []
        new = [make(m, "imported") for m in fresh]
        lines = [e.to_line() for e in present + new + (new[:1] if twice else [])]
        lines[len(lines) // 2 : len(lines) // 2] = [b"not an event\n"] * damaged
        source = self.folder / "events.sync-conflict-20250314-140500-ABCDEFG.jsonl"
        source.write_bytes(b"".join(lines))

        report = import_file(self.store, source)

        assert (report.new, report.present, len(report.damaged)) == (
            len(new),
            len(present) + (1 if twice and new else 0),
            damaged,
        )
        self.written += sorted(new, key=lambda e: e.ts)

    @invariant()
    def every_written_event_is_there_once_and_only_the_tail_is_damaged(self) -> None:
        result = self.store.read()
        assert [e.id for e in result.events] == [e.id for e in self.written]
        data = self.store.path.read_bytes() if self.store.path.exists() else b""
        lines = data.split(b"\n")
        last_event = max(
            (n for n, line in enumerate(lines, 1) if decode_line(line).event), default=0
        )
        assert all(d.line_number > last_event for d in result.damaged), result.damaged

    @invariant()
    def reading_since_a_moment_finds_the_same_events(self) -> None:
        for moment in (NOW - timedelta(days=3), NOW, NOW + timedelta(minutes=1000)):
            expected = [e for e in self.written if e.ts >= moment]
            assert self.store.read(since=moment).events == expected

    @invariant()
    def nothing_a_crash_left_is_lost(self) -> None:
        kept = b""
        for path in (self.store.path, self.store.damaged_path):
            kept += path.read_bytes() if path.exists() else b""
        for leftover in self.leftovers:
            # Whole lines stay in the file (a damaged one in the middle is kept there) and
            # only what follows the last newline is moved aside, so a leftover that holds a
            # newline ends up in two places: each of its lines must be somewhere.
            for piece in leftover.split(b"\n"):
                assert piece in kept


StoreMachine.TestCase.settings = settings(max_examples=100, stateful_step_count=30, deadline=None)
TestStoreMachine = pytest.mark.slow(StoreMachine.TestCase)
