"""Local response normalisation, as in AlexNet (Krizhevsky et al., 2012, section 3.3)."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="convlab")
class LocalResponseNormalization(keras.layers.Layer):
    """Normalise each activation by the energy of its `size` neighbouring channels:

        b[c] = a[c] / (k + alpha * sum_{c' = c - size//2}^{c + size//2} a[c']**2) ** beta

    where the sum stops at the first and last channel. The paper's constants n=5, k=2,
    alpha=1e-4, beta=0.75 are the defaults. As in the paper (and TensorFlow's
    `tf.nn.local_response_normalization`), alpha multiplies the plain sum; Caffe divides it
    by `size` first, so a Caffe layer (GoogLeNet's: local_size 5, alpha 1e-4, k 1) is
    `LocalResponseNormalization(size=5, k=1.0, alpha=1e-4 / 5)`. Channels-last input; no
    weights.
    """

    def __init__(self, size=5, k=2.0, alpha=1e-4, beta=0.75, **kwargs):
        super().__init__(**kwargs)
        if isinstance(size, bool) or int(size) != size or size < 1 or size % 2 == 0:
            raise ValueError(f"size must be a positive odd integer; received size={size!r}.")
        if k <= 0 or alpha < 0 or beta < 0:
            raise ValueError(
                f"k must be > 0 and alpha, beta >= 0; received k={k}, alpha={alpha}, beta={beta}."
            )
        self.size = int(size)
        self.k = float(k)
        self.alpha = float(alpha)
        self.beta = float(beta)

    def call(self, inputs):
        # The squares are summed in float32 even under mixed precision: ReLU outputs above
        # 256 would overflow float16 when squared, turning the whole response to zero.
        x = ops.cast(inputs, "float32")
        half = self.size // 2
        channels = ops.shape(x)[-1]
        padded = ops.pad(ops.square(x), [[0, 0]] * (len(x.shape) - 1) + [[half, half]])
        window_sum = padded[..., 0:channels]
        for offset in range(1, self.size):
            window_sum = window_sum + padded[..., offset : offset + channels]
        normalised = x / ops.power(self.k + self.alpha * window_sum, self.beta)
        return ops.cast(normalised, self.compute_dtype)

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
