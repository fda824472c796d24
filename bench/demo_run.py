"""The real daemon in demo mode (one schedule minute lasts one real second) with reminders every
second or two: its resident memory as they pile up (a leak shows as steady growth), and how late
each reminder reaches the notification server.

    .venv/bin/python bench/demo_run.py [--reminders N]      (default 1000: about 3.5 min)

Method, all from outside the daemon: `postureping run --demo --no-tray` talks to a private
D-Bus session bus (tests/desktop.py start_bus) on which this script owns
org.freedesktop.Notifications. That server answers like dunst (actions, dunst's `paused`
property, false, so the daemon's do-not-disturb probe makes its real round trip before each
reminder) and timestamps every Notify call as it arrives. Due times are the daemon's own:
after each notification and each answer the script asks the control socket for the status
(the document `postureping status --json` prints) and keeps every `next[].due` it sees; a
notification matches the latest unused due of its routine that is not after its arrival.
Lateness = arrival - due, in real time (a second late is a schedule minute late). The PROMPTED
events in the history split it into the scheduler's part (event time - due) and delivery
(arrival - event time).

Answers: most reminders get none (recorded as missed after `answer_within`, or when the next
reminder of the routine replaces them); some are answered with the notification's buttons
(ActionInvoked from the server) and some with `postureping done` / `snooze` (real CLI runs).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import math
import os
import queue
import shutil
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import PYTHON, BenchError, heading, isolated_env, median, scratch, table
from notification_server import Closed, NotificationServer, Shown
from procfs import cpu_seconds, rss_kib

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from postureping.control.client import send  # noqa: E402
from postureping.control.protocol import Request  # noqa: E402
from postureping.errors import UserError  # noqa: E402
from postureping.history.events import Kind  # noqa: E402
from postureping.history.store import EventStore  # noqa: E402
from postureping.paths import resolve_paths  # noqa: E402
from postureping.settings.builtin import load_builtin_specs  # noqa: E402
from tests.desktop import start_bus  # noqa: E402

INTERVALS = (60, 70, 80, 90, 100, 110, 120, 130)  # schedule seconds: one routine each
# A reminder shown with another one may come this early (real seconds: a minute of the schedule).
GROUP_AHEAD = 1.0
ANSWER_WITHIN = "50s"  # shorter than every interval: unanswered prompts time out as missed
CHECKPOINTS = (250, 500, 1000)  # and every further 1000
STARTUP_LIMIT = 15.0  # seconds for the control socket to answer
SILENCE_LIMIT = 15.0  # seconds without a reminder before the run is given up
CLI_TIMEOUT = 30.0


@dataclass(frozen=True)
class Answered:
    """A CLI answer finished; `failure` says why it failed."""

    failure: str | None = None


def button_for(number: int) -> str | None:
    """Which notification button the server presses for the `number`th reminder."""
    if number % 10 == 3:
        return "done"
    if number % 50 == 27:
        return "snooze"
    if number % 50 == 47:
        return "skip"
    return None


# --- the daemon and its settings ----------------------------------------------------------


def bench_routines() -> dict[str, int]:
    """Routine id -> interval in schedule seconds."""
    return {f"bench-{n}": seconds for n, seconds in enumerate(INTERVALS, 1)}


def title(routine: str) -> str:
    return f"Bench reminder {routine.removeprefix('bench-')}"


def duration(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{minutes}m{rest}s" if rest else f"{minutes}m"


def settings_text(store: Path) -> str:
    lines = [
        f'[notifications]\nbackend = "freedesktop"\nanswer_within = "{ANSWER_WITHIN}"\n',
        f"[store]\npath = {str(store)!r}\n",
    ]
    lines += [f"[routines.{spec.id}]\nenabled = false\n" for spec in load_builtin_specs()]
    for routine, seconds in bench_routines().items():
        lines.append(
            f'[[custom_routines]]\nid = "{routine}"\ntitle = "{title(routine)}"\n'
            f'message = "A reminder from bench/demo_run.py."\nevery = "{duration(seconds)}"\n'
        )
    return "\n".join(lines)


def daemon_env(root: Path, bus: str) -> dict[str, str]:
    env = isolated_env(root, DBUS_SESSION_BUS_ADDRESS=bus, NO_AT_BRIDGE="1")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY", "DBUS_SYSTEM_BUS_ADDRESS"):
        env.pop(name, None)
    return env


@contextlib.contextmanager
def running_daemon(
    config: Path, env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    args = [PYTHON, "-m", "postureping", "--config", str(config), "run", "--demo", "--no-tray"]
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def log_tail(log: Path, lines: int = 15) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


# --- due times, from the daemon's status ----------------------------------------------------


@dataclass
class DueTimes:
    """Every due time seen per routine; each notification uses up one."""

    seen: dict[str, set[float]] = field(default_factory=lambda: defaultdict(set))
    used: dict[str, float] = field(default_factory=dict)

    def observe(self, status: dict[str, Any]) -> None:
        for entry in status["next"]:
            due = dt.datetime.fromisoformat(entry["due"]).timestamp()
            self.seen[entry["routine"]].add(due)

    def match(self, routine: str, arrival: float) -> float | None:
        """The latest due of `routine` not after `arrival` (or up to GROUP_AHEAD after it:
        routines due within a minute of the schedule share a notification, which comes at the
        first one's time) and later than the last one used."""
        floor = self.used.get(routine, float("-inf"))
        candidates = [d for d in self.seen[routine] if floor < d <= arrival + GROUP_AHEAD]
        if not candidates:
            return None
        self.used[routine] = due = max(candidates)
        self.seen[routine] = {d for d in self.seen[routine] if d > due}
        return due


def read_status(socket_path: Path) -> dict[str, Any]:
    try:
        reply = send(socket_path, Request("status"), timeout=5.0)
    except UserError as error:
        raise BenchError(f"status: {error.message}") from error
    if not reply.ok or reply.result is None:
        raise BenchError(f"status refused: {reply.message}")
    result: dict[str, Any] = reply.result
    return result


def wait_for_daemon(proc: subprocess.Popen[bytes], socket_path: Path, log: Path) -> dict[str, Any]:
    deadline = time.monotonic() + STARTUP_LIMIT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"the daemon exited with {proc.returncode}:\n{log_tail(log)}")
        with contextlib.suppress(BenchError):
            return read_status(socket_path)
        time.sleep(0.05)
    raise BenchError(f"the daemon did not answer within {STARTUP_LIMIT:g} s:\n{log_tail(log)}")


