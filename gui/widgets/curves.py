"""Learning curves (pyqtgraph): a run's live curves on the Train page, and several runs
overlaid on the Runs page (the ResNet paper's Figure 4: plain against residual nets).

What keeps them readable: the legends sit below the plots, never over a curve; the
epoch axis runs from 0 to the run's length (one point is not a plot of -2 to 4); axes
show plain numbers (no "x0.001" prefix); and a loss axis scales to the bulk of the
points, a spike above it drawn as a triangle at the top edge with its value in the
title, so one bad validation epoch does not flatten both curves.

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
TITLE_COLOR = "#1f2a37"

#: The metrics a run records (netlib.runs.METRIC_COLUMNS) that the Runs page can overlay:
#: key -> (label, in percent).
METRICS = {
    "accuracy": ("Top-1 accuracy (%)", True),
    "top5": ("Top-5 accuracy (%)", True),
    "loss": ("Loss", False),
    "learning_rate": ("Learning rate", False),
}

# A loss more than this many times the 90th percentile of the losses shown is a spike:
# the axis leaves it out and marks it at its top edge.
SPIKE_FACTOR = 3.0
HEADROOM = 1.1  # the top of a loss axis, over the highest point it shows


# Room around the axes' ends for their labels: on a plot with a grid, pyqtgraph drops a
# tick label that reaches past the view (with 0.02, a 10-epoch rate plot read only "5",
# and the runs' comparison had neither 0% nor 100%).
EPOCH_PADDING = 0.06
PERCENT_PADDING = 0.05


def _style_plot(plot: pg.PlotItem, title: str, left: str) -> None:
    cache_axes(plot)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.showGrid(x=True, y=True, alpha=0.2)
    plot.setTitle(title, color=TITLE_COLOR, size="10pt")
    plot.setLabel("bottom", "epoch")
    plot.setLabel("left", left)
    for axis in ("left", "bottom"):
        plot.getAxis(axis).setTextPen("k")
        plot.getAxis(axis).setPen(AXIS_PEN)
        # 0.1 to 0.7 read as they are, not as "(x0.001)" with ticks from 100 to 700.
        plot.getAxis(axis).enableAutoSIPrefix(False)


def cache_axes(plot: pg.PlotItem) -> None:
    """Paint the plot's axes from a cached pixmap, redrawn only when their range changes.

    Replaying an axis' tick labels is most of what a repaint costs (measured offscreen:
    28 ms for the Train page's three plots, 4 ms with the cache), and the curves are
    repainted several times a second while a network trains.
    """
    for name in ("left", "bottom", "right", "top"):
        plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def epoch_tick_step(epochs: int, ticks: int) -> int:
    """The step between labelled epochs: 1, 2, 5, 10, 20, 50, ... so that at most about
    `ticks` labels fit (a narrow plot gets fewer)."""
    step = 1
    while max(1, epochs) / step > ticks:
        step = step * 5 // 2 if str(step).startswith("2") else step * 2
    return step


def _legend(columns: int) -> pg.LegendItem:
    """A legend for a place of its own in a layout (below a plot), not over the curves."""
    legend = pg.LegendItem(colCount=columns, labelTextColor="k", frame=False,
                           verSpacing=-6, horSpacing=16)
    return legend


def _finite(xs: Sequence[float], ys: Sequence[float]) -> tuple[list[float], list[float]]:
    pairs = [(x, y) for x, y in zip(xs, ys) if y is not None and math.isfinite(y)]
    return [x for x, _ in pairs], [y for _, y in pairs]


def loss_axis_top(values: Sequence[float]) -> float:
    """The top of a loss axis for `values`: a little above the highest value that is not
    a spike (more than SPIKE_FACTOR times the 90th percentile); 1 with no values."""
    finite = sorted(v for v in values if math.isfinite(v) and v >= 0)
    if not finite:
        return 1.0
    reference = finite[min(len(finite) - 1, round(0.9 * (len(finite) - 1)))]
    kept = [v for v in finite if v <= SPIKE_FACTOR * reference] or finite
    return max(kept[-1], 1e-6) * HEADROOM


class _Series:
    """One curve's points, kept so that a new point is one append, drawn by `show`."""

    def __init__(self, item: pg.PlotDataItem):
        self.item = item
        self.x: list[float] = []
        self.y: list[float] = []
        self.changed = False

    def add(self, x: float, y: float) -> None:
        if y is not None and math.isfinite(y):
            self.x.append(x)
            self.y.append(y)
            self.changed = True

    def clear(self) -> None:
        self.x, self.y = [], []
        # Not PlotDataItem.clear(): it leaves the old line on screen until something
        # else repaints the plot (pyqtgraph 0.14's PlotCurveItem.clear asks for no update).
        self.item.setData([], [])
        self.changed = False

    def show(self, top: float | None = None) -> None:
        """Draw the points (those above `top` at `top`: the marks of `clipped_at`)."""
        self.changed = False
        ys = self.y if top is None else [min(y, top) for y in self.y]
        self.item.setData(self.x, ys)


