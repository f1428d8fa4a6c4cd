"""Unbalanced classes: the balance and its warning, class weights (inverse frequencies)
reaching every head of a multi-output model through per-sample weights, balanced
sampling (every class drawn equally each epoch) with the batch-norm estimate on it, the
settings, and LeNet-5 runs with each on an unbalanced folder."""

import json
import math
import shutil
from pathlib import Path

import keras
import numpy as np
import pytest

from netlib.data import (
    IMBALANCE_RATIO,
    ImageBatches,
    ImageCache,
    balanced_class_weights,
    class_balance,
    digits_folder,
    scan,
)
from netlib.train import Finished, TrainConfig, Trainer
from netlib.train.config import ConfigError
from netlib.train.batchnorm import estimate_statistics
from netlib.train.dataset import MultiHeadBatches


def unbalanced_cache(counts=(30, 10, 2)):
    """A cache whose image i is filled with i: a batch tells which rows it holds."""
    labels = np.concatenate([np.full(n, c, np.int32) for c, n in enumerate(counts)])
    count = len(labels)
    images = np.broadcast_to(np.arange(count, dtype=np.uint8)[:, None, None, None], (count, 4, 4, 3)).copy()
    return ImageCache(images=images, labels=labels, paths=[Path(f"/d/{i}.png") for i in range(count)],
                      skipped=[], image_size=(4, 4), color_mode="rgb", resize="squash",
                      file=Path("/cache/none.npy"))


def test_the_balance_names_the_largest_and_smallest_class_and_warns_past_the_ratio():
    balance = class_balance({"cats": 600, "dogs": 50, "owls": 200})
    assert (balance.largest, balance.smallest, balance.ratio) == ("cats", "dogs", 12.0)
    assert "cats has 12.0x the images of dogs" in balance.warning
    assert class_balance({"a": 30, "b": 10}).warning is None  # exactly the ratio: no warning
    assert IMBALANCE_RATIO == 3.0
    empty = class_balance({"a": 5, "b": 0})
    assert math.isinf(empty.ratio) and empty.to_dict()["ratio"] is None  # JSON has no infinity
    json.dumps(empty.to_dict())


def test_class_weights_are_inverse_frequencies_with_a_mean_of_one():
    labels = np.array([0] * 30 + [1] * 10 + [2] * 2)
    weights = balanced_class_weights(labels, 4)  # class 3 has no image
    np.testing.assert_allclose(weights[:3], [42 / (3 * 30), 42 / (3 * 10), 42 / (3 * 2)], rtol=1e-6)
    assert weights[3] == 0 and weights[labels].mean() == pytest.approx(1.0)
    assert weights[:3] @ np.bincount(labels) == pytest.approx(42)  # every class weighs the same


def test_balanced_sampling_draws_every_class_equally_in_an_epoch_of_the_same_length():
    cache = unbalanced_cache()
    batches = ImageBatches(cache, batch_size=8, seed=0, sampling="balanced")
    assert len(batches) == 6  # 42 images: the epoch keeps its length
    drawn = np.concatenate([batches[i][0][:, 0, 0, 0] for i in range(len(batches))])
    assert len(drawn) == 42
    per_class = np.bincount(cache.labels[drawn])
    assert per_class.tolist() == [14, 14, 14]
    assert len(set(drawn[cache.labels[drawn] == 0].tolist())) == 14  # the large class sampled once each
    assert set(drawn[cache.labels[drawn] == 2].tolist()) == {40, 41}  # the small one repeated
    again = ImageBatches(cache, batch_size=8, seed=0, sampling="balanced")
    np.testing.assert_array_equal(again[0][0], batches[0][0])  # fixed by (seed, epoch)
    batches.set_epoch(1)
    assert not np.array_equal(batches[0][0], again[0][0])
    with pytest.raises(ValueError, match="'uniform', 'balanced'"):
        ImageBatches(cache, sampling="oversample")


