"""Helpers of the model tests: a batch a network can learn from in a few steps, its loss
in inference mode, and batch norms with statistics of their own."""

import keras
import numpy as np


def learnable_batch(model, classes, size=8):
    """A tiny batch a network can learn from in a few steps: label + uniform noise."""
    y = np.arange(size) % classes
    noise = np.random.default_rng(7).uniform(0, 1, size=(size, *model.inputs[0].shape[1:]))
    return (noise + y[:, None, None, None]).astype("float32"), y


def inference_loss(model, x, y, weights):
    """The compiled loss in inference mode (no dropout), as model.evaluate would give it."""
    outputs = model(x, training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return sum(
        w * float(keras.ops.mean(keras.losses.sparse_categorical_crossentropy(y, out)))
        for w, out in zip(weights, outputs)
    )


def randomize_batch_norm(model, seed=0):
    """Give every batch norm non-trivial statistics and affine weights, so that outputs
    depend on all of them (a fresh model's are the identity)."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if not isinstance(layer, keras.layers.BatchNormalization):
            continue
        size = layer.gamma.shape
        layer.gamma.assign(rng.uniform(0.8, 1.2, size).astype("float32"))
        layer.beta.assign(rng.uniform(-0.1, 0.1, size).astype("float32"))
        layer.moving_mean.assign(rng.uniform(-0.1, 0.1, size).astype("float32"))
        layer.moving_variance.assign(rng.uniform(0.5, 2.0, size).astype("float32"))


def settle_batch_norm(model, x):
    """Set every batch norm's moving statistics to those of batch `x` ("precise BN"), so
    that inference mode normalises as training on `x` does: a fresh network's statistics
    (mean 0, variance 1) would take hundreds of steps to get there."""
    norms = [l for l in model.layers if isinstance(l, keras.layers.BatchNormalization)]
    momenta = [layer.momentum for layer in norms]
    for layer in norms:
        layer.momentum = 0.0  # the moving statistics become the batch's
    model(x, training=True)
    for layer, momentum in zip(norms, momenta):
        layer.momentum = momentum
