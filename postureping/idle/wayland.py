"""The idle time of a Wayland session, from the compositor over the Wayland protocol itself.

Two protocols say it: `ext-idle-notify-v1` (wlroots compositors since sway 1.8, Hyprland,
river, labwc, niri, KWin 6...) and KDE's older `org_kde_kwin_idle` (KWin 5, and sway 1.7 as
Debian 12 ships it). Where the compositor offers ext-idle-notify at version 2, its input idle
notification is used: it counts input only, so a video player that keeps the screen awake
(an idle inhibitor) does not make an absent user look present. Version 1 and the KDE protocol
obey inhibitors: while a video plays, the user looks present there.

Neither protocol answers "how long now?". They send an edge when the user has been idle for
a given time (`idled`) and when input comes back (`resumed`). So the monitor keeps one
notification at NOTICE and a thread that takes its events as they come: after `idled` the
last input was NOTICE before the event, after `resumed` input has come. `idle_time()` is
then the time since that last input, or zero while there was input within NOTICE (shorter
idleness is never worth a sample: presence's thresholds are minutes). Like the other
monitors, it measures on the monotonic clock, which stops while the computer sleeps.

Connecting waits for the first `idle_time()` (the base contract); then connecting and its two
round trips take at most `timeout` seconds in all. When the compositor reports a protocol
error or goes away, the reader thread keeps the reason: the next `idle_time()` raises
IdleUnavailable with it, and the one after connects afresh.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from datetime import timedelta

from postureping.desktop.wayland import Global, NoAnswer, WaylandConnection, WaylandError
from postureping.desktop.wayland_wire import Arguments, Message, WireError, uint
from postureping.idle.base import IdleUnavailable

NOTICE = timedelta(seconds=5)
TIMEOUT = 2.0  # seconds to connect and subscribe, in all; a compositor answers in ms
ENVIRONMENT = ("WAYLAND_DISPLAY", "WAYLAND_SOCKET", "XDG_RUNTIME_DIR")

EXT_NOTIFIER = "ext_idle_notifier_v1"
KDE_IDLE = "org_kde_kwin_idle"
# ext_idle_notifier_v1 requests: get_idle_notification(id, timeout, seat), and since version
# 2 get_input_idle_notification, the same; org_kde_kwin_idle: get_idle_timeout(id, seat,
# timeout). Both notifications send opcode 0 when idle and 1 when resumed, with no arguments.
GET_IDLE_NOTIFICATION, GET_INPUT_IDLE_NOTIFICATION = 1, 2
GET_IDLE_TIMEOUT = 0
IDLED, RESUMED = 0, 1

Clock = Callable[[], float]


class WaylandIdleMonitor:
    """Idle time from ext-idle-notify-v1 or org_kde_kwin_idle, whichever the compositor has."""

    name = "wayland"

    def __init__(
        self, environ: Mapping[str, str], timeout: float = TIMEOUT, clock: Clock = time.monotonic
    ) -> None:
        if environ.get("XDG_SESSION_TYPE") == "x11":
            # A Wayland compositor inside an X11 session is a nested one, in a window: it
            # sees only the input to that window.
            raise IdleUnavailable("X11 session (XDG_SESSION_TYPE=x11)")
        if not environ.get("WAYLAND_DISPLAY") and not environ.get("WAYLAND_SOCKET"):
            raise IdleUnavailable("WAYLAND_DISPLAY is not set")
        self._environ = {key: environ[key] for key in ENVIRONMENT if key in environ}
        self._timeout = timeout
        self._clock = clock
        self._watch: _Watch | None = None
        self._closed = False
        self.detail = ""  # the protocol in use, once connected ("org_kde_kwin_idle")

    def idle_time(self) -> timedelta:
        if self._closed:
            raise IdleUnavailable("the idle monitor is closed")
        watch = self._watch
        if watch is not None and watch.failure is not None:
            self._watch = None  # the next call connects afresh
            watch.close()
            raise IdleUnavailable(watch.failure)
        if watch is None:
            try:
                watch = _Watch.start(self._environ, self._timeout, self._clock)
            except WaylandError as error:
                raise IdleUnavailable(str(error)) from error
            self._watch, self.detail = watch, watch.protocol
        return watch.idle()

    def close(self) -> None:
        self._closed = True
        watch, self._watch = self._watch, None
        if watch is not None:
            watch.close()


class _Watch:
    """One connection, one idle notification, and the thread that takes its events."""

    def __init__(self, connection: WaylandConnection, clock: Clock) -> None:
        self._connection = connection
        self._clock = clock
        # Written by the reader thread, read by the caller's: each is one attribute
        # assignment, which is atomic, and a reading a moment old is as good as a new one.
        self._idle_since: float | None = None  # the last input, once `idled` came
        self.failure: str | None = None
        self.protocol = ""
        self._thread = threading.Thread(target=self._read, name="wayland-idle", daemon=True)

    @classmethod
    def start(cls, environ: Mapping[str, str], timeout: float, clock: Clock) -> _Watch:
        """Connect and subscribe, within `timeout` seconds in all."""
        deadline = time.monotonic() + timeout

        def left() -> float:
            return max(0.001, deadline - time.monotonic())

        connection = WaylandConnection.connect(environ, timeout)
        try:
            watch = cls(connection, clock)
            connection.roundtrip(left())  # the registry's globals
            watch.protocol = watch._subscribe()
            # A compositor that refuses the requests says so before it answers this one.
            connection.roundtrip(left())
        except NoAnswer as error:
            connection.close()
            raise NoAnswer(f"the compositor did not answer within {timeout:g} s") from error
        except BaseException:
            connection.close()
            raise
        watch._thread.start()
        return watch

    def _subscribe(self) -> str:
        """Ask for the notification; which protocol it came from."""
        connection = self._connection
        seat = connection.find("wl_seat")
        notifier, kde = connection.find(EXT_NOTIFIER), connection.find(KDE_IDLE)
        if notifier is None and kde is None:
            raise WaylandError(f"the compositor offers neither {EXT_NOTIFIER} nor {KDE_IDLE}")
        if seat is None:
            raise WaylandError("the compositor offers no seat (wl_seat)")
        seat_id = connection.bind(seat, 1)
        milliseconds = uint(int(NOTICE / timedelta(milliseconds=1)))
        if notifier is not None:
            version = _version(notifier, 2)
            notifier_id = connection.bind(notifier, version)
            notification = connection.new_object("ext_idle_notification_v1", self._on_event)
            opcode = GET_INPUT_IDLE_NOTIFICATION if version >= 2 else GET_IDLE_NOTIFICATION
            connection.send(notifier_id, opcode, uint(notification), milliseconds, uint(seat_id))
            return "ext-idle-notify v2, input only" if version >= 2 else "ext-idle-notify v1"
        assert kde is not None
        idle_id = connection.bind(kde, _version(kde, 1))
        notification = connection.new_object("org_kde_kwin_idle_timeout", self._on_event)
        connection.send(idle_id, GET_IDLE_TIMEOUT, uint(notification), uint(seat_id), milliseconds)
        return KDE_IDLE

    def idle(self) -> timedelta:
        since = self._idle_since
        if since is None:
            return timedelta(0)
        return timedelta(seconds=max(0.0, self._clock() - since))

    def close(self) -> None:
        self._connection.hang_up()
        if self._thread.is_alive():
            self._thread.join(timeout=TIMEOUT)
        self._connection.close()

    def _on_event(self, message: Message) -> None:
        Arguments(message).end()  # neither event has arguments
        if message.opcode == IDLED:
            self._idle_since = self._clock() - NOTICE.total_seconds()
        elif message.opcode == RESUMED:
            self._idle_since = None
        else:
            raise WireError(f"the idle notification has no event {message.opcode}")

    def _read(self) -> None:
        self.failure = self._connection.dispatch_forever("the idle monitor")


def _version(found: Global, highest: int) -> int:
    return max(1, min(found.version, highest))
