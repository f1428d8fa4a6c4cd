"""The Predict page with the bundled LeNet-5 and real files: PNGs and a JPEG written by
the test and dropped on the window, a text file and a folder (messages), a pasted picture,
the heat map, feature maps and filters, and model files refused in safe mode."""

from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from drag_and_drop import drop_files
from gui_windows import fresh_settings, open_window
from gui.pages.predict import BUNDLED_MODEL, from_qimage, to_qimage
from netlib.predict import predict
from netlib.visualize import Visualizer, feature_grid, filter_grid

REPO = Path(__file__).resolve().parent.parent
DIGITS = REPO / "resources" / "digits"
WORK_MS = 60_000


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    fresh_settings(monkeypatch, tmp_path / "settings", {"runs/folder": str(tmp_path / "runs")})
    return open_window(qtbot, lambda window: [window.page("predict").model_loaded])


def _digit_files(folder: Path) -> list[Path]:
    """Three digits written as new files: a PNG at 8x8, one enlarged to 24x24, a JPEG."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = [DIGITS / "3" / "0003.png", DIGITS / "7" / "0017.png", DIGITS / "0" / "0000.png"]
    pictures = [Image.open(p).convert("L") for p in sources]
    paths = [folder / "three.png", folder / "seven_big.png", folder / "zero.jpg"]
    pictures[0].save(paths[0])
    pictures[1].resize((24, 24), Image.Resampling.NEAREST).save(paths[1])
    pictures[2].convert("RGB").resize((32, 32)).save(paths[2], quality=95)
    return paths


def test_dropped_images_are_predicted_with_the_bundled_model_before_any_training(
    qtbot, window, tmp_path
):
    page = window.page("predict")
    assert "bundled with ConvLab" in page.model_label.text()
    paths = _digit_files(tmp_path / "images")
    window.show_page("architectures")  # dropped anywhere: images go to the Predict page
    with qtbot.waitSignal(page.predictions_shown, timeout=WORK_MS) as shown:
        assert drop_files(window, paths)[0]
    assert window.current_page() is page
    entries = shown.args[0]
    expected = predict(BUNDLED_MODEL, [str(p) for p in paths], top=5)
    assert [e.name for e in entries] == ["three.png", "seven_big.png", "zero.jpg"]
    for entry, prediction in zip(entries, expected):
        assert entry.ok and [n for n, _ in entry.top] == [n for n, _ in prediction.top]
        assert [p for _, p in entry.top] == pytest.approx([p for _, p in prediction.top], abs=1e-6)
        assert entry.pixels.shape == (32, 32, 1) and entry.pixels.dtype == np.uint8
    assert [e.top[0][0] for e in entries] == ["3", "7", "0"]
    # The list shows the newest, and the detail view its bars.
    assert page.list.selected_entry() is entries[-1]
    assert page.bars.top == entries[-1].top

    # A second drop adds to the list: the images already there are not predicted again.
    [more] = _digit_files(tmp_path / "more")[:1]
    with qtbot.waitSignal(page.predictions_shown, timeout=WORK_MS) as shown:
        assert drop_files(window, [more])[0]
    assert [e.name for e in shown.args[0]] == ["three.png"]
    listed = page.entries()
    assert len(listed) == 4 and all(a is b for a, b in zip(listed, entries))
    assert page.list.selected_entry() is listed[3] and listed[3].top[0][0] == "3"


def test_each_dropped_image_is_decoded_once(qtbot, window, tmp_path, monkeypatch):
    # One decode gives the page both the prediction and the picture it shows.
    import netlib.data

    decoded, decode = [], netlib.data.decode_image

    def counted(source, *args, **kwargs):
        decoded.append(str(source))
        return decode(source, *args, **kwargs)

    monkeypatch.setattr(netlib.data, "decode_image", counted)
    page = window.page("predict")
    paths = _digit_files(tmp_path / "images")
    with qtbot.waitSignal(page.predictions_shown, timeout=WORK_MS) as shown:
        assert drop_files(window, paths)[0]
    assert all(entry.ok and entry.pixels is not None for entry in shown.args[0])
    assert sorted(decoded) == sorted(str(p) for p in paths)


def test_a_text_file_and_folders_get_a_clear_message(qtbot, window, tmp_path):
    page = window.page("predict")
    notes = tmp_path / "notes.txt"
    notes.write_text("not a picture")
    [picture] = _digit_files(tmp_path / "images")[:1]
    window.show_page("predict")
    with qtbot.waitSignal(page.predictions_shown, timeout=WORK_MS) as shown:
        assert drop_files(window, [notes, picture])[0]
    text_entry, image_entry = shown.args[0]
    assert not text_entry.ok and text_entry.error.startswith("not an image")
    assert image_entry.ok and image_entry.top[0][0] == "3"
    assert "1 of 2 files could not be read as images (notes.txt)" in page.notice_label.text()

    # A folder dropped here is no image: said so, and nothing else changes.
    dataset = window.page("dataset")
    source = dataset.source
    with qtbot.waitSignal(page.notice, timeout=WORK_MS) as notice:
        assert drop_files(window, [tmp_path / "images"])[0]
    assert notice.args[0].startswith("Folders are not predicted (images)")
    assert window.current_page() is page and dataset.source == source
    assert len(page.entries()) == 2

    # Elsewhere, one folder is a dataset: the Dataset page takes it.
    folder = tmp_path / "digits"
    for label in ("three", "seven"):
        _digit_files(folder / label)
    window.show_page("train")
    with qtbot.waitSignal(dataset.scan_finished, timeout=WORK_MS) as scanned:
        assert drop_files(window, [folder])[0]
    assert window.current_page() is dataset
    assert dataset.source == str(folder.resolve())
    assert scanned.args[0].counts == {"seven": 3, "three": 3}


def test_heat_map_feature_maps_and_first_layer_filters(qtbot, window, tmp_path):
    page = window.page("predict")
    window.show_page("predict")
    [picture] = _digit_files(tmp_path / "images")[:1]
    with qtbot.waitSignal(page.explanation_shown, timeout=WORK_MS) as shown:
        page.add_files([picture])
    explanation = shown.args[0]
    entry = page.entries()[0]
    view = Visualizer(page.predictor.loaded.model)
    cam = view.class_activation_map(entry.pixels)
    assert (explanation.method, explanation.layer) == ("grad-cam", "lenet5/s4_pool")
    assert explanation.class_index == cam.class_index == 3
    assert explanation.overlay.shape == (32, 32, 3)
    assert page.method_label.text() == "Grad-CAM of class 3 on lenet5/s4_pool"
    # The overlay is the image where the map is cold and coloured where it is hot.
    heat = cam.resized((32, 32))
    changed = np.abs(explanation.overlay.astype(int) - explanation.image.astype(int)).sum(-1)
    assert changed[heat > 0.8].mean() > changed[heat < 0.1].mean()

    with_heat = page.image_label.pixmap().toImage()
    page.heat_check.setChecked(False)
    without = page.image_label.pixmap().toImage()
    assert with_heat != without
    plain = to_qimage(explanation.image.astype(np.uint8)).scaled(
        without.width(), without.height(), Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.FastTransformation,
    ).convertToFormat(without.format())
    assert without == plain
    page.heat_check.setChecked(True)

    # Explain the second guess: a click on its bar.
    second = entry.top[1][0]
    with qtbot.waitSignal(page.explanation_shown, timeout=WORK_MS) as shown:
        qtbot.mouseClick(page.bars, Qt.MouseButton.LeftButton, pos=page.bars.rect().topLeft()
                         + QPointF(50, 18 * 1.5).toPoint())
    assert shown.args[0].class_index == int(second)
    assert page.bars.highlighted == 1

    # Feature maps of another layer: C3's sixteen 10x10 maps.
    page.layer_combo.setCurrentText("lenet5/c3_act")
    with qtbot.waitSignal(page.explanation_shown, timeout=WORK_MS) as shown:
        page.layer_combo.activated.emit(page.layer_combo.currentIndex())
    features = shown.args[0].features
    expected = feature_grid(view.feature_maps(entry.pixels, "lenet5/c3_act"))
    assert features.shape == expected.shape == (45, 45, 1)
    np.testing.assert_array_equal(features, expected)
    assert page.features_label.pixmap().width() == 45 * 8

    # The first layer's six 5x5 filters as a grid (AlexNet's Figure 3, for LeNet-5).
    grid = filter_grid(view.first_layer_filters(), scale=6, padding=2)
    assert grid.shape == (66, 98, 1)
    filters = page.filters_label.pixmap()
    assert (filters.width(), filters.height()) == (98, 66)


def test_a_pasted_picture_is_predicted(qtbot, window):
    page = window.page("predict")
    digit = np.asarray(Image.open(DIGITS / "7" / "0017.png").convert("RGB").resize((32, 32)))
    image = to_qimage(digit)
    np.testing.assert_array_equal(from_qimage(image), digit)
    QApplication.clipboard().setImage(image)
    with qtbot.waitSignal(page.predictions_shown, timeout=WORK_MS) as shown:
        page.paste()
    [entry] = shown.args[0]
    assert entry.name == "pasted image 1" and entry.ok
    [expected] = predict(BUNDLED_MODEL, [digit], top=5)
    assert [n for n, _ in entry.top] == [n for n, _ in expected.top]
    assert entry.top[0][0] == "7"


def test_unsafe_and_unusable_model_files_are_refused(qtbot, window, tmp_path):
    page = window.page("predict")
    pixels = keras.Input((8, 8, 1))
    doubled = keras.layers.Lambda(lambda x: x * 2)(pixels)
    lambda_model = keras.Model(pixels, keras.layers.Dense(2)(keras.layers.Flatten()(doubled)))
    unsafe = tmp_path / "lambda.keras"
    lambda_model.save(unsafe)
    with qtbot.waitSignal(page.model_failed, timeout=WORK_MS) as failed:
        page.open_model_file(unsafe)
    assert "Lambda layer" in failed.args[0] and "safe mode" in failed.args[0]
    assert page.predictor.key == "bundled" and page.model_combo.currentData() == "bundled"
    assert "Still using: lenet5" in page.model_label.text()

    numbers = keras.Input((4,))
    table = tmp_path / "table.keras"
    keras.Model(numbers, keras.layers.Dense(3)(numbers)).save(table)
    with qtbot.waitSignal(page.model_failed, timeout=WORK_MS) as failed:
        page.open_model_file(table)
    assert "an image model takes (batch, height, width, channels)" in failed.args[0]

    with qtbot.waitSignal(page.model_failed, timeout=WORK_MS) as failed:
        page.open_model_file(tmp_path / "missing.keras")
    assert "No model at" in failed.args[0]
