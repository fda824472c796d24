"""The files postureping writes: private (0600 in 0700 folders), written through temporary
files that nobody can plant or predict, never through a symbolic link, and into (not over)
an output that is not a regular file. Real files and real os calls; a file "planted by
another user" is one chowned to another uid (which needs root: skipped otherwise)."""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from postureping.atomic_file import replace_bytes, replacing
from postureping.autostart.installers import chosen_entry, enable
from postureping.cli import _report_crash, main
from postureping.context import Context
from postureping.paths import Paths
from postureping.pause import PauseState, save_pause
from tests.cli_helpers import data_dir, isolated_env, run_cli
from tests.test_autostart import LAUNCH, make_host

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes and owners")

OTHER_UID = 65534  # "nobody": stands for another user of a shared folder
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def plant(path: Path, text: str = "planted") -> None:
    """A file that another user left where postureping will write."""
    path.write_text(text, encoding="utf-8")
    path.chmod(0o666)
    if IS_ROOT:
        os.chown(path, OTHER_UID, OTHER_UID)


def old_temporary(target: Path) -> Path:
    """The name the writers used to give their temporary file: easy to guess."""
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


def paths_in(root: Path) -> Paths:
    return Paths(
        config_file=root / "config" / "postureping" / "config.toml",
        config_source="default",
        data_dir=root / "data" / "postureping",
        state_dir=root / "state" / "postureping",
        runtime_dir=root / "run" / "postureping",
    )


# --- temporary files: unpredictable, exclusive, never through a link --------------------------


