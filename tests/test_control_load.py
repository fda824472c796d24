"""The control channel under load and misuse, through a real daemon process: many clients at
once, a client that drips its request, a retried request, a command that failed.

The bulk of the requests go through the real client code (postureping.control.client) from
threads of this process: 1,600 CLI processes would take minutes. A handful of real CLI
processes run beside them.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from postureping.control import client
from postureping.control.protocol import Reply, Request
from postureping.errors import UserError
from tests.cli_helpers import data_dir, isolated_env, run_cli
from tests.daemon_process import DaemonProcess, running_daemon

CONSOLE = {"POSTUREPING_NOTIFICATIONS__BACKEND": "console"}
CLIENTS = 32
ANSWERS_EACH = 50
CLI_ANSWERS = 6


def socket_path(root: Path) -> Path:
    return root / "run" / "postureping" / "control.sock"


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[DaemonProcess]:
    env = isolated_env(tmp_path, CONSOLE)
    with running_daemon(["--no-tray"], env, tmp_path) as process:
        process.wait_for_output("postureping is running", timeout=20)
        yield process
        assert process.stop() == 0, process.output


def done(routine: str = "walk") -> Request:
    return Request("answer", {"answer": "done", "routine": routine, "source": "cli"})


def recorded(root: Path, kind: str = "done") -> list[dict[str, str]]:
    """The events of `kind` in the history file, read line by line (not through the store)."""
    path = data_dir(root) / "events.jsonl"
    if not path.exists():
        return []
    events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [e for e in events if e.get("kind") == kind]


def raw_exchange(path: Path, message: dict[str, object], timeout: float = 10.0) -> Reply:
    """One request as the bytes on the wire, so a test can set fields the client sets."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(timeout)
        connection.connect(str(path))
        connection.sendall(json.dumps(message).encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = connection.recv(65536)
            if not chunk:
                break
            data += chunk
    return Reply.decode(data)


def test_many_clients_at_once(daemon: DaemonProcess, tmp_path: Path) -> None:
    path = socket_path(tmp_path)
    failures: list[str] = []
    acknowledged = 0
    count_lock = threading.Lock()
    start = threading.Barrier(CLIENTS + 1)

    def answer_many() -> None:
        nonlocal acknowledged
        start.wait()
        for _ in range(ANSWERS_EACH):
            try:
                reply = client.send(path, done())
            except Exception as error:  # any failure counts, whatever its type
                failures.append(repr(error))
                continue
            if not reply.ok:
                failures.append(reply.message)
                continue
            with count_lock:
                acknowledged += 1

    stats_runs: list[subprocess.CompletedProcess[str]] = []
    finished = threading.Event()

    def stats_loop() -> None:
        while not finished.is_set():
            stats_runs.append(run_cli(tmp_path, "stats", "--json", env=CONSOLE))

    threads = [threading.Thread(target=answer_many) for _ in range(CLIENTS)]
    stats_thread = threading.Thread(target=stats_loop)
    started = time.monotonic()
    for thread in threads:
        thread.start()
    stats_thread.start()
    env = isolated_env(tmp_path, CONSOLE)
    cli = [
        subprocess.Popen(
            [sys.executable, "-m", "postureping", "done", "walk"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(CLI_ANSWERS)
    ]
    start.wait()
    for thread in threads:
        thread.join(timeout=300)
    cli_results = [(p.wait(timeout=60), *p.communicate()) for p in cli]
    finished.set()
    stats_thread.join(timeout=120)
    elapsed = time.monotonic() - started

    assert failures == [], f"{len(failures)} failed, first: {failures[:3]}"
    assert acknowledged == CLIENTS * ANSWERS_EACH
    assert [code for code, _, _ in cli_results] == [0] * CLI_ANSWERS, cli_results
    assert stats_runs, "stats never ran"
    for run in stats_runs:
        assert run.returncode == 0, run.stderr
        json.loads(run.stdout)
        assert "Traceback" not in run.stderr
    events = recorded(tmp_path)
    assert len(events) == CLIENTS * ANSWERS_EACH + CLI_ANSWERS  # each once: none lost, none twice
    assert len({e["id"] for e in events}) == len(events)
    print(f"{len(events)} answers and {len(stats_runs)} stats runs in {elapsed:.1f} s")


def drip(path: Path, stop: threading.Event, every: float) -> float | None:
    """Connect and send a request one byte at a time, `every` seconds apart, until `stop` is
    set or the daemon hangs up; how long the daemon kept the connection, or None if it never
    hung up."""
    message = done().encode()
    started = time.monotonic()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.connect(str(path))
        connection.settimeout(every)
        for byte in message[:-1]:  # never the final newline: the request never completes
            try:
                connection.sendall(bytes([byte]))
                if connection.recv(1) == b"":  # the daemon hung up
                    return time.monotonic() - started
            except TimeoutError:
                pass  # nothing from the daemon within `every`: drip the next byte
            except OSError:
                return time.monotonic() - started
            if stop.is_set():
                return None
    return None


def test_a_slow_client_does_not_block_the_others(daemon: DaemonProcess, tmp_path: Path) -> None:
    path = socket_path(tmp_path)
    stop = threading.Event()
    held: list[float | None] = []
    dripping = threading.Thread(target=lambda: held.append(drip(path, stop, 0.5)))
    dripping.start()
    try:
        time.sleep(0.3)  # the drip has begun (a real client's pace; nothing to wait on)
        started = time.monotonic()
        assert client.send(path, Request("status"), timeout=3.0).ok
        assert client.send(path, done(), timeout=3.0).ok
        code = run_cli(tmp_path, "done", "stretch", env=CONSOLE).returncode
        assert code == 0
        # Blocked, they would have waited until the daemon dropped the dripping client (5 s).
        assert time.monotonic() - started < 4.0
    finally:
        dripping.join(timeout=15)
        stop.set()
    # The daemon hangs up on the dripping client once its time to send a request is over
    # (5 s), however many bytes it keeps sending.
    assert held and held[0] is not None and held[0] < 8.0, held


def test_a_retry_with_the_same_request_id_is_recorded_once(
    daemon: DaemonProcess, tmp_path: Path
) -> None:
    path = socket_path(tmp_path)
    message = {
        "v": 1, "id": "6f1c0ad1a4a44f0f9b9d2d0c8a6f3e21", "expires": time.time() + 30,
        "command": "answer", "args": {"answer": "done", "routine": "walk", "source": "cli"},
    }  # fmt: skip
    first = raw_exchange(path, message)
    second = raw_exchange(path, message)
    assert first.ok and second == first
    # Retries that arrive together: one carries it out, the others get its reply.
    message["id"] = "0b5e2b0a7c7d4d7e8f3e9a1b2c3d4e5f"
    replies: list[Reply] = []
    threads = [
        threading.Thread(target=lambda: replies.append(raw_exchange(path, message)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert len(replies) == 8 and all(r == replies[0] and r.ok for r in replies)
    assert len(recorded(tmp_path)) == 2
    # A new id is a new answer.
    message["id"] = "9a8b7c6d5e4f40312a2b3c4d5e6f7a8b"
    assert raw_exchange(path, message).ok
    assert len(recorded(tmp_path)) == 3


def test_a_command_reported_as_failed_was_not_carried_out(
    daemon: DaemonProcess, tmp_path: Path
) -> None:
    """Every `done` is either acknowledged and recorded once, or reported as failed and not
    recorded at all: never failed but recorded, even while clients hog the channel."""
    path = socket_path(tmp_path)
    stop = threading.Event()
    drips = [threading.Thread(target=drip, args=(path, stop, 0.5)) for _ in range(3)]
    for thread in drips:
        thread.start()
    outcomes: list[bool] = []
    try:
        time.sleep(0.3)
        for _ in range(3):
            try:
                outcomes.append(client.send(path, done(), timeout=1.0).ok)
            except UserError:
                outcomes.append(False)
    finally:
        stop.set()
        for thread in drips:
            thread.join(timeout=15)
    # Whatever the daemon still had queued has been dealt with once status answers.
    assert client.send(path, Request("status")).ok
    assert len(recorded(tmp_path)) == sum(outcomes), outcomes
