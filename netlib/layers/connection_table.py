"""A convolution with a fixed table of which input maps each output map sees (LeNet-5's C3,
LeCun et al., 1998, Table I)."""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="convlab")
class ConnectionTableConv2D(keras.layers.Layer):
    """A 'valid' convolution in which output map `j` sees only the input maps `table[j]`.

    Only the connected kernels are weights (LeNet-5's C3: 60 kernels of 5x5 plus 16 biases =
    1,516 parameters, where a full connection has 2,416). The full kernel is assembled in
    `call` by scattering them into place with a constant 0/1 tensor, so the layer is one
    ordinary convolution on every backend.
    """

    def __init__(self, table, kernel_size, **kwargs):
        super().__init__(**kwargs)
        self.table = tuple(tuple(int(i) for i in inputs) for inputs in table)
        self.kernel_size = int(kernel_size)
        if not self.table or any(not inputs for inputs in self.table):
            raise ValueError(f"every output map needs at least one input; received {table!r}.")

    def build(self, input_shape):
        in_maps, out_maps = input_shape[-1], len(self.table)
        used = max(max(inputs) for inputs in self.table)
        if used >= in_maps:
            raise ValueError(
                f"The connection table uses input map {used}, but the input has {in_maps} maps."
            )
        connections = [(i, j) for j, inputs in enumerate(self.table) for i in inputs]
        scatter = np.zeros((len(connections), in_maps, out_maps), dtype="float32")
        for c, (i, j) in enumerate(connections):
            scatter[c, i, j] = 1.0
        self._scatter = scatter
        # Glorot's uniform limit with the fan-in and fan-out of the sparse connections.
        area = self.kernel_size**2
        fan_in = area * len(connections) / out_maps
        fan_out = area * len(connections) / in_maps
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        self.kernel = self.add_weight(
            name="kernel",
            shape=(self.kernel_size, self.kernel_size, len(connections)),
            initializer=keras.initializers.RandomUniform(-limit, limit),
        )
        self.bias = self.add_weight(name="bias", shape=(out_maps,), initializer="zeros")

    def call(self, inputs):
        scatter = ops.convert_to_tensor(self._scatter, dtype=self.kernel.dtype)
        kernel = ops.einsum("hwc,cio->hwio", self.kernel, scatter)
        outputs = ops.conv(inputs, ops.cast(kernel, inputs.dtype), padding="valid")
        return outputs + ops.cast(self.bias, inputs.dtype)

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape

        def shrink(n):
            return None if n is None else n - self.kernel_size + 1

        return (batch, shrink(height), shrink(width), len(self.table))

    def count_macs(self, input_shapes, output_shapes) -> int:
        """One multiply-accumulate per connected kernel weight per output position
        (netlib.inspect asks): C3 of LeNet-5 is 10 x 10 x 60 x 25 = 150,000."""
        height, width = output_shapes[0][0], output_shapes[0][1]
        connections = sum(len(inputs) for inputs in self.table)
        return height * width * connections * self.kernel_size**2

    def receptive_window(self) -> dict:
        """The window it slides, for netlib.inspect's receptive-field arithmetic."""
        return {"kernel_size": self.kernel_size, "strides": 1, "padding": "valid",
                "dilation_rate": 1}

    def get_config(self):
        return {
            **super().get_config(),
            "table": [list(inputs) for inputs in self.table],
            "kernel_size": self.kernel_size,
        }