# --- the run ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    reminders: int
    rss_kib: int
    threads: int
    fds: int
    cpu: float


def sample(pid: int, reminders: int) -> Sample:
    threads = len(list(Path(f"/proc/{pid}/task").iterdir()))
    fds = len(list(Path(f"/proc/{pid}/fd").iterdir()))
    return Sample(reminders, rss_kib(pid), threads, fds, cpu_seconds(pid))


@dataclass(frozen=True)
class Late:
    number: int
    routine: str
    due: float
    arrival: float


@dataclass
class Results:
    samples: list[Sample] = field(default_factory=list)
    late: list[Late] = field(default_factory=list)
    unmatched: int = 0
    cli: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    cli_failures: list[str] = field(default_factory=list)
    closed: int = 0
    seconds: float = 0.0


def checkpoint(number: int) -> bool:
    return number in CHECKPOINTS or number % 1000 == 0


def cli_answer(number: int) -> list[str] | None:
    """The CLI answer given to the `number`th reminder, if any (after its arguments)."""
    if number % 100 == 50:
        return ["snooze", "1m"]
    if number % 40 == 20:
        return ["done"]
    return None


@dataclass
class Run:
    proc: subprocess.Popen[bytes]
    socket_path: Path
    config: Path
    env: dict[str, str]
    events: queue.Queue[Any]
    target: int
    dues: DueTimes = field(default_factory=DueTimes)
    results: Results = field(default_factory=Results)

    def go(self, log: Path) -> Results:
        self.dues.observe(wait_for_daemon(self.proc, self.socket_path, log))
        self.results.samples.append(sample(self.proc.pid, 0))
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=1) as pool:
            while len(self.results.late) + self.results.unmatched < self.target:
                self._handle(self._next_event(log), pool)
        self.results.seconds = time.monotonic() - started
        return self.results

    def _next_event(self, log: Path) -> Any:
        try:
            return self.events.get(timeout=SILENCE_LIMIT)
        except queue.Empty:
            if self.proc.poll() is not None:
                raise BenchError(f"the daemon exited with {self.proc.returncode}") from None
            raise BenchError(
                f"no reminder for {SILENCE_LIMIT:g} s; the daemon's log ends:\n{log_tail(log)}"
            ) from None

    def _handle(self, event: Any, pool: ThreadPoolExecutor) -> None:
        if isinstance(event, Shown):
            self._shown(event, pool)
        elif isinstance(event, Closed):
            self.results.closed += 1
        elif isinstance(event, Answered) and event.failure is not None:
            self.results.cli_failures.append(event.failure)
        if self.events.empty():  # one status for a burst of events
            self.dues.observe(read_status(self.socket_path))

    def _shown(self, event: Shown, pool: ThreadPoolExecutor) -> None:
        due = self.dues.match(event.routine, event.arrival)
        if due is None:
            self.results.unmatched += 1
        else:
            self.results.late.append(Late(event.number, event.routine, due, event.arrival))
        if checkpoint(event.number) or event.number == self.target:
            self.results.samples.append(sample(self.proc.pid, event.number))
        if (answer := cli_answer(event.number)) is not None:
            self.results.cli[" ".join(answer)] += 1
            pool.submit(self._run_cli, [answer[0], event.routine, *answer[1:]])

    def _run_cli(self, args: list[str]) -> None:
        command = [PYTHON, "-m", "postureping", "--config", str(self.config), *args]
        try:
            done = subprocess.run(
                command,
                check=False,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=CLI_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            self.events.put(Answered(f"postureping {' '.join(args)}: no answer in time"))
            return
        failure = f"postureping {' '.join(args)}: {done.stderr.strip()}"
        # Even a success is reported: the due times are read again after a snooze.
        self.events.put(Answered(failure if done.returncode != 0 else None))


# --- the report ---------------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    rank = math.ceil(round(fraction * len(ordered), 6))  # round: 0.99 * 100 is 99.00000000000001
    return ordered[max(0, rank - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def lateness_row(name: str, values: Sequence[float]) -> tuple[object, ...]:
    if not values:
        return (name, 0, "-", "-", "-", "-")
    return (
        name, len(values), ms(median(values)), ms(percentile(values, 0.99)),
        ms(max(values)), sum(v > 1.0 for v in values),
    )  # fmt: skip


def prompted_times(store: Path) -> dict[str, list[float]]:
    """The daemon's PROMPTED event times, per routine, in order."""
    times: dict[str, list[float]] = defaultdict(list)
    for event in EventStore(store).read().events:
        if event.kind is Kind.PROMPTED:
            times[event.routine].append(event.ts.timestamp())
    return times


def split_lateness(late: list[Late], store: Path) -> tuple[list[float], list[float]] | str:
    """(prompted - due, arrival - prompted) for each reminder; or why they cannot be paired."""
    prompted = prompted_times(store)
    by_routine: dict[str, list[Late]] = defaultdict(list)
    for entry in sorted(late, key=lambda e: e.arrival):
        by_routine[entry.routine].append(entry)
    scheduler, delivery = [], []
    for routine, entries in by_routine.items():
        stamps = [t for t in prompted[routine] if t >= entries[0].due - GROUP_AHEAD - 0.001]
        for entry, stamp in zip(entries, stamps, strict=False):
            if not entry.due - GROUP_AHEAD - 0.001 <= stamp <= entry.arrival + 0.001:
                return f"{routine}: a PROMPTED event out of step with the notifications"
            scheduler.append(stamp - entry.due)
            delivery.append(entry.arrival - stamp)
    return scheduler, delivery


def memory_table(samples: list[Sample]) -> str:
    first = samples[0]
    rows = [
        (
            s.reminders or "start-up", f"{s.rss_kib / 1024:.1f} MiB",
            f"{(s.rss_kib - first.rss_kib) / 1024:+.1f} MiB", s.threads, s.fds,
            f"{s.cpu - first.cpu:.2f} s",
        )
        for s in samples
    ]  # fmt: skip
    headers = ("reminders", "RSS", "vs start-up", "threads", "open fds", "CPU since start-up")
    return table(headers, rows)


def growth_line(samples: list[Sample]) -> str:
    later = [s for s in samples if s.reminders >= 250]
    if len(later) < 2:
        return "Growth: too few reminders for a slope (needs 250 and more)."
    a, b = later[0], later[-1]
    per_1000 = (b.rss_kib - a.rss_kib) / (b.reminders - a.reminders) * 1000
    return (
        f"Growth from {a.reminders} to {b.reminders} reminders: "
        f"{(b.rss_kib - a.rss_kib) / 1024:+.2f} MiB ({per_1000:+,.0f} KiB per 1,000 reminders)."
    )


def lateness_table(results: Results, store: Path) -> str:
    values = [e.arrival - e.due for e in sorted(results.late, key=lambda e: e.number)]
    rows = []
    bounds = [0, *[n for n in range(1, len(values)) if checkpoint(n)], len(values)]
    for low, high in itertools.pairwise(bounds):
        rows.append(lateness_row(f"reminders {low + 1}-{high}", values[low:high]))
    rows.append(lateness_row("all: Notify arrival - due", values))
    split = split_lateness(results.late, store)
    if isinstance(split, str):
        note = f"\n(no split into scheduler and delivery: {split})"
    else:
        rows.append(lateness_row("  scheduler: PROMPTED - due", split[0]))
        rows.append(lateness_row("  delivery: arrival - PROMPTED", split[1]))
        note = ""
    headers = ("", "count", "p50 ms", "p99 ms", "max ms", "over 1 s")
    return table(headers, rows) + note


def history_line(store: Path) -> str:
    counts: dict[str, int] = defaultdict(int)
    for event in EventStore(store).read().events:
        counts[f"{event.kind} ({event.source})"] += 1
    return "History: " + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))


def log_problems(log: Path) -> str:
    problems = [
        line for line in log.read_text(errors="replace").splitlines()
        if " warning: " in line or " error: " in line or "Traceback" in line
    ]  # fmt: skip
    if not problems:
        return "Daemon log: no warnings or errors."
    return f"Daemon log: {len(problems)} warnings/errors, first: {problems[0]}"


def report(results: Results, server: NotificationServer, store: Path, log: Path) -> None:
    count = len(results.late) + results.unmatched
    every = ", ".join(f"{s}s" for s in INTERVALS)
    print(heading("postureping demo run"))
    print(
        f"{count} reminders in {results.seconds:.0f} s from {len(INTERVALS)} routines "
        f"(every {every} of schedule time, 1/60 of that real); answer_within {ANSWER_WITHIN}"
    )
    print("\nDaemon memory (RSS), threads, open files and CPU time")
    print(memory_table(results.samples))
    print(growth_line(results.samples))
    print("\nLateness, real time (method: Notify arrival at a bench notification server on a")
    print("private session bus, against the due time the daemon's status gave)")
    print(lateness_table(results, store))
    early = sum(e.arrival < e.due for e in results.late)
    print(
        f"Shown early, with another routine's notification (routines due within a minute of "
        f"the schedule share one; negative lateness): {early}"
    )
    print(f"Reminders without a known due time (not counted above): {results.unmatched}")
    presses = ", ".join(f"{n} {key}" for key, n in sorted(server.presses.items()))
    cli = ", ".join(f"{n} {answer}" for answer, n in sorted(results.cli.items()))
    print(f"\nAnswers: buttons {presses or 'none'} ({results.closed} closed by the daemon);")
    print(f"CLI {cli or 'none'}; CLI failures: {len(results.cli_failures)}")
    for failure in results.cli_failures[:3]:
        print(f"  {failure}")
    print(history_line(store))
    print(log_problems(log))


# --- main -----------------------------------------------------------------------------------------


def arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--reminders", type=int, default=CHECKPOINTS[-1], help="stop after this many (1000)"
    )
    args = parser.parse_args(argv)
    if args.reminders < 1:
        parser.error("--reminders must be at least 1")
    return args


