"""The notification service, the console backend and plyer's guards, with fake notifiers."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
import threading
import time
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from warnings import catch_warnings, simplefilter

import pytest
from plyer import facades
from plyer.platforms.linux import notification as linux

from postureping.notify.base import Notifier, NotifyError
from postureping.notify.console import ConsoleNotifier, format_reminder
from postureping.notify.plyer_backend import (
    PlyerNotifier,
    dbus_reason,
    escape_markup,
    notify_send_args,
    timeout_seconds,
)
from postureping.notify.registry import BACKENDS, CHOICES, choose
from postureping.notify.service import NotificationService
from postureping.reminder import Reminder
from postureping.settings.model import NotificationSettings

LIMIT = 0.2  # seconds a fake backend may take in these tests
WAIT = 5.0  # upper bound for waits that normally end at once

LOG = logging.getLogger("postureping.test_notify")
ROOT = Path(__file__).resolve().parent.parent

Make = Callable[..., NotificationService]


def reminder(title: str = "Stand up", body: str = "Walk around.") -> Reminder:
    return Reminder("walk", title, body, timedelta(seconds=20))


class Recorder:
    name = "recorder"

    def __init__(self) -> None:
        self.shown: list[Reminder] = []

    def send(self, reminder: Reminder) -> None:
        self.shown.append(reminder)


class Broken:
    """Fails while `broken` is set, with `error`; records what it did show."""

    name = "broken"

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error or NotifyError("no notification server on the session bus")
        self.broken = True
        self.shown: list[Reminder] = []

    def send(self, reminder: Reminder) -> None:
        if self.broken:
            raise self.error
        self.shown.append(reminder)


class Hanging:
    """Blocks every call until released (at teardown at the latest)."""

    name = "hanging"

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls = 0

    def send(self, reminder: Reminder) -> None:
        self.calls += 1
        self.release.wait(WAIT)


@pytest.fixture
def hanging() -> Iterator[Hanging]:
    notifier = Hanging()
    yield notifier
    notifier.release.set()


@pytest.fixture
def services() -> Iterator[list[NotificationService]]:
    """Services a test creates; each is closed afterwards so no worker outlives its test."""
    created: list[NotificationService] = []
    yield created
    for service in created:
        assert service.close(WAIT)


@pytest.fixture
def make(services: list[NotificationService], caplog: pytest.LogCaptureFixture) -> Make:
    """Build a service with the test's limit and logger, closed at teardown."""
    caplog.set_level(logging.DEBUG, logger=LOG.name)

    def make(primary: Notifier, fallback: Notifier | None = None) -> NotificationService:
        service = NotificationService(primary, fallback, LIMIT, LOG)
        services.append(service)
        return service

    return make


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def infos(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]


# --- the service ---------------------------------------------------------------------------


def test_a_working_primary_shows_the_reminder_and_logs_nothing(
    make: Make, caplog: pytest.LogCaptureFixture
) -> None:
    primary, fallback = Recorder(), Recorder()
    service = make(primary, fallback)
    service.deliver(reminder())
    assert service.flush(WAIT)
    assert primary.shown == [reminder()]
    assert fallback.shown == []
    assert [r for r in caplog.records if r.levelno >= logging.INFO] == []


def test_a_failing_primary_sends_the_reminder_to_the_fallback(
    make: Make, caplog: pytest.LogCaptureFixture
) -> None:
    fallback = Recorder()
    service = make(Broken(), fallback)
    service.deliver(reminder())
    assert service.flush(WAIT)
    assert fallback.shown == [reminder()]
    assert warnings(caplog) == [
        "desktop notifications are not working (no notification server on the session bus); "
        "reminders are printed on the terminal instead"
    ]


def test_a_hanging_primary_is_abandoned_within_the_time_limit(
    make: Make, caplog: pytest.LogCaptureFixture, hanging: Hanging
) -> None:
    fallback = Recorder()
    service = make(hanging, fallback)
    start = time.monotonic()
    service.deliver(reminder())
    assert service.flush(WAIT)
    assert time.monotonic() - start < LIMIT + 1.0
    assert fallback.shown == [reminder()]
    assert "hanging did not answer within 0.2 s" in warnings(caplog)[0]


