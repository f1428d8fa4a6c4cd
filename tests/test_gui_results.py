"""The Results page on a real run (LeNet-5, two epochs on the bundled digits, trained
once for the module): evaluation in a worker, the numbers read back from evaluation.json,
the confusion matrix clicked with the mouse, the misclassified gallery sorted and
filtered, ten-crop, and runs without a model or with a stale evaluation."""

import json
import os
import shutil

import pytest
from PySide6.QtCore import Qt

from gui_windows import fresh_settings, open_window
from netlib.data import digits_folder
from netlib.train import Finished, TrainConfig, Trainer

WORK_MS = 120_000


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """A finished two-epoch LeNet-5 run on the digits (made headless, once)."""
    runs = tmp_path_factory.mktemp("runs")
    config = TrainConfig.for_model("lenet5", digits_folder(), epochs=2)
    outcome = Trainer(config, runs_dir=runs).fit()
    assert isinstance(outcome, Finished), outcome
    return outcome.run_dir


@pytest.fixture
def run(trained_run, tmp_path):
    """A copy of the trained run in this test's own runs folder."""
    copy = tmp_path / "runs" / trained_run.name
    shutil.copytree(trained_run, copy)
    return copy


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch, run):
    fresh_settings(monkeypatch, tmp_path / "settings", {
        "runs/folder": str(tmp_path / "runs"),
        "window/page": "runs",  # not the Results page: nothing evaluated yet
    })
    return open_window(qtbot)


def _show_results(qtbot, window):
    results = window.page("results")
    with qtbot.waitSignal(results.evaluation_shown, timeout=WORK_MS) as shown:
        window.show_page("results")  # the newest run, evaluated once it is on screen
    return results, shown.args[0]


def test_a_run_is_evaluated_when_shown_and_read_back_from_evaluation_json(qtbot, window, run):
    assert not (run / "evaluation.json").exists()
    results, evaluation = _show_results(qtbot, window)
    assert results.run_dir == run
    saved = json.loads((run / "evaluation.json").read_text())
    assert evaluation == saved  # what is shown is what was written
    assert saved["images"] == 359 and saved["data"] == "validation"
    summary = results.summary_label.text()
    # Each figure's words stay on one line: the header breaks only between figures.
    assert f"{len(saved['misclassified'])}&nbsp;misclassified" in summary
    summary = summary.replace("&nbsp;", " ")
    assert f"Top-1 {saved['top1']:.2%}" in summary and f"top-5 {saved['top5']:.2%}" in summary
    assert results.confusion.counts.tolist() == saved["confusion_matrix"]
    assert results.confusion.classes == [str(d) for d in range(10)]

    table = results.per_class_table
    assert table.rowCount() == 10
    for row, entry in enumerate(saved["per_class"]):
        assert table.item(row, 0).text() == entry["class"]
        assert table.item(row, 2).text() == f"{entry['recall']:.1%}"
        assert table.item(row, 3).text() == str(entry["support"])
    table.sortItems(2, Qt.SortOrder.AscendingOrder)  # by recall, as numbers
    recalls = [table.item(r, 2).value for r in range(10)]
    assert recalls == sorted(recalls)

    gallery = results.gallery
    mistakes = saved["misclassified"]
    assert len(mistakes) > 0 and results.tabs.tabText(0) == f"Misclassified ({len(mistakes)})"
    shown = gallery.shown_items()
    assert [i.path for i in shown] == [m["path"] for m in mistakes]  # most confident first
    first = shown[0]
    assert first.top == tuple((t["class"], t["probability"]) for t in mistakes[0]["top5"])
    assert first.predicted == first.top[0][0] != first.true
    gallery.sort_combo.setCurrentText("least confident first")
    confidences = [i.confidence for i in gallery.shown_items()]
    assert confidences == sorted(confidences)
    true_class = first.true
    gallery.class_combo.setCurrentIndex(gallery.class_combo.findData(true_class))
    expected = [m for m in mistakes if m["true"] == true_class]
    assert {i.path for i in gallery.shown_items()} == {m["path"] for m in expected}
    assert gallery.count_label.text().startswith(f"{len(expected)} image")
    qtbot.waitUntil(lambda: not gallery.missing_thumbnails(), timeout=WORK_MS)
    thumbnail = gallery.model.thumbnails[first.path]
    assert (thumbnail.width(), thumbnail.height()) == (64, 64)  # 8x8 digits, 8x nearest

    # Opened again: read from evaluation.json, not evaluated again.
    created = saved["created"]
    with qtbot.waitSignal(results.evaluation_shown, timeout=WORK_MS) as again:
        results.open_run(run)
    assert again.args[0]["created"] == created and results._evaluate_worker is None
    # An evaluation older than the run's model (a resumed run saved a new best): redone.
    evaluation_file = run / "evaluation.json"
    older = (run / "best.keras").stat().st_mtime - 60
    os.utime(evaluation_file, (older, older))
    with qtbot.waitSignal(results.evaluation_shown, timeout=WORK_MS):
        results.open_run(run)
    qtbot.waitUntil(window.is_idle, timeout=WORK_MS)
    assert evaluation_file.stat().st_mtime > older + 30  # written again


