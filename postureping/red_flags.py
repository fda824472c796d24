"""Warning signs in the pain check-ins, and the guidance they call for.

Pure functions over a history of check-ins (postureping.checkin): no clock, no I/O. The
signs are those of the "when to see a doctor" notice (postureping.health), which is in our
own words from the project's source articles; the guidance quotes the same words and makes
no claim beyond them: it says which sign the answers match and whom to contact, nothing
about a cause.

- Lasting pain: every check-in from one more than `LASTING` (three weeks) before the latest
  up to the latest has pain above the user's level. The articles say pain that "continues
  past a few weeks"; the check-ins are weekly, so this takes at least four of them in a row.
- Pain down a leg below the knee: the latest check-in says so.
- The yes/no answers of the latest check-in: severe pain that does not ease with rest,
  weakness, numbness or tingling in a leg, weight loss without a reason (see a doctor);
  new bladder or bowel trouble, fever, pain after a fall or a blow (get care at once).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from postureping import health
from postureping.checkin import CheckIn, Place, Symptom

LASTING = timedelta(weeks=3)


class Flag(StrEnum):
    LASTING = "lasting"
    NOT_EASING = "not-easing"
    BELOW_KNEE = "below-knee"
    WEAKNESS = "weakness"
    WEIGHT_LOSS = "weight-loss"
    BLADDER_BOWEL = "bladder-bowel"
    FEVER = "fever"
    INJURY = "injury"


URGENT: frozenset[Flag] = frozenset({Flag.BLADDER_BOWEL, Flag.FEVER, Flag.INJURY})

# Each flag's words: the notice's own item (one source of truth).
TEXT: dict[Flag, str] = {
    Flag.LASTING: health.LASTS_WEEKS,
    Flag.NOT_EASING: health.SEVERE_NOT_EASING,
    Flag.BELOW_KNEE: health.BELOW_KNEE,
    Flag.WEAKNESS: health.LEG_WEAKNESS,
    Flag.WEIGHT_LOSS: health.WEIGHT_LOSS,
    Flag.BLADDER_BOWEL: health.BLADDER_BOWEL,
    Flag.FEVER: health.FEVER,
    Flag.INJURY: health.INJURY,
}
_FROM_SYMPTOM: dict[Symptom, Flag] = {
    Symptom.NOT_EASING: Flag.NOT_EASING,
    Symptom.WEAKNESS: Flag.WEAKNESS,
    Symptom.WEIGHT_LOSS: Flag.WEIGHT_LOSS,
    Symptom.BLADDER_BOWEL: Flag.BLADDER_BOWEL,
    Symptom.FEVER: Flag.FEVER,
    Symptom.INJURY: Flag.INJURY,
}

Dated = tuple[datetime, CheckIn]  # when (aware), and the answer


@dataclass(frozen=True)
class Guidance:
    """What to show when the check-ins match warning signs."""

    flags: tuple[Flag, ...]  # in the order of Flag
    at: datetime  # the latest check-in's time

    @property
    def urgent(self) -> bool:
        return any(flag in URGENT for flag in self.flags)

    @property
    def title(self) -> str:
        return health.GUIDANCE_TITLE_NOW if self.urgent else health.GUIDANCE_TITLE_DOCTOR

    def lines(self) -> list[str]:
        """The guidance as lines of plain text: the urgent signs first, then the others,
        then the disclaimer."""
        now = [TEXT[f] for f in self.flags if f in URGENT]
        later = [TEXT[f] for f in self.flags if f not in URGENT]
        lines: list[str] = []
        if now:
            lines.append(health.GUIDANCE_NOW_LEAD + ":")
            lines += [f"- {text}" for text in now]
        if later:
            lead = health.GUIDANCE_DOCTOR_LEAD + ":"
            lines.append(lead if not now else "Also tell your doctor that it:")
            lines += [f"- {text}" for text in later]
        lines.append(health.GUIDANCE_FOOTER)
        return lines

    def text(self) -> str:
        return "\n".join(self.lines())


def red_flags(history: Sequence[Dated], lasting_above: int) -> tuple[Flag, ...]:
    """The warning signs the check-ins in `history` (any order) match, in the order of Flag;
    () for none or no check-in. Pain "lasts" when it is above `lasting_above` in every
    check-in of more than three weeks up to the latest."""
    if not history:
        return ()
    ordered = sorted(history, key=lambda dated: dated[0])
    _, latest = ordered[-1]
    found: set[Flag] = {_FROM_SYMPTOM[symptom] for symptom in latest.yes}
    if latest.pain > 0 and Place.BELOW_KNEE in latest.where:
        found.add(Flag.BELOW_KNEE)
    if lasting(ordered, lasting_above):
        found.add(Flag.LASTING)
    return tuple(flag for flag in Flag if flag in found)


def lasting(ordered: Sequence[Dated], above: int) -> bool:
    """Whether the latest run of check-ins with pain above `above` (oldest first in
    `ordered`) spans more than LASTING, from its first to the latest check-in."""
    if not ordered or ordered[-1][1].pain <= above:
        return False
    latest_at = ordered[-1][0]
    first_at = latest_at
    for at, checkin in reversed(ordered):
        if checkin.pain <= above:
            break
        first_at = at
    return latest_at - first_at > LASTING


def guidance(history: Sequence[Dated], lasting_above: int) -> Guidance | None:
    """The guidance for the check-ins in `history`; None when they match no warning sign."""
    flags = red_flags(history, lasting_above)
    if not flags:
        return None
    return Guidance(flags, max(at for at, _ in history))


def should_ask(pain: int, ask_above: int) -> bool:
    """Whether a check-in with this pain asks the yes/no questions."""
    return pain > ask_above
