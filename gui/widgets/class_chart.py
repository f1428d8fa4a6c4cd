"""Images per class as a horizontal bar chart (pyqtgraph).

pyqtgraph takes a few tenths of a second to import, so the Dataset page imports this
module only when it has counts to show, well after the window's first paint.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

_BAR_COLOR = (94, 140, 207)


class ClassChart(pg.PlotWidget):
    """A bar per class, class names on the left axis, counts along the bottom."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, background="w")
        self.counts: dict[str, int] = {}
        self._bars: pg.BarGraphItem | None = None
        self._labels: list[pg.TextItem] = []
        plot = self.getPlotItem()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setMouseEnabled(x=False, y=False)
        plot.showGrid(x=True, y=False, alpha=0.25)
        plot.setLabel("bottom", "images")
        plot.getViewBox().invertY(True)  # the first class at the top
        for axis in ("left", "bottom"):
            plot.getAxis(axis).setTextPen("k")
            plot.getAxis(axis).setPen((120, 120, 120))
        self.setMinimumHeight(160)

    def set_counts(self, counts: dict[str, int]) -> None:
        """Show `counts` ({class name: images}) in class order."""
        plot = self.getPlotItem()
        if self._bars is not None:
            plot.removeItem(self._bars)
        for label in self._labels:
            plot.removeItem(label)
        self._labels = []
        self.counts = dict(counts)
        names = list(counts)
        values = [counts[name] for name in names]
        positions = list(range(len(names)))
        self._bars = pg.BarGraphItem(
            x0=0, y=positions, height=0.7, width=values, brush=_BAR_COLOR, pen=None
        )
        plot.addItem(self._bars)
        # Name every class while the names fit; beyond that, every n-th.
        step = max(1, len(names) // 30)
        plot.getAxis("left").setTicks([[(i, names[i]) for i in positions[::step]]])
        largest = max(values, default=0)
        if len(names) <= 30:  # a count beside each bar while there is room for it
            for position, value in enumerate(values):
                label = pg.TextItem(f"{value:,}", color=(60, 60, 60), anchor=(0, 0.5))
                label.setPos(value, position)
                plot.addItem(label)
                self._labels.append(label)
        plot.setXRange(0, max(1, largest) * 1.15, padding=0)
        plot.setYRange(-0.6, max(0, len(names) - 1) + 0.6, padding=0)
