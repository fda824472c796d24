"""`postureping autostart`: the file renderers, the installers on real files, the real CLI, and
the Linux files checked by the programs that read them (desktop-file-validate, GLib's `gio
launch`, `systemd-analyze verify`). The OS seams (platform name, systemctl) are fakes."""

from __future__ import annotations

import argparse
import json
import os
import plistlib
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from postureping.autostart import entries
from postureping.autostart.entries import UNIT, Launch
from postureping.autostart.installers import (
    CommandResult,
    Host,
    all_entries,
    chosen_entry,
    current_launch,
    disable,
    enable,
    status,
)
from postureping.commands.autostart import execute
from postureping.context import Context
from postureping.errors import UserError
from postureping.paths import Paths
from tests.cli_helpers import isolated_env, run_cli

# Every character that is special to one of the formats: quotes, shell and cmd.exe operators,
# $ and ` (expansions), % (field codes, specifiers, batch variables), backslash, spaces.
AWKWARD = "my dir $x `q` 'a' \"b\" & ; (p) \\ # ~ | < > * ? 50% é"


# --- renderers ---------------------------------------------------------------------------------


def test_desktop_entry_has_the_keys_an_autostart_entry_needs() -> None:
    text = entries.desktop_entry(Launch(("/opt/pp/bin/postureping", "run")))
    keys = entries.desktop_keys(text)
    assert keys["Type"] == "Application"
    assert keys["Name"] == "postureping"
    assert keys["Comment"]
    assert keys["Exec"] == "/opt/pp/bin/postureping run"
    assert keys["TryExec"] == "/opt/pp/bin/postureping"
    assert keys["Terminal"] == "false"
    assert keys["X-GNOME-Autostart-enabled"] == "true"
    assert keys["Categories"] == "Utility;"
    assert "Exec=/opt/pp/bin/postureping run\n" in text  # plain words stay unquoted


def test_desktop_exec_quotes_and_escapes_as_the_specification_says() -> None:
    launch = Launch(('/home/a b/$x `q` "d" \\e 50%/postureping', "--config", "/c/it's.toml", "run"))
    text = entries.desktop_entry(launch)
    # The spec's own examples: a literal $ in a quoted argument is \\$ in the file, a literal
    # backslash is \\\\; % is %% inside quotes and out.
    exec_line = r'Exec="/home/a b/\\$x \\`q\\` \\"d\\" \\\\e 50%%/postureping"'
    assert f'{exec_line} --config "/c/it\'s.toml" run\n' in text
    assert entries.desktop_argv(text) == launch.argv


def test_systemd_unit_is_a_graphical_session_service() -> None:
    text = entries.systemd_unit(Launch(("/opt/pp/bin/postureping", "run")))
    assert 'ExecStart="/opt/pp/bin/postureping" "run"\n' in text
    for line in (
        "After=graphical-session.target",
        "PartOf=graphical-session.target",
        "WantedBy=graphical-session.target",
        "Restart=on-failure",
        "RestartPreventExitStatus=2",
    ):
        assert f"\n{line}\n" in text


def test_systemd_exec_start_escapes_specifiers_variables_and_quotes() -> None:
    launch = Launch(("/opt/my dir/$x %y/postureping", "--config", '/c/50% "q" $HOME \\ ;', "run"))
    text = entries.systemd_unit(launch)
    # $ is literal in the program path (systemd substitutes variables in arguments only).
    expected = (
        r'ExecStart="/opt/my dir/$x %%y/postureping" "--config" "/c/50%% \"q\" $$HOME \\ ;" "run"'
    )
    assert f"\n{expected}\n" in text
    assert entries.unit_argv(text) == launch.argv


@pytest.mark.parametrize(
    "program", ["/opt/o'brien/postureping", '/opt/"q"/pp', "/opt/a\\b/pp", "pp"]
)
def test_systemd_unit_refuses_a_program_systemd_would_not_start(program: str) -> None:
    # systemd checks the program path after unquoting it: no quoting makes these acceptable.
    with pytest.raises(ValueError, match="systemd"):
        entries.systemd_unit(Launch((program, "run")))


