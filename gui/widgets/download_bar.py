"""A download's progress bar with a Cancel button, fed by a worker's (done, total) bytes."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

__all__ = ["DownloadBar"]


class DownloadBar(QWidget):
    """Hidden until `start`; shows megabytes done of the total, and hides again when the
    download ends. Cancel asks the worker to stop (its partial file is removed)."""

    #: Cancel was pressed.
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setFormat("")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the download; nothing half-downloaded is kept")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel_button)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self._worker = None
        self.hide()

    def start(self, worker) -> None:
        """Follow `worker` (a gui.workers.Worker): Cancel cancels it."""
        self._worker = worker
        self.bar.setRange(0, 0)
        self.bar.setFormat("Connecting…")
        self.cancel_button.setEnabled(True)
        self.show()

    def report(self, progress: tuple[int, int]) -> None:
        done, total = progress
        megabytes = done / 1e6
        if total:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * done / total))
            self.bar.setFormat(f"{megabytes:.1f} of {total / 1e6:.1f} MB")
        else:
            self.bar.setFormat(f"{megabytes:.1f} MB")

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            self.cancel_button.setEnabled(False)
            self.bar.setFormat("Cancelling…")

    def finish(self) -> None:
        self._worker = None
        self.hide()
