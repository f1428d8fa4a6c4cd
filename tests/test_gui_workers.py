"""The worker pattern the pages are built on: results, errors, progress, cooperative
cancel, newest-request-wins, and shutdown that waits (headless, real QThreads)."""

import sys
import threading

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel

from gui.workers import LatestOnly, Worker, WorkerPool, describe_error
from netlib.cancel import Cancelled

TIMEOUT_MS = 10_000


def test_result_and_progress_arrive_on_the_gui_thread(qtbot):
    seen_threads = []

    def job(n, context):
        for i in range(n):
            context.report(i)
        return n * 10

    pool = WorkerPool()
    progress, results = [], []

    def on_progress(value):
        seen_threads.append(threading.current_thread() is threading.main_thread())
        progress.append(value)

    with qtbot.waitSignal(pool.idle, timeout=TIMEOUT_MS):
        worker = pool.start(job, 3, on_progress=on_progress, on_result=results.append)
    assert results == [30]
    assert progress == [0, 1, 2]
    assert seen_threads == [True, True, True]
    assert not pool.busy and not worker.is_running()


def test_an_exception_is_delivered_as_errored_with_its_traceback(qtbot):
    def job(context):
        raise ValueError("bad input: valid are a, b")

    pool = WorkerPool()
    errors = []
    with qtbot.waitSignal(pool.idle, timeout=TIMEOUT_MS):
        pool.start(job, on_error=errors.append)
    [error] = errors
    assert isinstance(error, ValueError)
    assert "Traceback" in error.formatted_traceback
    assert describe_error(error) == "bad input: valid are a, b"
    assert describe_error(KeyError("x")) == "KeyError: 'x'"
    assert describe_error(NotImplementedError()) == "NotImplementedError"


def test_cancel_stops_the_job_and_no_result_is_delivered(qtbot):
    started = threading.Event()

    def job(context):
        started.set()
        while True:  # a long loop that checks in with its context
            context.check()
            context.cancel_event.wait(0.01)

    pool = WorkerPool()
    results = []
    worker = pool.start(job, on_result=results.append)
    assert started.wait(5)
    with qtbot.waitSignals([worker.cancelled, worker.ended], timeout=TIMEOUT_MS):
        worker.cancel()
    assert results == []
    assert worker.has_ended() and not pool.busy


def test_a_result_computed_after_cancel_counts_as_cancelled(qtbot):
    release = threading.Event()

    def job(context):
        release.wait(5)
        return "stale"

    worker = Worker(job)
    results = []
    worker.finished.connect(results.append)
    with qtbot.waitSignal(worker.cancelled, timeout=TIMEOUT_MS):
        worker.start()
        worker.cancel()
        release.set()
    worker.wait()
    assert results == []


def test_latest_only_drops_the_superseded_result(qtbot):
    first_started, release_first = threading.Event(), threading.Event()

    def slow(context):
        first_started.set()
        release_first.wait(5)  # like a Keras build: cannot be interrupted
        return "first"

    def fast(context):
        return "second"

    pool = WorkerPool()
    latest = LatestOnly(pool)
    results = []
    latest.submit(slow, on_result=results.append)
    assert first_started.wait(5)
    with qtbot.waitSignal(latest.busy_changed, timeout=TIMEOUT_MS) as idle:
        latest.submit(fast, on_result=results.append)
        assert len(pool.running()) == 1  # the second waits for the first to end
        release_first.set()
    assert idle.args == [False]
    assert results == ["second"]
    assert not latest.busy


def test_latest_only_keeps_only_the_newest_pending_request(qtbot):
    release = threading.Event()

    def blocker(context):
        release.wait(5)

    def answer(value, context):
        return value

    pool = WorkerPool()
    latest = LatestOnly(pool)
    results = []
    latest.submit(blocker)
    latest.submit(answer, "b", on_result=results.append)
    latest.submit(answer, "c", on_result=results.append)
    with qtbot.waitSignal(latest.busy_changed, timeout=TIMEOUT_MS):
        release.set()
    assert results == ["c"]


def test_shutdown_cancels_and_waits(qtbot):
    running = threading.Event()

    def job(context):
        running.set()
        while not context.cancelled():
            context.cancel_event.wait(0.01)
        raise Cancelled()

    pool = WorkerPool()
    workers = [pool.start(job), pool.start(job)]
    assert running.wait(5)
    assert pool.shutdown(timeout_ms=TIMEOUT_MS)
    assert not any(worker.is_running() for worker in workers)


def test_progress_reporter_throttles_but_always_sends_the_last_step(qtbot):
    def job(context):
        progress = context.progress_reporter(interval_s=60)
        for done in range(1, 1001):
            progress(done, 1000)

    pool = WorkerPool()
    reports = []
    with qtbot.waitSignal(pool.idle, timeout=TIMEOUT_MS):
        pool.start(job, on_progress=reports.append)
    assert reports[-1] == (1000, 1000)
    assert len(reports) == 2  # the first call (none sent yet) and the last


@pytest.mark.parametrize("kind", ["finished", "errored"])
def test_ended_comes_after_the_outcome(qtbot, kind):
    def job(context):
        if kind == "errored":
            raise RuntimeError("boom")
        return 1

    order = []
    worker = Worker(job)
    getattr(worker, kind).connect(lambda *_: order.append(kind))
    worker.ended.connect(lambda: order.append("ended"))
    with qtbot.waitSignal(worker.ended, timeout=TIMEOUT_MS):
        worker.start()
    assert order == [kind, "ended"]


def test_no_callback_runs_after_shutdown(qtbot):
    release = threading.Event()

    def job(context):
        release.wait(5)
        return "late"

    pool = WorkerPool()
    results = []
    worker = pool.start(job, on_result=results.append)
    release.set()
    worker.wait()  # the result is queued for the GUI thread now
    assert pool.shutdown()
    qtbot.waitUntil(worker.has_ended, timeout=TIMEOUT_MS)  # the queue has been delivered
    assert results == []
    with pytest.raises(RuntimeError, match="shut down"):
        pool.start(job)


def test_pyside_keeps_reference_counts():
    """PySide6 6.12.0 (under Python 3.11) took a reference from True on every emit() and
    from None on every void call until the interpreter aborted; requirements.txt pins a
    release without that bug, and this keeps it so."""
    class Source(QObject):
        signal = Signal(object)

    source, received = Source(), []
    source.signal.connect(received.append)
    label = QLabel()
    before = sys.getrefcount(True), sys.getrefcount(None)
    for i in range(1000):
        source.signal.emit(i)
        label.setText("x")
    after = sys.getrefcount(True), sys.getrefcount(None)
    assert len(received) == 1000
    assert after[0] - before[0] > -100 and after[1] - before[1] > -100, (before, after)
