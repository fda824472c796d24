"""The settings model: one typed schema, the single source of truth for the settings file,
the environment variables that override it, and the built-in routine files."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from postureping.checkin import DEFAULT_ASK_ABOVE, DEFAULT_LASTING_ABOVE
from postureping.hours import ActiveHours, TimeRange
from postureping.notify.registry import CHOICES as BACKEND_CHOICES
from postureping.routines import ALL_DAYS, At, Category, Every, GuideMode, Routine, Step
from postureping.settings.types import (
    BreakAfter,
    Count,
    DayRanges,
    Days,
    Duration,
    Flag,
    RoutineId,
    ShortDuration,
    StorePath,
    TimesOfDay,
    WindowClasses,
)

ENV_PREFIX = "POSTUREPING_"
ENV_DELIMITER = "__"

WORKDAY = (TimeRange(9 * 60, 18 * 60),)
DEFAULT_BREAK = timedelta(minutes=2)  # the shortest absence that counts as a natural break


Message = Annotated[str, Field(min_length=1, max_length=500)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StepSpec(StrictModel):
    text: str = Field(min_length=1, max_length=200)
    seconds: Count | None = Field(default=None, ge=1, le=3600)
    # One side, then the other, within `seconds`: the guide says "other side" halfway.
    per_side: Flag = False


class RoutineFields(StrictModel):
    """What a user may set on a routine. Every key is optional here."""

    title: str | None = Field(default=None, min_length=1, max_length=80)
    message: str | None = Field(default=None, min_length=1, max_length=500)
    # Several wordings, shown in turn (never the same twice in a row); `message` is the first.
    messages: tuple[Message, ...] | None = Field(default=None, min_length=1, max_length=20)
    steps: tuple[StepSpec, ...] | None = None
    duration: Duration | None = None
    every: Duration | None = None
    at: TimesOfDay | None = None
    days: Days | None = None
    enabled: Flag | None = None
    # How long away from the computer counts as having done it (a natural break); "off".
    break_after: BreakAfter | None = None
    # "active": the interval counts only time at the computer, not time away from it.
    count: Literal["wall", "active"] | None = None
    # The guided window for a routine with steps: "ask" offers a Start button, "auto" opens it
    # instead of a notification, "off" neither.
    guide: GuideMode | None = None

    @model_validator(mode="after")
    def _one_cadence(self) -> Self:
        if self.every is not None and self.at is not None:
            raise ValueError('set either "every" (an interval) or "at" (times of day), not both')
        return self


class RoutineOverride(RoutineFields):
    """[routines.ID] in the settings file: changes to a built-in routine."""


class RoutineSpec(RoutineFields):
    """A complete routine: a built-in routine file, or [[custom_routines]] in the settings."""

    id: RoutineId
    title: str = Field(min_length=1, max_length=80)
    message: str = Field(min_length=1, max_length=500)
    category: Category = Category.MOVEMENT
    duration: Duration = timedelta(minutes=1)

    @model_validator(mode="after")
    def _has_cadence(self) -> Self:
        if self.every is None and self.at is None:
            raise ValueError('needs a cadence: "every" (like "45m") or "at" (like ["12:30"])')
        return self

    def merged(self, override: RoutineOverride) -> RoutineSpec:
        """This routine with the keys the user set in [routines.ID] replacing its own. A new
        cadence of either kind replaces the old one."""
        changes = override.model_dump(exclude_unset=True)
        base = self.model_dump(exclude_unset=True)
        if "every" in changes or "at" in changes:
            base.pop("every", None)
            base.pop("at", None)
        if "message" in changes and "messages" not in changes:
            base.pop("messages", None)  # your own message replaces the built-in wordings
        return RoutineSpec.model_validate({**base, **changes})

    def to_routine(self, *, builtin: bool) -> Routine:
        cadence: Every | At = Every(self.every) if self.every is not None else At(self.at or ())
        return Routine(
            id=self.id,
            title=self.title,
            message=self.message,
            category=self.category,
            duration=self.duration,
            cadence=cadence,
            days=self.days if self.days is not None else ALL_DAYS,
            enabled=True if self.enabled is None else self.enabled,
            steps=tuple(Step(s.text, s.seconds, s.per_side) for s in self.steps or ()),
            builtin=builtin,
            break_after=self._break_after(),
            count_active=self.count == "active",
            messages=self._messages(),
            guide=self.guide or "ask",
        )

    def _messages(self) -> tuple[str, ...]:
        """`message` first, then the other `messages` (a message in both counts once)."""
        if not self.messages:
            return ()
        return tuple(dict.fromkeys((self.message, *self.messages)))

    def _break_after(self) -> timedelta | None:
        """Set, or by default a movement routine's own duration, at least DEFAULT_BREAK."""
        if self.break_after is not None:
            return self.break_after or None  # "off" is kept as zero
        if self.category is Category.MOVEMENT:
            return max(self.duration, DEFAULT_BREAK)
        return None


