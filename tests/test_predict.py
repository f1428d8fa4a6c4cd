"""predict: the bundled LeNet-5 reads the bundled digits; bad images and unsafe or
unusable models get clear answers, not exceptions from deep inside Keras."""

import json
from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image

from netlib import data
from netlib.predict import load_model, predict

# Keras 3.15 converts variables with np.array, whose __array__ lacks numpy 2's `copy`.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)
REPO = Path(__file__).resolve().parent.parent
BUNDLED = REPO / "resources" / "models" / "lenet5_digits.keras"


@pytest.fixture(scope="module")
def bundled():
    return load_model(BUNDLED)


def _digits(count_per_class: int = 1):
    """The last image(s) of each class folder, with their labels."""
    chosen = []
    for class_dir in sorted(p for p in data.digits_folder().iterdir() if p.is_dir()):
        for path in sorted(class_dir.iterdir())[-count_per_class:]:
            chosen.append((path, class_dir.name))
    return chosen


def test_the_bundled_model_carries_its_classes_and_settings(bundled):
    assert bundled.classes == [str(i) for i in range(10)]
    assert (bundled.image_size, bundled.input_size) == ((32, 32), (32, 32))
    assert (bundled.channels, bundled.color_mode) == (1, "grayscale")
    assert bundled.notes == []
    assert json.loads(BUNDLED.with_suffix(".classes.json").read_text()) == bundled.classes
    assert BUNDLED.stat().st_size < 1_000_000


def test_the_bundled_model_reads_digit_files(bundled):
    samples = _digits(count_per_class=2)
    results = predict(bundled, [path for path, _ in samples], top=3)
    assert [r.source for r in results] == [str(path) for path, _ in samples]
    predicted = [r.top[0][0] for r in results]
    truth = [label for _, label in samples]
    correct = sum(p == t for p, t in zip(predicted, truth))
    assert correct >= 19, list(zip(truth, predicted))  # 20 images
    for result in results:
        assert len(result.top) == 3
        probabilities = [p for _, p in result.top]
        assert probabilities == sorted(probabilities, reverse=True)
        assert 0 < sum(probabilities) <= 1.0 + 1e-6


def test_arrays_and_files_give_the_same_answer_and_colour_is_converted(bundled):
    path, label = _digits()[3]
    grey = np.asarray(Image.open(path))
    rgb = np.repeat(grey[..., None], 3, axis=-1)  # the model is grey: converted back
    from_file, from_grey, from_rgb = predict(bundled, [path, grey, rgb], top=2)
    assert from_file.top[0][0] == from_grey.top[0][0] == from_rgb.top[0][0] == label
    assert from_grey.top[0][1] == pytest.approx(from_file.top[0][1], rel=1e-5)
    assert from_grey.source == "image 2"


def test_a_bad_image_gets_an_error_entry_not_an_exception(bundled, tmp_path):
    good, _ = _digits()[0]
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    truncated = tmp_path / "cut.png"
    truncated.write_bytes(good.read_bytes()[:60])
    results = predict(bundled, [good, text, truncated, tmp_path / "missing.png"])
    assert results[0].ok and len(results[0].top) == 5
    assert [r.ok for r in results[1:]] == [False, False, False]
    assert "not an image" in results[1].error
    assert all(r.top == [] and r.error for r in results[1:])


def test_a_model_file_with_a_lambda_layer_is_refused(tmp_path):
    inputs = keras.Input((8, 8, 1))
    outputs = keras.layers.Lambda(lambda x: x * 2.0)(keras.layers.Flatten()(inputs))
    path = tmp_path / "lambda.keras"
    keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(outputs)).save(path)
    with pytest.raises(ValueError, match="Lambda layer.*safe mode"):
        load_model(path)
    with pytest.raises(ValueError, match="Lambda"):
        predict(path, [np.zeros((8, 8), np.uint8)])


def test_a_foreign_model_is_adapted_or_refused_with_the_reason(tmp_path):
    # A model from elsewhere: RGB, 12x12, logits out, no ConvLab metadata.
    inputs = keras.Input((12, 12, 3))
    x = keras.layers.Rescaling(1 / 255)(inputs)
    logits = keras.layers.Dense(4)(keras.layers.GlobalAveragePooling2D()(x))
    path = tmp_path / "foreign.keras"
    keras.Model(inputs, logits).save(path)
    (tmp_path / "foreign.classes.json").write_text(json.dumps(["a", "b", "c", "d"]))
    digit, _ = _digits()[0]  # 8x8 grey: resized and converted to RGB
    (result,) = predict(path, [digit], top=4)
    assert result.ok and sorted(name for name, _ in result.top) == ["a", "b", "c", "d"]
    assert sum(p for _, p in result.top) == pytest.approx(1.0, abs=1e-5)  # softmaxed

    four = tmp_path / "rgba.keras"
    inputs = keras.Input((12, 12, 4))
    keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Flatten()(inputs))).save(four)
    with pytest.raises(ValueError, match="4 channels.*grey.*RGB"):
        load_model(four)
    with pytest.raises(ValueError, match="not a .keras file"):
        load_model(tmp_path / "foreign.classes.json")
    with pytest.raises(ValueError, match="top must be a positive integer"):
        predict(path, [digit], top=0)
