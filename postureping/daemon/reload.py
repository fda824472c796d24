"""`postureping reload` in the running daemon: the settings validated again (in the child
process), the idle and do-not-disturb sources chosen again where the new settings ask for
others, and the engine's new configuration.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping

from postureping.context import Context
from postureping.daemon.settings import DaemonSettings
from postureping.daemon.sources import Sources, choose_sources, sources_differ
from postureping.desktop.gnome_breaks import read_gnome_breaks
from postureping.engine.config import EngineConfig
from postureping.errors import ConfigError
from postureping.schedule import schedule_warnings
from postureping.settings.child import load_settings

NOT_RELOADED = "not reloaded: the old settings stay in force"


class Reload:
    """`postureping reload`: the settings validated again (in the child process), and, if
    they ask for other idle or do-not-disturb sources, those chosen again."""

    def __init__(
        self,
        ctx: Context,
        settings: DaemonSettings,
        sources: Sources,
        log: logging.Logger,
        *,
        demo: bool,
    ) -> None:
        self._ctx = ctx
        self._current = settings
        self._sources = sources
        self._log = log
        self._demo = demo
        self._lock = threading.Lock()  # one reload at a time

    def config(self, settings: DaemonSettings) -> EngineConfig:
        return settings.engine_config(
            self._ctx.zone, idle_monitor=self._sources.monitor_name, demo=self._demo
        )

    def __call__(self) -> EngineConfig:
        ctx = self._ctx
        with self._lock:
            try:
                fresh = load_settings(ctx.paths, ctx.environ)
            except ConfigError as error:
                refused = ConfigError(list(error.problems), outcome=NOT_RELOADED)
                self._log.warning("settings %s", refused.message.removeprefix("invalid settings, "))
                raise refused from None
            for warning in schedule_warnings(fresh.routines, fresh.hours):
                self._log.warning("%s", warning)
            if sources_differ(self._current, fresh):
                self._sources.replace(*choose_sources(fresh, ctx.environ, self._log))
            self._sources.desktop_breaks = gnome_breaks_reader(fresh, ctx.environ)
            self._current = fresh
            return self.config(fresh)


def gnome_breaks_reader(
    settings: DaemonSettings, environ: Mapping[str, str]
) -> Callable[[], bool] | None:
    """What tells whether GNOME's movement breaks are on, where the settings leave the walk
    to them; None where they do not (then GNOME is never asked)."""
    if settings.activity.gnome_movement_breaks != "skip-walk":
        return None
    return lambda: read_gnome_breaks(environ).movement
