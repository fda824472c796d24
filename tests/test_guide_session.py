"""The guided routine's flow (postureping.guide.session), on a made-up clock."""

from __future__ import annotations

import pytest

from postureping.guide.session import OTHER_SIDE, Cue, GuideSession, Outcome
from postureping.routines import Step

STEPS = (
    Step("Reach up", 10),
    Step("Tilt your head", 20, per_side=True),
    Step("Breathe out", 10),
)


def session(steps: tuple[Step, ...] = STEPS, read: float = 3.0) -> GuideSession:
    return GuideSession("Stretch", steps, now=100.0, read_seconds=read)


def test_each_step_is_read_then_counted_down() -> None:
    guide = session()
    view = guide.view(100.0)
    assert (view.number, view.count, view.text) == (1, 3, "Reach up")
    assert view.reading and view.seconds_left == 3 and view.cue == "Get ready"
    assert view.progress == 0.0
    assert guide.tick(102.9) == []
    assert guide.tick(103.0) == [Cue.GO]
    view = guide.view(103.0)
    assert not view.reading and view.seconds_left == 10 and view.cue == ""
    view = guide.view(108.0)
    assert view.seconds_left == 5 and view.progress == pytest.approx(0.5 / 3)
    assert guide.tick(113.0) == [Cue.STEP]
    view = guide.view(113.0)
    assert view.number == 2 and view.reading and view.seconds_left == 3


def test_a_step_done_on_each_side_says_other_side_halfway() -> None:
    guide = session()
    guide.tick(113.0)  # the second step: 3 s to read, then 20 s, the other side after 10
    assert guide.tick(116.0) == [Cue.GO]
    assert guide.view(125.9).cue == ""
    assert guide.tick(126.0) == [Cue.SIDE]
    assert guide.view(126.0).cue == OTHER_SIDE
    assert guide.tick(130.0) == []  # said once
    assert guide.view(130.0).cue == OTHER_SIDE


def test_the_end_of_the_last_step_is_done() -> None:
    guide = session()
    cues = guide.tick(100.0 + 13 + 23 + 13)
    assert cues[-1] is Cue.FINISHED
    assert guide.finished and guide.outcome is Outcome.DONE
    view = guide.view(200.0)
    assert view.finished and view.progress == 1.0 and view.cue == "Well done"


def test_a_stall_moves_through_the_steps_it_missed_at_once() -> None:
    guide = session()
    assert guide.tick(100.0 + 13 + 23 + 1) == [Cue.GO, Cue.STEP, Cue.GO, Cue.SIDE, Cue.STEP]
    assert guide.view(137.0).number == 3  # 1 s into its reading time
    assert guide.view(137.0).seconds_left == 2


def test_pause_stops_the_clock() -> None:
    guide = session()
    guide.tick(105.0)
    guide.toggle_pause(105.0)
    assert guide.paused
    assert guide.tick(500.0) == []
    view = guide.view(500.0)
    assert view.paused and view.cue == "Paused" and view.seconds_left == 8
    guide.toggle_pause(500.0)
    assert guide.view(501.0).seconds_left == 7
    assert guide.tick(508.0) == [Cue.STEP]


def test_next_moves_on_and_after_the_last_step_finishes() -> None:
    guide = session()
    assert guide.next(101.0) == [Cue.STEP]
    assert guide.view(101.0).number == 2 and guide.view(101.0).seconds_left == 3
    assert guide.next(102.0) == [Cue.STEP]
    assert guide.next(103.0) == [Cue.FINISHED]
    assert guide.outcome is Outcome.DONE


def test_next_while_paused_stays_paused() -> None:
    guide = session()
    guide.toggle_pause(101.0)
    guide.next(102.0)
    assert guide.paused and guide.view(300.0).seconds_left == 3


@pytest.mark.parametrize("outcome", [Outcome.DONE, Outcome.SKIP])
def test_done_and_skip_end_it_at_once(outcome: Outcome) -> None:
    guide = session()
    guide.finish(outcome)
    assert guide.finished and guide.outcome is outcome
    guide.finish(Outcome.DONE if outcome is Outcome.SKIP else Outcome.SKIP)
    assert guide.outcome is outcome  # the first word stands
    assert guide.tick(1000.0) == [] and guide.next(1000.0) == []


def test_closing_early_has_no_outcome() -> None:
    guide = session()
    guide.tick(120.0)
    assert guide.outcome is None and not guide.finished


def test_a_checklist_item_waits_for_next() -> None:
    guide = session((Step("Bend your knees"), Step("Keep the load close")))
    assert guide.tick(10_000.0) == []
    view = guide.view(10_000.0)
    assert view.number == 1 and view.seconds_left is None and not view.reading
    assert guide.next(10_000.0) == [Cue.STEP]
    assert guide.view(10_000.0).progress == 0.5


def test_the_next_change_is_the_next_whole_second() -> None:
    guide = session()
    assert guide.next_change(100.25) == pytest.approx(101.0)
    guide.toggle_pause(100.5)
    assert guide.next_change(101.0) is None


def test_a_routine_without_steps_cannot_be_guided() -> None:
    with pytest.raises(ValueError, match="at least one step"):
        GuideSession("Walk", (), now=0.0)