def test_deliver_returns_at_once_while_the_backend_hangs(make: Make, hanging: Hanging) -> None:
    service = make(hanging, Recorder())
    start = time.monotonic()
    for _ in range(5):
        service.deliver(reminder())
    assert time.monotonic() - start < 0.05


def test_a_hung_backend_is_not_called_again_until_it_returns(make: Make, hanging: Hanging) -> None:
    fallback = Recorder()
    service = make(hanging, fallback)
    for _ in range(3):
        service.deliver(reminder())
    assert service.flush(WAIT)
    assert hanging.calls == 1  # one stuck thread, not one per reminder
    assert len(fallback.shown) == 3


def test_many_failures_log_exactly_one_warning(
    make: Make, caplog: pytest.LogCaptureFixture
) -> None:
    fallback = Recorder()
    service = make(Broken(), fallback)
    for n in range(10):
        service.deliver(reminder(f"reminder {n}"))
    assert service.flush(WAIT)
    assert len(fallback.shown) == 10
    assert len(warnings(caplog)) == 1


class BrokenButRedraws(Broken):
    """Fails every reminder, but takes a redraw without a word, as plyer does (it cannot
    replace a notification, so a redraw is nothing to do)."""

    def send(self, reminder: Reminder) -> None:
        if not reminder.redraw:
            super().send(reminder)


def test_a_redraw_that_shows_nothing_is_no_recovery(
    make: Make, caplog: pytest.LogCaptureFixture
) -> None:
    """A failing notifier that takes a redraw as nothing to do has not started to work: no
    "work again", and no second warning at the next reminder (the daemon with plyer and no
    notification server warned twice in a run of grouped reminders)."""
    service = make(BrokenButRedraws(), Recorder())
    service.deliver(reminder())
    service.deliver(replace(reminder(), redraw=True))
    service.deliver(reminder())
    assert service.flush(WAIT)
    assert infos(caplog) == []
    assert len(warnings(caplog)) == 1


def test_recovery_is_logged_once_and_rearms_the_warning(
    make: Make, caplog: pytest.LogCaptureFixture
) -> None:
    primary, fallback = Broken(), Recorder()
    service = make(primary, fallback)
    for _ in range(2):
        service.deliver(reminder())
    assert service.flush(WAIT)
    primary.broken = False
    for _ in range(2):
        service.deliver(reminder())
    assert service.flush(WAIT)
    assert infos(caplog) == ["desktop notifications work again"]
    assert (len(primary.shown), len(fallback.shown)) == (2, 2)
    primary.broken = True
    service.deliver(reminder())
    assert service.flush(WAIT)
    assert len(warnings(caplog)) == 2


def test_an_unexpected_exception_does_not_stop_the_worker(
    make: Make, caplog: pytest.LogCaptureFixture
) -> None:
    primary, fallback = Broken(RuntimeError("bug in a backend")), Recorder()
    service = make(primary, fallback)
    service.deliver(reminder())
    assert service.flush(WAIT)
    (record,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "broken failed: RuntimeError: bug in a backend" in record.getMessage()
    assert record.exc_info is not None  # the traceback goes into the log for a bug report
    primary.broken = False
    service.deliver(reminder())
    assert service.flush(WAIT)
    assert len(primary.shown) == 1
    assert len(fallback.shown) == 1


def test_without_a_fallback_a_failure_is_logged_once_and_nothing_escapes(
    make: Make, caplog: pytest.LogCaptureFixture
) -> None:
    service = make(Broken())
    for _ in range(3):
        service.deliver(reminder())
    assert service.flush(WAIT)
    assert warnings(caplog) == [
        "could not show reminders (no notification server on the session bus)"
    ]


def test_a_failing_fallback_is_logged_as_an_error(
    make: Make, caplog: pytest.LogCaptureFixture
) -> None:
    service = make(Broken(), Broken(NotifyError("stdout is closed")))
    service.deliver(reminder("Stretch"))
    assert service.flush(WAIT)
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == ["could not show the reminder 'Stretch': stdout is closed"]


def test_close_shows_what_is_queued_then_stops_the_worker() -> None:
    primary = Recorder()
    service = NotificationService(primary, None, LIMIT, LOG)
    for _ in range(3):
        service.deliver(reminder())
    assert service.close(WAIT)
    assert len(primary.shown) == 3
    assert "postureping-notify" not in {t.name for t in threading.enumerate()}
    assert service.close(WAIT)  # closing twice is harmless


def test_deliver_after_close_is_dropped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger=LOG.name)
    primary = Recorder()
    service = NotificationService(primary, None, LIMIT, LOG)
    assert service.close(WAIT)
    service.deliver(reminder("Late"))
    assert primary.shown == []
    assert warnings(caplog) == ["not shown, the daemon is stopping: Late"]


