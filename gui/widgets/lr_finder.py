"""The learning-rate finder's dialog: the sweep runs in a worker (netlib.train.lr_find),
the smoothed loss is plotted against the rate on a log axis with the suggested rate
marked, and "Use this rate" puts it in the form. pyqtgraph: made after Keras has loaded."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from gui.tasks import find_learning_rate
from gui.widgets.curves import RATE_COLOR, TRAIN_COLOR, cache_axes
from gui.workers import describe_error

__all__ = ["LrFinderDialog"]


class LrFinderDialog(QDialog):
    """Finds a learning rate for `config` (a TrainConfig) when shown; closing it cancels
    the sweep. The model the run will train is not involved: the sweep builds its own."""

    #: "Use this rate" was pressed: the suggested rate.
    rate_chosen = Signal(float)
    #: The sweep ended: its LrFinding (or None when it failed or was cancelled).
    done = Signal(object)

    def __init__(self, config, workers, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Learning-rate finder")
        self.resize(560, 440)
        self.config = config
        self.workers = workers
        self.finding = None
        intro = QLabel(
            f"Training a copy of {config.model} on up to 100 batches while the rate grows "
            "from 1e-7 to 10 (Smith, 2015; fastai's lr_find). The run's own model is not "
            "touched.")
        intro.setWordWrap(True)
        self.progress = QProgressBar()
        self.plot = pg.PlotWidget(background="w")
        item = self.plot.getPlotItem()
        cache_axes(item)
        item.setLogMode(x=True)
        item.setLabel("bottom", "learning rate")
        item.setLabel("left", "loss (smoothed)")
        item.showGrid(x=True, y=True, alpha=0.2)
        self.raw = item.plot([], [], pen=pg.mkPen((180, 190, 205), width=1))
        self.curve = item.plot([], [], pen=pg.mkPen(TRAIN_COLOR, width=2))
        self.marker = pg.InfiniteLine(angle=90, pen=pg.mkPen(RATE_COLOR, width=2))
        self.marker.hide()
        item.addItem(self.marker)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.use_button = self.buttons.addButton("Use this rate", QDialogButtonBox.ButtonRole.AcceptRole)
        self.use_button.setEnabled(False)
        layout = QVBoxLayout(self)
        for widget in (intro, self.progress, self.plot, self.result, self.buttons):
            layout.addWidget(widget, 1 if widget is self.plot else 0)
        self.use_button.clicked.connect(self._use)
        self.buttons.rejected.connect(self.reject)
        self.worker = workers.start(
            find_learning_rate, config,
            on_progress=self._on_progress, on_result=self._on_result,
            on_error=self._on_error, on_cancelled=lambda: self.done.emit(None),
            name="find learning rate",
        )

    def _on_progress(self, progress) -> None:
        step, steps = progress
        self.progress.setRange(0, steps)
        self.progress.setValue(step)

    def _on_result(self, finding) -> None:
        self.finding = finding
        self.progress.setValue(self.progress.maximum())
        self.raw.setData(finding.rates, finding.losses)
        self.curve.setData(finding.rates, finding.smoothed)
        self.marker.setValue(_log10(finding.suggestion))
        self.marker.show()
        self.result.setText(f"Suggested learning rate: {finding.suggestion:.3g} ({finding.rule}).")
        self.use_button.setEnabled(True)
        self.done.emit(finding)

    def _on_error(self, error: Exception) -> None:
        self.result.setText(f"The sweep failed: {describe_error(error)}")
        self.done.emit(None)

    def _use(self) -> None:
        if self.finding is not None:
            self.rate_chosen.emit(self.finding.suggestion)
        self.accept()

    def reject(self) -> None:
        self.worker.cancel()
        super().reject()


def _log10(value: float) -> float:
    import math

    return math.log10(value)  # an InfiniteLine on a log axis is placed in log units
