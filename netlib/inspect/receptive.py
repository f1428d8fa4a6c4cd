"""Receptive fields of every layer of a branching network, after Araujo, Norris and Sim,
"Computing Receptive Fields of Convolutional Neural Networks", Distill, 2019.

Each spatial axis of a tensor carries three integers, in input pixels:

- `size` r: how many input pixels one output element sees;
- `jump` j: how far apart in the input two neighbouring output elements are (the
  effective stride);
- `start` u: the index of the first input pixel seen by output element 0 (negative when
  it lies in the padding).

A window layer with kernel k, stride s, dilation d and left padding p maps them as

    r_out = r_in + d (k - 1) j_in,   j_out = j_in s,   u_out = u_in - p j_in

and element i of the output sees input pixels u_out + i j_out ... u_out + i j_out + r_out - 1.
Padding "same" pads floor(total / 2) on the left, as TensorFlow and JAX do, with
total = max((ceil(n / s) - 1) s + d (k - 1) + 1 - n, 0): an even total is centred, an odd
one is not.

Where paths merge (Add, Concatenate, Multiply, ...) the field is the union of the paths'
fields (the largest r when they are centred alike). Two cases are reported in the row's
note rather than hidden:

- jumps differ: no single size describes the field (it changes from one output element to
  the next), so the receptive field is None;
- centres differ (same jump): the union is still the same for every output element and is
  reported, with a note "paths misaligned by X px" (X in input pixels): the field is then
  not centred on what a reader would assume. Stride 2 with padding "same" on an even input
  is the usual cause (the window starts on pixel 0; a 1x1 stride-2 shortcut takes pixel 0).

A path that carries only global context into a merge (a squeeze-and-excitation gate: one
value per channel, broadcast over the map) is not counted; the note says so. Flatten,
global pooling and everything after them see the whole input: "global".
Transposed convolutions, up-sampling, resizing and layers we do not know that change the
spatial size leave the field undefined, with a note on the row where that happens. A custom
layer that slides a window takes part by describing it:

    def receptive_window(self) -> dict   # {"kernel_size": 5, "strides": 1,
                                         #  "padding": "valid", "dilation_rate": 1}
"""

from __future__ import annotations

import dataclasses
import math
from typing import NamedTuple

import keras

from netlib.inspect import layer_kinds as kinds
from netlib.layers import ZeroPadShortcut

LOCAL = "local"  # a field per spatial axis
GLOBAL = "global"  # depends on the whole input
UNDEFINED = "undefined"  # not defined (jumps differ) or not tracked (see the note upstream)
NOT_SPATIAL = "not spatial"  # a tensor without spatial axes that does not come from an image


class Axis(NamedTuple):
    size: int
    jump: int
    start: int

    @property
    def centre2(self) -> int:
        """Twice the centre of output element 0's field (an integer: no rounding)."""
        return 2 * self.start + self.size - 1


@dataclasses.dataclass(frozen=True)
class Field:
    kind: str
    axes: tuple[Axis, ...] = ()


GLOBAL_FIELD = Field(GLOBAL)
UNDEFINED_FIELD = Field(UNDEFINED)
NOT_SPATIAL_FIELD = Field(NOT_SPATIAL)


def input_field(shape: tuple) -> Field:
    """The field of a model input of `shape` (no batch axis): one pixel per pixel for an
    image-like input (every axis but the channels' is spatial), none for a vector."""
    if len(shape) < 2:
        return NOT_SPATIAL_FIELD
    return Field(LOCAL, tuple(Axis(1, 1, 0) for _ in shape[:-1]))


def propagate(
    layer, fields: list[Field], input_shapes: list[tuple], output_shape: tuple
) -> tuple[Field, str]:
    """The field of `layer`'s output from its inputs' fields, and a note ("" if none).

    Shapes have no batch axis.
    """
    spatial = any(f.kind in (LOCAL, UNDEFINED) for f in fields)
    flattening = isinstance(layer, keras.layers.Reshape) and len(output_shape) == 1
    if spatial and (isinstance(layer, kinds.GLOBALISING) or flattening):
        return GLOBAL_FIELD, ""
    if any(f.kind == LOCAL for f in fields):
        return _from_local(layer, fields, input_shapes, output_shape)
    if any(f.kind == UNDEFINED for f in fields):
        return UNDEFINED_FIELD, ""
    if any(f.kind == GLOBAL for f in fields):
        return GLOBAL_FIELD, ""
    return NOT_SPATIAL_FIELD, ""