def test_a_planted_temporary_file_is_never_written_into(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    target = shared / "export.json"
    planted = old_temporary(target)
    plant(planted)
    with replacing(target) as file:
        file.write("secret")
    assert target.read_text(encoding="utf-8") == "secret"
    assert target.stat().st_uid == os.getuid()  # our own file, not the planted one
    assert mode(target) == 0o600
    assert planted.read_text(encoding="utf-8") == "planted"  # nothing written into it


def test_a_planted_symlink_at_the_temporary_name_is_never_followed(tmp_path: Path) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me", encoding="utf-8")
    target = tmp_path / "export.json"
    old_temporary(target).symlink_to(precious)
    with replacing(target) as file:
        file.write("secret")
    assert precious.read_text(encoding="utf-8") == "keep me"
    replace_bytes(target, b"secret bytes")
    assert precious.read_text(encoding="utf-8") == "keep me"
    assert target.read_bytes() == b"secret bytes"
    assert not target.is_symlink()


def test_the_pause_state_never_follows_a_planted_symlink(tmp_path: Path) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me", encoding="utf-8")
    state = tmp_path / "state" / "postureping" / "daemon-state.json"
    state.parent.mkdir(parents=True)
    old_temporary(state).symlink_to(precious)
    save_pause(state, PauseState(paused=True))
    assert precious.read_text(encoding="utf-8") == "keep me"
    assert json.loads(state.read_text(encoding="utf-8"))["paused"] is True


def test_config_init_never_writes_into_a_planted_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me", encoding="utf-8")
    config = tmp_path / "shared" / "config.toml"
    config.parent.mkdir()
    old_temporary(config).symlink_to(precious)
    assert main(["--config", str(config), "config", "init"]) == 0  # in this process: its pid
    assert precious.read_text(encoding="utf-8") == "keep me"
    assert "[notifications]" in config.read_text(encoding="utf-8")
    assert mode(config) == 0o600


@pytest.mark.skipif(not IS_ROOT, reason="a link of another user needs root to make")
def test_export_replaces_a_planted_symlink_but_never_writes_through_it(tmp_path: Path) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me", encoding="utf-8")
    target = tmp_path / "out.json"
    target.symlink_to(precious)
    os.lchown(target, OTHER_UID, OTHER_UID)
    result = run_cli(tmp_path, "export", "--output", str(target))
    assert result.returncode == 0, result.stderr
    assert precious.read_text(encoding="utf-8") == "keep me"
    assert not target.is_symlink()
    assert json.loads(target.read_text(encoding="utf-8")) == []


def test_export_follows_a_symlink_of_ones_own(tmp_path: Path) -> None:
    mine = tmp_path / "exports" / "history.json"
    mine.parent.mkdir()
    mine.write_text("old", encoding="utf-8")
    link = tmp_path / "latest.json"
    link.symlink_to(mine)
    result = run_cli(tmp_path, "export", "--output", str(link))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink()
    assert json.loads(mine.read_text(encoding="utf-8")) == []
    # /dev/stdout, as a link of root's, leads to whatever standard output is.
    if Path("/dev/stdout").is_symlink():
        done = subprocess.run(
            [sys.executable, "-m", "postureping", "export", "--output", "/dev/stdout"],
            cwd=tmp_path, env=isolated_env(tmp_path), capture_output=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert done.stdout == b"[]\n0 events written to /dev/stdout\n"
        assert Path("/dev/stdout").is_symlink()


# --- outputs that are not regular files: written into, never replaced --------------------------


def test_export_writes_into_a_fifo_and_leaves_it_a_fifo(tmp_path: Path) -> None:
    run_cli(tmp_path, "done", "walk")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # so that the writer's open returns
    try:
        result = run_cli(tmp_path, "export", "--output", str(fifo), timeout=30)
        chunks = []
        while True:
            try:
                chunk = os.read(reader, 65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(reader)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still the pipe, not a file put in its place
    assert [event["routine"] for event in json.loads(b"".join(chunks))] == ["walk"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.skipif(not IS_ROOT, reason="making a device node needs root")
def test_export_as_root_leaves_a_device_node_a_device(tmp_path: Path) -> None:
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # as /dev/null
    before = mode(null)
    run_cli(tmp_path, "done", "walk")
    for args in (["export"], ["export", "--format", "csv"], ["report"]):
        result = run_cli(tmp_path, *args, "--output", str(null))
        assert result.returncode == 0, (args, result.stderr)
        assert stat.S_ISCHR(null.lstat().st_mode), args
        assert mode(null) == before, args  # not made private: not ours


# --- private files in private folders ---------------------------------------------------------


def test_the_crash_log_is_private(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = paths_in(tmp_path)
    ctx = Context(paths=paths, environ={}, zone=ZoneInfo("UTC"))
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        assert _report_crash(ctx) == 1
    log = paths.state_dir / "crash.log"
    assert "boom" in log.read_text(encoding="utf-8")
    assert mode(log) == 0o600
    assert mode(paths.state_dir) == 0o700
    assert f"details in {log}" in capsys.readouterr().err


def test_the_pause_state_is_private(tmp_path: Path) -> None:
    state = paths_in(tmp_path).state_dir / "daemon-state.json"
    save_pause(state, PauseState(paused=True, until=datetime(2030, 1, 1, tzinfo=UTC)))
    assert mode(state) == 0o600
    assert mode(state.parent) == 0o700
    assert [p.name for p in state.parent.iterdir()] == ["daemon-state.json"]


def test_config_init_writes_a_private_file_in_a_private_folder(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "config", "init")
    assert result.returncode == 0, result.stderr
    config = tmp_path / "config" / "postureping" / "config.toml"
    assert mode(config) == 0o600
    assert mode(config.parent) == 0o700
    config.chmod(0o644)  # the user's own choice for the old file, kept in its backup
    assert run_cli(tmp_path, "config", "init", "--force").returncode == 0
    assert mode(config) == 0o600
    assert mode(config.with_name("config.toml.bak")) == 0o644


def test_an_autostart_entry_is_private(tmp_path: Path) -> None:
    host = make_host(tmp_path)
    entry = chosen_entry(host, systemd=False)
    enable(entry, LAUNCH, host)
    assert mode(entry.path) == 0o600
    assert mode(entry.path.parent) == 0o700  # a folder it created


def test_every_file_the_cli_writes_is_private(tmp_path: Path) -> None:
    commands = [
        ["config", "init"],
        ["done", "walk"],
        ["skip", "stretch"],
        ["history"],
        ["export", "--output", str(tmp_path / "state" / "postureping" / "export.json")],
        ["report"],
        ["import", str(data_dir(tmp_path) / "events.jsonl")],
    ]
    for args in commands:
        result = run_cli(tmp_path, *args)
        assert result.returncode == 0, (args, result.stderr)
    written = [
        path
        for top in ("config", "data", "state")
        for path in [tmp_path / top / "postureping", *(tmp_path / top / "postureping").rglob("*")]
    ]
    assert len(written) > 6
    wrong = {str(p): oct(mode(p)) for p in written if mode(p) != (0o700 if p.is_dir() else 0o600)}
    assert wrong == {}


def test_a_write_error_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    with pytest.raises(OSError) as caught, replacing(target) as file:
        file.write("half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert caught.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []
