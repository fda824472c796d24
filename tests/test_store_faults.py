"""Write failures: a fault at each of the store's OS calls in turn, once and from then on;
/dev/full; and a real small file system that fills up, then turns read-only, under the CLI.

Whatever fails, the history holds what it held before, the failure is reported (a
StoreError naming the file and the reason), and an append after the fault clears works.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from postureping.history.events import Event, Kind
from postureping.history.io import FileCalls
from postureping.history.store import EventStore, StoreError
from tests.cli_helpers import isolated_env
from tests.faulty_calls import FaultyCalls

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2025, 3, 14, 14, 5, tzinfo=BERLIN)
OLD = [Event.new("walk", Kind.DONE, "cli", NOW + timedelta(minutes=m)) for m in range(3)]
NEW = Event.new("walk", Kind.SKIPPED, "cli", NOW + timedelta(minutes=10))
LATER = Event.new("walk", Kind.DONE, "cli", NOW + timedelta(minutes=20))
TORN = NEW.to_line()[:50]


def _format_1(event: Event) -> bytes:
    return json.dumps({**event.to_json(), "v": 1}, separators=(",", ":")).encode() + b"\n"


# How the history looks before the append that fails: each takes another path through it.
SCENARIOS: dict[str, Callable[[Path], None]] = {
    "no folder yet": lambda path: None,
    "healthy": lambda path: _write(path, b"".join(e.to_line() for e in OLD)),
    "torn tail": lambda path: _write(path, b"".join(e.to_line() for e in OLD) + TORN),
    "no last newline": lambda path: _write(path, b"".join(e.to_line() for e in OLD)[:-1]),
    "format 1": lambda path: _write(path, b"".join(_format_1(e) for e in OLD)),
}


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.write_bytes(data)


def _calls_of_an_append(tmp_path: Path, scenario: str) -> list[str]:
    path = tmp_path / "probe" / "events.jsonl"
    SCENARIOS[scenario](path)
    calls = FaultyCalls()
    EventStore(path, calls).append(NEW)
    return calls.calls


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("persistent", [False, True], ids=["once", "persistent"])
@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EIO], ids=["ENOSPC", "EIO"])
def test_a_fault_at_each_call_in_turn_leaves_the_history_intact(
    tmp_path: Path, scenario: str, persistent: bool, error: int
) -> None:
    names = _calls_of_an_append(tmp_path, scenario)
    old = [] if scenario == "no folder yet" else OLD
    failures = 0
    for fail_at, name in enumerate(names):
        path = tmp_path / str(fail_at) / "events.jsonl"
        SCENARIOS[scenario](path)
        calls = FaultyCalls()
        calls.fail_at, calls.persistent, calls.error = fail_at, persistent, error
        store = EventStore(path, calls)
        where = f"fault at call {fail_at} ({name}) of {names}"
        try:
            store.append(NEW)
        except StoreError as caught:
            failures += 1
            assert caught.message == (
                f"cannot write the event history {path}: {os.strerror(error)}"
            ), where
            reported = False
        else:
            assert name == "close", where  # the only call whose failure does not matter
            reported = True
        calls.clear()

        # Old data intact and readable, whatever happened; the new event at most once.
        result = store.read()
        assert [e for e in result.events if e != NEW] == old, where
        assert result.events.count(NEW) == (1 if reported else result.events.count(NEW)) <= 1
        # The torn tail of the scenario is in the file still, or moved aside: never lost.
        if scenario == "torn tail":
            kept = path.read_bytes() + (
                store.damaged_path.read_bytes() if store.damaged_path.exists() else b""
            )
            assert TORN in kept, where
        # And once the fault clears, the store carries on: no damage left anywhere.
        store.append(LATER)
        after = store.read()
        assert after.damaged == [], where
        assert [e for e in after.events if e != NEW] == [*old, LATER], where
        assert after.events.count(NEW) <= 1, where
        # A failed move leaves the .damaged file as it was too, so the torn tail is there
        # once, not again for each attempt (unless undoing the failure failed as well).
        if scenario == "torn tail" and not persistent:
            assert store.damaged_path.read_bytes() == TORN + b"\n", where
    assert failures >= len(names) - names.count("close")


@pytest.mark.parametrize("error", [errno.EACCES, errno.EROFS, errno.EIO])
def test_a_folder_or_file_that_cannot_be_written_is_reported(tmp_path: Path, error: int) -> None:
    path = tmp_path / "events.jsonl"
    calls = FaultyCalls()
    calls.fail_at, calls.persistent, calls.error = 0, True, error
    with pytest.raises(StoreError) as caught:
        EventStore(path, calls).append(NEW)
    assert caught.value.message == f"cannot write the event history {path}: {os.strerror(error)}"
    assert caught.value.exit_code == 1
    with pytest.raises(StoreError, match=f"cannot read the event history .*{os.strerror(error)}"):
        path.write_bytes(b"")
        EventStore(path, calls).read()


class DevFull(FileCalls):
    """Every write goes to /dev/full, whose writes fail with ENOSPC: the kernel's own."""

    def write(self, fd: int, data: bytes | memoryview) -> int:
        full = os.open("/dev/full", os.O_WRONLY)
        try:
            return os.write(full, data)
        finally:
            os.close(full)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full (not Linux)")
