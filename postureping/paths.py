"""Where postureping keeps its files. Resolved once, in one place, and passed down."""

from __future__ import annotations

import getpass
import ntpath
import os
import re
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from postureping.errors import EXIT_CONFIG, UserError

APP = "postureping"
CONFIG_ENV = "POSTUREPING_CONFIG"


@dataclass(frozen=True)
class Paths:
    config_file: Path
    config_source: str  # "--config", "POSTUREPING_CONFIG" or "default"
    data_dir: Path  # the event history
    state_dir: Path  # first-run marker, pause state, logs
    runtime_dir: Path  # the daemon's lock and control socket (gone at logout)

    @property
    def config_explicit(self) -> bool:
        """A file the user named must exist; the default one may be absent."""
        return self.config_source != "default"

    @property
    def default_store_file(self) -> Path:
        return self.data_dir / "events.jsonl"

    @property
    def demo_store_file(self) -> Path:
        """The history of `run --demo`, kept apart so that a first look at postureping never
        shows up in the real statistics."""
        return self.state_dir / "demo-events.jsonl"

    @property
    def welcome_marker(self) -> Path:
        return self.state_dir / "welcome-shown"

    @property
    def daemon_state(self) -> Path:
        return self.state_dir / "daemon-state.json"

    @property
    def instance_lock(self) -> Path:
        return self.runtime_dir / "daemon.lock"

    @property
    def control_socket(self) -> Path:
        return self.runtime_dir / "control.sock"

    @property
    def control_address(self) -> str:
        """Where the daemon listens for commands: the control socket on POSIX, a named pipe
        on Windows (see pipe_name)."""
        if sys.platform == "win32":
            return pipe_name(self.runtime_dir, _user_name())
        return str(self.control_socket)


def pipe_name(runtime_dir: Path, user: str) -> str:
    r"""The control pipe's name on Windows, like \\.\pipe\postureping-jane-1a2b3c4d5e6f.

    Pipe names are global to the machine. The name carries the user name, for people who read
    a list of pipes, and a hash of the runtime folder, which is the user's own and holds the
    instance lock: one lock, one pipe, and daemons run with folders of their own (tests, a
    second profile) do not meet."""
    import hashlib  # 3 ms at import, and only Windows needs it

    folder = ntpath.normcase(str(runtime_dir))  # Windows paths ignore case
    digest = hashlib.sha256(folder.encode()).hexdigest()[:12]
    readable = re.sub(r"[^A-Za-z0-9._-]", "_", user)[:32] or "user"
    return rf"\\.\pipe\{APP}-{readable}-{digest}"


def _user_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):  # no USERNAME set: the hash still tells apart
        return "user"


def resolve_paths(config_arg: Path | None, environ: Mapping[str, str] = os.environ) -> Paths:
    """Pick the settings file (--config, then $POSTUREPING_CONFIG, then the platform's config
    folder) and the data and state folders (platformdirs, which honours the XDG variables)."""
    if config_arg is not None:
        config_file, source = config_arg, "--config"
    elif environ.get(CONFIG_ENV):
        config_file, source = Path(environ[CONFIG_ENV]), CONFIG_ENV
    else:
        config_file, source = Path(platformdirs.user_config_dir(APP)) / "config.toml", "default"
    try:
        config_file = expand_home(config_file)
    except ValueError as error:
        raise UserError(f"{source} {config_file}: {error}", EXIT_CONFIG) from None
    return Paths(
        config_file=config_file,
        config_source=source,
        data_dir=Path(platformdirs.user_data_dir(APP)),
        state_dir=Path(platformdirs.user_state_dir(APP)),
        runtime_dir=_runtime_dir(environ),
    )


def expand_home(path: Path) -> Path:
    """`path` with a leading ~ or ~user made that home folder. Raises ValueError when there
    is no such folder (no such user, or no home folder known)."""
    try:
        return path.expanduser()
    except (RuntimeError, KeyError):
        raise ValueError(f"{path.parts[0]} is not a home folder on this system") from None


def argument_path(text: str | Path, argument: str) -> Path:
    """A path from the command line, with ~ expanded; UserError (exit status 2) if it cannot
    be, like `--output ~nosuchuser/x`."""
    try:
        return expand_home(Path(text))
    except ValueError as error:
        raise UserError(f"{argument} {text}: {error}", EXIT_CONFIG) from None


def _runtime_dir(environ: Mapping[str, str]) -> Path:
    """$XDG_RUNTIME_DIR/postureping on Linux (private to the user, cleared at logout). Where
    the session has none, a folder of the user's own in the temporary folder: the control
    channel checks that it is private before it uses it."""
    runtime = environ.get("XDG_RUNTIME_DIR", "")
    if sys.platform.startswith("linux") and runtime and Path(runtime).is_dir():
        return Path(runtime) / APP
    if sys.platform == "darwin" or not sys.platform.startswith("linux"):
        return Path(platformdirs.user_runtime_dir(APP))
    return Path(tempfile.gettempdir()) / f"{APP}-{os.getuid()}"
