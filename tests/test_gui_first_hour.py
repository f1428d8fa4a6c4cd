"""What a new user met in a first hour with the app (issue 15), on the real window with
real runs: settings the app writes it reads back; Start says why it is disabled; a short
run adapts the family's warm-up and says so; one dataset for every page, a folder that
fails to scan changing nothing; a new run starts with empty curves; a run's warnings
and its epoch lines (the CLI's words); every run listed on Predict and Results, and a run
at chance not taken up; long titles that do not push the page down; top-5 names whole."""

from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from gui_windows import LOAD_MS, fresh_settings, open_window
from gui.widgets.topk_bars import name_column_width
from netlib.data import digits_folder
from netlib.train import EpochEnd, Finished, TrainConfig, Trainer
from netlib.train.progress import epoch_line

RUN_MS = 180_000


@pytest.fixture
def settings(tmp_path, monkeypatch):
    runs = tmp_path / "runs"
    fresh_settings(monkeypatch, tmp_path / "settings", {"runs/folder": str(runs)})
    return runs


def _window(qtbot, page="train"):
    window = open_window(qtbot)
    window.show_page(page)
    QApplication.processEvents()
    return window


def _folder(root: Path, classes=("cat", "dog"), per_class=6, same=False, junk=False) -> Path:
    """Small PNGs, one sub-folder per class: `same` makes every image identical (nothing
    tells the classes apart), `junk` adds a text file named .png (a skipped file)."""
    for index, label in enumerate(classes):
        (root / label).mkdir(parents=True)
        for i in range(per_class):
            shade = 128 if same else (40 + 150 * index + 3 * i) % 256
            Image.new("L", (12, 12), shade).save(root / label / f"{label}{i}.png")
    if junk:
        (root / classes[0] / "notes.png").write_text("not a picture")
    return root


def _edit(field, text: str) -> None:
    field.setText(text)
    field.editingFinished.emit()


def test_a_list_with_spaces_is_accepted_and_read_back_after_a_restart(qtbot, settings):
    first = _window(qtbot)
    train = first.page("train")
    _edit(train.form.fields["augment"], "flip, rotation")
    assert train.form.problem() == "" and train.start_button.isEnabled()
    config = train.settings.config()
    assert config.augment == ["flip", "rotation"]
    first.close()

    second = _window(qtbot)
    train = second.page("train")
    assert train.form.fields["augment"].text() == "flip, rotation"
    assert train.form.problem() == "" and train.start_button.isEnabled()
    assert train.settings.config() == config


def test_the_recipe_chosen_is_read_back_after_a_restart_with_its_values(qtbot, settings):
    first = _window(qtbot)
    train = first.page("train")
    assert train.set_model("resnet20")
    train.settings.recipe_combo.setCurrentText("paper")
    train.settings.recipe_combo.activated.emit(train.settings.recipe_combo.currentIndex())
    config = train.settings.config()
    assert config == TrainConfig.for_model("resnet20", digits_folder(), recipe="paper")
    source = train.defaults_label.text()
    first.close()

    second = _window(qtbot)
    train = second.page("train")
    assert train.model_name == "resnet20" and train.settings.recipe == "paper"
    assert train.defaults_label.text() == source  # the paper's recipe is the one described
    assert train.settings.config() == config


def test_start_says_why_it_is_disabled_and_the_form_stays_put(qtbot, settings):
    window = _window(qtbot)
    train = window.page("train")
    epochs = train.form.fields["epochs"]
    where = epochs.mapTo(window, QPoint(0, 0))
    _edit(train.form.fields["learning_rate"], "-1")
    QApplication.processEvents()
    assert not train.start_button.isEnabled()
    assert train.start_button.toolTip().startswith("Fix Learning rate: learning_rate must be")
    # Said above the form, in view whatever the form's scroll, and the form did not move.
    assert train.settings_message.text() == train.form.problem() != ""
    assert train.settings_message.isVisible()
    assert epochs.mapTo(window, QPoint(0, 0)) == where
    _edit(train.form.fields["learning_rate"], "0.001")
    QApplication.processEvents()
    assert train.start_button.isEnabled() and train.start_button.toolTip() == "Train a new run with these settings"
    assert epochs.mapTo(window, QPoint(0, 0)) == where


