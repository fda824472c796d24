"""The real CLI and daemon with the disk failing at random, by libfiu (Debian's fiu-utils):
failed writes, fsyncs and opens, and short reads. After every run, every event that a
command acknowledged (exit 0) is in the history, no valid event was cut off (moved to
.damaged), the history holds nothing that a failed command wrote, and nothing printed a
traceback. A failed command says so in one line and exits 1.

Short reads are made everywhere in the process (`fiu-run -c`), as a network or FUSE file
system makes them. Failures are made only in the store's own system calls (see
tests/fiu_scope.py): anywhere else they break Python's imports, the settings and the
terminal first. Seeds are fixed, so a failure can be repeated.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from postureping.history.events import Event, Kind
from postureping.history.store import EventStore
from tests.cli_helpers import data_dir, isolated_env, run_cli
from tests.daemon_process import running_daemon

pytestmark = pytest.mark.slow  # the CLI and the daemon under libfiu, about 15 s

REPO = Path(__file__).resolve().parents[1]
NOW = datetime.now(UTC).replace(microsecond=0)
# libfiu's names for them in Debian 12's libfiu 1.1 (`strings fiu_posix_preload.so`).
SHORT_READS = ("posix/io/rw/pread/reduce", "posix/io/rw/read/reduce")
STORE_FAULTS = "posix/io/rw/write=0.2 posix/io/sync/fsync=0.2 posix/io/oc/open=0.15"
RUNS = 20


@pytest.fixture(scope="module")
def fiu() -> None:
    """Skip when libfiu's tools are missing; in CI, fail instead, since CI must run these."""
    if shutil.which("fiu-run") is None:
        reason = "fault injection needs fiu-run (Debian: fiu-utils)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI is expected to install them (.ci/run)", pytrace=False)
        pytest.skip(reason)


def _env(root: Path, seed: int, faults: str = "", **extra: str) -> dict[str, str]:
    """The isolated environment, with tests.fiu_scope importable in the child."""
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return isolated_env(
        root,
        {
            "PYTHONPATH": path,
            "FIU_PRNG_SEED": str(seed),  # libfiu's choices of which reads fall short
            "FIU_SCOPE_SEED": str(seed),
            "FIU_SCOPE_FAULTS": faults,
            "POSTUREPING_NOTIFICATIONS__BACKEND": "console",
            **extra,
        },
    )


def _fiu_run(*, scoped: bool = True) -> list[str]:
    """fiu-run with libfiu's POSIX wrappers, short reads everywhere and no control FIFO,
    then postureping: under tests.fiu_scope if `scoped`, else as it is."""
    command = ["fiu-run", "-x", "-f", ""]
    for name in SHORT_READS:
        command += ["-c", f"enable_random name={name},probability=0.5"]
    return [*command, sys.executable, "-m", "tests.fiu_scope" if scoped else "postureping"]