def test_launch_agent_round_trips_through_plistlib() -> None:
    launch = Launch(
        ("/Users/ann/my venv/bin/postureping", "--config", "/Users/ann/&<x>.toml", "run")
    )
    logs = PurePosixPath("/Users/ann/Library/Logs/postureping")
    agent = plistlib.loads(entries.launch_agent(launch, logs))
    assert agent == {
        "Label": "org.postureping",
        "ProgramArguments": list(launch.argv),
        "RunAtLoad": True,
        "KeepAlive": False,
        "LimitLoadToSessionType": "Aqua",
        "ProcessType": "Interactive",
        "StandardOutPath": "/Users/ann/Library/Logs/postureping/stdout.log",
        "StandardErrorPath": "/Users/ann/Library/Logs/postureping/stderr.log",
    }
    assert entries.agent_argv(entries.launch_agent(launch, logs)) == launch.argv


def test_windows_startup_script_starts_pythonw_without_waiting() -> None:
    python = "C:\\Users\\ann\\venv\\Scripts\\pythonw.exe"
    launch = Launch((python, "-m", "postureping", "--config", "C:\\a&b\\50%\\", "run"))
    text = entries.windows_startup(launch)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")
    assert lines[0] == "@echo off"
    assert "chcp 65001 >nul" not in lines  # ASCII only: no code page change needed
    # %% in a batch file; the trailing backslash doubles so that it does not escape the quote.
    start = f'start "" "{python}" "-m" "postureping" "--config" "C:\\a&b\\50%%\\\\" "run"'
    assert start in lines
    assert entries.startup_argv(text) == launch.argv


def test_windows_startup_script_reads_non_ascii_paths_as_utf8() -> None:
    launch = Launch(("C:\\Users\\Zoë\\venv\\Scripts\\pythonw.exe", "-m", "postureping", "run"))
    lines = entries.windows_startup(launch).split("\r\n")
    assert lines.index("chcp 65001 >nul") < next(
        i for i, line in enumerate(lines) if line.startswith("start")
    )
    with pytest.raises(ValueError, match="double quote"):
        entries.windows_startup(Launch(('C:\\a"b.exe', "run")))


@pytest.mark.parametrize("bad", ["/opt/a\nb", "/opt/a\tb", "/opt/\x7f", "/opt/\udcff", ""])
def test_a_launch_refuses_what_no_format_can_carry(bad: str) -> None:
    with pytest.raises(ValueError):
        Launch((bad, "run"))


_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Cn")), max_size=12)
_ARGV = st.tuples(_TEXT.filter(bool), st.lists(_TEXT, max_size=4)).map(
    lambda t: Launch((t[0], *t[1]))
)


@given(_ARGV)
def test_every_format_reads_back_the_command_it_was_written_with(launch: Launch) -> None:
    assert entries.desktop_argv(entries.desktop_entry(launch)) == launch.argv
    if launch.argv[0].startswith("/") and not set("\"'\\") & set(launch.argv[0]):
        assert entries.unit_argv(entries.systemd_unit(launch)) == launch.argv
    agent = entries.launch_agent(launch, PurePosixPath("/logs"))
    assert entries.agent_argv(agent) == launch.argv
    if not any('"' in arg for arg in launch.argv):
        assert entries.startup_argv(entries.windows_startup(launch)) == launch.argv


# --- installers, on real files, with fake OS seams ---------------------------------------------


