"""Another user of the machine against the control channel: they cannot reach the daemon,
read its runtime folder, or pass themselves off as the daemon, and the CLI and the daemon
refuse a runtime folder or a server that is not the user's own, with one clear line.

The victim is this test's user (root, where these tests run), the other user one created for
the test (tests/unix_users.py). Without $XDG_RUNTIME_DIR (ssh, su, cron) the runtime folder
is postureping-<uid> in the temporary folder, which everybody can write to: here a folder
like /tmp of the test's own (TMPDIR), so the machine's /tmp is never touched.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_helpers import data_dir, isolated_env
from tests.daemon_process import DaemonProcess, running_daemon
from tests.unix_users import (
    OtherUser,
    created_user,
    python_for,
    require_root,
    shared_temp_folder,
)

CONSOLE = {"POSTUREPING_NOTIFICATIONS__BACKEND": "console"}

# The other user's fake daemon (standard library only): it answers every request with a
# success and a made-up status, and keeps what it was sent in a log file.
FAKE_SERVER = r"""
import json, os, socket, sys
where, log = sys.argv[1], sys.argv[2]
if where.isdigit():  # a socket someone else bound, handed over as this descriptor
    listener = socket.socket(fileno=int(where))
else:
    os.makedirs(os.path.dirname(where), mode=0o711, exist_ok=True)
    os.chmod(os.path.dirname(where), 0o711)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(where)
    os.chmod(where, 0o666)
listener.listen(8)
STATUS = {
    "version": 1, "running": True, "demo": False, "now": "2030-01-01T12:00:00+00:00",
    "paused": False, "paused_until": None, "next": [], "awaiting": None, "open": [],
    "today": {"done": 99, "prompted": 99}, "last_break": None,
    "activity": {"idle_monitor": None, "away": False, "holding": None, "held": []},
}
print("ready", flush=True)
while True:
    connection, _ = listener.accept()
    with connection:
        try:
            data = connection.recv(65536)
            with open(log, "ab") as file:
                file.write(data)
            reply = {"ok": True, "message": "Recorded: walk done (fake).", "result": STATUS}
            connection.sendall(json.dumps(reply).encode() + b"\n")
        except OSError:  # the client hung up on us
            pass
"""

# What the other user tries against the victim's runtime folder; prints {attempt: outcome}.
INTRUDER = r"""
import json, os, socket, sys
folder = sys.argv[1]
outcome = {}
def attempt(name, action):
    try:
        action()
        outcome[name] = "done"
    except OSError as error:
        outcome[name] = type(error).__name__
def connect():
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(os.path.join(folder, "control.sock"))
def plant():
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.bind(os.path.join(folder, "planted.sock"))
attempt("list", lambda: os.listdir(folder))
attempt("read lock", lambda: open(os.path.join(folder, "daemon.lock")).read())
attempt("connect", connect)
attempt("plant socket", plant)
attempt("replace folder", lambda: os.rename(folder, folder + ".old"))
attempt("remove socket", lambda: os.unlink(os.path.join(folder, "control.sock")))
print(json.dumps(outcome))
"""

# The other user connects (the test opened the way) and asks to pause the reminders.
PAUSER = r"""
import json, socket, sys
with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
    s.settimeout(10)
    s.connect(sys.argv[1])
    try:
        s.sendall(json.dumps({"v": 1, "command": "pause", "args": {}}).encode() + b"\n")
        print("answered" if s.recv(65536) else "hung up")
    except (BrokenPipeError, ConnectionResetError):
        print("hung up")
"""

# The daemon's first step in its runtime folder; prints the one line it would stop with.
TAKE_LOCK = """
import sys
from pathlib import Path
from postureping.control.instance import InstanceLock
from postureping.errors import UserError
try:
    InstanceLock(Path(sys.argv[1]) / "daemon.lock").acquire()
except UserError as error:
    print(error.message)
"""


@pytest.fixture
def other_user() -> Iterator[OtherUser]:
    require_root()
    with created_user() as user:
        yield user


@pytest.fixture
def shared() -> Iterator[Path]:
    with shared_temp_folder() as folder:
        yield folder


def own_folder(path: Path, user: OtherUser, mode: int = 0o755) -> Path:
    path.mkdir(mode=mode)
    os.chown(path, user.uid, user.gid)
    return path


def write_script(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(mode=0o755, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    path.chmod(0o644)
    return path


def system_python() -> str:
    """An interpreter any user can run (the test's own may sit in root's home)."""
    return "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable


def start_fake_server(
    user: OtherUser, shared: Path, where: str, pass_fds: tuple[int, ...] = ()
) -> Path:
    """The other user's fake daemon at `where` (a socket path, or a descriptor number); the
    file where it logs what it is sent."""
    script = write_script(shared / "scripts", "fake_server.py", FAKE_SERVER)
    home = shared / "intruder"
    if not home.exists():
        own_folder(home, user)
    log = home / "received.log"
    process = user.start(
        [system_python(), str(script), where, str(log)], {"PATH": os.environ["PATH"]}, home,
        pass_fds,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n", process.stderr.read() if process.stderr else ""
    return log


def victim_env(root: Path, shared: Path, **extra: str) -> dict[str, str]:
    """The victim's environment as after ssh, su or in cron: no XDG_RUNTIME_DIR, so the
    runtime folder is postureping-<uid> in the temporary folder (here `shared`)."""
    env = isolated_env(root, CONSOLE | extra)
    del env["XDG_RUNTIME_DIR"]
    env["TMPDIR"] = str(shared)
    return env


def victim(root: Path, shared: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "postureping", *args], cwd=root, env=victim_env(root, shared),
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip


def assert_refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("postureping: "), result.stderr
    assert "unexpected error" not in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def fallback_folder(shared: Path) -> Path:
    return shared / f"postureping-{os.getuid()}"


def test_a_runtime_folder_planted_by_another_user_is_refused(
    other_user: OtherUser, shared: Path, tmp_path: Path
) -> None:
    planted = fallback_folder(shared)
    received = start_fake_server(other_user, shared, str(planted / "control.sock"))
    assert planted.stat().st_uid == other_user.uid

    for args in (["done", "walk"], ["status"], ["status", "--json"], ["pause", "1h"]):
        assert_refused(victim(tmp_path, shared, *args), str(planted), "another user")
    assert not received.exists() or received.read_bytes() == b""  # never even connected
    assert not (data_dir(tmp_path) / "events.jsonl").exists()  # not recorded as if no daemon

    started = victim(tmp_path, shared, "run", "--no-tray")
    assert_refused(started, str(planted), "another user")


def test_a_planted_symbolic_link_is_refused(
    other_user: OtherUser, shared: Path, tmp_path: Path
) -> None:
    # To a folder of the other user's, with their fake daemon in it...
    theirs = shared / "theirs"
    received = start_fake_server(other_user, shared, str(theirs / "control.sock"))
    link = fallback_folder(shared)
    other_user.run(["ln", "-s", str(theirs), str(link)], {}, shared).check_returncode()
    assert_refused(victim(tmp_path, shared, "done", "walk"), str(link), "symbolic link")
    assert_refused(victim(tmp_path, shared, "status"), str(link), "symbolic link")
    assert not received.exists() or received.read_bytes() == b""
    other_user.run(["rm", str(link)], {}, shared).check_returncode()

    # ...or to one of the victim's own, which the daemon would take over (chmod, lock,
    # socket) if it followed the link.
    mine = tmp_path / "mine"
    mine.mkdir(mode=0o750)
    other_user.run(["ln", "-s", str(mine), str(link)], {}, shared).check_returncode()
    assert_refused(victim(tmp_path, shared, "run", "--no-tray"), str(link), "symbolic link")
    assert list(mine.iterdir()) == [] and mine.stat().st_mode & 0o777 == 0o750


def test_a_server_run_by_another_user_is_refused(
    other_user: OtherUser, shared: Path, tmp_path: Path
) -> None:
    """The runtime folder is the victim's own and private, but the process that serves the
    socket in it is not the victim's: only the peer's credentials (SO_PEERCRED) tell."""
    env = isolated_env(tmp_path, CONSOLE)
    folder = Path(env["XDG_RUNTIME_DIR"]) / "postureping"
    folder.mkdir(mode=0o700)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(folder / "control.sock"))
    with listener:
        # The other user's process listens on it, so the kernel names them as the server.
        received = start_fake_server(
            other_user, shared, str(listener.fileno()), pass_fds=(listener.fileno(),)
        )
    for args in (["done", "walk"], ["status"]):
        result = subprocess.run(
            [sys.executable, "-m", "postureping", *args], cwd=tmp_path, env=env,
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert_refused(result, f"served by another user, {other_user.name} (uid ")
    assert not (data_dir(tmp_path) / "events.jsonl").exists()
    # The connection was made (that is how the server's user is known), nothing was sent.
    assert received.read_bytes() == b""


@pytest.fixture
def daemon_without_xdg(shared: Path, tmp_path: Path) -> Iterator[DaemonProcess]:
    with running_daemon(["--no-tray"], victim_env(tmp_path, shared), tmp_path) as process:
        process.wait_for_output("postureping is running", timeout=20)
        yield process
        assert process.stop() == 0, process.output


def test_another_user_cannot_reach_or_read_the_runtime_folder(
    other_user: OtherUser, shared: Path, tmp_path: Path, daemon_without_xdg: DaemonProcess
) -> None:
    folder = fallback_folder(shared)
    assert folder.stat().st_mode & 0o777 == 0o700
    script = write_script(shared / "scripts", "intruder.py", INTRUDER)
    probe = other_user.run([system_python(), str(script), str(folder)], {}, shared)
    assert probe.returncode == 0, probe.stderr
    assert json.loads(probe.stdout) == {
        "list": "PermissionError",
        "read lock": "PermissionError",
        "connect": "PermissionError",
        "plant socket": "PermissionError",
        "replace folder": "PermissionError",  # the sticky temporary folder
        "remove socket": "PermissionError",
    }
    assert victim(tmp_path, shared, "status").returncode == 0

    # Were the folder and the socket open to all (they never are), the daemon would still
    # refuse the other user: it checks who is at the other end of each connection.
    socket_file = folder / "control.sock"
    folder.chmod(0o711)
    socket_file.chmod(0o666)
    pauser = write_script(shared / "scripts", "pauser.py", PAUSER)
    attempt = other_user.run([system_python(), str(pauser), str(socket_file)], {}, shared)
    folder.chmod(0o700)
    socket_file.chmod(0o600)
    assert attempt.returncode == 0, attempt.stderr
    assert attempt.stdout.strip() == "hung up"  # without a word
    daemon_without_xdg.wait_for_output(
        f"refused a control request from user id {other_user.uid}", timeout=5
    )
    status = victim(tmp_path, shared, "status", "--json")
    assert status.returncode == 0 and json.loads(status.stdout)["paused"] is False


def test_an_xdg_runtime_dir_left_from_another_user_is_one_clear_line(
    other_user: OtherUser, shared: Path
) -> None:
    """After `su`, XDG_RUNTIME_DIR still names the first user's folder, which the new user
    may see but not enter."""
    theirs = shared / "run-root"
    (theirs / "postureping").mkdir(mode=0o700, parents=True)
    theirs.chmod(0o700)
    tools = shared / "tools"
    tools.mkdir(mode=0o755)
    python, env = python_for(other_user, tools)
    home = own_folder(shared / "home", other_user)
    env |= {
        "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"), "XDG_STATE_HOME": str(home / "state"),
        "XDG_RUNTIME_DIR": str(theirs), "TMPDIR": str(shared), "TZ": "UTC",
    }  # fmt: skip
    for args in (["status"], ["done", "walk"]):
        result = other_user.run([python, "-m", "postureping", *args], env, home)
        assert_refused(result, str(theirs / "postureping"), "XDG_RUNTIME_DIR")
    # The daemon's side, as `run` takes its lock (`run` itself needs the settings' libraries,
    # which the other user may not be able to import here).
    lock = other_user.run([python, "-c", TAKE_LOCK, str(theirs / "postureping")], env, home)
    assert lock.returncode == 0, lock.stderr
    assert (
        lock.stdout.startswith("cannot use the runtime folder") and "XDG_RUNTIME_DIR" in lock.stdout
    )
