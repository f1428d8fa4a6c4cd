"""ImageBatches: uint8/int32 batches over a cache, a new order every epoch fixed by
(seed, epoch), the same order after a resume, and model.fit on TensorFlow and JAX."""

import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from netlib.data import ImageBatches, ImageCache

REPO = Path(__file__).resolve().parent.parent


def numbered_cache(count=50, classes=5):
    """A cache whose image i is filled with the value i: a batch tells which rows it holds."""
    images = np.broadcast_to(np.arange(count, dtype=np.uint8)[:, None, None, None], (count, 4, 4, 1)).copy()
    return ImageCache(
        images=images,
        labels=(np.arange(count) % classes).astype(np.int32),
        paths=[Path(f"/data/{i}.png") for i in range(count)],
        skipped=[],
        image_size=(4, 4),
        color_mode="grayscale",
        resize="squash",
        file=Path("/cache/none.npy"),
    )


def epoch_rows(batches):
    return [int(v) for i in range(len(batches)) for v in batches[i][0][:, 0, 0, 0]]


def test_batches_are_uint8_images_and_int32_labels_covering_every_row_once():
    batches = ImageBatches(numbered_cache(50), batch_size=16, seed=0)
    assert len(batches) == 4
    images, labels = batches[3]
    assert images.dtype == np.uint8 and labels.dtype == np.int32 and images.shape == (2, 4, 4, 1)
    rows = epoch_rows(batches)
    assert sorted(rows) == list(range(50))
    for i in range(len(batches)):
        images, labels = batches[i]
        np.testing.assert_array_equal(labels, images[:, 0, 0, 0] % 5)  # labels travel with their images
    with pytest.raises(IndexError):
        batches[4]


def test_each_epoch_has_its_own_order_fixed_by_seed_and_epoch():
    batches = ImageBatches(numbered_cache(), batch_size=8, seed=3)
    orders = []
    for _ in range(3):
        batches.on_epoch_begin()
        orders.append(epoch_rows(batches))
        batches.on_epoch_end()
    batches.on_epoch_end()  # an end without a beginning (fit sends one first) changes nothing
    assert len({tuple(o) for o in orders}) == 3 and batches.epoch == 3
    again = ImageBatches(numbered_cache(), batch_size=8, seed=3)
    again.set_epoch(2)
    assert epoch_rows(again) == orders[2]  # resuming at epoch 2 sees epoch 2's order
    other_seed = ImageBatches(numbered_cache(), batch_size=8, seed=4)
    assert epoch_rows(other_seed) != orders[0]


def test_no_shuffle_keeps_the_order_and_indices_select_rows():
    batches = ImageBatches(numbered_cache(), batch_size=8, shuffle=False, indices=[9, 3, 40, 7])
    assert epoch_rows(batches) == [3, 7, 9, 40]  # in file order within a batch
    batches.on_epoch_begin()
    batches.on_epoch_end()
    assert epoch_rows(batches) == [3, 7, 9, 40]
    with pytest.raises(ValueError, match="rows of the cache, 0..49"):
        ImageBatches(numbered_cache(), indices=[50])
    with pytest.raises(ValueError, match="batch_size"):
        ImageBatches(numbered_cache(), batch_size=0)


