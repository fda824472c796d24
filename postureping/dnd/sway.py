"""A fullscreen window on sway, native Wayland or XWayland, read through sway's IPC.

sway publishes its tree of outputs, workspaces and windows (GET_TREE): a window or container
that is fullscreen has `fullscreen_mode` 1 (on its workspace) or 2 (global). One holds
reminders while it can be seen: on the workspace an output shows (the output's
`current_workspace`), or global. Every workspace reports `fullscreen_mode` 1 itself, so only
containers count, and the scratchpad (the `__i3` output) never does.

Windows whose app_id (Wayland) or WM_CLASS instance or class (XWayland) is in `never_hold`,
compared case-insensitively, never hold reminders; a fullscreen container of several windows
holds unless all of them are exempt.

Two connections to SWAYSOCK: one for `hold_reason` (a GET_TREE per call, kept open between
calls and opened again after it breaks), and, once `watch` is called, one subscribed to
window and workspace events on a thread of its own, so that the daemon hears at once when a
fullscreen window appears or goes (it reads the tree again on a second connection, and calls
`changed` only when the answer differs from the last one `hold_reason` gave). If that thread
loses sway, it logs it and ends: the daemon then looks every 30 s while a reminder waits, as
for the other probes, and the next `hold_reason` that reaches sway again starts a new one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from postureping.desktop.sway_ipc import (
    GET_TREE,
    SHUTDOWN_EVENT,
    WINDOW_EVENT,
    WORKSPACE_EVENT,
    IpcError,
    SwayIpc,
)
from postureping.dnd.base import FailureStreak, ProbeUnavailable

NAME = "sway-fullscreen"
WATCHER_NAME = "postureping-sway-events"
CALL_TIMEOUT = 1.0  # seconds, for each read and write of a `hold_reason` call
EVENTS = ("window", "workspace")
# Event changes that cannot start or end a visible fullscreen window: not worth a tree.
_IGNORED_CHANGES = frozenset({"title", "mark", "urgent"})
SCRATCHPAD_OUTPUT = "__i3"

_log = logging.getLogger(__name__)

Node = Mapping[str, Any]  # a node of sway's tree, as JSON


def fullscreen_containers(tree: Node) -> list[Node]:
    """The fullscreen containers that can be seen in `tree` (GET_TREE's reply)."""
    found: list[Node] = []
    for output in _children(tree):
        if output.get("name") == SCRATCHPAD_OUTPUT:
            continue
        current = output.get("current_workspace")
        for workspace in _children(output):
            if workspace.get("type") != "workspace":
                continue
            shown = current is None or workspace.get("name") == current
            for node in _containers(workspace):
                mode = node.get("fullscreen_mode")
                if mode == 2 or (mode == 1 and shown):
                    found.append(node)
    return found


def window_names(container: Node) -> list[tuple[str, ...]]:
    """Each window in `container` (itself, or those inside it) as its names: the app_id,
    else XWayland's WM_CLASS instance and class."""
    views = [node for node in _walk(container) if _is_view(node)]
    return [_names(view) for view in views]


def reason_for_tree(tree: Node, never_hold: frozenset[str]) -> str | None:
    """Why reminders wait with `tree` on screen, or None. `never_hold` is casefolded."""
    for container in fullscreen_containers(tree):
        windows = window_names(container) or [()]
        held = [w for w in windows if not any(n.casefold() in never_hold for n in w if n)]
        if held:
            return f"fullscreen window: {_describe(held[0], container)} (sway)"
    return None


def _describe(names: tuple[str, ...], container: Node) -> str:
    """The application: the app_id, else the class, else the instance."""
    for name in reversed(names):
        if name:
            return name
    return f"container {container.get('id')}"


def _names(view: Node) -> tuple[str, ...]:
    if app_id := view.get("app_id"):
        return (str(app_id),)
    properties = view.get("window_properties")
    if isinstance(properties, Mapping):
        return (str(properties.get("instance") or ""), str(properties.get("class") or ""))
    return ()


def _is_view(node: Node) -> bool:
    return node.get("type") in ("con", "floating_con") and (
        bool(node.get("app_id")) or isinstance(node.get("window_properties"), Mapping)
    )


def _children(node: Node) -> Iterator[Node]:
    for key in ("nodes", "floating_nodes"):
        children = node.get(key)
        if isinstance(children, list):
            yield from (child for child in children if isinstance(child, Mapping))


def _containers(workspace: Node) -> Iterator[Node]:
    for child in _children(workspace):
        yield from _walk(child)


def _walk(node: Node) -> Iterator[Node]:
    yield node
    for child in _children(node):
        yield from _walk(child)


def _matters(kind: int, event: Any) -> bool:
    if kind not in (WINDOW_EVENT, WORKSPACE_EVENT):
        return False
    return not (isinstance(event, Mapping) and event.get("change") in _IGNORED_CHANGES)


class SwayProbe:
    """Holds reminders while a window on sway is fullscreen where it can be seen."""

    name = NAME

    def __init__(self, path: str, never_hold: Iterable[str]) -> None:
        self._path = path
        self._never_hold = frozenset(name.casefold() for name in never_hold)
        self._conn: SwayIpc | None = None
        self._streak = FailureStreak(_log, NAME, (IpcError,))
        self._lock = threading.Lock()  # guards _changed, _watcher, _events and _closed
        self._changed: Callable[[], None] | None = None
        self._watcher: threading.Thread | None = None
        self._events: list[SwayIpc] = []  # the watcher's connections, closed by `close`
        self._closed = False
        self._last_stop = ""  # why the last watcher stopped (the watcher thread's)
        # The answer the daemon has (or is about to get): the watcher tells it when the tree
        # says otherwise. Written by both threads, one assignment at a time; a race costs
        # at most one needless wake-up.
        self._told: str | None = None

    @classmethod
    def open(cls, environ: Mapping[str, str], never_hold: frozenset[str]) -> SwayProbe:
        """Raises ProbeUnavailable off sway (no SWAYSOCK), or when its socket does not answer."""
        if not (path := environ.get("SWAYSOCK")):
            raise ProbeUnavailable("not sway (SWAYSOCK is not set)")
        probe = cls(path, never_hold)
        try:
            probe._read()
        except IpcError as error:
            probe.close()
            raise ProbeUnavailable(str(error)) from error
        return probe

    def hold_reason(self) -> str | None:
        reason = self._streak.run(self._read)
        if not self._streak.failing:
            self._start_watcher()  # again, if it lost sway and sway is back
        return reason

    def watch(self, changed: Callable[[], None]) -> None:
        """Call `changed()` (on a thread of this probe's) whenever `hold_reason` would answer
        otherwise than before. Once; later calls are ignored."""
        with self._lock:
            if self._changed is not None:
                return
            self._changed = changed
        self._start_watcher()

    def _start_watcher(self) -> None:
        with self._lock:
            changed = self._changed
            if self._closed or changed is None:
                return
            if self._watcher is not None and self._watcher.is_alive():
                return
            self._watcher = threading.Thread(
                target=self._watch, args=(changed,), name=WATCHER_NAME, daemon=True
            )
            self._watcher.start()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            watcher, events = self._watcher, list(self._events)
        for conn in events:
            conn.close()  # wakes the watcher's wait
        if watcher is not None and watcher is not threading.current_thread():
            watcher.join(2 * CALL_TIMEOUT)
        own, self._conn = self._conn, None
        if own is not None:
            own.close()

    def _read(self) -> str | None:
        conn = self._conn
        if conn is None:
            conn = self._conn = SwayIpc.connect(self._path, CALL_TIMEOUT)
        try:
            tree = conn.request(GET_TREE)
        except IpcError:
            self._conn = None
            conn.close()  # opened again at the next call
            raise
        self._told = reason = reason_for_tree(tree, self._never_hold)
        return reason

    def _watch(self, changed: Callable[[], None]) -> None:
        try:
            events = self._connect(None)
            events.subscribe(EVENTS)  # before the first tree: no change falls in between
            trees = self._connect(CALL_TIMEOUT)
            self._tell_if_changed(trees, changed)  # what changed since the daemon last asked
            while True:
                kind, event = events.receive()
                if kind == SHUTDOWN_EVENT:
                    raise IpcError("sway is exiting")
                if _matters(kind, event):
                    self._tell_if_changed(trees, changed)
        except IpcError as error:
            with self._lock:
                closed = self._closed
            if not closed:
                # Said once for a fault that comes back each time the watcher starts again.
                level = logging.DEBUG if str(error) == self._last_stop else logging.WARNING
                self._last_stop = str(error)
                _log.log(
                    level,
                    "stopped following sway's windows (%s); while a reminder waits, the "
                    "daemon looks every 30 s instead",
                    error,
                )
        except Exception:  # a bug: logged, and the daemon's 30 s looks go on
            _log.exception("stopped following sway's windows")
        finally:
            with self._lock:
                events_conns, self._events = self._events, []
            for conn in events_conns:
                conn.close()

    def _tell_if_changed(self, trees: SwayIpc, changed: Callable[[], None]) -> None:
        now = reason_for_tree(trees.request(GET_TREE), self._never_hold)
        if now != self._told:
            self._told = now
            changed()

    def _connect(self, timeout: float | None) -> SwayIpc:
        conn = SwayIpc.connect(self._path, timeout)
        with self._lock:
            if self._closed:
                conn.close()
                raise IpcError("the probe was closed")
            self._events.append(conn)
        return conn
