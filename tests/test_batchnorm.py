"""Batch-norm statistics re-estimated over training batches (netlib.train.batchnorm): the
arithmetic on a tiny network, frozen layers left alone, nothing else changed, and a run's
statistics kept across a resume."""

import keras
import numpy as np
import pytest

from netlib.train.batchnorm import batch_norm_layers, estimate_statistics


def _tiny(seed=0):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((4, 4, 2))
    x = keras.layers.Conv2D(3, 1, name="conv")(inputs)
    x = keras.layers.BatchNormalization(momentum=0.99, name="bn")(x)
    x = keras.layers.Dropout(0.5, seed=3, name="dropout")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(2, name="head")(x))


def _batches(count=3, size=5, seed=1):
    rng = np.random.default_rng(seed)
    return [(rng.normal(2.0, 3.0, (size, 4, 4, 2)).astype("float32"), None) for _ in range(count)]


def test_the_statistics_become_the_average_of_the_batch_statistics():
    model = _tiny()
    batches = _batches()
    conv = model.get_layer("conv")
    # By hand: each batch's per-channel mean and (biased) variance of the convolution's
    # output, averaged over the batches.
    outputs = [np.asarray(conv(x)) for x, _ in batches]
    means = np.mean([o.mean(axis=(0, 1, 2)) for o in outputs], axis=0)
    variances = np.mean([o.var(axis=(0, 1, 2)) for o in outputs], axis=0)
    weights_before = [np.array(w) for w in model.get_weights()]
    random_before = [np.array(v.numpy()) for v in model.variables if "seed_generator" in v.path]

    assert estimate_statistics(model, batches, steps=10) == 3
    bn = model.get_layer("bn")
    np.testing.assert_allclose(bn.moving_mean.numpy(), means, rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), variances, rtol=1e-5)
    assert bn.momentum == 0.99  # the published momentum stays
    # Nothing but the statistics changed: weights, and the dropout's random state.
    after = model.get_weights()
    changed = [i for i, (a, b) in enumerate(zip(weights_before, after)) if not np.array_equal(a, b)]
    names = [w.path for w in model.weights]
    assert sorted(names[i] for i in changed) == ["bn/moving_mean", "bn/moving_variance"]
    random_after = [np.array(v.numpy()) for v in model.variables if "seed_generator" in v.path]
    assert all(np.array_equal(a, b) for a, b in zip(random_before, random_after))


def test_only_the_first_steps_are_used_and_in_inference_the_network_uses_them():
    model = _tiny()
    batches = _batches(count=4)
    estimate_statistics(model, batches, steps=2)
    conv, bn = model.get_layer("conv"), model.get_layer("bn")
    first_two = [np.asarray(conv(x)) for x, _ in batches[:2]]
    np.testing.assert_allclose(
        bn.moving_mean.numpy(), np.mean([o.mean(axis=(0, 1, 2)) for o in first_two], axis=0),
        rtol=1e-5)
    # In inference the layer normalises with exactly these statistics.
    x = batches[3][0]
    expected = (np.asarray(conv(x)) - bn.moving_mean.numpy()) / np.sqrt(
        bn.moving_variance.numpy() + bn.epsilon) * bn.gamma.numpy() + bn.beta.numpy()
    np.testing.assert_allclose(np.asarray(bn(conv(x), training=False)), expected, rtol=1e-4,
                               atol=1e-5)


def test_frozen_layers_keep_their_statistics():
    model = _tiny()
    model.get_layer("bn").trainable = False
    assert batch_norm_layers(model) == []
    before = model.get_layer("bn").moving_mean.numpy().copy()
    assert estimate_statistics(model, _batches(), steps=3) == 0
    np.testing.assert_array_equal(model.get_layer("bn").moving_mean.numpy(), before)


def test_nested_networks_are_reached():
    inner = _tiny()
    inputs = keras.Input((4, 4, 2))
    outer = keras.Model(inputs, inner(keras.layers.Rescaling(1.0)(inputs)))
    assert batch_norm_layers(outer) == [inner.get_layer("bn")]
    estimate_statistics(outer, _batches(), steps=3)
    assert not np.allclose(inner.get_layer("bn").moving_mean.numpy(), 0.0)


@pytest.mark.slow
def test_a_resumed_run_keeps_its_statistics_and_ends_as_an_uninterrupted_one(tmp_path):
    from netlib import data
    from netlib.predict import load_model
    from netlib.train import Finished, Stopped, TrainConfig, Trainer

    folder = data.make_shapes(tmp_path / "shapes", per_class=24, size=24, seed=5)
    config = TrainConfig.for_model("resnet20", folder, epochs=2, image_size=24, batch_size=16,
                                   optimizer="adam", learning_rate=1e-3, schedule="constant")
    whole = Trainer(config, runs_dir=tmp_path / "whole").fit()
    assert isinstance(whole, Finished)

    class StopAfterFirstEpoch(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.trainer = None

        def on_epoch_end(self, epoch, logs=None):
            self.trainer.request_stop()

    stopper = StopAfterFirstEpoch()
    first = Trainer(config, runs_dir=tmp_path / "parts", callbacks=[stopper])
    stopper.trainer = first
    stopped = first.fit()
    assert isinstance(stopped, Stopped) and stopped.epochs_completed == 1
    resumed = Trainer.resume(stopped.run_dir).fit()
    assert isinstance(resumed, Finished)

    def statistics(run_dir):
        model = load_model(run_dir / "last.keras").model
        return [w.numpy() for w in model.weights if "moving_" in w.path]

    for a, b in zip(statistics(whole.run_dir), statistics(resumed.run_dir)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
