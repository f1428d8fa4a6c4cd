"""The parameter-free shortcut of ResNet's option A (He et al., 2015, section 3.3)."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="convlab")
class ZeroPadShortcut(keras.layers.Layer):
    """Identity shortcut for a block that changes shape, without weights.

    The paper's option A: "the shortcut still performs identity mapping, with extra zero
    entries padded for increasing dimensions", and for a stride of 2 it is performed with
    a stride of 2. So the input is subsampled (every `strides`-th row and column, starting
    at the first: the pixels a 1x1 convolution with that stride would see, and the centres
    of a 3x3 convolution padded by one) and zero channels are appended up to `filters`.

    Args:
        filters: channels of the output; at least the input's channels.
        strides: subsampling step along height and width (1 keeps every pixel).

    Input `(batch, height, width, channels)`, output
    `(batch, ceil(height / strides), ceil(width / strides), filters)`, channels last.
    """

    def __init__(self, filters, strides=2, **kwargs):
        super().__init__(**kwargs)
        for arg, value in (("filters", filters), ("strides", strides)):
            if isinstance(value, bool) or int(value) != value or value < 1:
                raise ValueError(
                    f"ZeroPadShortcut {arg} must be a positive integer; received {arg}={value!r}."
                )
        self.filters = int(filters)
        self.strides = int(strides)

    def build(self, input_shape):
        channels = input_shape[-1]
        if len(input_shape) != 4 or channels is None:
            raise ValueError(
                "ZeroPadShortcut expects (batch, height, width, channels) with known channels; "
                f"received input_shape={tuple(input_shape)}."
            )
        if channels > self.filters:
            raise ValueError(
                f"ZeroPadShortcut can only add channels: it cannot map {channels} input "
                f"channels to filters={self.filters}."
            )
        self.extra_channels = self.filters - channels
        self.built = True

    def call(self, inputs):
        step = self.strides
        subsampled = inputs[:, ::step, ::step, :] if step > 1 else inputs
        if self.extra_channels == 0:
            return subsampled
        return ops.pad(subsampled, [[0, 0], [0, 0], [0, 0], [0, self.extra_channels]])

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape

        def subsampled(size):
            return None if size is None else -(-size // self.strides)  # ceil division

        return (batch, subsampled(height), subsampled(width), self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "strides": self.strides}