if TYPE_CHECKING:
    BackendName = str
else:  # the names of the notification registry, which is the one list of them
    BackendName = Literal[BACKEND_CHOICES]


class NotificationSettings(StrictModel):
    backend: BackendName = "auto"
    timeout: ShortDuration = timedelta(seconds=20)
    # A reminder with no answer (done, skip, snooze) within this time is recorded as missed.
    answer_within: Duration = timedelta(minutes=10)
    # Show an unanswered reminder again up to this many times before it counts as missed.
    renotify: Count = Field(default=0, ge=0, le=10)


class GuideSettings(StrictModel):
    """[guide]: the guided routine window."""

    # A short sound (or the bell) at each step change.
    sound: Flag = False


class ActivitySettings(StrictModel):
    """[activity]: when the user is away, busy or the computer slept."""

    # Idle detection: hold reminders while nobody is at the computer; credit natural breaks.
    idle: Flag = True
    away_after: ShortDuration = timedelta(minutes=2)
    # Hold reminders during the desktop's do-not-disturb and fullscreen windows.
    respect_do_not_disturb: Flag = True
    never_hold: WindowClasses = ()
    # No reminder this long after you come back, the computer wakes up or the clock jumps.
    after_return: Duration = timedelta(minutes=2)
    # GNOME's own movement breaks (GNOME 48+): "keep-walk" reminds of the walk as well;
    # "skip-walk" leaves it to GNOME while its movement breaks are on.
    gnome_movement_breaks: Literal["keep-walk", "skip-walk"] = "keep-walk"


class StoreSettings(StrictModel):
    path: StorePath | None = None


class StatsSettings(StrictModel):
    daily_goal: Count = Field(default=1, ge=1, le=100)


class CheckinSettings(StrictModel):
    """[checkin]: the pain check-in (the `checkin` routine; postureping.red_flags)."""

    # Ask the yes/no questions about warning signs when the pain is above this (0-10).
    ask_above: Count = Field(default=DEFAULT_ASK_ABOVE, ge=0, le=9)
    # Pain above this in every check-in over more than three weeks counts as lasting pain.
    lasting_above: Count = Field(default=DEFAULT_LASTING_ABOVE, ge=0, le=9)


class ActiveHoursSettings(StrictModel):
    mon: DayRanges = WORKDAY
    tue: DayRanges = WORKDAY
    wed: DayRanges = WORKDAY
    thu: DayRanges = WORKDAY
    fri: DayRanges = WORKDAY
    sat: DayRanges = ()
    sun: DayRanges = ()

    def to_hours(self) -> ActiveHours:
        return ActiveHours((self.mon, self.tue, self.wed, self.thu, self.fri, self.sat, self.sun))


class Settings(BaseSettings):
    """The whole settings file. Sources, strongest first: environment variables
    (POSTUREPING_SECTION__KEY), the settings file, the defaults here."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_DELIMITER,
        extra="forbid",
        frozen=True,
    )

    notifications: NotificationSettings = NotificationSettings()
    active_hours: ActiveHoursSettings = ActiveHoursSettings()
    store: StoreSettings = StoreSettings()
    stats: StatsSettings = StatsSettings()
    checkin: CheckinSettings = CheckinSettings()
    activity: ActivitySettings = ActivitySettings()
    guide: GuideSettings = GuideSettings()
    routines: dict[str, RoutineOverride] = Field(default_factory=dict)
    custom_routines: tuple[RoutineSpec, ...] = ()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The loader reads the file and the environment itself (to name the file or the
        # variable in each error, and to read a given environment, not os.environ) and
        # passes the merged values in.
        return (init_settings,)


def dump(settings: Settings) -> dict[str, Any]:
    """The effective settings as plain TOML-able values."""
    return settings.model_dump(mode="json", exclude_none=True)
