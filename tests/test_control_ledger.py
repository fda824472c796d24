"""The ledger of recent requests (postureping.control.ledger): each id carried out once, a
retry answered with the first reply, a request that comes after its client gave up not
carried out. Pure: a made-up clock, handlers that count their calls."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from postureping.control.ledger import FAILED, STILL_BUSY, TOO_LATE, RequestLedger
from postureping.control.protocol import Reply, Request

LOG = logging.getLogger("test-control-ledger")
NOW = 1_800_000_000.0


class Counting:
    """A handler that answers each request with a numbered reply."""

    def __init__(self, action: Callable[[], None] = lambda: None) -> None:
        self.calls: list[Request] = []
        self._action = action

    def __call__(self, request: Request) -> Reply:
        self.calls.append(request)
        self._action()
        return Reply(True, f"reply {len(self.calls)}")


def ledger(handle: Callable[[Request], Reply], remembered: int = 1024) -> RequestLedger:
    return RequestLedger(handle, LOG, clock=lambda: NOW, remembered=remembered)


def answer(request_id: str | None, expires: float = NOW + 10, command: str = "answer") -> Request:
    return Request(command, {"answer": "done"}, request_id, expires)


def test_a_repeated_id_is_answered_not_carried_out() -> None:
    handle = Counting()
    book = ledger(handle)
    first = book.answer(answer("a"))
    assert book.answer(answer("a")) == first == Reply(True, "reply 1")
    assert book.answer(answer("b")) == Reply(True, "reply 2")
    assert len(handle.calls) == 2


def test_requests_without_an_id_and_status_are_carried_out_each_time() -> None:
    handle = Counting()
    book = ledger(handle)
    book.answer(answer(None))
    book.answer(answer(None))
    book.answer(answer("s", command="status"))
    book.answer(answer("s", command="status"))
    assert len(handle.calls) == 4


def test_a_request_that_comes_after_it_expired_is_not_carried_out() -> None:
    handle = Counting()
    book = ledger(handle)
    late = book.answer(answer("a", expires=NOW - 0.1))
    assert not late.ok and late.message == TOO_LATE and late.exit == 1
    assert book.answer(answer("a", expires=NOW + 10)) == late  # its retry: the same refusal
    assert book.answer(answer(None, expires=NOW - 0.1)).message == TOO_LATE
    assert handle.calls == []


def test_a_retry_waits_for_the_first_to_finish() -> None:
    release, started, retry_waits = threading.Event(), threading.Event(), threading.Event()

    def slow() -> None:
        started.set()
        release.wait(5)

    def clock() -> float:
        # The retry reads the clock just before it waits for the first (to know how long).
        if threading.current_thread().name == "retry":
            retry_waits.set()
        return NOW

    handle = Counting(slow)
    book = RequestLedger(handle, LOG, clock=clock)
    replies: list[Reply] = []
    first = threading.Thread(target=lambda: replies.append(book.answer(answer("a"))))
    first.start()
    started.wait(5)
    retry = threading.Thread(target=lambda: replies.append(book.answer(answer("a"))), name="retry")
    retry.start()
    assert retry_waits.wait(5)
    release.set()
    first.join(5)
    retry.join(5)
    assert replies == [Reply(True, "reply 1")] * 2 and len(handle.calls) == 1


def test_a_retry_gives_up_when_the_first_takes_too_long() -> None:
    release, started = threading.Event(), threading.Event()

    def stuck() -> None:
        started.set()
        release.wait(5)

    book = ledger(Counting(stuck))
    first = threading.Thread(target=lambda: book.answer(answer("a")))
    first.start()
    started.wait(5)
    try:
        # Expired long ago, so it waits only the second the client allows beyond.
        assert book.answer(answer("a", expires=NOW - 100)).message == STILL_BUSY
    finally:
        release.set()
        first.join(5)


def test_a_failing_handler_gets_one_reply_that_a_retry_repeats() -> None:
    def broken() -> None:
        raise RuntimeError("a bug")

    handle = Counting(broken)
    book = ledger(handle)
    failed = book.answer(answer("a"))
    assert not failed.ok and failed.message == FAILED
    assert book.answer(answer("a")) == failed and len(handle.calls) == 1


def test_only_the_latest_ids_are_remembered() -> None:
    handle = Counting()
    book = ledger(handle, remembered=2)
    for request_id in ("a", "b", "c"):
        book.answer(answer(request_id))
    book.answer(answer("c"))
    book.answer(answer("b"))
    assert len(handle.calls) == 3
    book.answer(answer("a"))  # forgotten: carried out again
    assert len(handle.calls) == 4
