"""The learning curves as drawn (pyqtgraph, offscreen): readable with a spike, after a
resume, with one point; legends beside the curves, not over them; a reset that clears
what is on screen (issue 15, items 5 and 7)."""

import math

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QApplication

from gui.widgets.curves import RunComparison, TrainingCurves, loss_axis_top


def _rows(losses, val_losses=None, accuracy=0.5):
    val_losses = val_losses or losses
    return [
        {"epoch": e, "loss": loss, "accuracy": accuracy, "top5": 0.9, "val_loss": val,
         "val_accuracy": accuracy, "val_top5": 0.9, "learning_rate": 0.01}
        for e, (loss, val) in enumerate(zip(losses, val_losses), 1)
    ]


@pytest.fixture
def curves(qtbot):
    widget = TrainingCurves()
    qtbot.addWidget(widget)
    widget.resize(1000, 360)
    widget.show()
    QApplication.processEvents()
    return widget


def _y_range(plot):
    return plot.getViewBox().viewRange()[1]


def _x_range(plot):
    return plot.getViewBox().viewRange()[0]


def test_a_validation_spike_does_not_flatten_the_loss_curves(curves):
    losses = [2.3, 1.2, 0.8, 0.6, 0.5, 0.45, 0.4, 0.38]
    spiked = [2.1, 1.1, 0.9, 50.0, 0.6, 0.55, 0.5, 0.5]
    curves.set_history(_rows(losses, spiked), epochs=8)
    low, high = _y_range(curves.loss_plot)
    assert low == pytest.approx(0) and 2.3 < high < 3.0  # the bulk of the points, not 50
    # The spike is drawn at the axis' top, marked, its value in the title.
    xs, ys = curves.drawn("val_loss")
    assert ys[3] == pytest.approx(high) and max(ys) <= high
    assert list(curves.loss.marks.getData()[0]) == [4.0]
    assert "off the scale: up to 50" in curves.loss_plot.titleLabel.text
    assert curves.points("val_loss")[1][3] == 50.0  # recorded as it was
    assert loss_axis_top([0.5]) == pytest.approx(0.55) and loss_axis_top([]) == 1.0


def test_after_a_resume_the_loss_axis_reads_plain_numbers(curves):
    curves.set_history(_rows([0.7, 0.4, 0.2, 0.1]), epochs=10)
    axis = curves.loss_plot.getAxis("left")
    assert axis.autoSIPrefixScale == 1.0  # no "(x0.001)" with ticks from 100 to 700
    assert "x0.001" not in axis.labelString()
    assert _x_range(curves.loss_plot)[1] == pytest.approx(10, abs=0.7)


def test_one_point_sits_on_an_epoch_axis_from_zero(curves):
    curves.set_history(_rows([1.0]))
    for plot in (curves.loss_plot, curves.accuracy_plot, curves.rate_plot):
        low, high = _x_range(plot)
        assert -0.1 <= low <= 0 and 1 <= high <= 1.1  # not -2 to 4
    low, high = _y_range(curves.rate_plot)
    assert low == pytest.approx(0) and high == pytest.approx(0.015)


def test_the_legends_are_beside_the_plots_not_over_the_curves(curves):
    curves.set_history(_rows([1.0, 0.8], accuracy=0.17), epochs=2)
    for legend, plot in ((curves.loss_legend, curves.loss_plot),
                         (curves.accuracy_legend, curves.accuracy_plot)):
        assert len(legend.items) >= 2
        box = plot.getViewBox().sceneBoundingRect()
        assert not legend.sceneBoundingRect().intersects(box)


def test_a_reset_clears_every_plot_on_screen(curves, qtbot):
    curves.set_history(_rows([1.0, 0.8, 0.6]), epochs=3)
    for epoch in (4,):
        curves.add_batch(epoch, 5, 10, 0.5, 0.6, 0.9)
    curves.refresh()
    QApplication.processEvents()
    changed: list[QRectF] = []
    curves.scene().changed.connect(changed.extend)
    curves.reset()
    QApplication.processEvents()
    for key in curves.series:
        assert curves.drawn(key) == ([], []), key
    # pyqtgraph repaints only what it was told changed: every plot must have been.
    for plot in (curves.loss_plot, curves.accuracy_plot, curves.rate_plot):
        area = plot.getViewBox().sceneBoundingRect()
        assert any(area.intersects(rect) for rect in changed), plot.titleLabel.text