class _LossPlot:
    """A loss plot's axis and spike marks over its series (training and validation)."""

    def __init__(self, plot: pg.PlotItem, title: str):
        self.plot = plot
        self.title = title
        self.top = 0.0
        self.marks = pg.ScatterPlotItem(symbol="t1", size=10, pen=None,
                                        brush=pg.mkBrush(192, 57, 43))
        self.marks.setZValue(10)
        plot.addItem(self.marks)
        self.reset()

    def reset(self) -> None:
        self.top = 0.0
        self._spikes: list[tuple[float, float]] = []
        self._title = self.title
        self.marks.setData([], [])
        self.plot.setTitle(self.title, color=TITLE_COLOR, size="10pt")
        self.plot.setYRange(0, 1, padding=0)

    def fit(self, series: Sequence[_Series]) -> None:
        """Scale the axis to the points but their spikes (it moves only when the points
        need more room, or far less, not as the loss falls), and mark the spikes."""
        top = loss_axis_top([y for s in series for y in s.y])
        if top > self.top or top < 0.5 * self.top:
            self.top = top
            self.plot.setYRange(0, top, padding=0)
        spikes = [(x, y) for s in series for x, y in zip(s.x, s.y) if y > self.top]
        title = self.title
        if spikes:
            title += f" · ▲ off the scale: up to {max(y for _, y in spikes):.3g}"
        # Only what changed: a new title re-lays out the plot, new marks repaint it.
        if spikes != self._spikes:
            self._spikes = spikes
            self.marks.setData([x for x, _ in spikes], [self.top] * len(spikes))
        if title != self._title:
            self._title = title
            self.plot.setTitle(title, color=TITLE_COLOR, size="10pt")
        for s in series:
            s.show(self.top)


