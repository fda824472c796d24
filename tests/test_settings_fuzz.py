"""Fuzzing the settings loader: random TOML documents and random POSTUREPING_* values end in
valid settings or a ConfigError (exit status 2), never anything else. In this process (many
examples) and through the real CLI, `postureping config check` (a few dozen)."""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postureping.errors import ConfigError
from postureping.paths import Paths
from postureping.settings.load import load
from tests.cli_helpers import run_cli

SECTIONS = ("notifications", "activity", "active_hours", "stats", "store", "routines")
KEYS = {
    "notifications": ("backend", "timeout", "answer_within", "renotify"),
    "activity": ("idle", "away_after", "respect_do_not_disturb", "never_hold", "after_return"),
    "active_hours": ("mon", "tue", "sat", "sun"),
    "stats": ("daily_goal",),
    "store": ("path",),
    "routine": ("title", "message", "steps", "duration", "every", "at", "days", "enabled",
                "break_after", "count", "id", "category", "messages", "guide"),
}  # fmt: skip
ROUTINE_IDS = ("walk", "stretch", "eyes", "desk-height", "water", "nosuch", "Walk", "")

# Text as people and attackers write it: settings words, times, durations, control
# characters, escapes, brackets, any Unicode.
words = st.sampled_from(
    ["30m", "1h", "0s", "-5m", "off", "auto", "console", "09:00-18:00", "25:00", "12:30",
     "mon", "true", "no", "~/x.jsonl", "~nosuchuser/x", "/", "", " ", "\x1b]0;pwned\x07",
     "\x1b[2J", "1e999", "nan", "[]", "{}", "[[[[", '"', "\\", "\u202e", "9" * 50]
)  # fmt: skip
texts = st.one_of(words, st.text(max_size=30))
scalars = st.one_of(
    texts,
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.times(),
    st.dates(min_value=date(1, 1, 1)),
    st.datetimes(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS["routine"]), texts), inner, max_size=4),
    ),
    max_leaves=12,
)


def key(text: str) -> str:
    return json.dumps(text)  # a quoted TOML key: JSON's string escapes are TOML's too


def toml_value(value: Any) -> str:
    """A TOML inline value. TOML has no null, and its strings are JSON's (\\uXXXX escapes)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, str):
        # Lone surrogates cannot be in a UTF-8 file: JSON's escape of one is not TOML.
        return json.dumps(value.encode("utf-8", "replace").decode("utf-8"))
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


@st.composite
def documents(draw: st.DrawFn) -> str:
    """A settings file: known and unknown sections and keys, with random values."""
    lines = []
    for section in draw(st.lists(st.sampled_from(SECTIONS), max_size=4, unique=True)):
        if section == "routines":
            for rid in draw(st.lists(st.sampled_from(ROUTINE_IDS), max_size=3, unique=True)):
                lines.append(f"[routines.{key(rid)}]")
                lines += draw(_pairs(KEYS["routine"]))
            continue
        lines.append(f"[{section}]")
        lines += draw(_pairs(KEYS[section]))
    for _ in range(draw(st.integers(0, 2))):
        lines.append("[[custom_routines]]")
        lines += draw(_pairs(KEYS["routine"]))
    if draw(st.booleans()):
        lines.append(f"[{key(draw(texts))}]")
        lines += draw(_pairs(()))
    if draw(st.integers(0, 9)) == 0:  # now and then, absurd nesting
        depth = draw(st.integers(1, 3000))
        opening, closing = draw(st.sampled_from([("[", "]"), ("{a = ", "}")]))
        lines.append(f"[{draw(st.sampled_from(SECTIONS))}]")
        lines.append("deep = " + opening * depth + "1" + closing * depth)
    return "\n".join(lines) + "\n"


def _pairs(known: tuple[str, ...]) -> st.SearchStrategy[list[str]]:
    names = st.one_of(st.sampled_from(known), texts) if known else texts
    return st.dictionaries(names, values, max_size=5).map(
        lambda pairs: [f"{key(k)} = {toml_value(v)}" for k, v in pairs.items()]
    )


ENV_NAMES = st.one_of(
    st.sampled_from(
        [
            "NOTIFICATIONS__BACKEND",
            "NOTIFICATIONS",
            "ROUTINES",
            "ROUTINES__WALK",
            "ROUTINES__WALK__EVERY",
            "ROUTINES__WALK__STEPS",
            "ROUTINES__DESK_HEIGHT__AT",
            "CUSTOM_ROUTINES",
            "ACTIVE_HOURS__MON",
            "ACTIVITY__NEVER_HOLD",
            "STATS__DAILY_GOAL",
            "STORE__PATH",
            "STORE",
            "UNKNOWN",
            "ROUTINES__NOSUCH__TITLE",
        ]
    ),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ_", min_size=1, max_size=20),
).map(lambda name: "POSTUREPING_" + name)


@st.composite
def env_values(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(texts)
    if kind == 1:
        return json.dumps(draw(values), default=str)
    if kind == 2:
        depth = draw(st.integers(1, 6000))
        opening, closing = draw(st.sampled_from([("[", "]"), ('{"a":', "}"), ("[{", "}]")]))
        return opening * depth + draw(st.sampled_from(["1", '"x"', ""])) + closing * depth
    return draw(st.text(alphabet="[]{},:\"' 0123456789abc", max_size=60))


environments = st.dictionaries(ENV_NAMES, env_values(), max_size=3)


@contextmanager
def settings_file(text: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.toml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        yield path


def check_in_process(text: str, environ: dict[str, str]) -> None:
    with settings_file(text) as path:
        paths = Paths(path, "--config", path.parent / "d", path.parent / "s", path.parent / "r")
        try:
            load(paths, environ)
        except ConfigError as error:
            assert error.exit_code == 2
            assert error.problems
            for problem in error.problems:
                assert str(problem)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), environments)
def test_the_loader_accepts_or_refuses_any_document(text: str, environ: dict[str, str]) -> None:
    check_in_process(text, environ)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200), environments)
def test_the_loader_accepts_or_refuses_any_text(text: str, environ: dict[str, str]) -> None:
    check_in_process(text, environ)


def _environment_safe(environ: dict[str, str]) -> dict[str, str]:
    """What a real environment can hold: no NUL, no lone surrogates."""
    return {
        name: value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
        for name, value in environ.items()
    }


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), environments)
def test_config_check_exits_0_or_2_and_never_a_traceback(
    text: str, environ: dict[str, str]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        config = root / "settings.toml"
        config.write_text(text, encoding="utf-8", errors="surrogatepass")
        result = run_cli(
            root, "--config", str(config), "config", "check", env=_environment_safe(environ)
        )
        output = result.stdout + result.stderr
        assert result.returncode in (0, 2), output
        assert "Traceback" not in output and "unexpected error" not in output, output
        if result.returncode == 2:
            assert result.stderr.startswith("postureping: invalid settings"), output