def test_a_short_run_cuts_the_familys_warm_up_and_says_so(qtbot, settings):
    window = _window(qtbot)
    train = window.page("train")
    assert train.set_model("nin_cifar")  # its recipe warms up for 1 epoch of 20
    family = TrainConfig.for_model("nin_cifar", digits_folder())
    assert family.warmup_epochs > 0.5
    train.form.fields["epochs"].setValue(2)
    assert train.form.fields["warmup_epochs"].value() == 0.5
    assert train.start_button.isEnabled() and train.form.problem() == ""
    assert "warmup_epochs cut from the family's" in train.settings_message.text()
    assert train.settings.config().warmup_epochs == 0.5
    train.form.fields["epochs"].setValue(family.epochs)  # long enough again: the family's
    assert train.form.fields["warmup_epochs"].value() == family.warmup_epochs
    # A warm-up the user chose is theirs: the epochs no longer move it.
    train.form.fields["warmup_epochs"].setValue(1.5)
    train.form.fields["epochs"].setValue(4)
    assert train.form.fields["warmup_epochs"].value() == 1.5


def test_a_short_pretrained_run_keeps_the_recipes_share_of_frozen_epochs(qtbot, settings):
    window = _window(qtbot)
    train = window.page("train")
    assert train.set_model("mobilenet_v2")
    train.start_from.choose("imagenet")  # the "pretrained" recipe: 3 frozen epochs of 10
    assert train.settings.recipe == "pretrained"
    assert train.form.fields["freeze_epochs"].value() == 3
    train.form.fields["epochs"].setValue(2)
    assert train.form.fields["freeze_epochs"].value() == 1 and train.form.problem() == ""
    assert "freeze_epochs cut from the recipe's 3 to 1" in train.settings_message.text()
    train.form.fields["epochs"].setValue(10)
    assert train.form.fields["freeze_epochs"].value() == 3


def test_one_dataset_for_all_pages_and_a_folder_that_fails_to_scan_changes_nothing(
    qtbot, settings, tmp_path
):
    window = _window(qtbot, "dataset")
    dataset, train = window.page("dataset"), window.page("train")
    assert dataset.index is not None and len(dataset.index.samples) == 1797
    good = _folder(tmp_path / "pets")

    # Pasted into the folder field, Enter: scanned, then every page's dataset.
    QApplication.clipboard().setText(str(good))
    dataset.folder_edit.clear()
    dataset.folder_edit.setFocus()
    dataset.folder_edit.paste()
    with qtbot.waitSignal(dataset.scan_finished, timeout=LOAD_MS):
        qtbot.keyClick(dataset.folder_edit, Qt.Key.Key_Return)
    assert window.state.dataset == str(good.resolve()) == dataset.source
    assert train.dataset_source == str(good.resolve())
    assert train.settings.dataset_label.text() == str(good.resolve())

    # Typed: a folder with one class cannot be trained on. Reported; nothing else changes.
    bad = _folder(tmp_path / "lonely", classes=("only",))
    dataset.folder_edit.setText(str(bad))
    with qtbot.waitSignal(dataset.scan_failed, timeout=LOAD_MS) as failed:
        qtbot.keyClick(dataset.folder_edit, Qt.Key.Key_Return)
    assert "cannot be used" in failed.args[0] and str(good.resolve()) in failed.args[0]
    assert failed.args[0] in dataset.summary_label.text().replace("&amp;", "&")
    assert window.state.dataset == str(good.resolve()) == dataset.source == train.dataset_source
    assert dataset.index.counts == {"cat": 6, "dog": 6}  # the pets, still on screen
    assert dataset.folder_edit.text() == str(bad)  # the user's typing, to correct
    assert train.message_label.text() == failed.args[0]
    qtbot.waitUntil(window.is_idle, timeout=LOAD_MS)
    window.close()

    again = _window(qtbot, "dataset")
    dataset = again.page("dataset")
    assert dataset.source == str(good.resolve()) == again.page("train").dataset_source
    qtbot.waitUntil(lambda: dataset.index is not None, timeout=LOAD_MS)
    assert dataset.index.counts == {"cat": 6, "dog": 6}


def test_a_run_without_validation_logs_the_clis_epoch_line_and_its_warnings_show(
    qtbot, settings, tmp_path
):
    window = _window(qtbot)
    train, dataset = window.page("train"), window.page("dataset")
    folder = _folder(tmp_path / "pets", junk=True)
    with qtbot.waitSignal(dataset.scan_finished, timeout=LOAD_MS):
        train.set_dataset(str(folder))
    train.form.fields["validation"].setValue(0.0)
    train.form.fields["epochs"].setValue(1)
    assert dataset.split_settings()["validation"] == 0.0  # one split for both pages
    epochs = []
    train.event_shown.connect(lambda e: epochs.append(e) if isinstance(e, EpochEnd) else None)
    with qtbot.waitSignal(train.run_ended, timeout=RUN_MS) as ended:
        assert train.start()
    assert isinstance(ended.args[0], Finished)
    log = train.log.toPlainText()
    [epoch] = epochs
    assert epoch_line(epoch) in log and "nan" not in log.lower()
    assert "val_loss" not in epoch_line(epoch) and "img/s" in epoch_line(epoch)
    # The skipped file's warning is shown above the log, not only in it.
    assert train.warning_label.isVisible()
    assert "1 file(s) skipped" in train.warning_label.text()