class TrainingCurves(pg.GraphicsLayoutWidget):
    """Loss, top-1 / top-5 accuracy and the learning rate of one run, against epochs.

    Training figures arrive per batch (Keras' running averages over the epoch so far,
    plotted at fractional epochs) and are drawn by `refresh`, which the page calls a few
    times a second; epoch figures (validation, the learning rate) are drawn at once.
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
        self.accuracy_plot.setYRange(0, 100, padding=PERCENT_PADDING)
        for column, stretch in enumerate((3, 3, 2)):
            self.ci.layout.setColumnStretchFactor(column, stretch)
        self.loss_legend = _legend(2)
        self.accuracy_legend = _legend(2)
        self.addItem(self.loss_legend, row=1, col=0)
        self.addItem(self.accuracy_legend, row=1, col=1, colspan=2)  # under the rate plot too: the window can be narrower

        dashed = Qt.PenStyle.DashLine
        self.series = {
            "loss": self._line(self.loss_plot, TRAIN_COLOR),
            "val_loss": self._points(self.loss_plot, VALIDATION_COLOR),
            "accuracy": self._line(self.accuracy_plot, TRAIN_COLOR),
            "val_accuracy": self._points(self.accuracy_plot, VALIDATION_COLOR),
            "top5": self._line(self.accuracy_plot, TRAIN_COLOR, dashed),
            "val_top5": self._points(self.accuracy_plot, VALIDATION_COLOR, dashed),
            "learning_rate": self._points(self.rate_plot, RATE_COLOR),
        }
        for key, name in (("loss", "training"), ("val_loss", "validation")):
            self.loss_legend.addItem(self.series[key].item, name)
        for key, name in (("accuracy", "training top-1"), ("val_accuracy", "validation top-1"),
                          ("top5", "training top-5"), ("val_top5", "validation top-5")):
            self.accuracy_legend.addItem(self.series[key].item, name)
        self.loss = _LossPlot(self.loss_plot, "Loss")
        self.set_epochs(1)
        self._markers: list[tuple[pg.PlotItem, pg.InfiniteLine]] = []
        self.setMinimumHeight(220)

    @staticmethod
    def _line(plot, color, style=Qt.PenStyle.SolidLine) -> _Series:
        return _Series(plot.plot([], [], pen=pg.mkPen(color, width=2, style=style)))

    @staticmethod
    def _points(plot, color, style=Qt.PenStyle.SolidLine) -> _Series:
        return _Series(plot.plot(
            [], [], pen=pg.mkPen(color, width=2, style=style), symbol="o", symbolSize=6,
            symbolBrush=color, symbolPen=None,
        ))

    # -- feeding ---------------------------------------------------------------------------

    def reset(self) -> None:
        """Remove every point. (Not `clear`: GraphicsLayoutWidget's instances carry a
        `clear` of their own, which removes the plots.)"""
        for series in self.series.values():
            series.clear()
        self.loss.reset()
        self.rate_plot.setLogMode(y=False)
        for plot, line in self._markers:
            plot.removeItem(line)
        self._markers = []

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
        for plot, ticks in ((self.loss_plot, 6), (self.accuracy_plot, 6), (self.rate_plot, 3)):
            plot.enableAutoRange(x=False)
            plot.setXRange(0, max(1, epochs), padding=EPOCH_PADDING)
            step = epoch_tick_step(epochs, ticks)
            plot.getAxis("bottom").setTickSpacing(step, step)  # whole epochs, never 0.2

    def set_history(self, rows: Iterable[Mapping[str, float]], epochs: int | None = None) -> None:
        """Show a run's metrics.csv rows (a resumed run's past epochs), on an epoch axis
        for `epochs` (default: as many as the rows)."""
        rows = list(rows)
        self.reset()
        for row in rows:
            self._add_epoch_row(row)
        self.set_epochs(epochs or max((int(r["epoch"]) for r in rows), default=1))
        self._show_all()

    def add_batch(self, epoch: int, step: int, steps: int, loss: float, accuracy: float,
                  top5: float) -> None:
        """A BatchEnd: running averages at epoch `epoch` (from 1), step `step` of `steps`;
        drawn at the next `refresh`."""
        x = epoch - 1 + step / max(1, steps)
        self.series["loss"].add(x, loss)
        self.series["accuracy"].add(x, 100 * accuracy)
        self.series["top5"].add(x, 100 * top5)

    def refresh(self) -> None:
        """Draw the batches added since the last refresh."""
        if self.series["loss"].changed:
            self.loss.fit([self.series["loss"], self.series["val_loss"]])
        for key in ("accuracy", "top5"):
            if self.series[key].changed:
                self.series[key].show()

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
        for key, series in self.series.items():
            if key not in ("loss", "val_loss"):
                series.show()
        self.loss.fit([self.series["loss"], self.series["val_loss"]])

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

    def points(self, key: str) -> tuple[list[float], list[float]]:
        """The (x, y) of one series as recorded (tests read them)."""
        return list(self.series[key].x), list(self.series[key].y)

    def drawn(self, key: str) -> tuple[list[float], list[float]]:
        """The (x, y) of one series as drawn now (a spike at the axis' top)."""
        xs, ys = self.series[key].item.getData()
        return ([] if xs is None else list(xs)), ([] if ys is None else list(ys))


class RunComparison(pg.GraphicsLayoutWidget):
    """Several runs' curves of one metric: validation solid and bold (with a dot per
    epoch), training dashed and thin, one colour per run; the legend below the plot."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setBackground("w")
        self.plot_item = self.addPlot(row=0, col=0)
        _style_plot(self.plot_item, "", "")
        self.legend = _legend(2)
        self.addItem(self.legend, row=1, col=0)
        self.loss = _LossPlot(self.plot_item, "")
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
        self.plot_item.addItem(self.loss.marks)
        self.loss.reset()
        self.shown = {}
        label, percent = METRICS[metric]
        self.plot_item.setLabel("left", label)
        self.plot_item.setLogMode(y=metric == "learning_rate")
        scale = 100.0 if percent else 1.0
        drawn: list[_Series] = []
        last_epoch = 1.0
        for index, (name, rows) in enumerate(runs):
            color = RUN_COLORS[index % len(RUN_COLORS)]
            epochs = [float(r["epoch"]) for r in rows]
            last_epoch = max([last_epoch, *epochs])
            keys = [metric] if metric == "learning_rate" else ["val_" + metric, metric]
            for key in keys:
                xs, ys = _finite(epochs, [scale * r.get(key, math.nan) for r in rows])
                if not xs:
                    continue
                validation = key.startswith("val_") or metric == "learning_rate"
                suffix = "" if metric == "learning_rate" else (" (val)" if validation else " (train)")
                item = self.plot_item.plot(
                    xs, ys, pen=pg.mkPen(color, width=2.5 if validation else 1.2,
                                         style=Qt.PenStyle.SolidLine if validation
                                         else Qt.PenStyle.DashLine),
                    symbol="o" if validation else None, symbolSize=5, symbolBrush=color,
                    symbolPen=None,
                )
                self.legend.addItem(item, f"{name}{suffix}")
                self.shown[f"{name}{suffix}"] = (xs, ys)
                series = _Series(item)
                series.x, series.y = xs, ys
                drawn.append(series)
        self.plot_item.enableAutoRange(x=False)
        self.plot_item.setXRange(0, last_epoch, padding=EPOCH_PADDING)
        if metric == "loss":
            self.loss.fit(drawn)
        elif percent:
            self.plot_item.setYRange(0, 100, padding=PERCENT_PADDING)
        else:
            self.plot_item.enableAutoRange(y=True)
