"""The red-flag rules, as pure functions over check-in histories (postureping.red_flags)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from postureping import health
from postureping.checkin import CheckIn, Place, Symptom, parse_pain, parse_places
from postureping.red_flags import LASTING, URGENT, Flag, guidance, lasting, red_flags, should_ask

START = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)  # a Monday
WEEK = timedelta(weeks=1)


def weekly(*pains: int) -> list[tuple[datetime, CheckIn]]:
    """One check-in a week with these pain levels, oldest first."""
    return [(START + n * WEEK, CheckIn(pain)) for n, pain in enumerate(pains)]


def test_no_checkins_no_flags() -> None:
    assert red_flags([], 3) == ()
    assert guidance([], 3) is None


def test_pain_above_the_level_for_more_than_three_weeks_lasts() -> None:
    # four weekly check-ins span exactly three weeks: not more than three
    assert Flag.LASTING not in red_flags(weekly(5, 5, 5, 5), 3)
    assert red_flags(weekly(5, 5, 5, 5, 5), 3) == (Flag.LASTING,)
    # one minute past three weeks is enough
    two = [(START, CheckIn(4)), (START + LASTING + timedelta(minutes=1), CheckIn(4))]
    assert red_flags(two, 3) == (Flag.LASTING,)


def test_the_level_is_exclusive_and_the_users_own() -> None:
    assert red_flags(weekly(3, 3, 3, 3, 3), 3) == ()  # at the level is not above it
    assert red_flags(weekly(3, 3, 3, 3, 3), 2) == (Flag.LASTING,)
    assert red_flags(weekly(9, 9, 9, 9, 9), 9) == ()


def test_a_week_at_or_below_the_level_starts_the_count_again() -> None:
    assert red_flags(weekly(6, 6, 6, 2, 6, 6, 6), 3) == ()
    assert red_flags(weekly(6, 6, 6, 2, 6, 6, 6, 6, 6), 3) == (Flag.LASTING,)


def test_pain_that_has_eased_no_longer_lasts() -> None:
    assert red_flags(weekly(6, 6, 6, 6, 6, 6, 1), 3) == ()


def test_order_of_the_history_does_not_matter() -> None:
    history = weekly(5, 5, 5, 5, 5)
    assert red_flags(list(reversed(history)), 3) == (Flag.LASTING,)
    assert lasting(history, 3)


@pytest.mark.parametrize(
    ("symptom", "flag"),
    [
        (Symptom.NOT_EASING, Flag.NOT_EASING),
        (Symptom.WEAKNESS, Flag.WEAKNESS),
        (Symptom.WEIGHT_LOSS, Flag.WEIGHT_LOSS),
        (Symptom.BLADDER_BOWEL, Flag.BLADDER_BOWEL),
        (Symptom.FEVER, Flag.FEVER),
        (Symptom.INJURY, Flag.INJURY),
    ],
)
def test_each_yes_answer_is_its_flag(symptom: Symptom, flag: Flag) -> None:
    checkin = CheckIn(6, asked=True, yes=frozenset({symptom}))
    assert red_flags([(START, checkin)], 3) == (flag,)
    shown = guidance([(START, checkin)], 3)
    assert shown is not None
    assert shown.urgent is (flag in URGENT)
    assert shown.title == (
        health.GUIDANCE_TITLE_NOW if flag in URGENT else health.GUIDANCE_TITLE_DOCTOR
    )


def test_urgent_ones_are_the_seek_care_now_list() -> None:
    assert {health.BLADDER_BOWEL, health.FEVER, health.INJURY} == set(health.SEEK_CARE_NOW)
    assert {Flag.BLADDER_BOWEL, Flag.FEVER, Flag.INJURY} == URGENT


def test_answered_no_is_no_flag() -> None:
    assert red_flags([(START, CheckIn(8, asked=True))], 3) == ()


def test_only_the_latest_checkins_answers_count() -> None:
    earlier = CheckIn(8, asked=True, yes=frozenset({Symptom.FEVER}))
    assert red_flags([(START, earlier), (START + WEEK, CheckIn(2))], 3) == ()


def test_pain_below_the_knee_is_a_flag_above_it_is_not() -> None:
    below = CheckIn(5, parse_places(["one-leg", "below-knee"]))
    above = CheckIn(5, parse_places(["both-legs", "buttock"]))
    assert red_flags([(START, below)], 3) == (Flag.BELOW_KNEE,)
    assert red_flags([(START, above)], 3) == ()
    # no pain, no flag, whatever the places say
    assert red_flags([(START, CheckIn(0, parse_places(["below-knee"])))], 3) == ()


def test_below_the_knee_alone_means_down_a_leg() -> None:
    assert CheckIn(4, frozenset({Place.BELOW_KNEE})).where == {Place.BELOW_KNEE, Place.ONE_LEG}


def test_several_flags_urgent_first_with_the_disclaimer() -> None:
    history = [
        *weekly(6, 6, 6, 6),
        (
            START + 4 * WEEK,
            CheckIn(
                7,
                parse_places(["lower-back", "below-knee"]),
                asked=True,
                yes=frozenset({Symptom.FEVER, Symptom.WEAKNESS}),
            ),
        ),
    ]
    shown = guidance(history, 3)
    assert shown is not None
    assert shown.flags == (Flag.LASTING, Flag.BELOW_KNEE, Flag.WEAKNESS, Flag.FEVER)
    assert shown.urgent and shown.at == START + 4 * WEEK
    lines = shown.lines()
    assert lines[0] == health.GUIDANCE_NOW_LEAD + ":"
    assert lines[1] == f"- {health.FEVER}"
    assert f"- {health.LASTS_WEEKS}" in lines and f"- {health.LEG_WEAKNESS}" in lines
    assert lines[-1] == health.GUIDANCE_FOOTER
    assert "not medical advice" in lines[-1]


def test_every_flag_quotes_the_notice() -> None:
    notice = set(health.SEE_A_DOCTOR) | set(health.SEEK_CARE_NOW)
    history = [
        *weekly(9, 9, 9, 9),
        (START + 4 * WEEK, CheckIn(9, asked=True, yes=frozenset(Symptom))),
    ]
    shown = guidance(
        [
            *history[:-1],
            (
                history[-1][0],
                CheckIn(9, parse_places(["below-knee"]), asked=True, yes=frozenset(Symptom)),
            ),
        ],
        0,
    )
    assert shown is not None and set(shown.flags) == set(Flag)
    quoted = [line[2:] for line in shown.lines() if line.startswith("- ")]
    assert len(quoted) == len(Flag) and set(quoted) <= notice
    assert set(health.QUESTIONS) == {symptom.value for symptom in Symptom}


def test_questions_are_asked_above_the_level_only() -> None:
    assert not should_ask(3, 3)
    assert should_ask(4, 3)
    assert should_ask(1, 0)


@pytest.mark.parametrize("text", ["-1", "11", "five", "", "4.5", "٣"])
def test_a_bad_pain_level_says_what_is_allowed(text: str) -> None:
    with pytest.raises(ValueError, match="not a whole number from 0 to 10"):
        parse_pain(text)


def test_a_pain_level_out_of_range_is_refused_when_made() -> None:
    with pytest.raises(ValueError, match="from 0 to 10"):
        CheckIn(11)
    with pytest.raises(ValueError, match="no questions were asked"):
        CheckIn(5, yes=frozenset({Symptom.FEVER}))
