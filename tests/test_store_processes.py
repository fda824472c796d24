"""The store under real processes: writers killed with SIGKILL at random moments, and many
writers at once. Slow by nature (about half a minute together); nothing here is mocked."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from postureping.history.events import Event, Kind
from postureping.history.lock import exclusive_lock
from postureping.history.store import EventStore, ReadResult
from tests.cli_helpers import data_dir, isolated_env
from tests.desktop import wait_until
from tests.unix_users import without_coverage

# Appends forever (or COUNT times, once stdin closes), printing each id once it is written.
WRITER = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from postureping.history.events import Event, Kind
from postureping.history.store import EventStore

path, name, count, pause = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
store = EventStore(path)
print("ready", flush=True)
if count:
    sys.stdin.read()  # the parent closes stdin once every writer is ready
number = 0
while not count or number < count:
    event = Event.new(f"{name}-{number}", Kind.DONE, "writer", datetime.now(UTC))
    store.append(event)
    print(event.id, flush=True)
    number += 1
    if pause:
        import time; time.sleep(pause)
"""


class Writer:
    """A writer process and the ids it reported written, read on a thread."""

    def __init__(self, path: Path, name: str, count: int = 0, pause: float = 0.0) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), name, str(count), str(pause)],
            stdin=subprocess.PIPE if count else subprocess.DEVNULL,
            stdout=subprocess.PIPE, text=True,
            # Not measured by coverage, whose tracing would slow each append several times
            # over: sixteen writers at once then waited past the lock's 5 s limit.
            env=without_coverage(os.environ),
        )  # fmt: skip
        self.lines: list[str] = []
        self.ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line == "ready\n":
                self.ready.set()
            else:
                self.lines.append(line.strip())

    @property
    def ids(self) -> list[str]:
        return list(self.lines)

    def finish(self) -> list[str]:
        """Wait for the end (a kill or the last event); the ids it reported."""
        self.proc.wait(timeout=120)
        self._reader.join(timeout=30)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        return self.ids


@contextmanager
def reaped(writers: list[Writer]) -> Iterator[None]:
    try:
        yield
    finally:
        for writer in writers:
            if writer.proc.poll() is None:
                writer.proc.kill()
            writer.finish()


def tear(path: Path, rng: random.Random) -> bytes:
    """What a crash in the middle of a write leaves: part of a line, under the lock, as the
    crashed writer held it. (SIGKILL alone cannot tear a line: the kernel finishes a small
    write to a regular file.)"""
    line = Event.new("torn", Kind.DONE, "writer", datetime.now(UTC)).to_line()
    torn = line[: rng.randrange(1, len(line) - 1)]
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        with exclusive_lock(fd):
            os.write(fd, torn)
    finally:
        os.close(fd)
    return torn


def assert_only_the_tail_is_damaged(result: ReadResult, path: Path) -> None:
    lines = path.read_bytes().split(b"\n")
    last_good = max((n for n, line in enumerate(lines, 1) if line.strip()), default=0)
    for damage in result.damaged:
        # Damage may only be the last line, and nothing valid after it.
        assert damage.line_number == last_good, (damage, last_good)


class CliRuns:
    """`postureping done walk` again and again on a thread, each run killed at a random
    moment of its life (start-up, settings, the append, the reply) unless it ends first."""

    def __init__(self, root: Path, runs: int, seed: int) -> None:
        self.root, self.runs, self.rng = root, runs, random.Random(seed)
        self.killed = self.reported = 0
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self) -> None:
        env = isolated_env(self.root)
        for _ in range(self.runs):
            cli = subprocess.Popen(
                [sys.executable, "-m", "postureping", "done", "walk"],
                env=env, cwd=self.root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                text=True,
            )  # fmt: skip
            timer = threading.Timer(self.rng.uniform(0.05, 0.6), cli.kill)
            timer.start()
            out, _ = cli.communicate(timeout=60)
            timer.cancel()
            self.killed += cli.returncode == -signal.SIGKILL
            self.reported += cli.returncode == 0 and out.startswith("Recorded: walk done")