class Recording(ImageBatches):
    """Notes the epoch order each batch was cut from, as model.fit asks for batches."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.served = []

    def __getitem__(self, index):
        self.served.append((self.epoch, index))
        return super().__getitem__(index)


def tiny_model():
    inputs = keras.Input((4, 4, 1), dtype="uint8")
    x = keras.layers.Rescaling(1 / 255)(inputs)
    x = keras.layers.Flatten()(x)
    model = keras.Model(inputs, keras.layers.Dense(5, activation="softmax")(x))
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return model


def served_per_epoch(served, batches_per_epoch, epochs):
    """The epochs' orders used by fit: the last `batches_per_epoch` requests per epoch,
    after any requests Keras makes up front to learn the batch shapes."""
    trailing = served[-batches_per_epoch * len(epochs):]
    return [
        {epoch for epoch, _ in trailing[i * batches_per_epoch:(i + 1) * batches_per_epoch]}
        for i in range(len(epochs))
    ]


def test_fit_follows_the_epoch_and_a_resumed_fit_sees_the_same_orders():
    keras.utils.set_random_seed(0)
    uninterrupted = Recording(numbered_cache(), batch_size=10, seed=1)
    tiny_model().fit(uninterrupted, epochs=4, verbose=0)
    assert served_per_epoch(uninterrupted.served, 5, range(4)) == [{0}, {1}, {2}, {3}]
    assert uninterrupted.epoch == 4
    # A run stopped after epoch 2 and resumed: the trainer calls set_epoch(initial_epoch).
    resumed = Recording(numbered_cache(), batch_size=10, seed=1)
    resumed.set_epoch(2)
    tiny_model().fit(resumed, initial_epoch=2, epochs=4, verbose=0)
    assert served_per_epoch(resumed.served, 5, range(2)) == [{2}, {3}]
    # The callback form sets the epoch from fit's own counter.
    with_callback = Recording(numbered_cache(), batch_size=10, seed=1)
    tiny_model().fit(with_callback, initial_epoch=2, epochs=4, verbose=0, callbacks=[with_callback.epoch_callback()])
    assert served_per_epoch(with_callback.served, 5, range(2)) == [{2}, {3}]
    # Worker threads read ahead; the callback still sets the order before they start.
    threaded = Recording(numbered_cache(), batch_size=10, seed=1, workers=2)
    tiny_model().fit(threaded, initial_epoch=2, epochs=4, verbose=0, callbacks=[threaded.epoch_callback()])
    assert served_per_epoch(threaded.served, 5, range(2)) == [{2}, {3}]


JAX_SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
import keras, numpy as np
from netlib.data import ImageBatches, build_cache, make_shapes, scan, split
assert keras.backend.backend() == "jax"

class Recording(ImageBatches):
    served = []
    def __getitem__(self, index):
        self.served.append(self.epoch)
        return super().__getitem__(index)

index = scan(make_shapes(sys.argv[2], per_class=12, size=24, classes=("circle", "square")))
parts = split(index, validation=0.25, seed=0)
cache = build_cache(index.samples, image_size=16, cache_dir=sys.argv[3])
train = Recording(cache, indices=cache.rows_for(parts.train), batch_size=6, seed=0)
valid = ImageBatches(cache, indices=cache.rows_for(parts.validation), batch_size=6, shuffle=False)
from netlib.augment import build_augmentation, pca_basis
augment = build_augmentation(
    {"crop_flip": 14, "pca_color": 0.1, "contrast": 0.1},  # ours, and one of Keras'
    pca=pca_basis(cache.images),
)
inputs = keras.Input((16, 16, 3), dtype="uint8")
x = keras.layers.Rescaling(1 / 255)(augment(inputs))
x = keras.layers.Conv2D(4, 3, activation="relu")(x)
x = keras.layers.GlobalAveragePooling2D()(x)
model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x))
model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(train, validation_data=valid, initial_epoch=1, epochs=3, verbose=0,
                    callbacks=[train.epoch_callback()])
print(json.dumps({"served": train.served, "batches": len(train),
                  "loss": history.history["loss"], "val": history.history["val_loss"]}))
"""


@pytest.mark.slow
def test_fit_with_augmentation_on_the_jax_backend(tmp_path):
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    result = subprocess.run(
        [sys.executable, "-c", JAX_SCRIPT, str(REPO), str(tmp_path / "shapes"), str(tmp_path / "cache")],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    # Epochs 1 and 2 read the orders of epochs 1 and 2 (after the batch JAX reads first).
    assert outcome["served"][-2 * outcome["batches"]:] == [1] * outcome["batches"] + [2] * outcome["batches"]
    assert len(outcome["loss"]) == 2 and all(np.isfinite(outcome["loss"] + outcome["val"]))
