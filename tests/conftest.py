"""Shared pytest fixtures and hooks.

Desktop tests get their own Xvfb, private session bus and dunst from the `desktop` (per test) or
`desktop_module` (per module) fixture; tests/desktop.py has the harness itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.desktop import DesktopSession, missing_programs, start_session

_DESKTOP_FIXTURES = {"desktop", "desktop_module", "desktop_programs"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "desktop: needs Xvfb, a private D-Bus session bus and dunst")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A test that uses a desktop fixture is a desktop test, marked or not, so -m selects it.
    for item in items:
        if _DESKTOP_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.desktop)


@pytest.fixture(scope="session")
def desktop_programs() -> None:
    """Skip when a desktop program is missing; in CI, fail instead, since CI must run these."""
    if missing := missing_programs():
        reason = "desktop test needs " + ", ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI is expected to install them (.ci/run)", pytrace=False)
        pytest.skip(reason)


@pytest.fixture
def desktop(
    desktop_programs: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DesktopSession]:
    """A fresh desktop session for one test, stopped after it even if the test fails."""
    with start_session(tmp_path_factory.mktemp("desktop")) as session:
        yield session


@pytest.fixture(scope="module")
def desktop_module(
    desktop_programs: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DesktopSession]:
    """One desktop session for a whole module: cheaper, but its tests share dunst's history."""
    with start_session(tmp_path_factory.mktemp("desktop")) as session:
        yield session
