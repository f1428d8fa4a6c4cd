"""Learning curves (pyqtgraph): a run's live curves on the Train page, and several runs
overlaid on the Runs page (the ResNet paper's Figure 4: plain against residual nets).

pyqtgraph takes a few tenths of a second to import: pages import this module once Keras
has loaded, never before the window's first paint.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsItem, QWidget

# One colour per run on the Runs page (Tableau 10: told apart by most eyes and printers).
RUN_COLORS = (
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
)
TRAIN_COLOR = (52, 101, 164)
VALIDATION_COLOR = (230, 126, 34)
RATE_COLOR = (46, 139, 87)
UNFROZEN_COLOR = (120, 60, 160)
AXIS_PEN = (120, 120, 120)

#: The metrics a run records (netlib.runs.METRIC_COLUMNS) that the Runs page can overlay:
#: key -> (label, in percent).
METRICS = {
    "accuracy": ("Top-1 accuracy (%)", True),
    "top5": ("Top-5 accuracy (%)", True),
    "loss": ("Loss", False),
    "learning_rate": ("Learning rate", False),
}


def _style_plot(plot: pg.PlotItem, title: str, left: str) -> None:
    cache_axes(plot)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.showGrid(x=True, y=True, alpha=0.2)
    plot.setTitle(title, color="#1f2a37", size="10pt")
    plot.setLabel("bottom", "epoch")
    plot.setLabel("left", left)
    for axis in ("left", "bottom"):
        plot.getAxis(axis).setTextPen("k")
        plot.getAxis(axis).setPen(AXIS_PEN)


def cache_axes(plot: pg.PlotItem) -> None:
    """Paint the plot's axes from a cached pixmap, redrawn only when their range changes.

    Replaying an axis' tick labels is most of what a repaint costs (measured offscreen:
    28 ms for the Train page's three plots, 4 ms with the cache), and the curves are
    repainted several times a second while a network trains.
    """
    for name in ("left", "bottom", "right", "top"):
        plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def _finite(xs: Sequence[float], ys: Sequence[float]) -> tuple[list[float], list[float]]:
    pairs = [(x, y) for x, y in zip(xs, ys) if y is not None and math.isfinite(y)]
    return [x for x, _ in pairs], [y for _, y in pairs]


class _Series:
    """One curve's points, kept so that a new point is one append and one setData."""

    def __init__(self, item: pg.PlotDataItem):
        self.item = item
        self.x: list[float] = []
        self.y: list[float] = []

    def add(self, x: float, y: float) -> None:
        if y is not None and math.isfinite(y):
            self.x.append(x)
            self.y.append(y)

    def clear(self) -> None:
        self.x, self.y = [], []
        self.item.clear()

    def show(self) -> None:
        if self.x:
            self.item.setData(self.x, self.y)
        else:
            self.item.clear()