@dataclass
class FakeSystemctl:
    """`systemctl --user` as a test wants it: each sub-command answers 0 unless `failing`
    names it; `enable` and `disable` link and unlink the unit as the real one does."""

    config_home: Path
    failing: set[str] = field(default_factory=set)
    calls: list[tuple[str, ...]] = field(default_factory=list)

    def __call__(self, *args: str) -> CommandResult:
        self.calls.append(args)
        if args[0] in self.failing:
            return CommandResult(1, "Failed to connect to bus: No medium found")
        user = self.config_home / "systemd" / "user"
        link = user / "graphical-session.target.wants" / UNIT
        if args[0] == "enable":
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(user / UNIT)
        elif args[0] == "disable":
            link.unlink(missing_ok=True)
        return CommandResult(0, "")


def make_host(tmp_path: Path, platform: str = "linux", **environ: str) -> Host:
    config = tmp_path / "config"
    environ = {"XDG_CONFIG_HOME": str(config), **environ}
    return Host(platform, environ, tmp_path / "home", FakeSystemctl(config))


def fake(host: Host) -> FakeSystemctl:
    assert isinstance(host.systemctl, FakeSystemctl)
    return host.systemctl


# A program that exists, so that status finds the entries healthy.
LAUNCH = Launch((sys.executable, "-m", "postureping", "run"))


def test_xdg_enable_status_disable(tmp_path: Path) -> None:
    host = make_host(tmp_path)
    entry = chosen_entry(host, systemd=False)
    path = tmp_path / "config" / "autostart" / "postureping.desktop"
    assert entry.path == path

    lines = enable(entry, LAUNCH, host)
    assert lines[0] == f"Wrote {path}"
    assert path.read_text(encoding="utf-8") == entries.desktop_entry(LAUNCH)
    assert os.listdir(path.parent) == ["postureping.desktop"]  # no temporary file left
    report = status(entry, host)
    assert (report.state, report.argv) == ("enabled", LAUNCH.argv)

    assert enable(entry, LAUNCH, host)[0] == f"{path} is already in place"
    assert disable(entry, host) == [f"Removed {path}"]
    assert not path.exists()
    assert status(entry, host).state == "not installed"
    assert "nothing to remove" in disable(entry, host)[0]
    assert fake(host).calls == []


def test_xdg_config_home_is_honoured_and_a_relative_one_ignored(tmp_path: Path) -> None:
    home = tmp_path / "home"
    for environ, folder in (
        ({"XDG_CONFIG_HOME": str(tmp_path / "elsewhere")}, tmp_path / "elsewhere"),
        ({"XDG_CONFIG_HOME": "relative/config"}, home / ".config"),
        ({}, home / ".config"),
    ):
        host = Host("linux", environ, home, FakeSystemctl(tmp_path))
        assert (
            chosen_entry(host, systemd=False).path == folder / "autostart" / "postureping.desktop"
        )
        assert chosen_entry(host, systemd=True).path == folder / "systemd" / "user" / UNIT


def test_enable_replaces_an_edited_entry_and_says_what_it_started(tmp_path: Path) -> None:
    host = make_host(tmp_path)
    entry = chosen_entry(host, systemd=False)
    entry.path.parent.mkdir(parents=True)
    old = Launch(("/old/bin/postureping", "run"))
    entry.path.write_text(entries.desktop_entry(old).replace("Terminal=false", "Terminal=true"))
    lines = enable(entry, LAUNCH, host)
    assert lines[0] == f"Replaced {entry.path} (it started: /old/bin/postureping run)"
    assert entry.path.read_text(encoding="utf-8") == entries.desktop_entry(LAUNCH)


def test_status_reports_a_gone_program_a_hidden_entry_and_an_unreadable_one(
    tmp_path: Path,
) -> None:
    host = make_host(tmp_path)
    entry = chosen_entry(host, systemd=False)
    gone = Launch((str(tmp_path / "uninstalled" / "postureping"), "run"))
    enable(entry, gone, host)
    report = status(entry, host)
    assert report.state == "broken: the program it starts is gone"
    assert report.argv == gone.argv
    assert report.advice == "postureping autostart enable"

    entry.path.write_text(entries.desktop_entry(LAUNCH) + "Hidden=true\n", encoding="utf-8")
    assert status(entry, host).state == "installed but off: Hidden=true in the file"

    entry.path.write_text('[Desktop Entry]\nExec="unterminated\n', encoding="utf-8")
    assert status(entry, host).state.startswith("its command cannot be read")


