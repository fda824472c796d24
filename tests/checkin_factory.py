"""Check-in details for tests that make events of every kind (postureping.checkin)."""

from __future__ import annotations

from postureping.checkin import CheckIn, Place, Shown, Symptom
from postureping.history.events import Kind

SAMPLE_CHECKIN = CheckIn(
    6, frozenset({Place.LOWER_BACK, Place.BELOW_KNEE}), asked=True, yes=frozenset({Symptom.FEVER})
)
SAMPLE_SHOWN = Shown(("below-knee", "fever"))


def detail_for(kind: Kind) -> CheckIn | Shown | None:
    """The detail an event of `kind` needs: a sample check-in or guidance, else None."""
    if kind is Kind.CHECKIN:
        return SAMPLE_CHECKIN
    if kind is Kind.GUIDANCE:
        return SAMPLE_SHOWN
    return None
