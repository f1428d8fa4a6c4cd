"""Pretrained weights in the app: the Train page's "Start from" (ImageNet with its file and
whether it is downloaded, a Download with its bar and Cancel, an earlier run), a run from
an earlier one with the unfreezing marked on the curves, the learning-rate finder's
dialog, and ImageNet on the Predict page. Real window, real files, a local HTTP server."""

import hashlib
import json
import shutil

import keras
import numpy as np
import pytest
from PIL import Image

from gui_windows import fresh_settings, open_window
from netlib import data, registry
from netlib.runs import RunFolder
from netlib.train import Finished, TrainConfig, Trainer
from tests.weights_files import publish, randomize, save_legacy, serve

RUN_MS = 180_000


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    home = tmp_path / "keras"
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch, keras_home):
    fresh_settings(monkeypatch, tmp_path / "settings", {"runs/folder": str(tmp_path / "runs")})
    window = open_window(qtbot)
    yield window
    train = window.page("train")
    if train.is_training():
        train.stop()
        qtbot.waitUntil(lambda: not train.is_training(), timeout=RUN_MS)


def _digits(folder, digits, per_class):
    for digit in digits:
        (folder / str(digit)).mkdir(parents=True)
        for image in sorted((data.digits_folder() / str(digit)).iterdir())[:per_class]:
            shutil.copy(image, folder / str(digit) / image.name)
    return folder


def test_start_from_imagenet_says_which_file_and_downloads_it_with_a_bar_and_cancel(
    qtbot, window, tmp_path, monkeypatch, keras_home
):
    train = window.page("train")
    train.set_model("mobilenet_v2")
    control = train.start_from
    assert control.combo.model().item(1).isEnabled()
    control.choose("imagenet")
    config = train.settings.config()
    assert config.weights == "imagenet"
    assert config.freeze_epochs == registry.model_info("mobilenet_v2").recipe("pretrained").values["freeze_epochs"]
    name = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5"
    assert name in control.status.text() and "not downloaded" in control.status.text()
    assert control.download_button.isVisibleTo(train)

    served = tmp_path / "served"
    served.mkdir()
    payload = np.random.default_rng(0).bytes(4 << 20)
    (served / name).write_bytes(payload)
    with serve(served, slow=True) as url:
        publish(monkeypatch, "mobilenet_v2", url, hashlib.sha256(payload).hexdigest())
        train.validate()  # the control shows the file as now published
        reports = []
        control.download_bar.bar.valueChanged.connect(reports.append)
        control.download()
        assert control.download_bar.isVisibleTo(train)
        qtbot.waitUntil(lambda: bool(reports) or control.download_bar.isHidden(), timeout=RUN_MS)
        assert reports, control.status.text()
        control.download_bar.cancel_button.click()  # a slow server: well before the end
        qtbot.waitUntil(lambda: control.download_bar.isHidden(), timeout=RUN_MS)
        assert control.status.text() == "Download cancelled."
        assert not (keras_home / "models" / name).exists()
        with qtbot.waitSignal(control.downloaded, timeout=RUN_MS):
            control.download()
    assert (keras_home / "models" / name).read_bytes() == payload
    train.validate()
    assert "downloaded" in control.status.text() and "not downloaded" not in control.status.text()
    assert not control.download_button.isVisibleTo(train)

    train.set_model("lenet5")  # no published weights: the control says so
    item = control.combo.model().item(1)
    assert not item.isEnabled() and "none published for lenet5" in item.text()
    assert control.value() == "scratch"


def test_a_run_from_an_earlier_run_marks_where_the_base_was_unfrozen(qtbot, window, tmp_path):
    base = Trainer(TrainConfig.for_model("lenet5", _digits(tmp_path / "low", range(5), 20),
                                         epochs=1), runs_dir=tmp_path / "runs").fit()
    assert isinstance(base, Finished)
    train = window.page("train")
    train.set_dataset(str(_digits(tmp_path / "high", range(5, 10), 10)))
    train.start_from.choose("run", base.run_dir)  # the pretrained recipe...
    assert train.form.read()["freeze_epochs"] > 0
    train.form.set_values({"epochs": 3, "freeze_epochs": 1})  # ...shortened for the test
    with qtbot.waitSignal(train.run_ended, timeout=RUN_MS) as ended:
        assert train.start()
    assert isinstance(ended.args[0], Finished), ended.args[0]
    assert train.curves.markers() == [1.0, 1.0, 1.0]
    assert "the base unfrozen" in train.log.toPlainText()
    folder = RunFolder(ended.args[0].run_dir)
    assert folder.config().weights == str(base.run_dir)
    train.resume_run(folder.path)  # a run shown again: the marker with it
    assert train.curves.markers() == [1.0, 1.0, 1.0]


def test_the_learning_rate_finder_puts_its_rate_in_the_form(qtbot, window):
    train = window.page("train")
    dialog = train.find_learning_rate()
    with qtbot.waitSignal(dialog.done, timeout=RUN_MS) as done:
        pass
    finding = done.args[0]
    assert finding is not None and dialog.use_button.isEnabled()
    assert dialog.marker.isVisible() and len(dialog.curve.getData()[0]) == len(finding.rates)
    dialog.use_button.click()
    assert float(train.form.fields["learning_rate"].text()) == pytest.approx(finding.suggestion, rel=1e-3)


def test_the_predict_page_offers_imagenet_with_its_class_names_and_heat_map(
    qtbot, tmp_path, monkeypatch, keras_home
):
    from netlib.weights import file_hash, imagenet

    counterpart = randomize(keras.applications.MobileNetV2(
        weights=None, alpha=0.35, input_shape=(96, 96, 3)), seed=5)
    (keras_home / "models").mkdir(parents=True)
    save_legacy(counterpart, keras_home / "models" /
                "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96.h5")
    index = tmp_path / "index" / "imagenet_class_index.json"
    index.parent.mkdir()
    index.write_text(json.dumps({str(i): [f"n{i}", f"class_{i}"] for i in range(1000)}))
    with serve(index.parent) as url:
        monkeypatch.setattr(imagenet, "CLASS_INDEX", registry.PublishedFile(
            index.name, url + index.name, file_hash(index, "md5")))
        fresh_settings(monkeypatch, tmp_path / "settings", {"runs/folder": str(tmp_path / "runs")})
        window = open_window(qtbot)
        page = window.page("predict")
        labels = [page.model_combo.itemText(i) for i in range(page.model_combo.count())]
        assert "ImageNet: mobilenet_v2 (alpha=0.35, 96 px)" in labels
        with qtbot.waitSignal(page.model_loaded, timeout=RUN_MS) as loaded:
            page.use_model(imagenet.cached_models()[0].key)
    assert len(loaded.args[0].loaded.classes) == 1000
    photo = tmp_path / "cat.png"
    Image.fromarray(np.random.default_rng(3).integers(0, 255, (120, 160, 3), np.uint8)).save(photo)
    with qtbot.waitSignal(page.explanation_shown, timeout=RUN_MS) as shown:
        page.add_files([photo])
    [entry] = page.entries()
    assert len(entry.top) == 5 and all(name.startswith("class_") for name, _ in entry.top)
    assert shown.args[0].overlay is not None and shown.args[0].method == "cam"