def test_systemd_enable_runs_systemctl_when_a_user_manager_answers(tmp_path: Path) -> None:
    host = make_host(tmp_path)
    entry = chosen_entry(host, systemd=True)
    unit = tmp_path / "config" / "systemd" / "user" / UNIT
    assert entry.path == unit

    lines = enable(entry, LAUNCH, host)
    assert unit.read_text(encoding="utf-8") == entries.systemd_unit(LAUNCH)
    assert fake(host).calls == [("daemon-reload",), ("enable", UNIT)]
    assert "Ran: systemctl --user daemon-reload" in lines
    assert f"Ran: systemctl --user enable {UNIT}" in lines
    assert lines[-1].startswith("It starts with your next desktop session")
    assert status(entry, host).state == "enabled"

    fake(host).calls.clear()
    lines = disable(entry, host)
    assert fake(host).calls == [("disable", UNIT), ("daemon-reload",)]
    assert lines == [
        f"Ran: systemctl --user disable {UNIT}",
        f"Removed {unit}",
        "Ran: systemctl --user daemon-reload",
    ]
    assert not unit.exists()
    assert status(entry, host).state == "not installed"


def test_systemd_without_a_user_manager_writes_the_unit_and_names_the_commands(
    tmp_path: Path,
) -> None:
    host = make_host(tmp_path)
    fake(host).failing = {"daemon-reload", "enable", "disable"}
    entry = chosen_entry(host, systemd=True)
    lines = enable(entry, LAUNCH, host)
    assert entry.path.read_text(encoding="utf-8") == entries.systemd_unit(LAUNCH)
    assert lines[-4:] == [
        "Could not reach your systemd user manager (Failed to connect to bus: No medium found).",
        "To enable the unit, run in your desktop session:",
        "  systemctl --user daemon-reload",
        f"  systemctl --user enable {UNIT}",
    ]
    report = status(entry, host)
    assert report.state.startswith("installed but off: not enabled")
    assert report.advice == f"systemctl --user enable {UNIT}"

    # A link made earlier, while a manager answered, goes with the unit it points to.
    link = entry.path.parent / "graphical-session.target.wants" / UNIT
    link.parent.mkdir()
    link.symlink_to(entry.path)
    lines = disable(entry, host)
    assert lines[:2] == [f"Removed {entry.path}", f"Removed {link}"]
    assert "systemctl --user daemon-reload" in lines[-1]
    assert not entry.path.exists() and not link.is_symlink()


def test_systemd_enable_refuses_a_program_systemd_cannot_start(tmp_path: Path) -> None:
    host = make_host(tmp_path)
    launch = Launch(("/home/o'brien/venv/bin/postureping", "run"))
    with pytest.raises(UserError, match="quote or a backslash; without --systemd, an XDG"):
        enable(chosen_entry(host, systemd=True), launch, host)
    assert not (tmp_path / "config").exists() and fake(host).calls == []
    enable(chosen_entry(host, systemd=False), launch, host)  # the XDG entry can start it


def test_systemd_enable_fails_when_the_manager_refuses(tmp_path: Path) -> None:
    host = make_host(tmp_path)
    fake(host).failing = {"enable"}
    with pytest.raises(UserError, match=r"systemctl --user enable postureping\.service` failed"):
        enable(chosen_entry(host, systemd=True), LAUNCH, host)


