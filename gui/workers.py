"""Long work off the GUI thread: workers with started/progress/finished/errored signals.

The pattern follows napari and superqt: a job is a plain function that knows nothing of
Qt; it runs in a :class:`Worker`'s own thread and receives a :class:`JobContext`, through
which it reports progress and learns that it should stop (cooperative cancel). The
worker's signals are delivered on the GUI thread, so slots may touch widgets.

    def count_bytes(paths, context):           # no Qt in here
        total = 0
        for done, path in enumerate(paths, 1):
            context.check()                    # raises Cancelled once cancel() was asked
            total += path.stat().st_size
            context.report((done, len(paths)))
        return total

    worker = pool.start(count_bytes, paths, on_result=label.setNum,
                        on_progress=lambda p: bar.setValue(p[0]))
    worker.cancel()                            # the job stops at its next check()

A :class:`WorkerPool` keeps its workers alive until they end and stops them all on close
(`shutdown` cancels, then waits), so that no QThread is destroyed while it runs.
:class:`LatestOnly` runs one job at a time for requests where only the newest answer
matters (the layer table of the model just clicked): a new request cancels the running
job, waits for it to end and then starts; the stale result is dropped.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from netlib.cancel import Cancelled
from netlib.train.progress import every

__all__ = ["JobContext", "Worker", "WorkerPool", "LatestOnly", "describe_error"]


def describe_error(error: BaseException) -> str:
    """One line for a user: the message of a ValueError (the library's "bad input, here
    is what is valid"); the type as well for anything unexpected."""
    message = str(error).strip()
    if isinstance(error, ValueError) and message:
        return message
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


class JobContext:
    """What a job function receives as its last argument."""

    def __init__(self, worker: Worker):
        self._worker = worker
        #: Set when the job should stop; pass it to library functions that take an Event.
        self.cancel_event = threading.Event()

    def report(self, value: Any) -> None:
        """Send a progress value (any object) to the GUI thread."""
        self._worker.progress.emit(value)

    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def progress_reporter(self, interval_s: float = 0.05) -> Callable[[int, int], None]:
        """A `progress(done, total)` callback for library functions that reports
        `(done, total)` at most every `interval_s` seconds (and always the last step),
        so that a scan of 100,000 files does not flood the GUI thread with events."""
        due = every(interval_s)

        def progress(done: int, total: int) -> None:
            if due(done, total):
                self.report((done, total))

        return progress

    def check(self) -> None:
        """Raise :class:`netlib.cancel.Cancelled` (the library's own, which its scans and
        cache builds raise too) if the job was asked to stop."""
        if self.cancel_event.is_set():
            raise Cancelled()


class _Thread(QThread):
    def __init__(self, target: Callable[[], None]):
        super().__init__()
        self._target = target

    def run(self) -> None:
        self._target()


class Worker(QObject):
    """Runs `fn(*args, context)` in a thread of its own.

    Exactly one of `finished(result)`, `errored(exception)` or `cancelled()` is emitted,
    then `ended()`. A job that was cancelled counts as cancelled even if it returned a
    result: a stale answer is never delivered.
    """

    started = Signal()
    progress = Signal(object)
    finished = Signal(object)
    errored = Signal(object)
    cancelled = Signal()
    ended = Signal()

    def __init__(self, fn: Callable[..., Any], *args: Any, name: str = ""):
        super().__init__()
        self.name = name or getattr(fn, "__name__", "job")
        self._fn = fn
        self._args = args
        self.context = JobContext(self)
        self._thread = _Thread(self._run)
        self._thread.finished.connect(self._on_thread_finished)
        self._ended = False

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        """Ask the job to stop; it does so at its next check."""
        self.context.cancel_event.set()

    def is_cancelled(self) -> bool:
        return self.context.cancelled()

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def has_ended(self) -> bool:
        return self._ended

    def wait(self, timeout_ms: int | None = None) -> bool:
        """Block until the thread has ended; True unless the timeout passed first."""
        if timeout_ms is None:
            return self._thread.wait()
        return self._thread.wait(timeout_ms)

    def _run(self) -> None:
        # Runs in the worker thread: only emit signals here, never touch widgets.
        self.started.emit()
        try:
            result = self._fn(*self._args, self.context)
        except Exception as error:  # noqa: BLE001 - every failure goes to the GUI as a signal
            if self.is_cancelled():
                self.cancelled.emit()
            else:
                error.formatted_traceback = traceback.format_exc()
                self.errored.emit(error)
            return
        if self.is_cancelled():
            self.cancelled.emit()
        else:
            self.finished.emit(result)

    def _on_thread_finished(self) -> None:
        # QThread.finished is emitted just before the thread really ends; wait for it so
        # that whoever drops the last reference next never destroys a running thread.
        self._thread.wait()
        self._ended = True
        self.ended.emit()


class WorkerPool(QObject):
    """Starts workers, keeps them alive until they end, and stops them all on shutdown.

    After `shutdown` no callback is called any more: results still queued for the GUI
    thread are dropped, so nothing reaches widgets that are closing or gone.
    """

    #: Emitted when the last running worker has ended.
    idle = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._workers: list[Worker] = []
        self._closed = False

    def start(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_result: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        on_progress: Callable[[Any], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        on_ended: Callable[[], None] | None = None,
        name: str = "",
    ) -> Worker:
        """Run `fn(*args, context)` in a new worker and connect the given callbacks.

        Connect through these arguments rather than to the returned worker's signals: a
        queued signal reaches only the slots connected when it was emitted, and a quick
        job may have ended before `start` returns.
        """
        if self._closed:
            raise RuntimeError("This WorkerPool was shut down; it starts no more work.")
        worker = Worker(fn, *args, name=name)
        for signal, slot in (
            (worker.finished, on_result),
            (worker.errored, on_error),
            (worker.progress, on_progress),
            (worker.cancelled, on_cancelled),
            (worker.ended, on_ended),
        ):
            if slot is not None:
                signal.connect(self._while_open(slot))
        worker.ended.connect(lambda w=worker: self._forget(w))
        self._workers.append(worker)
        worker.start()
        return worker

    @property
    def busy(self) -> bool:
        return bool(self._workers)

    def running(self) -> list[Worker]:
        return list(self._workers)

    def cancel_all(self) -> None:
        for worker in self._workers:
            worker.cancel()

    def shutdown(self, timeout_ms: int | None = None) -> bool:
        """Cancel every worker and wait for all of them; True if all have ended."""
        self._closed = True
        self.cancel_all()
        return all(worker.wait(timeout_ms) for worker in list(self._workers))

    def _while_open(self, slot: Callable) -> Callable:
        # A lambda connected to a signal outlives the widgets it refers to; this guard
        # keeps results that were queued before shutdown from reaching them.
        def deliver(*args: Any) -> None:
            if not self._closed:
                slot(*args)

        return deliver

    def _forget(self, worker: Worker) -> None:
        if worker in self._workers:
            self._workers.remove(worker)
        if not self._workers and not self._closed:
            self.idle.emit()


class LatestOnly(QObject):
    """One job at a time, newest request wins.

    `submit` while a job runs cancels that job and keeps the new request pending (a newer
    one replaces it); the pending request starts when the running job has ended. Only
    the newest request's callbacks are ever called.
    """

    busy_changed = Signal(bool)

    def __init__(self, pool: WorkerPool, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = pool
        self._current: Worker | None = None
        self._pending: tuple | None = None

    @property
    def busy(self) -> bool:
        return self._current is not None or self._pending is not None

    def submit(self, fn: Callable[..., Any], *args: Any, **callbacks: Any) -> None:
        """Like :meth:`WorkerPool.start`, superseding whatever runs or waits."""
        was_busy = self.busy
        self._pending = (fn, args, callbacks)
        if self._current is not None:
            self._current.cancel()
        else:
            self._start_pending()
        if not was_busy:
            self.busy_changed.emit(True)

    def cancel(self) -> None:
        """Drop the pending request and ask the running job to stop."""
        self._pending = None
        if self._current is not None:
            self._current.cancel()

    def _start_pending(self) -> None:
        fn, args, callbacks = self._pending
        self._pending = None
        # A job may have finished (its result queued for the GUI thread) just before a
        # newer request came: deliver only while no newer request waits.
        guarded = {
            key: self._unless_superseded(value) if key.startswith("on_") else value
            for key, value in callbacks.items()
        }
        self._current = self._pool.start(fn, *args, on_ended=self._on_ended, **guarded)

    def _unless_superseded(self, slot: Callable | None) -> Callable | None:
        if slot is None:
            return None

        def deliver(*args: Any) -> None:
            if self._pending is None:
                slot(*args)

        return deliver

    def _on_ended(self) -> None:
        self._current = None
        if self._pending is not None:
            self._start_pending()
        else:
            self.busy_changed.emit(False)
