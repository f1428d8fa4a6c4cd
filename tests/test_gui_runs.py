"""The Runs page over real run folders (two LeNet-5 runs on the digits made once for the
module: one finished, one stopped after its first epoch): the table against the runs'
own files, overlaid curves, open / resume / delete (a real QMessageBox, answered), and
the runs folder as a setting the other pages follow."""

import json
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from gui_windows import open_window
from gui.main_window import MainWindow
from gui.settings import open_settings
from netlib.data import digits_folder
from netlib.runs import DEFAULT_RUNS_DIR, RunFolder
from netlib.train import EpochEnd, Finished, Stopped, TrainConfig, Trainer

WORK_MS = 120_000


@pytest.fixture(scope="module")
def made_runs(tmp_path_factory):
    """A runs folder with a finished 1-epoch run and a 3-epoch run stopped after epoch 1."""
    runs = tmp_path_factory.mktemp("runs")
    finished = Trainer(TrainConfig.for_model("lenet5", digits_folder(), epochs=1), runs).fit()
    assert isinstance(finished, Finished)
    stopping = Trainer(TrainConfig.for_model("lenet5", digits_folder(), epochs=3), runs)
    stopped = stopping.fit(
        events=lambda e: stopping.request_stop() if isinstance(e, EpochEnd) else None
    )
    assert isinstance(stopped, Stopped) and stopped.epochs_completed == 1
    return runs, finished.run_dir.name, stopped.run_dir.name


@pytest.fixture
def runs(made_runs, tmp_path):
    folder, finished, stopped = made_runs
    copy = tmp_path / "runs"
    shutil.copytree(folder, copy)
    return copy, copy / finished, copy / stopped


def _open(qtbot, tmp_path, runs_folder=None) -> MainWindow:
    settings = open_settings()
    settings.setValue("architectures/model", "lenet5")
    if runs_folder is not None:
        settings.setValue("runs/folder", str(runs_folder))
    settings.sync()
    return open_window(qtbot, lambda window: [window.page("runs").runs_listed])


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch, runs):
    monkeypatch.setenv("CONVLAB_SETTINGS_DIR", str(tmp_path / "settings"))
    window = _open(qtbot, tmp_path, runs[0])
    window.show_page("runs")
    return window


