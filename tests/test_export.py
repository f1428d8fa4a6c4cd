"""export: every format takes raw pixels (0-255) and returns the same probabilities as
the run's model, and the class names travel with it."""

import json
import shutil

import numpy as np
import pytest

from netlib import data
from netlib.export import export
from netlib.predict import load_model
from netlib.runs import RunFolder, read_model_metadata
from netlib.train import Finished, TrainConfig, Trainer

pytestmark = [
    pytest.mark.filterwarnings(
        "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
    ),
    # TensorFlow 2.21 still ships tf.lite.Interpreter (deprecated for ai_edge_litert,
    # which is not in requirements.txt); it runs the exported flatbuffer fine.
    pytest.mark.filterwarnings("ignore:.*tf.lite.Interpreter is deprecated:UserWarning"),
]
CLASSES = [str(i) for i in range(10)]


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> RunFolder:
    folder = tmp_path_factory.mktemp("digits")
    for class_dir in sorted(p for p in data.digits_folder().iterdir() if p.is_dir()):
        (folder / class_dir.name).mkdir()
        for image in sorted(class_dir.iterdir())[:15]:
            shutil.copy(image, folder / class_dir.name / image.name)
    outcome = Trainer(
        TrainConfig.for_model("lenet5", folder, epochs=1), runs_dir=tmp_path_factory.mktemp("runs")
    ).fit()
    assert isinstance(outcome, Finished)
    return RunFolder(outcome.run_dir)


@pytest.fixture(scope="module")
def pixels_and_expected(run):
    pixels = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 1), dtype=np.uint8)
    model = load_model(run.path).model
    return pixels, model.predict(pixels, verbose=0)


def test_keras_export_is_self_contained(run, pixels_and_expected, tmp_path):
    pixels, expected = pixels_and_expected
    path = export(run.path, "keras")
    assert path == run.path / "export" / "lenet5.keras"
    assert read_model_metadata(path)["classes"] == CLASSES
    assert json.loads(path.with_suffix(".classes.json").read_text()) == CLASSES
    loaded = load_model(path)
    assert loaded.classes == CLASSES and loaded.color_mode == "grayscale"
    np.testing.assert_allclose(loaded.model.predict(pixels, verbose=0), expected, rtol=1e-6)
    elsewhere = export(run.path, "keras", output=tmp_path / "mine.keras")
    assert elsewhere.is_file() and (tmp_path / "mine.classes.json").is_file()


def test_saved_model_takes_raw_pixels(run, pixels_and_expected):
    import tensorflow as tf

    pixels, expected = pixels_and_expected
    path = export(run.path, "saved_model")
    assert json.loads((path / "classes.json").read_text()) == CLASSES
    assert json.loads((path / "convlab.json").read_text())["input_size"] == [32, 32]
    saved = tf.saved_model.load(str(path))  # keep a reference: it owns the variables
    served = saved.serve(tf.constant(pixels))
    np.testing.assert_allclose(np.asarray(served), expected, rtol=1e-5, atol=1e-6)
    again = export(run.path, "saved_model")  # replaces the previous export
    assert again == path and not list(path.parent.glob(".*convlab-tmp*"))


def test_tflite_takes_raw_pixels(run, pixels_and_expected):
    import tensorflow as tf

    pixels, expected = pixels_and_expected
    path = export(run.path, "tflite")
    assert json.loads(path.with_suffix(".classes.json").read_text()) == CLASSES
    interpreter = tf.lite.Interpreter(model_path=str(path))
    (input_detail,), (output_detail,) = (
        interpreter.get_input_details(), interpreter.get_output_details()
    )
    assert input_detail["dtype"] == np.uint8
    interpreter.resize_tensor_input(input_detail["index"], pixels.shape)
    interpreter.allocate_tensors()
    interpreter.set_tensor(input_detail["index"], pixels)
    interpreter.invoke()
    np.testing.assert_allclose(
        interpreter.get_tensor(output_detail["index"]), expected, rtol=1e-4, atol=1e-5
    )


def test_bad_export_requests(run, tmp_path):
    with pytest.raises(ValueError, match="keras, saved_model, tflite"):
        export(run.path, "onnx")
    with pytest.raises(ValueError, match=r"ends in \.tflite"):
        export(run.path, "tflite", output=tmp_path / "model.bin")
    with pytest.raises(ValueError, match="no saved model"):
        empty = RunFolder.create(tmp_path, "lenet5")
        run.config().save(empty.path / "config.json")
        export(empty.path, "keras")
