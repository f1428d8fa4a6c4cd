"""The Train page with real runs: LeNet-5 on the bundled digits, in a temporary runs
folder; the form against TrainConfig, stop and resume from the buttons, a failure inside
a real training step, and closing the window during a run (a real QMessageBox, answered
by the test)."""

import gc
import json

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from gui_windows import LOAD_MS, fresh_settings, open_window
from gui.main_window import MainWindow
from gui.tasks import DIGITS
from netlib import backend
from netlib.data import digits_folder
from netlib.runs import RunFolder
from netlib.train import (
    EpochEnd,
    Failed,
    Finished,
    LogMessage,
    RunStarted,
    Stopped,
    TrainConfig,
)

RUN_MS = 180_000


def _settings(monkeypatch, tmp_path):
    fresh_settings(monkeypatch, tmp_path / "settings", {"runs/folder": str(tmp_path / "runs")})


def _open(qtbot, add=True) -> MainWindow:
    return open_window(qtbot, add=add)


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    _settings(monkeypatch, tmp_path)
    window = _open(qtbot)
    yield window
    train = window.page("train")
    if train.is_training():  # a failed test must not leave the close dialog to answer
        train.stop()
        qtbot.waitUntil(lambda: not train.is_training(), timeout=RUN_MS)


def _is(kind):
    return lambda event: isinstance(event, kind)