def answer(button: str) -> None:
    """Click `button` ("Delete" or "Cancel") in the next message box."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        if button == "Cancel":
            box.button(QMessageBox.StandardButton.Cancel).click()
        else:
            [chosen] = [b for b in box.buttons() if b.text() == button]
            chosen.click()

    QTimer.singleShot(0, click)


def test_the_table_shows_each_run_from_its_own_files(window, runs):
    _, finished, stopped = runs
    page = window.page("runs")
    assert [r.path for r in page.runs] == [stopped, finished]  # newest first
    table = page.table
    for row, path in enumerate((stopped, finished)):
        folder = RunFolder(path)
        status = folder.status()
        cells = [table.item(row, c).text() for c in range(table.columnCount())]
        assert cells[0] == path.name and cells[1] == "lenet5"
        assert cells[2] == "digits (bundled)" and cells[4] == status["state"]
        assert cells[5] == f"{status['epochs_completed']} / {folder.config().epochs}"
        best = status.get("best_val_accuracy")
        assert cells[6] == (f"{best:.2%}" if best is not None else "—")
    assert [table.item(r, 4).text() for r in range(2)] == ["stopped", "finished"]
    assert [table.item(r, 5).text() for r in range(2)] == ["1 / 3", "1 / 1"]

    page.select_runs([stopped])
    assert page.resume_button.isEnabled() and page.results_button.isEnabled()
    page.select_runs([finished])  # resumable too, to train for more epochs
    assert page.resume_button.isEnabled() == (finished / "resume" / "state.json").is_file()
    page.select_runs([finished, stopped])
    assert not page.resume_button.isEnabled() and page.delete_button.isEnabled()


def test_selected_runs_overlay_their_curves(window, runs):
    _, finished, stopped = runs
    page = window.page("runs")
    page.select_runs([finished, stopped])
    assert len(page.selected_runs()) == 2
    shown = page.curves.shown
    # Both train lenet5: the legend tells them apart by their folders.
    label = {path: f"lenet5 · {path.name}" for path in (finished, stopped)}
    assert set(shown) == {f"{label[p]} ({kind})" for p in (finished, stopped)
                          for kind in ("val", "train")}
    for path in (finished, stopped):
        rows = RunFolder(path).metrics()
        xs, ys = shown[f"{label[path]} (val)"]
        assert xs == [r["epoch"] for r in rows]
        assert ys == pytest.approx([100 * r["val_accuracy"] for r in rows])
    page.metric_combo.setCurrentText("Loss")
    rows = RunFolder(stopped).metrics()
    assert page.curves.shown[f"{label[stopped]} (train)"][1] == pytest.approx(
        [r["loss"] for r in rows]
    )
    page.metric_combo.setCurrentText("Learning rate")
    assert set(page.curves.shown) == set(label.values())
    page.select_runs([stopped])
    assert set(page.curves.shown) == {"lenet5"}  # alone: the network names it


def test_open_a_run_in_results_and_predict_and_resume_it_in_train(qtbot, window, runs):
    _, _, stopped = runs
    page = window.page("runs")
    page.select_runs([stopped])
    results = window.page("results")
    with qtbot.waitSignal(results.evaluation_shown, timeout=WORK_MS) as shown:
        page.results_button.click()
    assert window.current_page() is results and results.run_dir == stopped
    assert shown.args[0]["run"] == stopped.name

    window.show_page("runs")
    predict = window.page("predict")
    with qtbot.waitSignal(predict.model_loaded, timeout=WORK_MS) as loaded:
        page.predict_button.click()
    assert window.current_page() is predict
    assert loaded.args[0].key == f"run:{stopped}"
    assert str(stopped / "best.keras") in predict.model_label.text()

    window.show_page("runs")
    train = window.page("train")
    page.resume_button.click()
    assert window.current_page() is train
    assert train.resume_target == stopped and train.resume_button.isEnabled()
    assert train.form.fields["epochs"].value() == 3
    assert "stopped after 1 of 3 epochs" in train.message_label.text()
    assert train.curves.points("val_accuracy")[0] == [1.0]
    qtbot.waitUntil(window.is_idle, timeout=WORK_MS)


def test_delete_asks_first_and_removes_the_folder(qtbot, window, runs):
    _, finished, stopped = runs
    page = window.page("runs")
    page.select_runs([finished])
    answer("Cancel")
    assert page.delete_selected() == []
    assert finished.is_dir()

    answer("Delete")
    with qtbot.waitSignal(page.runs_listed, timeout=WORK_MS) as listed:
        assert page.delete_selected() == [finished]
    assert not finished.exists() and stopped.is_dir()
    assert [r.path for r in listed.args[0]] == [stopped]
    assert page.table.rowCount() == 1

    page.active_run = stopped  # being trained: never deleted
    page.select_runs([stopped])
    assert not page.delete_button.isEnabled()
    assert page.delete_selected() == [] and stopped.is_dir()


def test_the_runs_folder_is_a_setting_the_other_pages_follow(qtbot, tmp_path, monkeypatch, runs):
    monkeypatch.setenv("CONVLAB_SETTINGS_DIR", str(tmp_path / "settings"))
    first = _open(qtbot, tmp_path)
    page = first.page("runs")
    assert page.folder == Path(DEFAULT_RUNS_DIR)  # the library's default, ./runs
    assert first.page("train").runs_dir == Path(DEFAULT_RUNS_DIR)
    with qtbot.waitSignal(page.runs_listed, timeout=WORK_MS) as listed:
        page.set_folder(runs[0])
    assert len(listed.args[0]) == 2
    assert first.page("train").runs_dir == runs[0] == first.page("results").runs_dir
    first.close()

    second = _open(qtbot, tmp_path)
    assert second.page("runs").folder == runs[0]
    assert second.page("train").runs_dir == runs[0]
    assert len(second.page("runs").runs) == 2
    saved = json.loads(json.dumps(open_settings().value("runs/folder")))
    assert saved == str(runs[0])
