"""The guide's answer: `done` or `skip` of the routine, with source "guide".

As `postureping done` does it: through the daemon's control channel when a daemon runs (it
closes the reminder that awaits an answer, and keeps the answer in memory should the disk
fail), else straight into the history.
"""

from __future__ import annotations

from postureping.commands.answer import record_answer, send_answer
from postureping.context import Context
from postureping.guide.session import Outcome
from postureping.history.events import Kind

SOURCE = "guide"
KINDS = {Outcome.DONE: Kind.DONE, Outcome.SKIP: Kind.SKIPPED}


def record(ctx: Context, routine_id: str, outcome: Outcome) -> str:
    """Record `outcome` for the routine; the confirmation. UserError when it was refused."""
    confirmed = send_answer(ctx, outcome.value, routine_id, SOURCE)
    if confirmed is None:
        return record_answer(ctx, routine_id, KINDS[outcome], SOURCE)
    return confirmed
