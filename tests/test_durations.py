from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from postureping.durations import format_duration, humanize, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("45s", 45), ("30m", 1800), ("1h30m", 5400), ("2h", 7200), ("1d", 86400), (" 1H 5M ", 3900)],
)
def test_parse(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    "text", ["", "30", "m", "30 minutes please", "1.5h", "30m1h", "5m5m", "-5m", "0s", "0h0m"]
)
def test_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="45s, 30m, 1h30m"):
        parse_duration(text)


@given(st.integers(min_value=1, max_value=10 * 86400))
def test_format_round_trips(seconds: int) -> None:
    value = timedelta(seconds=seconds)
    assert parse_duration(format_duration(value)) == value


def test_humanize() -> None:
    assert humanize(timedelta(seconds=40)) == "40 s"
    assert humanize(timedelta(minutes=12, seconds=10)) == "12 min"
    assert humanize(timedelta(hours=1, minutes=5)) == "1 h 5 min"
    assert humanize(timedelta(days=3)) == "3 days"