def test_flush_reports_a_timeout(make: Make, hanging: Hanging) -> None:
    service = make(hanging, Recorder())
    service.deliver(reminder())
    assert not service.flush(0.01)
    assert service.flush(WAIT)


# --- the console ---------------------------------------------------------------------------


def at_14_05() -> datetime:
    return datetime(2025, 3, 4, 14, 5, 59)


def test_console_prints_a_stamped_title_and_the_body_indented() -> None:
    out = io.StringIO()
    ConsoleNotifier(out, clock=at_14_05).send(
        reminder("Stand up and walk around", "Walk for 3 minutes.\n\n1. Stand (5 s)")
    )
    assert out.getvalue() == (
        "[postureping 14:05] Stand up and walk around\n"
        "    Walk for 3 minutes.\n"
        "\n"
        "    1. Stand (5 s)\n"
    )


def test_console_shows_markup_and_shell_text_literally_and_neutralises_control_characters() -> None:
    text = format_reminder(reminder("a <b>&</b> $(id)\rX", "\x1b[31mred"), at_14_05())
    assert text == "[postureping 14:05] a <b>&</b> $(id)?X\n    ?[31mred\n"


def test_console_replaces_characters_the_terminal_cannot_encode() -> None:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii")
    ConsoleNotifier(out, clock=at_14_05).send(reminder("Stretch \N{FLEXED BICEPS}", "caf\xe9"))
    assert raw.getvalue() == b"[postureping 14:05] Stretch ?\n    caf?\n"


def test_console_reports_a_closed_stream_as_notify_error() -> None:
    out = io.StringIO()
    out.close()
    with pytest.raises(NotifyError, match="could not print on the terminal"):
        ConsoleNotifier(out).send(reminder())


def test_console_writes_to_the_current_stdout_by_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ConsoleNotifier(clock=at_14_05).send(reminder())
    assert capsys.readouterr().out == "[postureping 14:05] Stand up\n    Walk around.\n"


# --- plyer: escaping and the guards around its silent failures -----------------------------


def test_escape_markup_escapes_only_what_the_markup_subset_reads() -> None:
    assert escape_markup("<b>1 & 2</b> \"q\" 'a' $(id)") == (
        "&lt;b&gt;1 &amp; 2&lt;/b&gt; \"q\" 'a' $(id)"
    )
    assert escape_markup("&lt;") == "&amp;lt;"  # text that looks escaped still shows as typed


def test_timeout_is_whole_seconds_and_never_zero() -> None:
    assert timeout_seconds(timedelta(seconds=20)) == 20
    assert timeout_seconds(timedelta(milliseconds=1600)) == 2
    assert timeout_seconds(timedelta(milliseconds=100)) == 1  # 0 would mean "never expire"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("org.freedesktop.DBus.Error.ServiceUnknown", "no notification server on the session bus"),
        ("org.freedesktop.DBus.Error.FileNotFound", "no D-Bus session bus (detail)"),
        ("org.freedesktop.DBus.Error.Spawn.ExecFailed", "no D-Bus session bus (detail)"),
        ("org.freedesktop.DBus.Error.NoReply", "the notification server did not answer"),
        ("org.example.Refused", "the notification server refused the reminder (detail)"),
    ],
)
def test_dbus_errors_become_short_reasons(name: str, reason: str) -> None:
    assert dbus_reason(name, "detail") == reason