@pytest.mark.slow
def test_writers_killed_at_random_moments_lose_nothing_they_reported(tmp_path: Path) -> None:
    seed = int(os.environ.get("CRASH_SEED", time.time()))
    rng = random.Random(seed)
    path = data_dir(tmp_path) / "events.jsonl"
    store = EventStore(path)
    kills, torn_pieces = 0, []
    writers: list[Writer] = []
    slots: list[Writer | None] = [None] * 4
    cli = CliRuns(tmp_path, 16, seed)
    with reaped(writers):
        while kills < 200:
            slot = rng.randrange(len(slots))
            writer = slots[slot]
            if writer is None:
                if path.exists() and rng.random() < 0.1:
                    torn_pieces.append(tear(path, rng))
                writer = slots[slot] = Writer(path, f"w{len(writers)}")
                writers.append(writer)
                continue
            if writer.ready.wait(timeout=30) and not writer.lines and rng.random() < 0.5:
                time.sleep(rng.uniform(0, 0.05))  # sometimes before its first append
            else:
                time.sleep(rng.uniform(0, 0.01))
            writer.proc.send_signal(signal.SIGKILL)
            writer.finish()
            slots[slot] = None
            kills += 1
            if kills % 20 == 0:
                result = store.read()  # never raises, whatever state the tail is in
                assert_only_the_tail_is_damaged(result, path)
        cli.thread.join(timeout=120)

    before = store.read()
    assert_only_the_tail_is_damaged(before, path)
    store.append(Event.new("final", Kind.DONE, "writer", datetime.now(UTC)))
    result = store.read()
    assert result.damaged == [], f"CRASH_SEED={seed}"
    reported = [i for writer in writers for i in writer.ids]
    present = [e.id for e in result.events]
    assert len(present) == len(set(present))
    assert set(reported) <= set(present), f"CRASH_SEED={seed}"
    # A writer killed after its append but before it said so: one unreported event each.
    unreported = [e for e in result.events if e.source == "writer" and e.id not in reported]
    assert len(unreported) <= len(writers) + 1
    assert kills + cli.killed >= 200 and cli.killed >= 1, (kills, cli.killed)
    cli_events = sum(e.routine == "walk" for e in result.events)
    assert cli.reported <= cli_events <= cli.runs
    damaged_file = store.damaged_path.read_bytes() if store.damaged_path.exists() else b""
    for piece in torn_pieces:
        assert piece in damaged_file


@pytest.mark.slow
def test_sixteen_writers_at_once_and_a_slow_one_lose_and_garble_nothing(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    processes, each = 16, 1000
    writers = [Writer(path, f"p{n}", each) for n in range(processes)]
    slow = Writer(path, "slow", 0, pause=0.005)  # like the daemon: now and then, throughout
    with reaped([*writers, slow]):
        for writer in [*writers, slow]:
            assert writer.ready.wait(timeout=60)
        started = time.monotonic()
        for writer in writers:  # start them all at once
            assert writer.proc.stdin is not None
            writer.proc.stdin.close()
        for writer in writers:
            assert writer.proc.wait(timeout=300) == 0
        elapsed = time.monotonic() - started
        slow.proc.terminate()
        slow_ids = slow.finish()

    result = EventStore(path).read()
    assert result.damaged == []
    ids = [e.id for e in result.events]
    assert len(ids) == len(set(ids))
    mine = [e for e in result.events if e.routine.startswith("p")]
    assert len(mine) == processes * each
    assert set(slow_ids) <= set(ids) and len(ids) - len(mine) - len(slow_ids) <= 1
    assert len(slow_ids) > 10, f"the slow writer wrote {len(slow_ids)} in {elapsed:.1f} s"
    for n in range(processes):
        # Each process's events are whole and in its own order.
        order = [e.routine for e in mine if e.routine.startswith(f"p{n}-")]
        assert order == [f"p{n}-{i}" for i in range(each)]


@pytest.mark.slow
def test_the_daemon_killed_at_random_moments_leaves_a_readable_history(tmp_path: Path) -> None:
    """The daemon in demo mode records a reminder a second or so (in its own history); SIGKILL
    it at random moments, start it again each time. The history stays readable after each
    kill, and only a torn tail can be damaged (the next daemon moves it aside when it
    appends)."""
    env = isolated_env(
        tmp_path,
        {
            "POSTUREPING_NOTIFICATIONS__BACKEND": "console",
            "POSTUREPING_ACTIVITY__IDLE": "false",
            "POSTUREPING_ROUTINES__WALK__EVERY": "1m",
            "POSTUREPING_ROUTINES__SWITCH_POSITION__EVERY": "1m",
        },
    )
    path = tmp_path / "state" / "postureping" / "demo-events.jsonl"
    rng = random.Random(7)
    for _ in range(8):
        before = count_lines(path) if path.exists() else 0
        proc = subprocess.Popen(
            [sys.executable, "-m", "postureping", "run", "--demo", "--no-tray"],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        # Killed at a random moment once it has begun to write (how long it takes to start
        # depends on the machine's load, not on the daemon): before, during or after the
        # next record.
        wait_until(
            lambda: (path.exists() and count_lines(path) > before) or None,  # noqa: B023
            timeout=60,
            what="the daemon's first record",
        )
        time.sleep(rng.uniform(0, 2.3))
        proc.kill()
        proc.wait(10)
        result = EventStore(path).read()  # never raises
        middle = [d for d in result.damaged if d.line_number < count_lines(path)]
        assert middle == []
    events = EventStore(path).read().events
    assert sum(e.kind is Kind.PROMPTED for e in events) >= 8
    assert {e.source for e in events} == {"demo"}  # prompts, and missed answers
    assert not (data_dir(tmp_path) / "events.jsonl").exists()  # the real history is untouched


def count_lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") + 1
