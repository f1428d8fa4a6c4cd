"""Know and fix your data, in the real window: a folder with a mislabelled image, a
duplicate across the split and an unbalanced class. The Dataset page shows all three and
previews the augmentation; a run trains with balanced class weights from the Train page;
the Results page shows balanced accuracy and, first among the training images' top
losses, the mislabelled image, which is moved to its class from there, the move undone
and redone: the file keeps its bytes throughout."""

import hashlib
import shutil
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt

from gui_windows import fresh_settings, open_window
from netlib.data import find_duplicates, scan, split
from netlib.train import Finished

RUN_MS = 180_000


def write_folder(root: Path) -> Path:
    """dark/ 16 images, light/ 16, mid/ 5 (unbalanced: 16 to 5); light/odd one.png is a
    dark image (mislabelled); dark/03 copy.png a copy of dark/03.png."""
    rng = np.random.default_rng(0)

    def write(path: Path, low: int, high: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(low, high, (40, 40), dtype=np.uint8)).save(path)

    for i in range(16):
        write(root / "dark" / f"{i:02d}.png", 0, 90)
        write(root / "light" / f"{i:02d}.png", 165, 256)
    for i in range(5):
        write(root / "mid" / f"{i:02d}.png", 100, 156)
    write(root / "light" / "odd one.png", 0, 90)
    shutil.copyfile(root / "dark" / "03.png", root / "dark" / "03 copy.png")
    return root


def leaking_seed(folder: Path) -> int:
    """A split seed (validation 0.2) that puts the copy and its original in different
    parts and the mislabelled image among the training images."""
    index = scan(folder)
    groups = find_duplicates(index)
    for seed in range(50):
        parts = split(index, validation=0.2, seed=seed)
        training = {s.path.name for s in parts.train}
        if "odd one.png" in training and any("leakage" in g.flags for g in find_duplicates(
                index, parts=parts, fingerprints=index.fingerprints)):
            return seed
    raise AssertionError(f"no seed leaks the copy: {groups}")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_app_shows_and_fixes_the_data_and_trains_on_unbalanced_classes(qtbot, tmp_path, monkeypatch):
    folder = write_folder(tmp_path / "photos")
    seed = leaking_seed(folder)
    odd = folder / "light" / "odd one.png"
    odd_bytes = sha256(odd)
    monkeypatch.setenv("CONVLAB_CACHE_DIR", str(tmp_path / "cache"))
    fresh_settings(monkeypatch, tmp_path / "settings", {
        "runs/folder": str(tmp_path / "runs"), "dataset/source": str(folder),
        "dataset/seed": seed, "window/page": "dataset",
    })
    window = open_window(qtbot, lambda w: [w.page("dataset").duplicates_shown])
    dataset, train, results = window.page("dataset"), window.page("train"), window.page("results")

    # The Dataset page: the unbalanced class, the copy leaking across the split.
    assert dataset.index.counts == {"dark": 17, "light": 17, "mid": 5}
    assert "Unbalanced classes: dark has 3.4x the images of mid" in dataset.balance_view.summary.text()
    assert dataset.balance_view.part_counts("validation")["mid"] == "1"
    (group,) = dataset.duplicate_groups
    assert [s.path.name for s in group.members] == ["03 copy.png", "03.png"]
    assert group.kind == "exact" and "leakage" in group.flags
    assert "1 across the split (leakage" in dataset.duplicates_view.summary.text()
    assert dataset.tabs.tabText(dataset.tabs.indexOf(dataset.duplicates_view)) == "Duplicates (1, 1 leaking)"

    # The augmentation the Train page chose, as the network sees it, drawn again on a click.
    train.form.fields["augment"].setText("flip, rotation")
    train.form.fields["augment"].editingFinished.emit()
    with qtbot.waitSignal(dataset.preview_shown, timeout=RUN_MS):
        dataset.tabs.setCurrentWidget(dataset.preview)
    first = dataset.preview.batch.copy()
    assert first.shape == (16, 32, 32, 1) and "flip, rotation" in dataset.preview.label.text()
    with qtbot.waitSignal(dataset.preview_shown, timeout=RUN_MS):
        qtbot.mouseClick(dataset.preview.draw_button, Qt.MouseButton.LeftButton)
    assert dataset.preview.batch.shape == first.shape and not np.array_equal(dataset.preview.batch, first)

    # Train with balanced class weights, set in the form the schema generates.
    train.form.fields["augment"].setText("")
    train.form.fields["class_weight"].setCurrentText("balanced")
    train.form.fields["epochs"].setValue(4)
    train.form.fields["batch_size"].setValue(8)
    train.form.fields["learning_rate"].setText("0.003")
    assert train.settings.config().class_weight == "balanced"
    with qtbot.waitSignal(train.run_ended, timeout=RUN_MS) as ended:
        assert train.start()
    assert isinstance(ended.args[0], Finished), ended.args[0]

    # Results: balanced accuracy, and the mislabelled image first among the top losses.
    with qtbot.waitSignal(results.evaluation_shown, timeout=RUN_MS) as shown:
        window.show_page("results")
    evaluation = shown.args[0]
    assert evaluation["split"] == "all" and "balanced_accuracy" in evaluation
    assert f"balanced {evaluation['balanced_accuracy']:.2%}" in results.summary_label.text().replace("&nbsp;", " ")
    view = results.top_losses
    assert view.part_combo.currentData() == "train"
    worst = view.shown_items()[0]
    assert Path(worst.path).name == "odd one.png" and worst.true == "light" and worst.predicted == "dark"

    # Move it to its class from the Top losses view's menu; undo; redo.
    menu = results.relabel.menu(worst.path, worst.true, parent=view)
    move_to = next(a.menu() for a in menu.actions() if a.text() == "Move to class")
    assert [a.text() for a in move_to.actions()] == ["dark", "mid"]
    with qtbot.waitSignal(dataset.scan_finished, timeout=RUN_MS):  # the Dataset page follows
        next(a for a in move_to.actions() if a.text() == "dark").trigger()
    moved = folder / "dark" / "odd one.png"
    assert not odd.exists() and sha256(moved) == odd_bytes
    assert view.note(worst.path) == "moved to dark"
    assert "Moved light/odd one.png to class dark" in results.relabel_bar.label.text()
    qtbot.waitUntil(lambda: dataset.index is not None, timeout=RUN_MS)
    assert dataset.index.counts == {"dark": 18, "light": 16, "mid": 5}

    qtbot.mouseClick(results.relabel_bar.undo_button, Qt.MouseButton.LeftButton)
    assert not moved.exists() and sha256(odd) == odd_bytes and view.note(worst.path) == ""
    qtbot.mouseClick(results.relabel_bar.redo_button, Qt.MouseButton.LeftButton)
    assert not odd.exists() and sha256(moved) == odd_bytes and view.note(worst.path) == "moved to dark"
    qtbot.waitUntil(window.is_idle, timeout=RUN_MS)
