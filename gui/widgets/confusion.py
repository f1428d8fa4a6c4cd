"""The confusion matrix as a heat map (pyqtgraph); a click on a cell says which.

Rows are true classes, columns predicted ones, as in evaluation.json. A cell's colour is
its share of the row (the recall of the diagonal), with a square-root scale so that a
few mistakes among hundreds still show; its count is written in it while the classes
are few enough to leave room.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QWidget

from gui.widgets.curves import cache_axes

#: Counts are written in the cells up to this many classes.
MAX_LABELLED = 25
#: Class names on the axes up to this many; beyond, every n-th.
MAX_TICKS = 40
_COLORS = pg.ColorMap([0.0, 1.0], [(255, 255, 255), (31, 78, 150)])


class ConfusionMatrix(pg.PlotWidget):
    """A confusion matrix heat map with clickable cells."""

    #: A cell was clicked: (true class index, predicted class index).
    cell_clicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, background="w")
        self.counts = np.zeros((0, 0), np.int64)
        self.classes: list[str] = []
        self.selected: tuple[int, int] | None = None
        plot = self.getPlotItem()
        cache_axes(plot)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setMouseEnabled(x=False, y=False)
        plot.setLabel("left", "true class")
        plot.setLabel("bottom", "predicted class")
        for axis in ("left", "bottom"):
            plot.getAxis(axis).setTextPen("k")
            plot.getAxis(axis).setPen((120, 120, 120))
        plot.getViewBox().invertY(True)  # the first class at the top, as in a table
        plot.getViewBox().setAspectLocked(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        plot.addItem(self.image)
        self._labels: list[pg.TextItem] = []
        self._highlight = QGraphicsRectItem()
        self._highlight.setPen(QPen(QColor(230, 126, 34), 0.08))
        self._highlight.setZValue(10)
        self._highlight.hide()
        plot.addItem(self._highlight)
        self.scene().sigMouseClicked.connect(self._on_click)
        self.setMinimumSize(200, 200)

    def set_matrix(self, counts, classes: list[str]) -> None:
        """Show `counts` (rows: true, columns: predicted) for `classes`."""
        plot = self.getPlotItem()
        for label in self._labels:
            plot.removeItem(label)
        self._labels = []
        self.counts = np.asarray(counts, np.int64).reshape(len(classes), len(classes))
        self.classes = list(classes)
        self.selected = None
        self._highlight.hide()
        n = len(classes)
        if n == 0:
            self.image.clear()
            return
        rows = self.counts.sum(axis=1, keepdims=True)
        share = np.divide(self.counts, np.maximum(rows, 1), dtype=np.float64)
        self.image.setImage(np.sqrt(share), levels=(0.0, 1.0), lut=_COLORS.getLookupTable(nPts=256))
        self.image.setRect(QRectF(0, 0, n, n))
        step = max(1, math.ceil(n / MAX_TICKS))
        ticks = [(i + 0.5, self.classes[i]) for i in range(0, n, step)]
        plot.getAxis("left").setTicks([ticks])
        plot.getAxis("bottom").setTicks([ticks])
        if n <= MAX_LABELLED:
            for (row, column), count in np.ndenumerate(self.counts):
                dark = math.sqrt(share[row, column]) > 0.55
                label = pg.TextItem(f"{count:,}", color="w" if dark else (40, 40, 40),
                                    anchor=(0.5, 0.5))
                label.setPos(column + 0.5, row + 0.5)
                plot.addItem(label)
                self._labels.append(label)
        plot.setRange(xRange=(0, n), yRange=(0, n), padding=0.02)

    def select(self, true: int, predicted: int) -> None:
        """Outline cell (`true`, `predicted`)."""
        self.selected = (true, predicted)
        self._highlight.setRect(QRectF(predicted, true, 1, 1))
        self._highlight.show()

    def cell_position(self, true: int, predicted: int) -> QPoint:
        """Where the centre of a cell is, in the viewport's coordinates (for clicks)."""
        view = self.getPlotItem().getViewBox()
        scene = view.mapViewToScene(QPointF(predicted + 0.5, true + 0.5))
        return self.mapFromScene(scene)

    def _on_click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not len(self.classes):
            return
        point = self.getPlotItem().getViewBox().mapSceneToView(event.scenePos())
        column, row = math.floor(point.x()), math.floor(point.y())
        n = len(self.classes)
        if 0 <= row < n and 0 <= column < n:
            self.select(row, column)
            self.cell_clicked.emit(row, column)