def bench(root: Path, target: int) -> None:
    with ExitStack() as stack:
        try:
            _bus_pid, address = start_bus(root, dict(os.environ), stack)
        except (OSError, subprocess.SubprocessError, TimeoutError) as error:
            raise BenchError(f"could not start a private D-Bus session bus: {error}") from error
        env = daemon_env(root, address)
        (config := root / "config.toml").write_text(settings_text(root / "events.jsonl"))
        events: queue.Queue[Any] = queue.Queue()
        titles = {f"[demo] {title(r)}": r for r in bench_routines()}
        server = NotificationServer(address, titles, events, button_for)
        server.start()  # before the daemon, whose hold probes ask it at start-up
        stack.callback(server.stop)
        log = root / "daemon.log"
        proc = stack.enter_context(running_daemon(config, env, log))
        socket_path = resolve_paths(config, env).control_socket
        results = Run(proc, socket_path, config, env, events, target).go(log)
        stack.close()  # the daemon has stopped and written everything
        # Demo mode's own history, in the state folder (XDG_STATE_HOME of the daemon's env).
        report(results, server, root / "state" / "postureping" / "demo-events.jsonl", log)


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments(argv)
    if not shutil.which("dbus-daemon"):
        print("demo_run: needs dbus-daemon (Debian package dbus-daemon)", file=sys.stderr)
        return 1
    root = scratch()
    try:
        bench(root, args.reminders)
    except BenchError as error:
        print(f"demo_run: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
