"""What the daemon process needs of the settings, as plain values.

The settings model (postureping.settings.model) is validated by pydantic-settings, and pydantic with
its core is a third of the daemon's memory (about 12 MiB). The daemon runs all day and needs a
dozen values of the result, so it validates in a short-lived child process
(postureping.settings.child) and keeps only this record. Nothing here imports pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from postureping.checkin import DEFAULT_LEVELS, Levels
from postureping.hours import ActiveHours
from postureping.routines import Routine

if TYPE_CHECKING:
    from postureping.settings.load import LoadedSettings


@dataclass(frozen=True)
class DaemonSettings:
    routines: tuple[Routine, ...]  # built-in ones first, then the user's own
    hours: ActiveHours
    store_file: Path
    config_file: Path | None  # None: no settings file, the defaults apply
    # [notifications]
    backend: str
    notification_timeout: timedelta
    answer_within: timedelta
    renotify: int
    # [activity]
    idle: bool
    away_after: timedelta
    respect_do_not_disturb: bool
    never_hold: frozenset[str]
    after_return: timedelta
    gnome_movement_breaks: str = "keep-walk"  # or "skip-walk"
    checkin: Levels = DEFAULT_LEVELS  # [checkin]

    @classmethod
    def from_loaded(cls, loaded: LoadedSettings) -> DaemonSettings:
        notifications = loaded.settings.notifications
        activity = loaded.settings.activity
        return cls(
            routines=loaded.routines,
            hours=loaded.hours,
            store_file=loaded.store_file,
            config_file=loaded.config_file if loaded.config_exists else None,
            backend=notifications.backend,
            notification_timeout=notifications.timeout,
            answer_within=notifications.answer_within,
            renotify=notifications.renotify,
            idle=activity.idle,
            away_after=activity.away_after,
            respect_do_not_disturb=activity.respect_do_not_disturb,
            never_hold=frozenset(activity.never_hold),
            after_return=activity.after_return,
            gnome_movement_breaks=activity.gnome_movement_breaks,
            checkin=Levels(
                loaded.settings.checkin.ask_above, loaded.settings.checkin.lasting_above
            ),
        )