def answer_close_dialog(button: str) -> None:
    """Click `button` ("stop" or "cancel") in the question the window asks on close."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        if button == "cancel":
            box.button(QMessageBox.StandardButton.Cancel).click()
        else:
            [stop] = [b for b in box.buttons() if b.text() == "Stop and close"]
            stop.click()

    QTimer.singleShot(0, click)


def test_first_start_offers_lenet5_on_the_digits_with_its_family_defaults(qtbot, window):
    train = window.page("train")
    assert (train.model_name, train.dataset_source) == ("lenet5", DIGITS)
    expected = TrainConfig.for_model("lenet5", digits_folder())
    assert train.form.config("lenet5", str(digits_folder())) == expected
    assert train.form.fields["learning_rate"].text() == "0.001"
    assert train.form.fields["optimizer"].currentText() == "adam"
    assert "Measured here" in train.defaults_label.text()
    assert train.start_button.isEnabled() and not train.resume_button.isEnabled()
    # Momentum means nothing to Adam: its field is disabled until SGD is chosen.
    assert not train.form.fields["momentum"].isEnabled()

    field = train.form.fields["learning_rate"]
    field.setText("-1")
    field.editingFinished.emit()
    assert train.form.problem().startswith("learning_rate must be a float > 0.0")
    assert field.property("invalid") is True
    assert not train.start_button.isEnabled()
    field.setText("3e-4")
    field.editingFinished.emit()
    assert train.form.problem() == "" and train.start_button.isEnabled()
    assert train.form.config("lenet5", str(digits_folder())).learning_rate == 3e-4

    options = train.form.fields["model_options"]
    options.setText("colour=blue")
    options.editingFinished.emit()
    assert "Unknown setting 'colour'" in train.form.problem()
    assert options.property("invalid") is True
    options.setText("")
    options.editingFinished.emit()

    # Another network: its family's defaults (the recipe measured here: Adam, so the
    # momentum field is off).
    train.model_combo.setCurrentText("resnet20")
    resnet = TrainConfig.for_model("resnet20", digits_folder())
    assert train.form.config("resnet20", str(digits_folder())) == resnet
    assert not train.form.fields["momentum"].isEnabled()
    assert "Measured here" in train.defaults_label.text()
    # The paper's recipe, a choice away, says where it comes from.
    recipes = train.settings.recipe_combo
    assert [recipes.itemText(i) for i in range(recipes.count())] == [
        "default", "paper", "pretrained"]
    recipes.setCurrentText("paper")
    recipes.activated.emit(recipes.currentIndex())
    assert train.form.config("resnet20", str(digits_folder())) == TrainConfig.for_model(
        "resnet20", digits_folder(), recipe="paper")
    assert train.form.fields["momentum"].isEnabled()
    assert "He et al." in train.defaults_label.text()
    recipes.setCurrentText("default")
    recipes.activated.emit(recipes.currentIndex())
    assert train.form.config("resnet20", str(digits_folder())) == resnet
    # Browsing the Architectures page changes nothing here (issue 15, item 2); its
    # "Train this network" makes the network on screen the one to train.
    architectures, dataset = window.page("architectures"), window.page("dataset")
    cache = (dataset.size_spin.value(), dataset.color_combo.currentText())
    architectures.select_model("alexnet")
    assert train.model_name == "resnet20" and train.model_combo.currentText() == "resnet20"
    assert (dataset.size_spin.value(), dataset.color_combo.currentText()) == cache
    qtbot.mouseClick(architectures.train_button, Qt.MouseButton.LeftButton)
    assert train.model_name == "alexnet" and train.model_combo.currentText() == "alexnet"
    assert window.current_page() is train
    assert train.form.config("alexnet", str(digits_folder())) == TrainConfig.for_model(
        "alexnet", digits_folder())


def test_the_dataset_and_train_pages_share_one_split(qtbot, window):
    dataset, train = window.page("dataset"), window.page("train")
    dataset.validation_spin.setValue(0.3)
    dataset.seed_spin.setValue(7)
    config = train.form.config("lenet5", str(digits_folder()))
    assert (config.validation, config.test, config.seed) == (0.3, 0.0, 7)
    # Another network's defaults keep the dataset's split.
    train.model_combo.setCurrentText("resnet20")
    config = train.form.config("resnet20", str(digits_folder()))
    assert (config.validation, config.seed, config.optimizer) == (0.3, 7, "adam")
    # Changed in the Train form, the split shows on the Dataset page too.
    train.form.fields["test"].setValue(0.1)
    assert dataset.split_settings() == {"validation": 0.3, "test": 0.1, "seed": 7}
    qtbot.waitUntil(dataset.is_idle, timeout=LOAD_MS)
    assert dataset.split is not None and dataset.split.test > 0


def test_the_cache_built_on_the_dataset_page_is_the_one_a_run_uses(qtbot, window):
    dataset, train = window.page("dataset"), window.page("train")
    # LeNet-5's input: 32x32 grey, whatever the Dataset page had before; NiN-CIFAR's RGB.
    assert (dataset.size_spin.value(), dataset.color_combo.currentText()) == (32, "grayscale")
    train.model_combo.setCurrentText("nin_cifar")
    assert (dataset.size_spin.value(), dataset.color_combo.currentText()) == (32, "rgb")
    train.form.fields["image_size"].setValue(24)
    train.form.fields["epochs"].setValue(1)
    assert dataset.size_spin.value() == 24

    with qtbot.waitSignal(dataset.cache_finished, timeout=RUN_MS):
        dataset.build_cache()
    logged = []
    train.event_shown.connect(
        lambda event: logged.append(event.text) if isinstance(event, LogMessage) else None)
    with qtbot.waitSignal(train.run_ended, timeout=RUN_MS) as ended:
        assert train.start()
    assert isinstance(ended.args[0], Finished)
    assert "Image cache reused: 24x24 rgb" in logged


def test_stop_and_resume_from_the_buttons(qtbot, window, tmp_path):
    train = window.page("train")
    window.show_page("train")
    train.form.fields["epochs"].setValue(3)
    shown = []
    train.event_shown.connect(shown.append)
    with qtbot.waitSignal(train.event_shown, check_params_cb=_is(EpochEnd), timeout=RUN_MS):
        qtbot.mouseClick(train.start_button, Qt.MouseButton.LeftButton)
    assert train.is_training() and not train.start_button.isEnabled()
    started = next(e for e in shown if isinstance(e, RunStarted))
    assert started.device == backend.describe_device() in train.device_label.text()
    assert train.progress_bar.maximum() == 3 * started.steps_per_epoch
    with qtbot.waitSignal(train.run_ended, timeout=RUN_MS) as ended:
        qtbot.mouseClick(train.stop_button, Qt.MouseButton.LeftButton)
    stopped = ended.args[0]
    assert isinstance(stopped, Stopped)
    assert 1 <= stopped.epochs_completed < 3
    assert train.message_label.text() == stopped.message
    qtbot.waitUntil(lambda: not train.is_training(), timeout=RUN_MS)
    folder = RunFolder.open(stopped.run_dir)
    assert folder.path.parent == tmp_path / "runs"
    assert folder.status()["state"] == "stopped"
    assert train.resume_button.isEnabled() and train.start_button.isEnabled()
    assert "elapsed" in train.stats_label.text() and "images/s" in train.stats_label.text()

    shown.clear()
    with qtbot.waitSignal(train.run_ended, timeout=RUN_MS) as ended:
        qtbot.mouseClick(train.resume_button, Qt.MouseButton.LeftButton)
    finished = ended.args[0]
    assert isinstance(finished, Finished) and finished.run_dir == stopped.run_dir
    resumed = next(e for e in shown if isinstance(e, RunStarted))
    assert resumed.initial_epoch == stopped.epochs_completed
    epochs = [e.epoch for e in shown if isinstance(e, EpochEnd)]
    assert epochs == list(range(stopped.epochs_completed + 1, 4))
    rows = folder.metrics()
    assert [r["epoch"] for r in rows] == [1, 2, 3]
    # The curves show the whole run: the stopped part from metrics.csv, then the rest.
    xs, ys = train.curves.points("val_accuracy")
    assert xs == [1.0, 2.0, 3.0]
    assert ys == pytest.approx([100 * r["val_accuracy"] for r in rows])
    assert train.progress_bar.value() == train.progress_bar.maximum()
    assert not train.resume_button.isEnabled()
    log = train.log.toPlainText()
    assert "epoch 3/3" in log and finished.message in log
    qtbot.waitUntil(window.is_idle, timeout=RUN_MS)


def test_a_failure_inside_training_shows_the_engines_message(qtbot, window, monkeypatch):
    # Fault injection at a real point of a real run: the backend's own out-of-memory
    # error, raised after the first training step (no GPU runs here to exhaust).
    def out_of_memory(self, batch, logs=None):
        raise backend.out_of_memory_error("OOM when allocating tensor")

    monkeypatch.setattr("netlib.train.callbacks.EventReporter.on_train_batch_end", out_of_memory)
    train = window.page("train")
    with qtbot.waitSignal(train.run_ended, timeout=RUN_MS) as ended:
        assert train.start()
    failed = ended.args[0]
    assert isinstance(failed, Failed) and failed.out_of_memory
    assert failed.message.startswith("Out of memory with batch size 32")
    assert train.message_label.text() == failed.message
    assert "color: #b03030" in train.message_label.styleSheet()
    assert failed.message in train.log.toPlainText()
    qtbot.waitUntil(lambda: not train.is_training(), timeout=RUN_MS)
    assert train.start_button.isEnabled()  # the window carries on


def test_closing_during_training_asks_then_stops_the_run_resumably(
    qtbot, tmp_path, monkeypatch, capfd
):
    _settings(monkeypatch, tmp_path)
    window = _open(qtbot, add=False)
    train = window.page("train")
    train.form.fields["epochs"].setValue(40)
    with qtbot.waitSignal(train.event_shown, check_params_cb=_is(EpochEnd), timeout=RUN_MS):
        assert train.start()
    run_dir = train.run_dir

    answer_close_dialog("cancel")
    assert window.close() is False  # the user kept the window
    assert window.isVisible() and train.is_training()

    said = []
    window.statusBar().messageChanged.connect(said.append)
    answer_close_dialog("stop")
    assert window.close() is True
    # While the run finished its batch, the window said so, greyed out, with the seconds.
    assert any(m.startswith("Stopping the run at the end of its current batch") for m in said)
    assert not window.centralWidget().isEnabled()
    assert not any(w.is_running() for page in window.pages for w in page.workers.running())
    status = json.loads((run_dir / "status.json").read_text())
    assert status["state"] == "stopped" and 1 <= status["epochs_completed"] < 40
    state = json.loads((run_dir / "resume" / "state.json").read_text())
    assert state["epoch"] == status["epochs_completed"]  # resumable from there
    window.deleteLater()
    QApplication.processEvents()
    del window, train
    gc.collect()
    assert "QThread: Destroyed while thread is still running" not in capfd.readouterr().err
