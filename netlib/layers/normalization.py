"""Local response normalisation, as in AlexNet (Krizhevsky et al., 2012, section 3.3)."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="convlab")
class LocalResponseNormalization(keras.layers.Layer):
    """Normalise each activation by the energy of its `size` neighbouring channels:

        b[c] = a[c] / (k + alpha * sum_{c' = c - size//2}^{c + size//2} a[c']**2) ** beta

    with the paper's constants n=5, k=2, alpha=1e-4, beta=0.75 by default. As in the paper
    (and TensorFlow's `tf.nn.local_response_normalization`), alpha multiplies the plain sum;
    Caffe divides it by `size` instead. Channels-last input; no weights.
    """

    def __init__(self, size=5, k=2.0, alpha=1e-4, beta=0.75, **kwargs):
        super().__init__(**kwargs)
        if size < 1 or size % 2 == 0:
            raise ValueError(f"size must be a positive odd integer; received size={size}.")
        self.size = int(size)
        self.k = float(k)
        self.alpha = float(alpha)
        self.beta = float(beta)

    def call(self, inputs):
        squared = ops.square(inputs)
        half = self.size // 2
        channels = ops.shape(inputs)[-1]
        padded = ops.pad(squared, [[0, 0]] * (len(inputs.shape) - 1) + [[half, half]])
        window_sum = padded[..., 0:channels]
        for offset in range(1, self.size):
            window_sum = window_sum + padded[..., offset : offset + channels]
        return inputs / ops.power(self.k + self.alpha * window_sum, self.beta)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "size": self.size,
            "k": self.k,
            "alpha": self.alpha,
            "beta": self.beta,
        }