def test_a_write_to_dev_full_is_reported_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    EventStore(path).append_many(OLD)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="No space left on device"):
        EventStore(path, DevFull()).append(NEW)
    assert path.read_bytes() == before
    EventStore(path).append(LATER)
    assert EventStore(path).read().events == [*OLD, LATER]


# Runs in a private user and mount namespace, with a 16 KiB tmpfs as the data folder:
# fills it, records with the CLI until the disk is full, frees it, then makes it read-only.
FULL_DISK = r"""
set -u
mount -t tmpfs -o size=16k tmpfs "$XDG_DATA_HOME" || exit 77
cli() { "$PYTHON" -m postureping done walk >"$OUT/$1.out" 2>&1; echo $? >"$OUT/$1.rc"; }
cli first
dd if=/dev/zero of="$XDG_DATA_HOME/filler" bs=1k 2>/dev/null
"$PYTHON" - <<'PY'
import os, sys
from datetime import UTC, datetime
from pathlib import Path
from postureping.history.events import Event, Kind
from postureping.history.store import EventStore, StoreError
store = EventStore(Path(os.environ["XDG_DATA_HOME"]) / "postureping" / "events.jsonl")
with open(Path(os.environ["OUT"]) / "acked", "w") as acked:
    for _ in range(1000):  # fill the last page of the file, until the disk refuses
        event = Event.new("walk", Kind.DONE, "filler", datetime.now(UTC))
        try:
            store.append(event)
        except StoreError as error:
            print(error, file=acked)
            break
        print(event.id, file=acked, flush=True)
PY
cli full
cp "$XDG_DATA_HOME/postureping/events.jsonl" "$OUT/full.jsonl"
rm "$XDG_DATA_HOME/filler"
cli freed
mount -o remount,ro "$XDG_DATA_HOME"
cli readonly
cp "$XDG_DATA_HOME/postureping/events.jsonl" "$OUT/final.jsonl"
"""


def test_a_real_file_system_that_fills_up_then_turns_read_only(tmp_path: Path) -> None:
    if not shutil.which("unshare"):
        pytest.skip("needs unshare (util-linux) for a private tmpfs")
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a user and mount namespace here: {probe.stderr!r}")
    out = tmp_path / "out"
    out.mkdir()
    env = isolated_env(tmp_path, {"OUT": str(out), "PYTHON": sys.executable})
    Path(env["XDG_DATA_HOME"]).mkdir()
    run = subprocess.run(
        ["unshare", "-rm", "sh", "-c", FULL_DISK],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if run.returncode == 77:
        pytest.skip(f"cannot mount a tmpfs in a namespace here: {run.stderr}")
    assert run.returncode == 0, run.stderr

    def cli(step: str) -> tuple[int, str]:
        return int((out / f"{step}.rc").read_text()), (out / f"{step}.out").read_text()

    assert cli("first")[0] == 0
    *acked, refusal = (out / "acked").read_text().splitlines()
    assert "No space left on device" in refusal
    code, message = cli("full")
    history = tmp_path / "data" / "postureping" / "events.jsonl"
    assert code == 1
    assert message == (
        f"postureping: cannot write the event history {history}: No space left on device\n"
    )
    full = EventStore(out / "full.jsonl").read()
    assert full.damaged == []
    assert [e.id for e in full.events if e.source == "filler"] == acked
    assert cli("freed")[0] == 0
    code, message = cli("readonly")
    assert code == 1 and message.endswith(": Read-only file system\n"), message
    final = EventStore(out / "final.jsonl").read()
    assert final.damaged == [] and final.events[: len(full.events)] == full.events
    assert [e.source for e in final.events].count("cli") == 2
