"""The parameter-free shortcut of ResNet's option A (He et al., 2015, section 3.3)."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="convlab")
class ZeroPadShortcut(keras.layers.Layer):
    """Identity shortcut for a block that changes shape: subsample by `strides` (take every
    `strides`-th pixel, as a 1x1 convolution with that stride would) and append zero
    channels up to `filters`. The paper's option A: "extra zero entries padded for
    increasing dimensions", so the shortcut adds no parameters.
    """

    def __init__(self, filters, strides=2, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.strides = int(strides)

    def call(self, inputs):
        x = inputs[:, :: self.strides, :: self.strides, :]
        extra = self.filters - inputs.shape[-1]
        if extra < 0:
            raise ValueError(
                f"ZeroPadShortcut cannot shrink {inputs.shape[-1]} channels to {self.filters}."
            )
        return ops.pad(x, [[0, 0], [0, 0], [0, 0], [0, extra]])

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape

        def subsampled(n):
            return None if n is None else -(-n // self.strides)

        return (batch, subsampled(height), subsampled(width), self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "strides": self.strides}