@pytest.mark.skipif(sys.platform != "linux", reason="plyer's Linux paths")
class TestPlyerGuards:
    """Real plyer implementation objects; each case must be refused before plyer runs."""

    def test_no_implementation(self) -> None:
        with pytest.raises(NotifyError, match="plyer found no way to show notifications"):
            PlyerNotifier(facades.Notification()).send(reminder())

    def test_notify_send_reads_text_beginning_with_a_dash_as_text_and_expires(self) -> None:
        args = notify_send_args("-x", "--help \\n", timedelta(seconds=42))
        assert args == [
            "notify-send", "--app-name=postureping", "--urgency=normal",
            "--expire-time=42000", "--", "-x", "--help \\\\n",
        ]  # fmt: skip
        quiet = notify_send_args("Break counted", "", timedelta(milliseconds=1), quiet=True)
        assert "--urgency=low" in quiet and "--expire-time=1" in quiet
        sticky = notify_send_args("Back pain", "", timedelta(hours=12), quiet=True, sticky=True)
        assert "--urgency=critical" in sticky and "--expire-time=0" in sticky

    def test_plyers_dbus_python_path_is_never_taken(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """Even where dbus-python is importable (a system Python's site-packages): one D-Bus
        library, jeepney; and plyer's warning about a missing dbus-python is never printed."""
        program = tmp_path / "notify-send"
        program.write_text("#!/bin/sh\nexit 0\n")
        program.chmod(0o755)
        monkeypatch.setenv("PATH", str(tmp_path))
        monkeypatch.setitem(sys.modules, "dbus", types.ModuleType("dbus"))
        with catch_warnings(record=True) as caught:
            simplefilter("always")
            assert PlyerNotifier()._resolve()[1] == "notify-send"
        assert caught == []
        monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
        monkeypatch.delitem(sys.modules, "dbus")
        with catch_warnings(record=True) as caught:
            simplefilter("always")
            notifier = PlyerNotifier()
            with pytest.raises(NotifyError, match="plyer found no way"):
                notifier.send(reminder())
        assert caught == []

    @pytest.mark.parametrize(("title", "body"), [("it's", "body"), ("title", "a\\b")])
    def test_flatpak_portal_with_a_quote_or_backslash(self, title: str, body: str) -> None:
        with pytest.raises(NotifyError, match="Flatpak"):
            PlyerNotifier(linux.NotifyDesktopPortals()).send(reminder(title, body))


def test_registry_matches_the_settings() -> None:
    annotation = NotificationSettings.model_fields["backend"].annotation
    assert typing.get_args(annotation) == CHOICES
    assert set(BACKENDS) <= set(CHOICES)


def test_choose_falls_back_to_the_console_for_every_desktop_choice() -> None:
    out = io.StringIO()
    for backend in ("auto", "plyer"):
        primary, fallback = choose(backend, out)
        assert isinstance(primary, PlyerNotifier)
        assert isinstance(fallback, ConsoleNotifier)
    primary, fallback = choose("console", out)
    assert isinstance(primary, ConsoleNotifier)
    assert fallback is None
    with pytest.raises(ValueError, match="unknown notification backend 'growl'"):
        choose("growl")


def test_choosing_plyer_does_not_import_it() -> None:
    # plyer picks its implementation (and may warn) when used: only a send should do that.
    code = (
        "import sys; from postureping.notify.registry import choose; choose('auto'); "
        "print('plyer' in sys.modules)"
    )
    args = [sys.executable, "-c", code]
    out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
