"""Multiply-accumulates (MACs) per image, layer by layer.

The rules (shapes per image; k the kernel's spatial size, product over its axes):

- Conv1D/2D/3D: prod(k) * (C_in / groups) * C_out * prod(output spatial size)
- DepthwiseConv1D/2D: prod(k) * C_in * depth_multiplier * prod(output spatial size)
- SeparableConv1D/2D: the depthwise part as above, plus the pointwise part
  C_in * depth_multiplier * C_out * prod(output spatial size)
- Conv1D/2D/3DTranspose: prod(k) * C_in * C_out * prod(input spatial size)
  (every input element is spread over a k-sized window of every output channel)
- Dense: inputs * units, times the positions it is applied to (a Dense on a
  (H, W, C) tensor acts on each of the H * W positions)
- 0 for everything without a weight matrix: batch normalisation, activations, pooling,
  additions, concatenations, multiplications (a squeeze-excite gate), padding, reshaping,
  dropout, rescaling, and ConvLab's LocalResponseNormalization and ZeroPadShortcut.

Biases are not counted (a bias add is an addition, not a multiply-accumulate): the
convention of torchvision's and fvcore's figures. FLOPs are taken as 2 x MACs elsewhere.
A layer with weights that is not in this list counts 0 and says so in its note, unless it
states its own cost: a custom layer may define

    def count_macs(self, input_shapes, output_shapes) -> int     (shapes without batch axis)
"""

from __future__ import annotations

import math

import keras

from netlib.inspect import layer_kinds as kinds


def count_macs(
    layer, input_shapes: list[tuple], output_shapes: list[tuple]
) -> tuple[int, str]:
    """(MACs per image, note) for one call of `layer`; shapes have no batch axis."""
    own_count = getattr(layer, "count_macs", None)
    if callable(own_count):
        return int(own_count(input_shapes, output_shapes)), ""
    if isinstance(layer, kinds.SEPARABLE):
        channels_in, space_out, _ = _conv_axes(layer, input_shapes[0], output_shapes[0])
        inner = channels_in * layer.depth_multiplier
        depthwise = math.prod(layer.kernel_size) * inner * space_out
        return depthwise + inner * layer.filters * space_out, ""
    if isinstance(layer, kinds.DEPTHWISE):
        channels_in, space_out, _ = _conv_axes(layer, input_shapes[0], output_shapes[0])
        per_position = math.prod(layer.kernel_size) * layer.depth_multiplier
        return per_position * channels_in * space_out, ""
    if isinstance(layer, kinds.TRANSPOSED):
        channels_in, _, space_in = _conv_axes(layer, input_shapes[0], output_shapes[0])
        return math.prod(layer.kernel_size) * channels_in * layer.filters * space_in, ""
    if isinstance(layer, kinds.CONVOLUTIONS):
        channels_in, space_out, _ = _conv_axes(layer, input_shapes[0], output_shapes[0])
        per_position = math.prod(layer.kernel_size) * (channels_in // layer.groups)
        return per_position * layer.filters * space_out, ""
    if isinstance(layer, keras.layers.Dense):
        positions = math.prod(output_shapes[0][:-1])
        return input_shapes[0][-1] * layer.units * positions, ""
    if getattr(layer, "weights", None) and not isinstance(layer, kinds.WEIGHTED_WITHOUT_MACS):
        return 0, f"MACs of {type(layer).__name__} not counted"
    return 0, ""


def _conv_axes(layer, input_shape: tuple, output_shape: tuple) -> tuple[int, int, int]:
    """(input channels, output positions, input positions) of a convolution."""
    if layer.data_format == "channels_first":
        return input_shape[0], math.prod(output_shape[1:]), math.prod(input_shape[1:])
    return input_shape[-1], math.prod(output_shape[:-1]), math.prod(input_shape[:-1])
