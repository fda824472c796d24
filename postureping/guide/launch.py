"""How the daemon (a notification's Start button, the tray, a routine set to "auto") opens the
guided routine: `postureping guide ROUTINE` in a process of its own, so that the window's
toolkit never loads into the daemon. Never waits for it; a guide that fails is logged."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable

from postureping.paths import Paths

OUTPUT_LIMIT = 4096  # bytes of the guide's error output kept for the log


def guide_command(routine_id: str, paths: Paths) -> list[str]:
    """The command line: this Python, this package, and the daemon's settings file when it was
    named (by --config; the environment is inherited)."""
    config = ["--config", os.fspath(paths.config_file)] if paths.config_explicit else []
    return [sys.executable, "-m", "postureping", *config, "guide", routine_id]


def launch_guide(
    routine_id: str,
    paths: Paths,
    log: logging.Logger,
    on_failure: Callable[[], None] | None = None,
) -> None:
    """Start the guide for `routine_id`; its failure goes to the log, and then `on_failure`
    is called (on another thread) if given."""
    command = guide_command(routine_id, paths)
    try:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
    except OSError as error:
        log.warning("could not open the guide for %r: %s", routine_id, error)
        if on_failure is not None:
            on_failure()
        return
    log.info("guide opened: %s", routine_id)

    def reap() -> None:
        assert process.stderr is not None
        with process.stderr:
            said = process.stderr.read(OUTPUT_LIMIT)
            while process.stderr.read(OUTPUT_LIMIT):
                pass
        if process.wait() != 0:
            lines = [line.strip() for line in said.decode(errors="replace").splitlines()]
            reason = next((line for line in reversed(lines) if line), "")
            log.warning(
                "the guide for %r ended with status %d: %s",
                routine_id, process.returncode, reason or "no message",
            )  # fmt: skip
            if on_failure is not None:
                on_failure()

    threading.Thread(target=reap, name="guide-reaper", daemon=True).start()