def _from_local(layer, fields, input_shapes, output_shape) -> tuple[Field, str]:
    """The rules for a layer that receives at least one local field."""
    kind = type(layer).__name__
    if isinstance(layer, kinds.WINDOWS + kinds.POOLING) or callable(
        getattr(layer, "receptive_window", None)
    ):
        return _window(fields[0], *_window_geometry(layer, input_shapes[0])), ""
    if isinstance(layer, kinds.ZERO_PADDING):
        return _shifted(fields[0], layer.padding, sign=-1), ""
    if isinstance(layer, kinds.CROPPING):
        return _shifted(fields[0], layer.cropping, sign=+1), ""
    if isinstance(layer, ZeroPadShortcut):
        # Takes pixels 0, s, 2s, ...: a 1x1 window with stride s and no padding.
        return _window(fields[0], (1, 1), (layer.strides,) * 2, (1, 1), (0, 0)), ""
    if isinstance(layer, kinds.UNTRACKED):
        return UNDEFINED_FIELD, f"receptive field not tracked through {kind}"
    if isinstance(layer, keras.layers.Concatenate) and _concatenates_space(layer, input_shapes):
        return UNDEFINED_FIELD, "concatenation along a spatial axis: receptive field not tracked"
    same_space = all(_space(s) == _space(output_shape) for s in input_shapes)
    if not (isinstance(layer, kinds.PER_PIXEL) or same_space):
        return UNDEFINED_FIELD, f"receptive field not tracked through {kind}"
    field, note = _merge(fields)
    if not isinstance(layer, kinds.PER_PIXEL):  # a layer we do not know, shape unchanged
        assumed = f"receptive field assumes {kind} acts per pixel"
        note = f"{assumed}; {note}" if note else assumed
    return field, note


def _space(shape: tuple) -> tuple:
    return tuple(shape[:-1])


def _concatenates_space(layer, input_shapes) -> bool:
    """Whether the concatenation is along another axis than the channels (the last)."""
    batched_rank = len(input_shapes[0]) + 1
    return layer.axis % batched_rank != batched_rank - 1


def _window_geometry(layer, input_shape: tuple):
    """(kernel, strides, dilation, left padding) per spatial axis of a window layer."""
    channels_first = getattr(layer, "data_format", "channels_last") == "channels_first"
    space = input_shape[1:] if channels_first else input_shape[:-1]
    if callable(getattr(layer, "receptive_window", None)):
        window = layer.receptive_window()
        kernel, strides = window["kernel_size"], window.get("strides", 1)
        dilation, padding = window.get("dilation_rate", 1), window.get("padding", "valid")
    elif isinstance(layer, kinds.POOLING):
        kernel, strides, dilation = layer.pool_size, layer.strides, 1
        padding = layer.padding
    else:
        kernel, strides, dilation = layer.kernel_size, layer.strides, layer.dilation_rate
        padding = layer.padding
    kernel, strides, dilation = (
        _per_axis(v, len(space)) for v in (kernel, strides, dilation)
    )
    padding = padding.lower()
    pads = []
    for n, k, s, d in zip(space, kernel, strides, dilation):
        extent = d * (k - 1) + 1
        if padding == "same":
            total = max((math.ceil(n / s) - 1) * s + extent - n, 0)
            pads.append(total // 2)
        elif padding == "causal":
            pads.append(extent - 1)
        else:
            pads.append(0)
    return kernel, strides, dilation, tuple(pads)


def _window(field: Field, kernel, strides, dilation, pads) -> Field:
    axes = tuple(
        Axis(
            size=axis.size + d * (k - 1) * axis.jump,
            jump=axis.jump * s,
            start=axis.start - p * axis.jump,
        )
        for axis, k, s, d, p in zip(field.axes, kernel, strides, dilation, pads)
    )
    return Field(LOCAL, axes)


def _shifted(field: Field, amounts, sign: int) -> Field:
    """Zero padding (sign -1) or cropping (sign +1) of `amounts` ((before, after) per axis)."""
    if isinstance(amounts[0], int):  # the 1-D layers keep a bare (before, after) pair
        amounts = (amounts,)
    axes = tuple(
        Axis(a.size, a.jump, a.start + sign * before * a.jump)
        for a, (before, _after) in zip(field.axes, amounts)
    )
    return Field(LOCAL, axes)


def _per_axis(value, rank: int) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (int(value),) * rank


def _merge(fields: list[Field]) -> tuple[Field, str]:
    """Union of the local fields of a merge's inputs; see the module docstring."""
    local = [f for f in fields if f.kind == LOCAL]
    if any(f.kind == UNDEFINED for f in fields):
        return UNDEFINED_FIELD, ""
    context = sum(f.kind == GLOBAL for f in fields)
    note = "global context (e.g. a squeeze-excite gate) not counted" if context else ""
    if len(local) == 1:
        return local[0], note
    axes = []
    notes = [note] if note else []
    for per_path in zip(*(f.axes for f in local)):
        jumps = sorted({a.jump for a in per_path})
        if len(jumps) > 1:
            listed = " vs ".join(str(j) for j in jumps)
            return UNDEFINED_FIELD, (
                f"paths' jumps differ ({listed}): receptive field not defined"
            )
        first = min(a.start for a in per_path)
        last = max(a.start + a.size - 1 for a in per_path)
        axes.append(Axis(last - first + 1, jumps[0], first))
        centres2 = [a.centre2 for a in per_path]
        offset2 = max(centres2) - min(centres2)
        if offset2:
            offset = f"{offset2 // 2}" if offset2 % 2 == 0 else f"{offset2 / 2:g}"
            message = (
                f"paths misaligned by {offset} px: receptive field is the union of "
                f"the paths' fields"
            )
            if message not in notes:
                notes.append(message)
    return Field(LOCAL, tuple(axes)), "; ".join(notes)
