"""`done` without a daemon skips validating the settings when they have not changed since
the last full load (postureping.settings.cache), and validates them whenever they have."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_helpers import data_dir, run_cli

CUSTOM = """
[[custom_routines]]
id = "squats"
title = "Ten squats"
message = "Bend your knees, keep your back straight."
every = "2h"
"""


def config_file(root: Path) -> Path:
    return root / "config" / "postureping" / "config.toml"


def cache(root: Path) -> Path:
    return root / "state" / "postureping" / "settings-cache.json"


def imports(root: Path, *args: str) -> str:
    """What the command imported (python -X importtime), after checking it succeeded."""
    result = run_cli(root, *args, env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert result.returncode == 0, result.stderr
    return result.stderr


def recorded(root: Path) -> list[str]:
    lines = (data_dir(root) / "events.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["routine"] for line in lines]


def test_unchanged_settings_are_not_validated_again(tmp_path: Path) -> None:
    assert "pydantic" in imports(tmp_path, "done", "walk")  # the first run loads them
    assert cache(tmp_path).exists()
    assert "pydantic" not in imports(tmp_path, "done", "walk")
    assert "pydantic" not in imports(tmp_path, "skip", "stretch")
    assert recorded(tmp_path) == ["walk", "walk", "stretch"]


def test_a_typo_is_refused_from_the_remembered_ids(tmp_path: Path) -> None:
    run_cli(tmp_path, "done", "walk")
    result = run_cli(tmp_path, "done", "wlak")
    assert result.returncode == 1
    assert result.stderr.startswith("postureping: unknown routine 'wlak'; valid routines: ")
    assert "walk" in result.stderr


def test_an_edited_settings_file_is_loaded_again(tmp_path: Path) -> None:
    config_file(tmp_path).parent.mkdir(parents=True)
    config_file(tmp_path).write_text("", encoding="utf-8")
    run_cli(tmp_path, "done", "walk")
    assert run_cli(tmp_path, "done", "squats").returncode == 1
    config_file(tmp_path).write_text(CUSTOM, encoding="utf-8")
    result = run_cli(tmp_path, "done", "squats")
    assert result.returncode == 0, result.stderr
    # A mistake in the file is reported as by any command, not hidden by the cache.
    config_file(tmp_path).write_text(CUSTOM.replace('"2h"', '"often"'), encoding="utf-8")
    result = run_cli(tmp_path, "done", "walk")
    assert result.returncode == 2
    assert "every = 'often'" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_environment_is_part_of_the_fingerprint(tmp_path: Path) -> None:
    run_cli(tmp_path, "done", "walk")
    moved = tmp_path / "elsewhere.jsonl"
    result = run_cli(tmp_path, "done", "walk", env={"POSTUREPING_STORE__PATH": str(moved)})
    assert result.returncode == 0, result.stderr
    assert moved.exists()
    result = run_cli(tmp_path, "done", "walk", env={"POSTUREPING_ROUTINES__WALK__EVERY": "no"})
    assert result.returncode == 2
    assert "POSTUREPING_ROUTINES__WALK__EVERY" in result.stderr


def test_a_damaged_cache_is_ignored_and_replaced(tmp_path: Path) -> None:
    run_cli(tmp_path, "done", "walk")
    for garbage in ("{not json", '{"fingerprint": 1}', '{"fingerprint": [], "routine_ids": 3}'):
        cache(tmp_path).write_text(garbage, encoding="utf-8")
        result = run_cli(tmp_path, "done", "walk")
        assert result.returncode == 0, result.stderr
        assert json.loads(cache(tmp_path).read_text(encoding="utf-8"))["routine_ids"]
