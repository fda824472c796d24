"""`postureping checkin` through the real CLI: bad values, the questions on a terminal (a
pseudo-terminal), --yes for scripts, the guidance, status, export and import; and history
files of the earlier format, which still read."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from postureping.checkin import CheckIn
from postureping.history.events import Event, Kind
from postureping.history.store import EventStore
from tests.cli_helpers import data_dir, isolated_env, read_pty, run_cli
from tests.daemon_process import running_daemon

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _history(root: Path) -> list[dict[str, Any]]:
    result = run_cli(root, "history", "--json", "--since", "400d")
    assert result.returncode == 0, result.stderr
    events: list[dict[str, Any]] = json.loads(result.stdout)
    return events


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["11"], "checkin: pain level '11' is not a whole number from 0 to 10"),
        (["-1"], "checkin: pain level '-1' is not a whole number from 0 to 10"),
        (["lots"], "checkin: pain level 'lots' is not a whole number from 0 to 10"),
        (["4.5"], "checkin: pain level '4.5' is not a whole number from 0 to 10"),
        (
            ["5", "--where", "lower-back,knee"],
            "checkin --where: unknown place 'knee' (one of: lower-back, buttock, one-leg, "
            "both-legs, below-knee)",
        ),
        (["5", "--yes", "cough"], "checkin --yes: unknown symptom 'cough' (one of: not-easing"),
        ([], "checkin: give your pain level from 0 to 10, like `postureping checkin 4`"),
    ],
)
def test_bad_values_are_refused_clearly(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_cli(tmp_path, "checkin", *args)  # stdin is not a terminal
    assert result.returncode == 2, result
    assert result.stderr.startswith("postureping: " + message)
    assert "Traceback" not in result.stderr
    assert not (data_dir(tmp_path) / "events.jsonl").exists()  # nothing recorded


def test_a_low_pain_is_recorded_without_questions(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "checkin", "2", "--where", "lower-back")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Recorded: check-in, pain 2/10 (lower-back) at ")
    [event] = _history(tmp_path)
    assert {k: event[k] for k in ("v", "routine", "kind", "source", "pain", "where")} == {
        "v": 3, "routine": "checkin", "kind": "checkin", "source": "cli", "pain": 2,
        "where": ["lower-back"],
    }  # fmt: skip
    assert "yes" not in event


def test_without_a_terminal_or_yes_no_questions_are_asked_and_it_says_so(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "checkin", "6")
    assert result.returncode == 0, result.stderr
    assert "with no terminal to ask on and no --yes given, none were asked" in result.stdout
    [event] = _history(tmp_path)
    assert event["pain"] == 6 and "yes" not in event


def test_yes_for_scripts_and_the_urgent_guidance(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "checkin", "6", "--yes", "fever", "--yes", "weight-loss")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Back pain: get medical care now" in out
    assert "Please get medical care right away. Your back pain:\n- comes with a fever" in out
    assert "Also tell your doctor that it:\n- comes with weight loss you can't explain" in out
    assert "not a diagnosis and not medical advice" in out
    checkin, shown = _history(tmp_path)
    assert checkin["yes"] == ["fever", "weight-loss"]
    assert (shown["kind"], shown["flags"]) == ("guidance", ["weight-loss", "fever"])
    status = json.loads(run_cli(tmp_path, "status", "--json").stdout)
    assert status["running"] is False
    assert status["back"]["guidance"]["urgent"] is True
    assert status["back"]["guidance"]["title"] == "Back pain: get medical care now"
    text = run_cli(tmp_path, "status").stdout
    assert "Back check-in: pain 6/10 on " in text and "- comes with a fever" in text


def test_yes_none_answers_every_question_no(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "checkin", "8", "--yes", "none")
    assert result.returncode == 0 and "Back pain:" not in result.stdout
    [event] = _history(tmp_path)
    assert event["yes"] == []
    assert json.loads(run_cli(tmp_path, "status", "--json").stdout)["back"]["guidance"] is None


def test_the_level_to_ask_above_is_the_users(tmp_path: Path) -> None:
    quiet = run_cli(tmp_path, "checkin", "6", env={"POSTUREPING_CHECKIN__ASK_ABOVE": "7"})
    assert quiet.returncode == 0 and "none were asked" not in quiet.stdout
    bad = run_cli(tmp_path, "checkin", "6", env={"POSTUREPING_CHECKIN__ASK_ABOVE": "12"})
    assert bad.returncode != 0 and "checkin" in bad.stderr and "ask_above" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_lasting_pain_from_weekly_checkins(tmp_path: Path) -> None:
    """Pain above the level in check-ins over more than three weeks: guidance; over two
    weeks: none yet."""
    store = EventStore(data_dir(tmp_path) / "events.jsonl")
    now = datetime.now(UTC)
    store.append_many([
        Event.new("checkin", Kind.CHECKIN, "cli", now - timedelta(weeks=w), detail=CheckIn(6))
        for w in (2, 1)
    ])  # fmt: skip
    result = run_cli(tmp_path, "checkin", "5", "--yes", "none")
    assert result.returncode == 0 and "Back pain:" not in result.stdout
    store.append(
        Event.new("checkin", Kind.CHECKIN, "cli", now - timedelta(weeks=4), detail=CheckIn(4))
    )
    result = run_cli(tmp_path, "checkin", "5", "--yes", "none")
    assert "- goes on for more than a few weeks" in result.stdout
    assert _history(tmp_path)[-1]["flags"] == ["lasting"]
    # Pain at the level breaks the run: no longer lasting.
    result = run_cli(tmp_path, "checkin", "3")
    assert "Back pain:" not in result.stdout


@pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX")
def test_on_a_terminal_it_asks_and_asks_again_after_a_bad_answer(tmp_path: Path) -> None:
    answers = [
        "abc", "7",  # the pain: once wrong
        "lower-back,knee", "one-leg,below-knee",  # where: once wrong
        "n", "maybe", "y", "n", "n", "n", "n",  # not-easing, weakness (asked twice), ...
    ]  # fmt: skip
    output, code = _on_a_terminal(tmp_path, ["checkin"], answers)
    assert code == 0, output
    assert "How is your back today?" in output
    assert "pain level 'abc' is not a whole number from 0 to 10" in output
    assert "unknown place 'knee'" in output
    assert "Does one leg or both feel weak, numb or tingly? [y/n]" in output
    assert "Please answer y or n." in output
    assert "Back pain: please see your doctor" in output
    assert "- makes one leg or both feel weak, numb or tingly" in output
    assert "- travels down one leg or both, above all if it reaches below the knee" in output
    checkin, shown = _history(tmp_path)
    assert (checkin["pain"], checkin["where"], checkin["yes"]) == (
        7, ["below-knee", "one-leg"], ["weakness"],
    )  # fmt: skip
    assert shown["flags"] == ["below-knee", "weakness"]


def _on_a_terminal(root: Path, args: list[str], answers: list[str]) -> tuple[str, int]:
    """Run the CLI on a pseudo-terminal, typing `answers` (one a line); its output and exit."""
    import pty  # noqa: PLC0415 - POSIX only

    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "postureping", *args],
            cwd=root,
            env=isolated_env(root),
            stdin=follower,
            stdout=follower,
            stderr=follower,
        )
        os.close(follower)
        os.write(leader, "".join(f"{answer}\n" for answer in answers).encode())
        output = read_pty(leader)
        code = process.wait(timeout=60)
    finally:
        os.close(leader)
    return output.decode("utf-8").replace("\r\n", "\n"), code


def test_export_and_import_carry_checkins(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    assert run_cli(one, "checkin", "6", "--where", "buttock", "--yes", "injury").returncode == 0
    exported = json.loads(run_cli(one, "export").stdout)
    assert [e["kind"] for e in exported] == ["checkin", "guidance"]
    assert exported[0]["yes"] == ["injury"] and exported[1]["flags"] == ["injury"]
    rows = list(csv.DictReader(io.StringIO(run_cli(one, "export", "--format", "csv").stdout)))
    assert (rows[0]["pain"], rows[0]["where"], rows[0]["yes"]) == ("6", "buttock", "injury")
    assert rows[1]["flags"] == "injury"
    result = run_cli(two, "import", str(data_dir(one) / "events.jsonl"))
    assert result.returncode == 0 and "2 new" in result.stdout, result
    assert _history(two) == _history(one)
    again = run_cli(two, "import", str(data_dir(one) / "events.jsonl"))
    assert "0 new, 2 already present" in again.stdout


def test_a_history_of_the_earlier_format_still_reads(tmp_path: Path) -> None:
    """A file written by the version before check-ins (format 1 and 2 lines): every event
    reads, nothing is reported damaged, and a check-in appends to it."""
    history = data_dir(tmp_path) / "events.jsonl"
    history.parent.mkdir(parents=True)
    shutil.copyfile(FIXTURES / "history-format-2.jsonl", history)
    history.chmod(0o600)
    before = run_cli(tmp_path, "history", "--json", "--since", "2020-01-01")
    assert before.returncode == 0 and before.stderr == ""
    events = json.loads(before.stdout)
    assert [(e["routine"], e["kind"]) for e in events] == [
        ("walk", "prompted"), ("walk", "done"), ("stretch", "prompted"), ("stretch", "snoozed"),
        ("stretch", "done"),
    ]  # fmt: skip
    stored = [json.loads(line)["v"] for line in history.read_text().splitlines()]
    assert stored == [1, 1, 2, 2, 2]
    assert run_cli(tmp_path, "checkin", "3").returncode == 0
    after = run_cli(tmp_path, "history", "--json", "--since", "2020-01-01")
    assert after.stderr == "" and len(json.loads(after.stdout)) == 6
    stats = run_cli(tmp_path, "stats", "--days", "3650", "--json")
    assert stats.returncode == 0 and stats.stderr == ""
    assert json.loads(stats.stdout)["overall"]["done"] == 2


def test_the_cli_answers_a_running_daemons_open_checkin(tmp_path: Path) -> None:
    """Real processes: the daemon reminds of the check-in (console backend), `postureping
    checkin` records it and answers the reminder, and the daemon no longer awaits one."""
    extra = {
        "POSTUREPING_NOTIFICATIONS__BACKEND": "console",
        "POSTUREPING_ROUTINES__CHECKIN__ENABLED": "true",
    }
    with running_daemon(["--no-tray"], isolated_env(tmp_path, extra), tmp_path) as daemon:
        daemon.wait_for_output("postureping is running", timeout=20)
        assert run_cli(tmp_path, "trigger", "checkin").returncode == 0
        daemon.wait_for_output("reminder: How is your back today?", timeout=20)
        result = run_cli(tmp_path, "checkin", "2")
        assert result.returncode == 0, result.stderr
        kinds = [(e["kind"], e["source"]) for e in _history(tmp_path)]
        assert kinds == [("prompted", "daemon"), ("checkin", "cli"), ("done", "cli")]
        status = json.loads(run_cli(tmp_path, "status", "--json").stdout)
        assert status["awaiting"] is None and status["back"]["last_checkin"]["pain"] == 2
        # With no check-in reminder open, the daemon is left alone.
        assert run_cli(tmp_path, "checkin", "1").returncode == 0
        assert [e["kind"] for e in _history(tmp_path)][-1] == "checkin"
        assert daemon.stop() == 0
    assert "Traceback" not in daemon.output
