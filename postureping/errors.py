"""The one error type for problems the user can fix, and the exit codes they map to."""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_FAILURE = 1  # the command could not do what was asked (unknown routine, I/O error...)
EXIT_CONFIG = 2  # the settings (file, environment or command line) are invalid
EXIT_NOT_RUNNING = 3  # `status`: no daemon is running
EXIT_INTERRUPTED = 130


class UserError(Exception):
    """Something the user can fix. The CLI prints `message` on one line and exits `exit_code`."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


@dataclass(frozen=True)
class Problem:
    """One invalid value: where it is (a file or an environment variable), the key path
    inside it, the bad value, and what is allowed instead."""

    where: str
    key: str
    value: str
    allowed: str

    def __str__(self) -> str:
        at = f"{self.where}: {self.key}" if self.key else self.where
        value = f" = {self.value}" if self.value else ""
        return f"{at}{value}: {self.allowed}"


class ConfigError(UserError):
    """Invalid settings: every problem found, reported at once."""

    def __init__(self, problems: list[Problem], *, outcome: str = "") -> None:
        """`outcome` says what follows, like "not reloaded: the old settings stay in force"."""
        self.problems = tuple(problems)
        count = len(self.problems)
        what = f"invalid settings, {outcome}" if outcome else "invalid settings"
        heading = f"{what} (1 problem):" if count == 1 else f"{what} ({count} problems):"
        lines = [heading, *(f"  {p}" for p in self.problems)]
        super().__init__("\n".join(lines), exit_code=EXIT_CONFIG)
