"""The GNOME idle monitor against a real Mutter: headless, on a private session bus, with input
made through Mutter's RemoteDesktop API (tests/mutter_session.py).

Skipped with a reason when Mutter is missing; in CI (`CI=true`) that is a failure instead.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from postureping.idle.registry import MONITORS, choose_idle_monitor
from tests.mutter_session import MutterSession, require_mutter, start_mutter

pytestmark = [
    pytest.mark.slow,  # a headless Mutter per test
    pytest.mark.skipif(sys.platform != "linux", reason="GNOME's compositor runs on Linux"),
    pytest.mark.desktop,
]

SECOND = timedelta(seconds=1)


@pytest.fixture(scope="module")
def mutter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MutterSession]:
    """One headless Mutter for the module, stopped after it even if a test fails."""
    require_mutter()
    with start_mutter(tmp_path_factory.mktemp("mutter")) as session:
        yield session


def test_idle_time_grows_untouched_and_resets_on_input(mutter: MutterSession) -> None:
    monitor = MONITORS["gnome"](mutter.env)  # as choose_idle_monitor builds it
    try:
        mutter.touch()
        assert monitor.idle_time() < SECOND

        first = monitor.idle_time()
        time.sleep(1.2)
        second = monitor.idle_time()
        assert second - first >= timedelta(seconds=1.1)  # it counts while nobody touches
        assert second - first < timedelta(seconds=10)  # and counts milliseconds, not more

        mutter.touch()
        after = monitor.idle_time()
        assert after < SECOND, f"idle time {after} after input (was {second})"
    finally:
        monitor.close()


def test_choose_idle_monitor_picks_gnome(mutter: MutterSession) -> None:
    monitor, failed = choose_idle_monitor(mutter.env)
    assert monitor is not None, failed
    try:
        assert monitor.name == "gnome"
        assert failed == []
    finally:
        monitor.close()
