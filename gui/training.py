"""The run being trained, for the Train page: a netlib Trainer fitted in a worker thread
(gui.tasks.fit_in_worker), its events delivered on the GUI thread in order, and Stop.
No widgets.

A thread suffices: TensorFlow and JAX release the GIL while they compute, and
benchmarks/gui_latency.py measures how late the GUI's timers fire during a run and how
fast the run trains in the window against headless. Stop asks the Trainer to stop at
the end of the current batch, which keeps the run resumable from its last epoch.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from gui.tasks import fit_in_worker
from gui.workers import Worker, WorkerPool


class TrainingSession(QObject):
    #: Every event of the run (netlib.train.events), in order, on the GUI thread.
    event = Signal(object)
    #: Something outside the run's own reporting failed; carries the exception.
    crashed = Signal(object)
    #: The worker has ended (after the run's last event).
    ended = Signal()

    def __init__(self, pool: WorkerPool, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = pool
        self._worker: Worker | None = None
        self.trainer = None

    def is_running(self) -> bool:
        return self._worker is not None

    def start(self, trainer) -> None:
        """Fit `trainer` (a netlib.train.Trainer) in a worker."""
        if self.is_running():
            raise RuntimeError("A run is in progress; stop it before starting another.")
        self.trainer = trainer
        self._worker = self._pool.start(
            fit_in_worker, trainer,
            on_progress=self.event.emit,
            on_error=self.crashed.emit,
            on_ended=self._on_ended,
            name="train",
        )

    def stop(self) -> bool:
        """Ask the run to stop at the end of its current batch; False if none runs."""
        if self.trainer is None or not self.is_running():
            return False
        self.trainer.request_stop()
        return True

    def _on_ended(self) -> None:
        self._worker = None
        self.trainer = None
        self.ended.emit()
