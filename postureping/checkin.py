"""How is your back? One pain check-in, as a value: a pain level, where it hurts, and the
answers to the yes/no questions about the warning signs.

Pure: no I/O. The history stores a check-in on its event (postureping.history.events), the
red-flag rules read them (postureping.red_flags), and the wording of the questions and of
the guidance is in postureping.health, with the rest of the "when to see a doctor" text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

_E = TypeVar("_E", bound=StrEnum)

ROUTINE_ID = "checkin"  # the built-in routine (routines/checkin.toml) that asks weekly
MIN_PAIN, MAX_PAIN = 0, 10
DEFAULT_ASK_ABOVE = 3  # ask the yes/no questions when the pain is above this
DEFAULT_LASTING_ABOVE = 3  # pain above this over more than three weeks "lasts"


class Place(StrEnum):
    """Where it hurts. A leg place without `below-knee` means above the knee."""

    LOWER_BACK = "lower-back"
    BUTTOCK = "buttock"
    ONE_LEG = "one-leg"
    BOTH_LEGS = "both-legs"
    BELOW_KNEE = "below-knee"  # the leg pain reaches below the knee


class Symptom(StrEnum):
    """The yes/no questions a check-in asks when the pain is above the user's level."""

    NOT_EASING = "not-easing"  # severe, and rest does not make it better
    WEAKNESS = "weakness"  # weakness, numbness or tingling in one leg or both
    WEIGHT_LOSS = "weight-loss"  # weight loss you cannot explain
    BLADDER_BOWEL = "bladder-bowel"  # new bladder or bowel trouble
    FEVER = "fever"
    INJURY = "injury"  # began after a fall, a blow to the back or another injury


# The notification's buttons: a band of levels each, and the level one records: the middle
# of the band, rounded down. `postureping checkin N` records an exact level.
BANDS: tuple[tuple[str, int], ...] = (
    ("0\N{EN DASH}2", 1),
    ("3\N{EN DASH}5", 4),
    ("6\N{EN DASH}8", 7),
    ("9\N{EN DASH}10", 9),
)


@dataclass(frozen=True)
class CheckIn:
    """One answer to "How is your back today?".

    `asked` says whether the yes/no questions were put (they are only above the user's
    level, and only where someone can answer them); `yes` holds the symptoms answered yes,
    so a symptom asked and not in `yes` was answered no.
    """

    pain: int
    where: frozenset[Place] = frozenset()
    asked: bool = False
    yes: frozenset[Symptom] = frozenset()

    def __post_init__(self) -> None:
        if type(self.pain) is not int or not MIN_PAIN <= self.pain <= MAX_PAIN:
            raise ValueError(f"pain must be a whole number from {MIN_PAIN} to {MAX_PAIN}")
        if self.yes and not self.asked:
            raise ValueError("symptoms were answered yes, but no questions were asked")
        if Place.BELOW_KNEE in self.where and not self.where & {Place.ONE_LEG, Place.BOTH_LEGS}:
            # "below the knee" alone still says the pain is down a leg
            object.__setattr__(self, "where", self.where | {Place.ONE_LEG})

    def to_json(self) -> dict[str, Any]:
        """The stored fields, in a fixed order (sorted lists, for stable lines)."""
        obj: dict[str, Any] = {"pain": self.pain, "where": sorted(self.where)}
        if self.asked:
            obj["yes"] = sorted(self.yes)
        return obj

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> CheckIn:
        """The check-in of an event's stored fields. Raises ValueError saying what is wrong."""
        pain = obj.get("pain")
        if type(pain) is not int:
            raise ValueError('"pain" is missing or not a whole number')
        where = obj.get("where", [])
        yes = obj.get("yes")
        if not isinstance(where, list) or not all(isinstance(p, str) for p in where):
            raise ValueError('"where" is not a list of text')
        if yes is not None and (
            not isinstance(yes, list) or not all(isinstance(s, str) for s in yes)
        ):
            raise ValueError('"yes" is not a list of text')
        return cls(
            pain,
            parse_places(where),
            asked=yes is not None,
            yes=parse_symptoms(yes or []),
        )

    def describe(self) -> str:
        """ "pain 6/10 (lower-back, one-leg, below-knee)" """
        where = f" ({', '.join(sorted(self.where))})" if self.where else ""
        return f"pain {self.pain}/10{where}"


@dataclass(frozen=True)
class Levels:
    """The user's levels ([checkin] in the settings)."""

    ask_above: int = DEFAULT_ASK_ABOVE  # the yes/no questions are asked above this pain
    lasting_above: int = DEFAULT_LASTING_ABOVE  # pain above this can "last" (red_flags)


DEFAULT_LEVELS = Levels()


@dataclass(frozen=True)
class Shown:
    """The red-flag guidance a check-in showed: the flags' names (postureping.red_flags).
    Kept as text, so that a flag added by a later version still reads."""

    flags: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.flags or not all(isinstance(f, str) and f for f in self.flags):
            raise ValueError("guidance shows at least one flag, each named by text")

    def to_json(self) -> dict[str, Any]:
        return {"flags": list(self.flags)}

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Shown:
        flags = obj.get("flags")
        if not isinstance(flags, list):
            raise ValueError('"flags" is missing or not a list')
        return cls(tuple(flags))


def parse_places(words: Iterable[str]) -> frozenset[Place]:
    """Places by name; ValueError naming the bad one and the allowed ones."""
    return frozenset(_pick(Place, word, "place") for word in words)


def parse_symptoms(words: Iterable[str]) -> frozenset[Symptom]:
    """Symptoms by name; ValueError naming the bad one and the allowed ones."""
    return frozenset(_pick(Symptom, word, "symptom") for word in words)


def parse_pain(text: str) -> int:
    """A pain level typed by the user; ValueError saying what is allowed."""
    word = text.strip()
    if not (word.isascii() and word.isdigit()) or not MIN_PAIN <= int(word) <= MAX_PAIN:
        raise ValueError(f"pain level {text!r} is not a whole number from {MIN_PAIN} to {MAX_PAIN}")
    return int(word)


def _pick(enum: type[_E], word: str, noun: str) -> _E:
    try:
        return enum(word.strip().lower())
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise ValueError(f"unknown {noun} {word!r} (one of: {allowed})") from None