def test_macos_gets_a_launch_agent_and_no_systemctl(tmp_path: Path) -> None:
    host = make_host(tmp_path, "darwin")
    [entry] = all_entries(host)
    assert entry is not None and chosen_entry(host, systemd=False).path == entry.path
    home = tmp_path / "home"
    assert entry.path == home / "Library" / "LaunchAgents" / "org.postureping.plist"
    enable(entry, LAUNCH, host)
    agent = plistlib.loads(entry.path.read_bytes())
    assert agent["ProgramArguments"] == list(LAUNCH.argv)
    assert Path(agent["StandardErrorPath"]).parent.is_dir()  # launchd would not create it
    assert status(entry, host).state == "enabled"
    assert disable(entry, host) == [f"Removed {entry.path}"]
    assert fake(host).calls == []


def test_windows_gets_a_startup_folder_script(tmp_path: Path) -> None:
    host = make_host(tmp_path, "win32", APPDATA=str(tmp_path / "Roaming"))
    [entry] = all_entries(host)
    startup = tmp_path / "Roaming" / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup"
    assert entry.path == startup / "postureping.cmd"
    enable(entry, LAUNCH, host)
    assert entry.path.read_bytes() == entries.windows_startup(LAUNCH).encode("utf-8")
    assert status(entry, host).argv == LAUNCH.argv
    disable(entry, host)
    assert os.listdir(startup) == []  # nothing left for Windows to open at sign-in


@pytest.mark.parametrize("platform", ["darwin", "win32", "freebsd14"])
def test_systemd_is_an_error_off_linux(tmp_path: Path, platform: str) -> None:
    host = make_host(tmp_path, platform)
    for action in ("enable", "disable", "status"):
        args = argparse.Namespace(action=action, systemd=True)
        with pytest.raises(UserError, match="--systemd is for Linux only") as raised:
            execute(args, make_context(tmp_path), host)
        assert raised.value.exit_code == 2
    assert not (tmp_path / "home").exists() and not (tmp_path / "config").exists()


def make_context(tmp_path: Path) -> Context:
    paths = Paths(
        config_file=tmp_path / "config" / "postureping" / "config.toml",
        config_source="default",
        data_dir=tmp_path / "data",
        state_dir=tmp_path / "state",
        runtime_dir=tmp_path / "run",
    )
    return Context(paths=paths, environ={}, zone=ZoneInfo("UTC"))


def test_the_command_on_macos_writes_and_reports_the_agent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    host = make_host(tmp_path, "darwin")
    ctx = make_context(tmp_path)
    assert execute(argparse.Namespace(action="enable", systemd=False), ctx, host) == 0
    launch = current_launch("darwin", None)
    assert f"It runs: {launch}" in capsys.readouterr().out
    assert execute(argparse.Namespace(action="status", systemd=False), ctx, host) == 0
    out = capsys.readouterr().out
    assert out.startswith("LaunchAgent: enabled\n")
    assert f"starts: {launch}" in out


