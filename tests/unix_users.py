"""A second Unix user, created for a test and removed after it, to check what another user of
the machine can and cannot do to postureping.

Creating a user takes root. Without root the tests that need one are skipped with the reason;
in CI (CI=true), which runs as root, they fail instead, since CI must run them. Commands run
as the user through `setpriv` (util-linux, on every Debian): new real and effective user and
group ids, no supplementary groups, and, as they are no longer root, no capabilities.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

TOOLS = ("useradd", "userdel", "setpriv")
COVERAGE_VARIABLES = ("COVERAGE_PROCESS_CONFIG", "COVERAGE_PROCESS_START")


def without_coverage(env: Mapping[str, str]) -> dict[str, str]:
    """`env` without coverage's variables (scripts/test measures the processes the tests
    start): a process run as another user could not write the data file, and coverage would
    say so on its stderr."""
    return {name: value for name, value in env.items() if name not in COVERAGE_VARIABLES}


def require_root() -> None:
    """Skip the test (fail it in CI) unless this process can create users."""
    reason = None
    if os.geteuid() != 0:
        reason = "needs root to create a second Unix user"
    elif missing := [tool for tool in TOOLS if shutil.which(tool) is None]:
        reason = "needs " + ", ".join(missing) + " to create and act as a second Unix user"
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI runs as root and must run this test", pytrace=False)
    pytest.skip(reason)


@dataclass
class OtherUser:
    name: str
    uid: int
    gid: int
    _processes: list[subprocess.Popen[str]] = field(default_factory=list)

    def command(self, args: Sequence[str]) -> list[str]:
        return [
            "setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups",
            "--", *args,
        ]  # fmt: skip

    def run(
        self, args: Sequence[str], env: Mapping[str, str], cwd: Path, timeout: float = 60.0
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(args), env=without_coverage(env), cwd=cwd, capture_output=True, text=True,
            timeout=timeout, check=False,
        )  # fmt: skip

    def start(
        self, args: Sequence[str], env: Mapping[str, str], cwd: Path, pass_fds: Sequence[int] = ()
    ) -> subprocess.Popen[str]:
        """A long-running process as this user, ended (by its id) when the user is removed."""
        process = subprocess.Popen(
            self.command(args), env=without_coverage(env), cwd=cwd, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, pass_fds=pass_fds,
        )  # fmt: skip
        self._processes.append(process)
        return process

    def stop_processes(self) -> None:
        for process in self._processes:
            if process.poll() is None:
                process.kill()
            process.communicate(timeout=10)


@contextlib.contextmanager
def created_user() -> Iterator[OtherUser]:
    """A new user with a group of its own, no home and no login shell; removed afterwards
    (its processes first), whatever happens in between."""
    name = f"ppt{secrets.token_hex(4)}"
    _change_users(
        ["useradd", "--no-create-home", "--home-dir", "/nonexistent",
         "--shell", "/usr/sbin/nologin", "--user-group", name],
    )  # fmt: skip
    try:
        entry = pwd.getpwnam(name)
        user = OtherUser(name, entry.pw_uid, entry.pw_gid)
        try:
            yield user
        finally:
            user.stop_processes()
    finally:
        _change_users(["userdel", name])


def _change_users(args: list[str]) -> None:
    """Run useradd or userdel, again while another one holds the user database's lock (the
    tests run in parallel: another worker may be creating or removing its own user)."""
    for _ in range(40):
        result = subprocess.run(args, capture_output=True, text=True, check=False)
        if result.returncode == 0:
            return
        if "lock" not in result.stderr:
            break
        time.sleep(0.25)
    raise RuntimeError(f"{args[0]} exited with {result.returncode}: {result.stderr.strip()}")


@contextlib.contextmanager
def shared_temp_folder() -> Iterator[Path]:
    """A folder like /tmp (mode 1777: anyone creates, only owners remove), in /tmp so that
    every user can reach it; it stands in for the temporary folder (TMPDIR) of the tests."""
    folder = Path(tempfile.mkdtemp(prefix="postureping-shared-", dir="/tmp"))
    try:
        folder.chmod(0o1777)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def python_for(user: OtherUser, folder: Path) -> tuple[str, dict[str, str]]:
    """An interpreter the user can run, and the environment that lets it import postureping
    (this checkout's code) and the two libraries the control commands need, copied into
    `folder`: the test's own interpreter and packages may sit where the user cannot read."""
    import platformdirs
    import tzlocal

    import postureping

    lib = folder / "lib"
    for package in (postureping, platformdirs, tzlocal):
        source = Path(package.__file__ or "").parent
        shutil.copytree(source, lib / source.name, ignore=shutil.ignore_patterns("__pycache__"))
    _readable_by_all(folder)
    env = {"PYTHONPATH": str(lib), "PYTHONDONTWRITEBYTECODE": "1", "PATH": os.environ["PATH"]}
    candidates = [sys.executable, os.path.realpath(sys.executable), shutil.which("python3")]
    said = []
    for python in dict.fromkeys(c for c in candidates if c):
        probe = user.run([python, "-c", "import postureping.cli"], env, cwd=folder)
        if probe.returncode == 0:
            return python, env
        said.append(f"{python}: exit {probe.returncode}: {probe.stderr.strip()[-500:]}")
    reason = f"no Python 3.11+ that user {user.name} can run: " + "; ".join(said)
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def _readable_by_all(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        mode = path.stat().st_mode
        extra = stat.S_IROTH | (stat.S_IXOTH if stat.S_ISDIR(mode) else 0)
        path.chmod(stat.S_IMODE(mode) | extra)
