"""Reading /proc (Linux) for the benchmarks: memory, CPU time and context switches of a
process, of its threads and of the processes it started."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str]:
    # The name in (...) may hold spaces; fields[0] is the state, fields[1] the parent.
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()


def process_tree(leader: int) -> list[int]:
    """`leader` and every process it started: its descendants, and anything still in its
    session (a helper that double-forked away from its parent)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = _stat_fields(int(entry.name))
                if fields[0] != "Z":
                    parents[int(entry.name)] = int(fields[1])
                    if int(fields[3]) == leader:  # its session id
                        parents[int(entry.name)] = leader
    tree, grew = {leader}, True
    while grew:
        new = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= new
        grew = bool(new)
    return sorted(tree & parents.keys())  # without the leader once it has ended


def _status_value(text: str, key: str) -> int:
    match = re.search(rf"^{key}:\s+(\d+)", text, re.MULTILINE)
    return int(match[1]) if match else 0


def memory_kib(pids: Sequence[int]) -> tuple[int, int]:
    """RSS and PSS summed over `pids`, in kB."""
    rss = pss = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            rss += _status_value(rollup, "Rss")
            pss += _status_value(rollup, "Pss")
    return rss, pss


@dataclass(frozen=True)
class Counters:
    cpu: dict[int, float]  # seconds per process, with its ended threads and reaped children
    switches: dict[int, int]  # per thread (an ended thread's are lost with it)
    threads: int


def counters(pids: Sequence[int]) -> Counters:
    cpu: dict[int, float] = {}
    switches: dict[int, int] = {}
    for pid in pids:
        with contextlib.suppress(OSError):  # it may end meanwhile
            # utime, stime (all threads), cutime, cstime (children it waited for)
            cpu[pid] = sum(int(f) for f in _stat_fields(pid)[11:15]) / TICKS
            for task in Path(f"/proc/{pid}/task").iterdir():
                switches[int(task.name)] = _switches(task)
    return Counters(cpu, switches, len(switches))


def _switches(task: Path) -> int:
    try:
        text = (task / "status").read_text()
    except OSError:
        return 0
    keys = ("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")
    return sum(_status_value(text, key) for key in keys)


def growth(before: Mapping[int, float], after: Mapping[int, float]) -> float:
    """How much the counters grew: a process or thread that started in between counts in
    full; one that ended is left out (a process's CPU time moves into its parent's)."""
    return sum(value - before.get(pid, 0) for pid, value in after.items())


def process_names(pids: Sequence[int]) -> str:
    names = []
    for pid in pids:
        with contextlib.suppress(OSError):
            names.append(Path(f"/proc/{pid}/comm").read_text().strip())
    return "+".join(names)


def rss_kib(pid: int) -> int:
    """One process's RSS, in kB."""
    return memory_kib([pid])[0]


def cpu_seconds(pid: int) -> float:
    """One process's CPU time, all its threads (and the children it waited for)."""
    return counters([pid]).cpu.get(pid, 0.0)


def switches(pid: int) -> int:
    """The context switches of one process's threads, voluntary and not."""
    return sum(counters([pid]).switches.values())