def test_class_weights_reach_every_head_of_a_multi_output_model():
    cache = unbalanced_cache()
    weights = balanced_class_weights(cache.labels, 3)
    batches = ImageBatches(cache, batch_size=42, shuffle=False, class_weights=weights)
    images, labels, sample_weights = batches[0]
    np.testing.assert_array_equal(sample_weights, weights[labels])
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4, 4, 3))
    x = keras.layers.GlobalAveragePooling2D()(keras.layers.Rescaling(1 / 42)(inputs))
    outputs = [keras.layers.Dense(3, activation="softmax", name=name)(x) for name in ("main", "aux")]
    model = keras.Model(inputs, outputs)
    model.compile("adam", loss={"main": "sparse_categorical_crossentropy", "aux": "sparse_categorical_crossentropy"},
                  loss_weights={"main": 1.0, "aux": 0.3})
    loss = model.evaluate(MultiHeadBatches(batches, ("main", "aux")), verbose=0, return_dict=True)["loss"]
    main, aux = (np.asarray(p, np.float64) for p in model.predict(images, verbose=0))
    expected = sum(weight * np.mean(sample_weights * -np.log(p[np.arange(42), labels]))
                   for weight, p in ((1.0, main), (0.3, aux)))
    assert loss == pytest.approx(expected, rel=1e-4)
    model.fit(MultiHeadBatches(batches, ("main", "aux")), epochs=1, verbose=0)  # and it trains


def test_the_batch_norm_estimate_runs_on_balanced_batches():
    cache = unbalanced_cache()
    batches = ImageBatches(cache, batch_size=8, seed=0, sampling="balanced")
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4, 4, 3))
    x = keras.layers.BatchNormalization(name="bn")(keras.layers.Rescaling(1.0)(inputs))
    model = keras.Model(inputs, keras.layers.Dense(3)(keras.layers.GlobalAveragePooling2D()(x)))
    assert estimate_statistics(model, batches, steps=3) == 3
    means = np.mean([batches[i][0].astype(np.float64).mean(axis=(0, 1, 2)) for i in range(3)], axis=0)
    np.testing.assert_allclose(model.get_layer("bn").moving_mean.numpy(), means, rtol=1e-5)


def test_the_settings_take_the_schema_s_choices_and_not_both_at_once():
    folder = digits_folder()
    config = TrainConfig.for_model("lenet5", folder, class_weight="balanced")
    assert (config.class_weight, config.sampling) == ("balanced", "uniform")
    assert config.with_settings(["class_weight=none", "sampling=balanced"]).sampling == "balanced"
    with pytest.raises(ConfigError, match="class_weight must be one of 'none', 'balanced'"):
        config.replace(class_weight="inverse")
    with pytest.raises(ConfigError, match="would do it twice") as refused:
        config.replace(sampling="balanced")
    assert refused.value.field == "sampling"
    from netlib.cli.train import settings_help

    help_text = settings_help()
    assert "class_weight" in help_text and "sampling" in help_text and "group_duplicates" in help_text


@pytest.fixture(scope="module")
def unbalanced_digits(tmp_path_factory):
    """Digits 0, 1 and 2: 40 images each, but only 8 of the 2s."""
    folder = tmp_path_factory.mktemp("unbalanced")
    for name, count in (("0", 40), ("1", 40), ("2", 8)):
        (folder / name).mkdir()
        for image in sorted((digits_folder() / name).iterdir())[:count]:
            shutil.copy(image, folder / name / image.name)
    return folder


@pytest.mark.parametrize("settings", [{"class_weight": "balanced"}, {"sampling": "balanced"}])
def test_lenet_trains_with_either_on_an_unbalanced_folder_and_the_run_says_so(unbalanced_digits, tmp_path, settings):
    assert scan(unbalanced_digits).balance().warning  # 40 against 8
    config = TrainConfig.for_model("lenet5", unbalanced_digits, epochs=1, **settings)
    logged = []
    outcome = Trainer(config, runs_dir=tmp_path).fit(events=lambda e: logged.append(getattr(e, "text", "")))
    assert isinstance(outcome, Finished), getattr(outcome, "details", outcome)
    described = json.loads((outcome.run_dir / "dataset.json").read_text())
    balance = described["balance"]
    assert balance["largest"] in ("0", "1") and balance["smallest"] == "2"
    assert balance["ratio"] == pytest.approx(described["class_counts"]["train"]["0"] / described["class_counts"]["train"]["2"])
    assert any("Making up for the class balance" in line for line in logged)
    assert any("Training images per class" in line for line in logged)