def test_the_launch_is_this_installation_and_passes_an_explicit_config_on(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("postureping")
    plain = current_launch("linux", None)
    assert plain.argv[0] in (str(script), sys.executable)
    assert plain.argv[-1] == "run"
    config = tmp_path / "my settings" / "config.toml"
    assert current_launch("linux", config).argv[-3:] == ("--config", str(config), "run")


# --- the real CLI ------------------------------------------------------------------------------


def ok(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    result = run_cli(root, *args, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def cli_launch(*before_command: str) -> Launch:
    """What the child process started by run_cli picks (it runs the same interpreter)."""
    script = Path(sys.executable).with_name("postureping")
    program = [str(script)] if os.access(script, os.X_OK) else [sys.executable, "-m", "postureping"]
    return Launch((*program, *before_command, "run"))


def no_bus(root: Path) -> dict[str, str]:
    """No session bus, so no user manager of the machine's: the isolated runtime folder under
    `root` has neither, and this address leads nowhere."""
    return {"DBUS_SESSION_BUS_ADDRESS": f"unix:path={root / 'no-bus'}"}


def test_cli_enable_status_disable(tmp_path: Path) -> None:
    entry = tmp_path / "config" / "autostart" / "postureping.desktop"
    out = ok(tmp_path, "autostart", "enable")
    assert out.startswith(f"Wrote {entry}\nIt runs: {cli_launch()}\n")
    assert entry.read_text(encoding="utf-8") == entries.desktop_entry(cli_launch())

    out = ok(tmp_path, "autostart", "status")
    assert out.startswith(
        f"XDG autostart entry: enabled\n  file:   {entry}\n  starts: {cli_launch()}\n"
    )
    assert "systemd user unit: not installed\n" in out

    assert ok(tmp_path, "autostart", "disable") == f"Removed {entry}\n"
    assert not entry.exists()
    out = ok(tmp_path, "autostart", "status")
    assert "XDG autostart entry: not installed" in out
    assert "systemd user unit: not installed" in out


def test_cli_systemd_enable_status_disable(tmp_path: Path) -> None:
    unit = tmp_path / "config" / "systemd" / "user" / UNIT
    link = unit.parent / "graphical-session.target.wants" / UNIT
    out = ok(tmp_path, "autostart", "enable", "--systemd", env=no_bus(tmp_path))
    assert out.startswith(f"Wrote {unit}\nIt runs: {cli_launch()}\n")
    assert unit.read_text(encoding="utf-8") == entries.systemd_unit(cli_launch())
    # Where no systemd was booted (a container), systemctl links the unit by itself; where
    # one was, it cannot reach this test's (absent) user manager; without systemctl, neither.
    status_out = ok(tmp_path, "autostart", "status")
    if f"Ran: systemctl --user enable {UNIT}" in out:
        assert link.is_symlink()
        assert f"systemd user unit: enabled\n  file:   {unit}\n" in status_out
    else:
        assert f"  systemctl --user enable {UNIT}\n" in out
        assert "systemd user unit: installed but off: not enabled" in status_out
    assert "XDG autostart entry: not installed" in status_out

    out = ok(tmp_path, "autostart", "disable", "--systemd", env=no_bus(tmp_path))
    assert f"Removed {unit}\n" in out
    assert not unit.exists() and not link.is_symlink()
    assert "systemd user unit: not installed" in ok(tmp_path, "autostart", "status")


def test_cli_passes_an_explicit_settings_file_on(tmp_path: Path) -> None:
    config = tmp_path / "my settings $x" / "config.toml"
    ok(tmp_path, "--config", str(config), "autostart", "enable")
    text = (tmp_path / "config" / "autostart" / "postureping.desktop").read_text(encoding="utf-8")
    assert entries.desktop_argv(text) == cli_launch("--config", str(config)).argv


def test_cli_notes_a_second_kind_of_entry(tmp_path: Path) -> None:
    ok(tmp_path, "autostart", "enable")
    out = ok(tmp_path, "autostart", "enable", "--systemd", env=no_bus(tmp_path))
    assert "Note: the XDG autostart entry" in out
    assert "`postureping autostart disable` removes it." in out
    ok(tmp_path, "autostart", "disable", "--systemd", env=no_bus(tmp_path))


# --- the Linux files, read by the programs that read them ---------------------------------------


def require(program: str) -> str:
    """The program's path; a skip without it, except in CI, which installs it (.ci/run)."""
    found = shutil.which(program)
    if found is None:
        reason = f"{program} is not installed (Debian: desktop-file-utils)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI is expected to install it", pytrace=False)
        pytest.skip(reason)
    return found


def awkward_program(tmp_path: Path, name: str = AWKWARD) -> Path:
    """An executable that writes its arguments, as JSON, to $ARGV_OUT."""
    program = tmp_path / name / "postureping"
    program.parent.mkdir(parents=True)
    program.write_text(
        '#!/bin/sh\nexec "$ARGV_PYTHON" -c \'import json, os, sys\n'
        'json.dump(sys.argv[1:], open(os.environ["ARGV_OUT"] + ".tmp", "w"))\n'
        'os.replace(os.environ["ARGV_OUT"] + ".tmp", os.environ["ARGV_OUT"])\' "$@"\n',
        encoding="utf-8",
    )
    program.chmod(0o755)
    return program


ARGS = ("plain", "with space", "50%", "$HOME", "`id`", 'say "hi"', "back\\slash", "it's", "a;b&c")


@pytest.mark.parametrize(
    "launch",
    [
        Launch(("/opt/pp/bin/postureping", "run")),
        Launch((f"/opt/{AWKWARD}/postureping", "--config", f"/home/{AWKWARD}.toml", "run")),
    ],
    ids=["plain", "awkward"],
)
def test_desktop_file_validate_accepts_the_entry(tmp_path: Path, launch: Launch) -> None:
    validate = require("desktop-file-validate")
    path = tmp_path / "postureping.desktop"
    path.write_text(entries.desktop_entry(launch), encoding="utf-8")
    result = subprocess.run([validate, str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stdout


def test_desktop_file_validate_accepts_what_the_cli_wrote(tmp_path: Path) -> None:
    validate = require("desktop-file-validate")
    ok(tmp_path, "--config", str(tmp_path / f"{AWKWARD}.toml"), "autostart", "enable")
    path = tmp_path / "config" / "autostart" / "postureping.desktop"
    result = subprocess.run([validate, str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stdout


def test_glib_launches_the_entry_with_the_exact_arguments(tmp_path: Path) -> None:
    gio = shutil.which("gio")
    if gio is None:
        pytest.skip("gio is not installed (Debian: libglib2.0-bin)")
    # GLib checks that the program exists before it expands %% in Exec, so a program path
    # with a % is refused by GLib alone; the arguments carry the % here.
    program = awkward_program(tmp_path, AWKWARD.replace("%", ""))
    launch = Launch((str(program), *ARGS, ""))
    path = tmp_path / "postureping.desktop"
    path.write_text(entries.desktop_entry(launch), encoding="utf-8")
    out = tmp_path / "argv.json"
    env = isolated_env(
        tmp_path, {**no_bus(tmp_path), "ARGV_OUT": str(out), "ARGV_PYTHON": sys.executable}
    )
    subprocess.run([gio, "launch", str(path)], env=env, check=True, timeout=30)
    deadline = time.monotonic() + 30  # gio returns once the child is spawned
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert json.loads(out.read_text(encoding="utf-8")) == [*ARGS, ""]


def systemd_verify(tmp_path: Path, unit_text: str) -> subprocess.CompletedProcess[str]:
    folder = tmp_path / f"units-{len(list(tmp_path.glob('units-*')))}"
    folder.mkdir()
    (folder / UNIT).write_text(unit_text, encoding="utf-8")
    return subprocess.run(
        ["systemd-analyze", "--user", "verify", str(folder / UNIT)],
        env=isolated_env(tmp_path, no_bus(tmp_path)),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def require_systemd_verify(tmp_path: Path) -> None:
    """Skip, even in CI, where `systemd-analyze --user verify` cannot run: the issue asks for
    it "where available", and a container without systemd often lacks what it needs."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    probe = systemd_verify(tmp_path, "[Service]\nExecStart=/bin/sh -c true\n")
    if probe.returncode != 0:
        pytest.skip(f"systemd-analyze cannot verify units here: {probe.stderr.strip()}")


def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    require_systemd_verify(tmp_path)
    # verify checks that the program exists, so this also proves the quoting of its path
    # (with $, % and the rest) resolves to the real file.
    program = awkward_program(tmp_path, AWKWARD.translate(str.maketrans("", "", "\"'\\")))
    result = systemd_verify(tmp_path, entries.systemd_unit(Launch((str(program), *ARGS))))
    assert result.returncode == 0, result.stderr
    assert UNIT not in result.stderr, result.stderr  # no warnings about our file either

    missing = Launch((str(tmp_path / "missing" / "postureping"), "run"))
    result = systemd_verify(tmp_path, entries.systemd_unit(missing))
    assert result.returncode != 0 and "is not executable" in result.stderr