def _run(
    root: Path, args: list[str], env: Mapping[str, str], *, scoped: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*_fiu_run(scoped=scoped), *args],
        cwd=root, env=dict(env), capture_output=True, text=True, encoding="utf-8",
        timeout=60, check=False,
    )  # fmt: skip
    _sane(result, args)
    if result.returncode == 1:
        assert result.stderr.startswith("postureping: "), (args, result.stderr)
    return result


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A command that nothing fails (it talks to a daemon that fails)."""
    result = run_cli(root, *args)
    _sane(result, args)
    return result


def _sane(result: subprocess.CompletedProcess[str], what: object) -> None:
    output = result.stdout + result.stderr
    assert result.returncode in {0, 1}, f"{what}: exit {result.returncode}\n{output}"
    assert "Traceback" not in output, f"{what}:\n{output}"
    assert "unexpected error" not in output, f"{what}:\n{output}"


def _seed_history(path: Path) -> list[Event]:
    """A healthy history of the last two days, longer than one block of the backward
    reader (64 KiB), ending in a line that a crash cut short."""
    events = [
        Event.new(
            "walk" if n % 4 else "long-" + "x" * 400,
            Kind.DONE if n % 3 else Kind.PROMPTED,
            "daemon",
            NOW - timedelta(minutes=2 * (300 - n)),
        )
        for n in range(300)
    ]
    EventStore(path).append_many(events)
    assert path.stat().st_size > 64 * 1024
    with path.open("ab") as file:
        file.write(b'{"v":2,"id":"cut short by a crash')
    return events


def _imported(seed: int) -> list[Event]:
    return [
        Event.new("stretch", Kind.DONE, "cli", NOW - timedelta(hours=5, minutes=seed * 3 + n))
        for n in range(3)
    ]


def _walks_done(events: list[Event]) -> int:
    return sum(e.routine == "walk" and e.kind is Kind.DONE for e in events)


def test_the_cli_under_failing_writes_and_short_reads(fiu: None, tmp_path: Path) -> None:
    store = EventStore(data_dir(tmp_path) / "events.jsonl")
    seeded = _seed_history(store.path)
    done = 0
    imports: dict[bool, list[Event]] = {True: [], False: []}  # by whether acknowledged
    for seed in range(RUNS):
        env = _env(tmp_path, seed, STORE_FAULTS)
        match seed % 5:
            case 0:
                source = tmp_path / f"other-{seed}.jsonl"
                events = _imported(seed)
                source.write_bytes(b"".join(e.to_line() for e in events))
                result = _run(tmp_path, ["import", str(source)], env)
                imports[result.returncode == 0] += events
            case 1:
                result = _run(tmp_path, ["history", "--json", "--since", "3d"], env)
                if result.returncode == 0:
                    listed = {e["id"] for e in json.loads(result.stdout)}
                    assert {e.id for e in seeded + imports[True]} <= listed
                    assert len(listed) == len(seeded) + len(imports[True]) + done
            case 2:
                result = _run(tmp_path, ["stats", "--json"], env)
                if result.returncode == 0:
                    (walk,) = [
                        r for r in json.loads(result.stdout)["routines"] if r["id"] == "walk"
                    ]
                    assert walk["done"] == _walks_done(seeded) + done
            case _:
                result = _run(tmp_path, ["done", "walk"], env)
                done += result.returncode == 0

    history = store.read()
    assert history.events[: len(seeded)] == seeded  # nothing cut off, nothing reordered
    added = history.events[len(seeded) :]
    assert sum(e.source == "cli" and e.routine == "walk" for e in added) == done
    assert {e.id for e in added if e.routine == "stretch"} == {e.id for e in imports[True]}
    assert len(added) == done + len(imports[True])
    assert done and imports[True] and imports[False], "the faults should fail some runs, not all"
    _damage_is_the_torn_line_only(store)


def test_the_unchanged_cli_under_short_reads_alone(fiu: None, tmp_path: Path) -> None:
    """`python -m postureping` itself under fiu-run: no failures, only short reads, which
    every command must take in its stride (they once moved valid events to .damaged)."""
    store = EventStore(data_dir(tmp_path) / "events.jsonl")
    seeded = _seed_history(store.path)
    source = tmp_path / "other.jsonl"
    imported = _imported(0)
    source.write_bytes(b"".join(e.to_line() for e in imported))
    runs = [["done", "walk"], ["import", str(source)], ["history", "--json"], ["stats", "--json"]]
    for seed, args in enumerate(runs * 2):
        result = _run(tmp_path, args, _env(tmp_path, seed), scoped=False)
        assert result.returncode == 0, (args, result.stderr)
    events = store.read().events
    assert events[: len(seeded)] == seeded
    assert [e.routine for e in events[len(seeded) :]] == [
        "walk",
        "stretch",
        "stretch",
        "stretch",
        "walk",
    ]
    assert store.damaged_path.read_bytes() == b'{"v":2,"id":"cut short by a crash\n'


def _kept(answer: subprocess.CompletedProcess[str]) -> bool:
    """Whether the daemon refused to acknowledge an answer it could not write, and said it
    keeps it to write later (issue 12, item 1)."""
    return answer.returncode == 1 and "the daemon keeps the answer in memory" in answer.stderr


def _damage_is_the_torn_line_only(store: EventStore) -> None:
    if store.damaged_path.exists():
        assert store.damaged_path.read_bytes() == b'{"v":2,"id":"cut short by a crash\n'


def test_the_daemon_under_failing_writes_and_short_reads(fiu: None, tmp_path: Path) -> None:
    """An answer the daemon could not write yet is not acknowledged ("not recorded", exit 1)
    but kept in memory and written when the disk works again, by the time it stops at the
    latest; an acknowledged one is on disk. So every answer that was acknowledged or said to
    be kept is in the history in the end, once, and no other."""
    store = EventStore(data_dir(tmp_path) / "events.jsonl")
    seeded = _seed_history(store.path)
    healed = tmp_path / "healed"
    env = _env(tmp_path, 7, STORE_FAULTS, FIU_SCOPE_UNTIL=str(healed))
    with running_daemon(["--no-tray"], env, tmp_path, _fiu_run()) as daemon:
        daemon.wait_for_output("postureping is running", timeout=30)
        answers = [_cli(tmp_path, "done", "walk") for _ in range(RUNS)]
        healed.touch()
        assert _cli(tmp_path, "done", "walk").returncode == 0  # and those kept in memory
        assert daemon.stop() == 0
    assert "Traceback" not in daemon.output
    assert "kept in memory, to be written later" in daemon.output  # the faults did hit
    assert any(_kept(answer) for answer in answers), "the faults should fail some answers"
    acknowledged = sum(answer.returncode == 0 or _kept(answer) for answer in answers) + 1

    events = store.read().events
    assert events[: len(seeded)] == seeded
    added = events[len(seeded) :]
    assert sum(e.source == "cli" and e.routine == "walk" for e in added) == acknowledged
    _damage_is_the_torn_line_only(store)


def test_the_daemon_with_its_whole_disk_failing(fiu: None, tmp_path: Path) -> None:
    """Every file the daemon touches fails at random, renames too (its pause state), from
    when it is up until the disk works again; only its own output is spared, which the
    test reads (a failed write there made logging print a traceback of its own)."""
    store = EventStore(data_dir(tmp_path) / "events.jsonl")
    seeded = _seed_history(store.path)
    start, healed = tmp_path / "start", tmp_path / "healed"
    faults = STORE_FAULTS + " posix/io/dir/rename=0.3"
    env = _env(
        tmp_path, 11, faults,
        FIU_SCOPE="process", FIU_SCOPE_FROM=str(start), FIU_SCOPE_UNTIL=str(healed),
    )  # fmt: skip
    commands = [["done", "walk"], ["pause", "5m"], ["resume"], ["status"]]
    with running_daemon(["--no-tray"], env, tmp_path, _fiu_run()) as daemon:
        daemon.wait_for_output("postureping is running", timeout=30)
        for command in commands:  # each once before the faults: what it imports
            assert _cli(tmp_path, *command).returncode == 0
        start.touch()
        results = [_cli(tmp_path, *command) for command in commands * (RUNS // 4)]
        healed.touch()
        assert _cli(tmp_path, "done", "walk").returncode == 0
        assert daemon.stop() == 0
    assert "Traceback" not in daemon.output
    assert "could not save the pause state" in daemon.output  # the faults did hit
    answers = [r for r, c in zip(results, commands * (RUNS // 4), strict=True) if c[0] == "done"]
    acknowledged = sum(answer.returncode == 0 or _kept(answer) for answer in answers) + 2

    events = store.read().events
    assert events[: len(seeded)] == seeded
    added = events[len(seeded) :]
    assert sum(e.source == "cli" and e.routine == "walk" for e in added) == acknowledged
    _damage_is_the_torn_line_only(store)
