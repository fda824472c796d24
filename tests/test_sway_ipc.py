"""The sway fullscreen probe: the tree's rules, then the probe against a stand-in of sway's IPC
socket (a real Unix socket speaking i3-ipc, tests/sway_standin.py), for what real sway cannot
be made to do on cue (hang, send garbage, vanish). tests/test_sway_fullscreen.py runs it against
real sway with a real fullscreen foot window.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from postureping.daemon.sources import Sources
from postureping.desktop.sway_ipc import GET_TREE
from postureping.dnd.base import ProbeUnavailable
from postureping.dnd.registry import choose_hold_probes
from postureping.dnd.sway import SwayProbe, reason_for_tree
from tests.desktop import wait_until
from tests.sway_standin import SwayStandIn, output, split, tree, view, workspace

WAIT = 5.0  # seconds: an upper bound for what normally takes milliseconds
PROBE_LIMIT = 2.0  # seconds: the contract's bound for one hold_reason call
NONE: frozenset[str] = frozenset()


def one_output(*nodes: dict[str, object], current: str = "1") -> dict[str, object]:
    return tree(output("HEADLESS-1", current, workspace("1", *nodes), workspace("2")))


# ---------------------------------------------------------------------------------------------
# Which fullscreen windows hold


def test_a_fullscreen_window_that_can_be_seen_holds() -> None:
    assert reason_for_tree(one_output(view("foot", fullscreen=1)), NONE) == (
        "fullscreen window: foot (sway)"
    )
    assert reason_for_tree(one_output(view("foot"), view("mpv")), NONE) is None
    # Every workspace says fullscreen_mode 1: only windows and containers count.
    assert reason_for_tree(one_output(), NONE) is None
    # On a workspace its output does not show: not seen, no hold; unless global.
    assert reason_for_tree(one_output(view("foot", fullscreen=1), current="2"), NONE) is None
    assert reason_for_tree(one_output(view("foot", fullscreen=2), current="2"), NONE) == (
        "fullscreen window: foot (sway)"
    )
    # The scratchpad is never seen as fullscreen.
    hidden = tree(output("HEADLESS-1", "1", workspace("1")), scratchpad=[view("x", fullscreen=1)])
    assert reason_for_tree(hidden, NONE) is None
    # A second output, a floating window, a container of windows, an XWayland window.
    two = tree(
        output("HEADLESS-1", "1", workspace("1", view("foot"))),
        output("HEADLESS-2", "3", workspace("3", floating=[view("zoom", fullscreen=1)])),
    )
    assert reason_for_tree(two, NONE) == "fullscreen window: zoom (sway)"
    both = split(view("foot"), view("imv"), fullscreen=1)
    assert reason_for_tree(one_output(both), NONE) == "fullscreen window: foot (sway)"
    x11 = view(None, fullscreen=1, wm_class=("Navigator", "firefox"))
    assert reason_for_tree(one_output(x11), NONE) == "fullscreen window: firefox (sway)"


def test_never_hold_exempts_by_app_id_or_class() -> None:
    never = frozenset({"foot", "mpv"})  # casefolded, as settings give them
    assert reason_for_tree(one_output(view("Foot", fullscreen=1)), never) is None
    xwayland = view(None, fullscreen=1, wm_class=("mpv", "MPV"))
    assert reason_for_tree(one_output(xwayland), never) is None
    mixed = split(view("foot"), view("imv"), fullscreen=1)  # one of them is not exempt
    assert reason_for_tree(one_output(mixed), never) == "fullscreen window: imv (sway)"
    assert reason_for_tree(one_output(split(view("foot"), fullscreen=1)), never) is None


# ---------------------------------------------------------------------------------------------
# The probe against the stand-in


@pytest.fixture
def sway(tmp_path: Path) -> Iterator[SwayStandIn]:
    standin = SwayStandIn(tmp_path / "sway-ipc.sock", one_output(view("foot")))
    yield standin
    standin.close()


def open_probe(sway: SwayStandIn, never_hold: frozenset[str] = NONE) -> SwayProbe:
    probes, unavailable = choose_hold_probes({"SWAYSOCK": str(sway.path)}, never_hold)
    assert [p.name for p in probes] == ["sway-fullscreen"], unavailable
    (probe,) = probes
    assert isinstance(probe, SwayProbe)
    return probe


def watcher_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "postureping-sway-events"]


def test_off_sway_or_with_no_socket(tmp_path: Path) -> None:
    _, unavailable = choose_hold_probes({}, NONE)
    assert dict(unavailable)["sway-fullscreen"] == "not sway (SWAYSOCK is not set)"
    start = time.monotonic()
    with pytest.raises(ProbeUnavailable, match=r"^cannot connect to sway's IPC socket .*gone"):
        SwayProbe.open({"SWAYSOCK": str(tmp_path / "gone")}, NONE)
    assert time.monotonic() - start < 1.0


def test_the_probe_follows_the_tree_and_tells_of_changes(
    sway: SwayStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="postureping.dnd")
    probe = open_probe(sway, frozenset({"mpv"}))
    changes: list[float] = []
    try:
        assert probe.hold_reason() is None
        sway.tree = one_output(view("foot", fullscreen=1))
        assert probe.hold_reason() == "fullscreen window: foot (sway)"  # asked, not told
        sway.tree = one_output(view("foot"))
        assert probe.hold_reason() is None  # what the daemon knows when the watch begins
        trees = sway.requests.count(GET_TREE)
        probe.watch(lambda: changes.append(time.monotonic()))
        probe.watch(lambda: changes.append(-1.0))  # a second watch is ignored
        wait_until(lambda: sway.subscribers == 1, timeout=WAIT, what="the probe to subscribe")
        wait_until(lambda: sway.requests.count(GET_TREE) > trees, timeout=WAIT,
                   what="the watcher's first look at the tree")  # fmt: skip
        sway.tree = one_output(view("foot", fullscreen=1))
        sway.emit("window", "fullscreen_mode")
        wait_until(lambda: len(changes) == 1, timeout=WAIT, what="the probe to tell of it")
        # A title changes often and ends no fullscreen: no tree is read for it. A focus
        # change that leaves the answer as it was: a tree is read, nothing is told.
        before = sway.requests.count(GET_TREE)
        sway.emit("window", "title")
        sway.emit("workspace", "focus")
        wait_until(lambda: sway.requests.count(GET_TREE) == before + 1, timeout=WAIT,
                   what="one tree for the focus change")  # fmt: skip
        # An exempt window's fullscreen is no change either; leaving fullscreen is.
        sway.tree = one_output(view("foot"), view("mpv", fullscreen=1))
        sway.emit("window", "focus")
        sway.tree = one_output(view("foot"))
        sway.emit("window", "close")
        wait_until(lambda: len(changes) == 2, timeout=WAIT, what="the probe to tell of the end")
        time.sleep(0.1)
        assert len(changes) == 2
        assert probe.hold_reason() is None
        assert len(watcher_threads()) == 1
    finally:
        probe.close()
    assert watcher_threads() == []  # close ends the watcher at once
    assert caplog.records == []


def test_a_hung_or_lost_sway_is_survived(
    sway: SwayStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="postureping.dnd")
    probe = open_probe(sway)
    changes: list[int] = []
    try:
        trees = sway.requests.count(GET_TREE)
        probe.watch(lambda: changes.append(1))
        wait_until(lambda: sway.subscribers == 1, timeout=WAIT, what="the probe to subscribe")
        wait_until(lambda: sway.requests.count(GET_TREE) > trees, timeout=WAIT,
                   what="the watcher's first look at the tree")  # fmt: skip
        sway.tree = one_output(view("foot", fullscreen=1))
        sway.hanging.set()
        start = time.monotonic()
        assert probe.hold_reason() is None
        assert time.monotonic() - start < PROBE_LIMIT
        sway.hanging.clear()  # the hung connection was dropped: a new one answers
        assert probe.hold_reason() == "fullscreen window: foot (sway)"
        sway.stop()
        assert [probe.hold_reason() for _ in range(3)] == [None] * 3
        wait_until(lambda: not watcher_threads() or None, timeout=WAIT, what="the watcher to end")
        sway.start()  # sway is back at the same path: the probe reads it, and follows it again
        assert probe.hold_reason() == "fullscreen window: foot (sway)"
        wait_until(lambda: sway.subscribers == 1, timeout=WAIT, what="a new subscription")
        sway.tree = one_output(view("foot"))
        sway.emit("window", "fullscreen_mode")
        wait_until(lambda: changes == [1], timeout=WAIT, what="the probe to tell of the end")
    finally:
        probe.close()
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0].startswith("the sway-fullscreen hold probe failed (lost sway's IPC socket")
    assert messages[1] == "the sway-fullscreen hold probe works again"
    stopped = (
        "stopped following sway's windows (sway closed its IPC socket); while a reminder "
        "waits, the daemon looks every 30 s instead"
    )
    assert sorted(messages[2:4], key=lambda m: m != stopped)[0] == stopped  # in either order
    assert any(m.startswith("the sway-fullscreen hold probe failed (") for m in messages[2:4])
    assert messages[4:] == ["the sway-fullscreen hold probe works again"]


def test_garbage_ends_the_watch_not_the_probe(
    sway: SwayStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="postureping.dnd")
    probe = open_probe(sway)
    try:
        probe.watch(lambda: None)
        wait_until(lambda: sway.subscribers == 1, timeout=WAIT, what="the probe to subscribe")
        sway.send_garbage()
        wait_until(lambda: not watcher_threads() or None, timeout=WAIT, what="the watcher to end")
        assert probe.hold_reason() is None  # works, and starts a new watcher
        wait_until(lambda: sway.subscriptions == 2, timeout=WAIT, what="a new subscription")
        sway.send_garbage()  # the same fault again: not said again
        wait_until(lambda: not watcher_threads() or None, timeout=WAIT, what="the watcher to end")
    finally:
        probe.close()
    (record,) = caplog.records
    assert record.getMessage().startswith("stopped following sway's windows (not an i3-ipc message")


def test_sources_pass_changes_to_the_daemon(sway: SwayStandIn) -> None:
    """The daemon's Sources hand the probe its `poke`, and hand a new probe it after a reload."""
    pokes: list[int] = []
    probe = open_probe(sway)
    sources = Sources(None, [probe], logging.getLogger("test"))
    sources.on_change(lambda: pokes.append(1))
    try:
        wait_until(lambda: sway.subscribers == 1, timeout=WAIT, what="the probe to subscribe")
        sway.tree = one_output(view("foot", fullscreen=1))
        sway.emit("window", "fullscreen_mode")
        wait_until(lambda: len(pokes) == 1, timeout=WAIT, what="the daemon to be poked")
        assert sources.look() == (None, "fullscreen window: foot (sway)")
        sources.replace(None, [open_probe(sway)])  # the old probe closed, the new one watched
        wait_until(lambda: sway.subscriptions == 2, timeout=WAIT, what="the new one to subscribe")
        sway.tree = one_output(view("foot"))
        sway.emit("window", "fullscreen_mode")
        wait_until(lambda: len(pokes) == 2, timeout=WAIT, what="the daemon to be poked again")
    finally:
        sources.close()
    assert watcher_threads() == []