def test_batches_are_drawn_on_refresh(curves):
    curves.set_epochs(2)
    curves.add_batch(1, 1, 4, 2.0, 0.2, 0.6)
    curves.add_batch(1, 2, 4, 1.5, 0.3, 0.7)
    assert curves.points("loss")[1] == [2.0, 1.5] and curves.drawn("loss") == ([], [])
    curves.refresh()
    assert curves.drawn("loss")[1] == [2.0, 1.5]
    assert curves.drawn("accuracy")[1] == pytest.approx([20.0, 30.0])


def test_the_runs_comparison_stays_readable(qtbot):
    widget = RunComparison()
    qtbot.addWidget(widget)
    widget.resize(800, 360)
    widget.show()
    one = _rows([1.2])
    spiky = _rows([2.0, 1.0, 0.7, 0.5, 0.4, 0.35], [2.0, 1.1, 40.0, 0.6, 0.5, 0.45])
    widget.show_runs([("lenet5", one), ("resnet20", spiky)], "loss")
    QApplication.processEvents()
    low, high = _y_range(widget.plot_item)
    assert low == pytest.approx(0) and high < 5
    assert list(widget.loss.marks.getData()[0]) == [3.0]
    assert _x_range(widget.plot_item)[0] <= 0 and _x_range(widget.plot_item)[1] >= 6
    box = widget.plot_item.getViewBox().sceneBoundingRect()
    assert not widget.legend.sceneBoundingRect().intersects(box)
    widget.show_runs([("lenet5", one)], "accuracy")
    assert widget.shown["lenet5 (val)"] == ([1.0], [50.0])
    assert _y_range(widget.plot_item) == pytest.approx([-5, 105])  # a line near 17% shows
    assert not any(math.isnan(v) for v in _x_range(widget.plot_item))


def test_the_epoch_axes_label_whole_epochs_the_narrow_one_fewer(qtbot):
    from gui.widgets.curves import TrainingCurves, epoch_tick_step

    assert [epoch_tick_step(e, 6) for e in (1, 7, 15, 60, 200)] == [1, 2, 5, 10, 50]
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    for epochs in (1, 15):
        curves.set_epochs(epochs)
        for plot, ticks in ((curves.loss_plot, 6), (curves.rate_plot, 3)):
            spacings = plot.getAxis("bottom").tickSpacing(0, epochs, 300)
            assert all(spacing == epoch_tick_step(epochs, ticks) for spacing, _ in spacings)


def _labels(plot, axis, painter) -> list[str]:
    """The tick labels pyqtgraph draws on one axis now."""
    _, _, texts = plot.getAxis(axis).generateDrawSpecs(painter)
    return [text for _, _, text in texts]


def test_every_axis_labels_its_ends_epochs_and_percent(qtbot):
    from PySide6.QtGui import QImage, QPainter

    from gui.widgets.curves import RunComparison, TrainingCurves

    curves, comparison = TrainingCurves(), RunComparison()
    for widget, size in ((curves, (780, 300)), (comparison, (1140, 400))):  # as on the pages
        qtbot.addWidget(widget)
        widget.resize(*size)
        widget.show()
        qtbot.waitExposed(widget)
    curves.set_epochs(10)
    comparison.show_runs([("lenet5", _rows([0.5] * 10))], "accuracy")
    image = QImage(10, 10, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    try:  # pyqtgraph drops a label that reaches past the view
        for plot in (curves.loss_plot, curves.accuracy_plot, curves.rate_plot, comparison.plot_item):
            labels = _labels(plot, "bottom", painter)
            assert "0" in labels and "10" in labels, labels
        for plot in (curves.accuracy_plot, comparison.plot_item):
            labels = _labels(plot, "left", painter)
            assert "0" in labels and "100" in labels, labels
    finally:
        painter.end()
