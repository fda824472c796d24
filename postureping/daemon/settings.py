"""What the daemon process keeps of the settings: the settings model's own sections, as plain
values, and the reminder engine's configuration made from them.

The settings model (postureping.settings.model) is validated by pydantic-settings, and pydantic
with its core is a third of the daemon's memory (about 12 MiB). The daemon runs all day, so
it validates in a short-lived child process (postureping.settings.child) and keeps only this
record. Nothing here imports pydantic.

One type per setting: the daemon's sections ([notifications], [activity]) are copied whole,
field by field by name, into a `Section` that holds the same attributes as the model's section
and is typed as it. A new setting in those sections is one field of the model, and reaches
the daemon as `settings.activity.<name>` with nothing else to change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast
from zoneinfo import ZoneInfo

from postureping.checkin import DEFAULT_LEVELS, Levels
from postureping.engine.config import EngineConfig
from postureping.hours import ActiveHours
from postureping.routines import Routine

if TYPE_CHECKING:
    from pydantic import BaseModel

    from postureping.settings.load import LoadedSettings
    from postureping.settings.model import ActivitySettings, NotificationSettings

M = TypeVar("M", bound="BaseModel")


class Section:
    """The values of one section of the settings model, by field name, without pydantic:
    read-only attributes, equal when the values are. Typed as the model's section (see
    `section`), of which it has the fields only, not the methods."""

    __slots__ = ("_name", "_values")

    def __init__(self, name: str, values: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(f"{self._name} has no setting {key!r}") from None

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError(f"{self._name} is read-only")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Section):
            return NotImplemented
        return (self._name, self._values) == (other._name, other._values)

    def __hash__(self) -> int:
        return hash((self._name, tuple(self._values.items())))

    def __repr__(self) -> str:
        values = ", ".join(f"{key}={value!r}" for key, value in self._values.items())
        return f"{self._name}({values})"

    def __reduce__(self) -> tuple[type[Section], tuple[str, dict[str, Any]]]:
        return Section, (self._name, self._values)


def section(model: M) -> M:
    """The plain copy of a section of the settings model, typed as that section."""
    fields = type(model).model_fields
    return cast("M", Section(type(model).__name__, {k: getattr(model, k) for k in fields}))


@dataclass(frozen=True)
class DaemonSettings:
    routines: tuple[Routine, ...]  # built-in ones first, then the user's own
    hours: ActiveHours
    store_file: Path
    config_file: Path | None  # None: no settings file, the defaults apply
    notifications: NotificationSettings  # a Section at run time
    activity: ActivitySettings  # a Section at run time
    checkin: Levels = DEFAULT_LEVELS  # [checkin]

    @classmethod
    def from_loaded(cls, loaded: LoadedSettings) -> DaemonSettings:
        return cls(
            routines=loaded.routines,
            hours=loaded.hours,
            store_file=loaded.store_file,
            config_file=loaded.config_file if loaded.config_exists else None,
            notifications=section(loaded.settings.notifications),
            activity=section(loaded.settings.activity),
            checkin=Levels(
                loaded.settings.checkin.ask_above, loaded.settings.checkin.lasting_above
            ),
        )

    def engine_config(
        self, zone: ZoneInfo, *, idle_monitor: str | None = None, demo: bool = False
    ) -> EngineConfig:
        """What the reminder engine works with, from these settings."""
        notifications, activity = self.notifications, self.activity
        return EngineConfig(
            routines=self.routines,
            # Demo mode ignores active hours so a newcomer sees reminders at any time of day.
            hours=ActiveHours.always() if demo else self.hours,
            zone=zone,
            notification_timeout=notifications.timeout,
            answer_within=notifications.answer_within,
            renotify=notifications.renotify,
            away_after=activity.away_after,
            after_return=activity.after_return,
            idle_monitor=idle_monitor,
            demo=demo,
            left_to_desktop=(
                frozenset({"walk"})
                if activity.gnome_movement_breaks == "skip-walk"
                else frozenset()
            ),
        )