def test_a_new_run_starts_with_empty_curves(qtbot, settings):
    window = _window(qtbot)
    train = window.page("train")
    train.form.fields["epochs"].setValue(1)
    with qtbot.waitSignal(train.run_ended, timeout=RUN_MS):
        assert train.start()
    assert train.curves.drawn("val_accuracy")[0] == [1.0]
    assert train.curves.drawn("learning_rate")[0] == [1.0]
    qtbot.waitUntil(lambda: not train.is_training(), timeout=RUN_MS)
    with qtbot.waitSignal(train.run_ended, timeout=RUN_MS):
        assert train.start()
        for key in train.curves.series:  # the previous run's, gone at once
            assert train.curves.drawn(key) == ([], []), key
    qtbot.waitUntil(window.is_idle, timeout=RUN_MS)


def test_every_run_is_listed_on_predict_and_results_and_one_at_chance_is_not_taken_up(
    qtbot, settings, tmp_path
):
    # A run made before the window opens (as `python main.py train` makes them).
    earlier = Trainer(TrainConfig.for_model("lenet5", digits_folder(), epochs=1), settings).fit()
    assert isinstance(earlier, Finished) and earlier.best_val_accuracy > 0.5
    window = _window(qtbot, "predict")
    predict, results = window.page("predict"), window.page("results")
    qtbot.waitUntil(lambda: predict.runs and window.is_idle(), timeout=LOAD_MS)
    labels = [predict.model_combo.itemText(i) for i in range(predict.model_combo.count())]
    accuracy = f"{earlier.best_val_accuracy:.1%} val. accuracy"
    assert labels == ["Bundled LeNet-5 (digits)", f"Run: {earlier.run_dir.name} · {accuracy}"]
    assert predict.predictor.key == "bundled"

    # A run on images nothing tells apart validates at chance: listed, newest first, and
    # Predict keeps the model it has; Results shows the new run.
    folder = _folder(tmp_path / "same", same=True, per_class=10)
    train = window.page("train")
    with qtbot.waitSignal(window.page("dataset").scan_finished, timeout=LOAD_MS):
        train.set_dataset(str(folder))
    train.form.fields["epochs"].setValue(1)
    with qtbot.waitSignal(predict.notice, timeout=RUN_MS) as notice:
        assert train.start()
    assert "no better than chance (50.0%)" in notice.args[0]
    qtbot.waitUntil(window.is_idle, timeout=RUN_MS)
    chance_run = train.run_dir
    assert predict.predictor.key == "bundled"
    keys = [predict.model_combo.itemData(i) for i in range(predict.model_combo.count())]
    assert keys == ["bundled", f"run:{chance_run}", f"run:{earlier.run_dir}"]
    assert "50.0% val. accuracy" in predict.model_combo.itemText(1)
    runs = [results.run_combo.itemText(i) for i in range(results.run_combo.count())]
    assert runs == [f"{chance_run.name} · 50.0% val. accuracy",
                    f"{earlier.run_dir.name} · {accuracy}"]
    assert results.run_dir == chance_run


def test_a_long_network_title_stays_on_one_line(qtbot, settings):
    window = _window(qtbot, "architectures")
    page = window.page("architectures")
    with qtbot.waitSignal(page.summary_ready, timeout=LOAD_MS):
        page.select_model("resnet20")
    tabs_at, title_height = page.tabs.mapTo(window, QPoint(0, 0)), page.title_label.height()
    with qtbot.waitSignal(page.summary_ready, timeout=LOAD_MS):
        page.select_model("googlenet")  # "GoogLeNet (Inception v1): nine inception ..."
    QApplication.processEvents()
    assert page.title_label.is_elided() and "nine inception modules" in page.title_label.toolTip()
    assert page.title_label.height() == title_height
    assert page.tabs.mapTo(window, QPoint(0, 0)) == tabs_at  # the Compare buttons stay


def test_a_class_name_is_cut_only_when_no_bar_would_fit(qtbot):
    font = QFont()
    top = [("astronaut", 0.9), ("cat", 0.05), ("dog", 0.05)]
    bold = QFont(font)
    bold.setBold(True)
    from PySide6.QtGui import QFontMetrics

    needed = QFontMetrics(bold).horizontalAdvance("✓ astronaut")
    for width in (200, 260, 400):
        assert name_column_width(font, width, top, "astronaut") - 4 >= needed
    assert name_column_width(font, 90, top, "astronaut") - 4 < needed  # a bar still fits