class TrainingCurves(pg.GraphicsLayoutWidget):
    """Loss, top-1 / top-5 accuracy and the learning rate of one run, against epochs.

    Training figures arrive per batch (Keras' running averages over the epoch so far,
    plotted at fractional epochs) and per epoch; validation figures per epoch.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setBackground("w")
        self.loss_plot = self.addPlot(row=0, col=0)
        self.accuracy_plot = self.addPlot(row=0, col=1)
        self.rate_plot = self.addPlot(row=0, col=2)
        _style_plot(self.loss_plot, "Loss", "cross-entropy")
        _style_plot(self.accuracy_plot, "Accuracy", "%")
        _style_plot(self.rate_plot, "Learning rate", "")
        self.accuracy_plot.setYRange(0, 100, padding=0.02)
        self.ci.layout.setColumnStretchFactor(0, 3)
        self.ci.layout.setColumnStretchFactor(1, 3)
        self.ci.layout.setColumnStretchFactor(2, 2)

        self.loss_plot.addLegend(offset=(-8, 8), labelTextColor="k")
        self.accuracy_plot.addLegend(offset=(-8, -8), labelTextColor="k")
        dashed = Qt.PenStyle.DashLine
        self.series = {
            "loss": self._line(self.loss_plot, TRAIN_COLOR, "training"),
            "val_loss": self._points(self.loss_plot, VALIDATION_COLOR, "validation"),
            "accuracy": self._line(self.accuracy_plot, TRAIN_COLOR, "training top-1"),
            "val_accuracy": self._points(self.accuracy_plot, VALIDATION_COLOR, "validation top-1"),
            "top5": self._line(self.accuracy_plot, TRAIN_COLOR, "training top-5", dashed),
            "val_top5": self._points(self.accuracy_plot, VALIDATION_COLOR, "validation top-5",
                                     dashed),
            "learning_rate": self._points(self.rate_plot, RATE_COLOR, None),
        }
        self._loss_top = 0.0
        self._markers: list[tuple[pg.PlotItem, pg.InfiniteLine]] = []
        self.setMinimumHeight(220)

    @staticmethod
    def _line(plot, color, name, style=Qt.PenStyle.SolidLine) -> _Series:
        return _Series(plot.plot([], [], pen=pg.mkPen(color, width=2, style=style), name=name))

    @staticmethod
    def _points(plot, color, name, style=Qt.PenStyle.SolidLine) -> _Series:
        return _Series(plot.plot(
            [], [], pen=pg.mkPen(color, width=2, style=style), symbol="o", symbolSize=6,
            symbolBrush=color, symbolPen=None, name=name,
        ))

    # -- feeding ---------------------------------------------------------------------------

    def reset(self) -> None:
        """Remove every point. (Not `clear`: GraphicsLayoutWidget's instances carry a
        `clear` of their own, which removes the plots.)"""
        for series in self.series.values():
            series.clear()
        for plot, line in self._markers:
            plot.removeItem(line)
        self._markers = []
        self._loss_top = 0.0
        self.loss_plot.enableAutoRange(y=True)

    def mark_unfrozen(self, epoch: float) -> None:
        """A dashed vertical line on every plot where the pretrained base was unfrozen,
        after `epoch` epochs (labelled on the loss plot); once per epoch."""
        if epoch in self.markers():
            return
        pen = pg.mkPen(UNFROZEN_COLOR, width=1.5, style=Qt.PenStyle.DashLine)
        for plot in (self.loss_plot, self.accuracy_plot, self.rate_plot):
            label = "unfrozen" if plot is self.loss_plot else None
            line = pg.InfiniteLine(epoch, angle=90, pen=pen, label=label,
                                   labelOpts={"position": 0.92, "color": UNFROZEN_COLOR})
            plot.addItem(line)
            self._markers.append((plot, line))

    def markers(self) -> list[float]:
        """Where the unfrozen markers are, one per plot (tests read them)."""
        return [line.value() for _, line in self._markers]

    def set_epochs(self, epochs: int) -> None:
        """Lay the epoch axis out for a run of `epochs` epochs (it no longer moves, so the
        axes are not redrawn as points arrive)."""
        for plot in (self.loss_plot, self.accuracy_plot, self.rate_plot):
            plot.enableAutoRange(x=False)
            plot.setXRange(0, max(1, epochs), padding=0.02)

    def set_history(self, rows: Iterable[Mapping[str, float]]) -> None:
        """Show a run's metrics.csv rows (a resumed run's past epochs)."""
        self.reset()
        for row in rows:
            self._add_epoch_row(row)
        self._show_all()

    def add_batch(self, epoch: int, step: int, steps: int, loss: float, accuracy: float,
                  top5: float) -> None:
        """A BatchEnd: running averages at epoch `epoch` (from 1), step `step` of `steps`."""
        x = epoch - 1 + step / max(1, steps)
        self.series["loss"].add(x, loss)
        self.series["accuracy"].add(x, 100 * accuracy)
        self.series["top5"].add(x, 100 * top5)
        for key in ("loss", "accuracy", "top5"):
            self.series[key].show()
        self._fit_loss_axis()

    def add_epoch(self, row: Mapping[str, float]) -> None:
        """An EpochEnd (or a metrics.csv row): validation figures and the learning rate."""
        self._add_epoch_row(row, training=False)
        self._show_all()

    def _add_epoch_row(self, row: Mapping[str, float], training: bool = True) -> None:
        epoch = float(row["epoch"])
        if training:  # a past epoch: its final training averages
            self.series["loss"].add(epoch, row.get("loss"))
            self.series["accuracy"].add(epoch, 100 * row.get("accuracy", math.nan))
            self.series["top5"].add(epoch, 100 * row.get("top5", math.nan))
        self.series["val_loss"].add(epoch, row.get("val_loss"))
        self.series["val_accuracy"].add(epoch, 100 * row.get("val_accuracy", math.nan))
        self.series["val_top5"].add(epoch, 100 * row.get("val_top5", math.nan))
        rate = row.get("learning_rate")
        if rate is not None and math.isfinite(rate) and rate > 0:
            self.series["learning_rate"].add(epoch, rate)

    def _show_all(self) -> None:
        self._fit_rate_axis()
        for series in self.series.values():
            series.show()
        self._fit_loss_axis()

    def _fit_rate_axis(self) -> None:
        """A schedule that spans decades reads best on a log scale; a rate that changes
        less is shown from 0 (a constant one in the middle, not at an edge)."""
        rates = self.series["learning_rate"].y
        if not rates:
            return
        logarithmic = max(rates) >= 10 * min(rates)
        self.rate_plot.setLogMode(y=logarithmic)
        if logarithmic:
            self.rate_plot.enableAutoRange(y=True)
        else:
            self.rate_plot.setYRange(0, 1.5 * max(rates), padding=0)

    def _fit_loss_axis(self) -> None:
        """Loss from 0 to a little above the highest seen: the axis moves only when a
        higher loss arrives (rarely after the first batches), not as the loss falls."""
        values = self.series["loss"].y + self.series["val_loss"].y
        if values and max(values) > self._loss_top:
            self._loss_top = max(values) * 1.1
            self.loss_plot.setYRange(0, self._loss_top, padding=0)

    def points(self, key: str) -> tuple[list[float], list[float]]:
        """The (x, y) of one series as plotted (tests read them)."""
        return list(self.series[key].x), list(self.series[key].y)


class RunComparison(pg.PlotWidget):
    """Several runs' curves of one metric: validation solid and bold, training dashed and
    thin, one colour per run."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, background="w")
        self.plot_item = self.getPlotItem()
        _style_plot(self.plot_item, "", "")
        self.legend = self.plot_item.addLegend(offset=(-8, -8), labelTextColor="k")
        self.metric = "accuracy"
        self.shown: dict[str, tuple[list[float], list[float]]] = {}
        self.setMinimumHeight(220)

    def show_runs(self, runs: Sequence[tuple[str, Sequence[Mapping[str, float]]]],
                  metric: str = "accuracy") -> None:
        """Plot `metric` ("accuracy", "top5", "loss" or "learning_rate") for each
        (name, metrics.csv rows) in `runs`."""
        if metric not in METRICS:
            raise ValueError(f"metric must be one of {', '.join(METRICS)}; received {metric!r}.")
        self.metric = metric
        self.plot_item.clear()
        self.legend.clear()
        self.shown = {}
        label, percent = METRICS[metric]
        self.plot_item.setLabel("left", label)
        self.plot_item.setLogMode(y=metric == "learning_rate")
        # Accuracy curves rise to the top, losses fall to the bottom: the legend goes
        # where they are not.
        if percent:
            self.legend.anchor((1, 1), (1, 1), offset=(-8, -8))
        else:
            self.legend.anchor((1, 0), (1, 0), offset=(-8, 8))
        scale = 100.0 if percent else 1.0
        for index, (name, rows) in enumerate(runs):
            color = RUN_COLORS[index % len(RUN_COLORS)]
            epochs = [float(r["epoch"]) for r in rows]
            keys = [metric] if metric == "learning_rate" else ["val_" + metric, metric]
            for key in keys:
                xs, ys = _finite(epochs, [scale * r.get(key, math.nan) for r in rows])
                if not xs:
                    continue
                validation = key.startswith("val_") or metric == "learning_rate"
                pen = pg.mkPen(color, width=2.5 if validation else 1.2,
                               style=Qt.PenStyle.SolidLine if validation else Qt.PenStyle.DashLine)
                suffix = " (val)" if validation else " (train)"
                if metric == "learning_rate":
                    suffix = ""
                self.plot_item.plot(xs, ys, pen=pen, name=f"{name}{suffix}")
                self.shown[f"{name}{suffix}"] = (xs, ys)
        self.plot_item.enableAutoRange()
