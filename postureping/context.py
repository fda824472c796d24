"""What every command needs: paths, the clock, the environment, and (lazily) the settings."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from postureping.errors import UserError
from postureping.paths import Paths, resolve_paths
from postureping.terminal import visible
from postureping.time_zone import local_zone

if TYPE_CHECKING:
    from postureping.history.events import Event
    from postureping.history.format import Damage
    from postureping.history.store import EventStore
    from postureping.routines import Routine
    from postureping.settings.cache import Essentials
    from postureping.settings.load import LoadedSettings


def load_and_remember(paths: Paths, environ: Mapping[str, str]) -> LoadedSettings:
    """The validated settings and routines (raises ConfigError on any invalid input), with
    what the quick commands need of them remembered (postureping.settings.cache)."""
    from postureping.settings.cache import remember
    from postureping.settings.load import load  # pydantic: not for every command

    loaded = load(paths, environ)
    remember(paths, environ, essentials_of(loaded))
    return loaded


@dataclass
class Context:
    paths: Paths
    environ: Mapping[str, str]
    zone: ZoneInfo = field(default_factory=local_zone)
    clock: Callable[[], datetime] | None = None
    # What the command did, once done: see confirm.
    confirmation: str | None = field(default=None, init=False)

    @classmethod
    def from_environment(cls, config_arg: Path | None) -> Context:
        return cls(paths=resolve_paths(config_arg, os.environ), environ=dict(os.environ))

    def confirm(self, text: str) -> None:
        """Print what the command did, once it is done. Should standard output fail, the
        CLI shows `text` on stderr instead and the command still succeeds: what it did
        stands, and a retry (of `done`, say) would do it twice."""
        self.confirmation = text
        print(visible(text))

    def now(self) -> datetime:
        """Aware local time; tests inject `clock`."""
        return self.clock() if self.clock is not None else datetime.now(self.zone)

    @cached_property
    def loaded(self) -> LoadedSettings:
        """The validated settings and routines; raises ConfigError on any invalid input."""
        return load_and_remember(self.paths, self.environ)

    @cached_property
    def essentials(self) -> Essentials:
        """The routine ids and the history's path: remembered from the last full load of
        unchanged settings (postureping.settings.cache), else from a full load."""
        from postureping.settings.cache import recall

        if "loaded" not in self.__dict__ and (known := recall(self.paths, self.environ)):
            return known
        loaded = self.loaded
        return essentials_of(loaded)

    @property
    def routines(self) -> tuple[Routine, ...]:
        return self.loaded.routines

    def check_routine(self, routine_id: str) -> str:
        """`routine_id` if a routine has it, else a UserError that lists the valid ids."""
        ids = self.essentials.routine_ids
        if routine_id not in ids:
            raise UserError(f"unknown routine {routine_id!r}; valid routines: {', '.join(ids)}")
        return routine_id

    def store(self) -> EventStore:
        from postureping.history.store import EventStore

        return EventStore(self.essentials.store_file)

    def history(
        self, since: datetime | None = None, store: EventStore | None = None
    ) -> list[Event]:
        """The recorded events (since `since`), in file order, of the user's history or of
        `store`; each damaged line is reported on stderr and left out, and the command carries
        on."""
        result = (store or self.store()).read(since=since)
        self.report_damage(result.damaged)
        return result.events

    def report_damage(self, damaged: Iterable[Damage]) -> None:
        """Say on stderr which lines of the history were skipped, and why."""
        for damage in damaged:
            print(f"postureping: {visible(str(damage))}", file=sys.stderr)


def essentials_of(loaded: LoadedSettings) -> Essentials:
    """What the settings cache keeps of `loaded` (postureping.settings.cache)."""
    from postureping.settings.cache import Essentials

    ids = tuple(r.id for r in loaded.routines)
    return Essentials(ids, loaded.store_file, loaded.settings.checkin.lasting_above)