def test_clicking_a_cell_of_the_confusion_matrix_shows_its_images(qtbot, window, run):
    results, evaluation = _show_results(qtbot, window)
    counts = evaluation["confusion_matrix"]
    classes = evaluation["classes"]
    true, predicted = max(
        ((t, p) for t in range(10) for p in range(10) if t != p), key=lambda c: counts[c[0]][c[1]]
    )
    assert counts[true][predicted] > 0
    matrix = results.confusion
    with qtbot.waitSignal(results.cell_shown, timeout=WORK_MS) as cell:
        qtbot.mouseClick(matrix.viewport(), Qt.MouseButton.LeftButton,
                         pos=matrix.cell_position(true, predicted))
    assert cell.args == [true, predicted, counts[true][predicted]]
    assert matrix.selected == (true, predicted)
    items = results.gallery.shown_items()
    assert {(i.true, i.predicted) for i in items} == {(classes[true], classes[predicted])}
    assert results.gallery.cell_label.isVisible()

    # A diagonal cell: its correctly classified images, predicted again with their top-5.
    with qtbot.waitSignal(results.cell_shown, timeout=WORK_MS) as cell:
        qtbot.mouseClick(matrix.viewport(), Qt.MouseButton.LeftButton,
                         pos=matrix.cell_position(3, 3))
    assert cell.args == [3, 3, counts[3][3]]
    items = results.gallery.shown_items()
    assert len(items) == counts[3][3]
    assert all(i.correct and i.top[0][0] == "3" and len(i.top) == 5 for i in items)

    results.gallery.all_button.click()
    assert len(results.gallery.shown_items()) == len(evaluation["misclassified"])
    assert not results.gallery.cell_label.isVisible()


def test_ten_crop_evaluation_on_request(qtbot, window, run):
    results, single = _show_results(qtbot, window)
    assert single["ten_crop"] is False
    qtbot.waitUntil(window.is_idle, timeout=WORK_MS)
    with qtbot.waitSignal(results.evaluation_shown, timeout=WORK_MS) as shown:
        assert results.evaluate(ten_crop=True)
    evaluation = shown.args[0]
    assert evaluation["ten_crop"] is True
    assert json.loads((run / "evaluation.json").read_text())["ten_crop"] is True
    assert "ten-crop" in results.summary_label.text().replace("&nbsp;", " ")
    assert sum(map(sum, evaluation["confusion_matrix"])) == 359


def test_a_run_without_a_saved_model_says_so(qtbot, window, run):
    for name in ("best.keras", "last.keras"):
        (run / name).unlink()
    results = window.page("results")
    window.show_page("results")
    qtbot.waitUntil(lambda: "no saved model yet" in results.summary_label.text(),
                    timeout=WORK_MS)
    assert results.evaluation is None and not results.gallery.shown_items()
    assert not (run / "evaluation.json").exists()


def test_top_losses_of_every_part_and_the_most_confused_pairs(qtbot, window, run):
    results, evaluation = _show_results(qtbot, window)
    assert evaluation["split"] == "all" and evaluation["data"] == "validation"
    summary = results.summary_label.text().replace("&nbsp;", " ")
    assert "balanced" in summary and "macro F1" in summary
    view = results.top_losses
    assert [view.part_combo.itemData(i) for i in range(view.part_combo.count())] == ["train", "validation"]
    shown = view.shown_items()  # the training images' highest losses first
    assert [i.path for i in shown] == [e["path"] for e in evaluation["top_losses"]["train"]]
    assert [i.loss for i in shown] == sorted((i.loss for i in shown), reverse=True)
    view.show_part("validation")
    assert [i.path for i in view.shown_items()] == [e["path"] for e in evaluation["top_losses"]["validation"]]
    qtbot.waitUntil(lambda: not view.missing_thumbnails(), timeout=WORK_MS)

    table = results.most_confused
    pairs = evaluation["most_confused"]
    assert table.rowCount() == len(pairs) > 0
    assert [table.item(0, c).text() for c in range(3)] == [pairs[0]["true"], pairs[0]["predicted"],
                                                          str(pairs[0]["count"])]
    classes = evaluation["classes"]
    with qtbot.waitSignal(results.cell_shown, timeout=WORK_MS) as cell:
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                         pos=table.visualItemRect(table.item(0, 0)).center())
    assert cell.args == [classes.index(pairs[0]["true"]), classes.index(pairs[0]["predicted"]),
                         pairs[0]["count"]]
    assert results.tabs.currentWidget() is results.gallery
    # The images of any gallery can be moved or excluded: the menu offers the other classes.
    item = results.gallery.shown_items()[0]
    menu = results.relabel.menu(item.path, item.true)
    move_to = next(a.menu() for a in menu.actions() if a.text() == "Move to class")
    assert [a.text() for a in move_to.actions()] == [c for c in classes if c != item.true]
    assert "Exclude from the dataset" in [a.text() for a in menu.actions()]
