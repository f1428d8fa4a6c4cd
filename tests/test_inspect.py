"""netlib.summarize: the arithmetic of the layer table pinned to the papers and to hand
calculation, on real Keras models (ConvLab's, keras.applications', hand-made ones)."""

import csv
import dataclasses
import functools
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import pytest
from keras import layers

import netlib
from netlib.inspect import block_of, render
from netlib.layers import LocalResponseNormalization, ZeroPadShortcut

REPO = Path(__file__).resolve().parent.parent


pytestmark = pytest.mark.usefixtures("free_models")


# ------------------------------------------------------------------- output sizes


def test_output_sizes_follow_the_formula_for_valid_and_same_padding():
    """floor((n + 2p - f) / s) + 1 with p = 0 ("valid") or p = (f - 1) / 2 ("same", odd f),
    against the shapes Keras computes, for several n, f and s in one multi-input model."""
    sizes, kernels, strides = (7, 13, 32, 227), (1, 3, 5, 11), (1, 2, 4)
    inputs, outputs, expected = [], [], {}
    for n in sizes:
        x = keras.Input((n, n, 1), name=f"in{n}")
        inputs.append(x)
        for f in kernels:
            for s in strides:
                for padding in ("valid", "same"):
                    if f > n:
                        continue
                    name = f"n{n}_f{f}_s{s}_{padding}"
                    outputs.append(layers.Conv2D(1, f, strides=s, padding=padding, name=name)(x))
                    p = 0 if padding == "valid" else (f - 1) // 2
                    expected[name] = (n + 2 * p - f) // s + 1
    summary = netlib.summarize(keras.Model(inputs, outputs))
    assert len(expected) == 2 * 4 * 4 * 3 - 2 * 3  # f=11 does not fit n=7
    for name, size in expected.items():
        assert summary.row(name).output_shape == (size, size, 1), name


# --------------------------------------------------------------------------- MACs


def test_inception_bottleneck_cuts_the_cost_tenfold():
    """Szegedy et al.'s example as taught: 28x28x192 through a 5x5 convolution with 32
    filters, directly or through a 1x1 convolution with 16 filters first."""
    x = keras.Input((28, 28, 192))
    direct = layers.Conv2D(32, 5, padding="same", name="direct_5x5")(x)
    reduced = layers.Conv2D(16, 1, name="reduce_1x1")(x)
    bottleneck = layers.Conv2D(32, 5, padding="same", name="after_reduce_5x5")(reduced)
    summary = netlib.summarize(keras.Model(x, [direct, bottleneck]))

    assert summary.row("direct_5x5").macs == 5 * 5 * 192 * 32 * 28 * 28 == 120_422_400
    assert summary.row("reduce_1x1").macs == 1 * 1 * 192 * 16 * 28 * 28 == 2_408_448
    assert summary.row("after_reduce_5x5").macs == 5 * 5 * 16 * 32 * 28 * 28 == 10_035_200
    assert summary.totals.macs == 120_422_400 + 2_408_448 + 10_035_200
    assert summary.totals.flops == 2 * summary.totals.macs


def test_global_average_pooling_removes_fifty_million_weights():
    """A 7x7x1024 map flattened into a 1024-unit layer, against global average pooling."""
    x = keras.Input((7, 7, 1024))
    flat = layers.Dense(1024, use_bias=False, name="fc")(layers.Flatten(name="flatten")(x))
    pooled = layers.GlobalAveragePooling2D(name="gap")(x)
    summary = netlib.summarize(keras.Model(x, [flat, pooled]))

    assert summary.row("fc").params == 7 * 7 * 1024 * 1024 == 51_380_224
    assert summary.row("fc").macs == 51_380_224
    assert summary.row("gap").params == 0 and summary.row("gap").macs == 0
    assert summary.totals.params == 51_380_224


def test_depthwise_separable_grouped_and_transposed_convolutions():
    x = keras.Input((16, 16, 32))
    depthwise = layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2, name="dw")(x)
    separable = layers.SeparableConv2D(64, 3, strides=2, padding="same", name="sep")(x)
    grouped = layers.Conv2D(64, 3, padding="same", groups=4, name="grouped")(x)
    transposed = layers.Conv2DTranspose(8, 3, strides=2, padding="same", name="up")(x)
    per_position = layers.Dense(10, name="dense_on_map")(x)
    summary = netlib.summarize(
        keras.Model(x, [depthwise, separable, grouped, transposed, per_position])
    )
    assert summary.row("dw").macs == 3 * 3 * 32 * 2 * 16 * 16
    assert summary.row("sep").macs == 3 * 3 * 32 * 8 * 8 + 32 * 64 * 8 * 8
    assert summary.row("grouped").macs == 3 * 3 * (32 // 4) * 64 * 16 * 16
    assert summary.row("up").macs == 3 * 3 * 32 * 8 * 16 * 16  # per input pixel
    assert summary.row("dense_on_map").macs == 32 * 10 * 16 * 16
    assert "not tracked through Conv2DTranspose" in summary.row("up").note
    assert summary.row("up").receptive_field is None


def test_vgg16_macs_by_hand_and_against_torchvision():
    """VGG-16 (configuration D): 13 convolutions 3x3 'same' and three dense layers.
    The hand sum is exact; torchvision's vgg16 lists 15.47 GFLOPS (multiply-accumulates)."""
    stages = [(224, [(3, 64), (64, 64)]), (112, [(64, 128), (128, 128)]),
              (56, [(128, 256), (256, 256), (256, 256)]),
              (28, [(256, 512), (512, 512), (512, 512)]), (14, [(512, 512)] * 3)]
    by_hand = sum(9 * c_in * c_out * n * n for n, convs in stages for c_in, c_out in convs)
    by_hand += 7 * 7 * 512 * 4096 + 4096 * 4096 + 4096 * 1000
    assert by_hand == 15_470_264_320

    model = keras.applications.VGG16(weights=None)
    summary = netlib.summarize(model)
    assert summary.totals.macs == by_hand
    assert abs(summary.totals.macs / 15.47e9 - 1) < 0.01
    assert summary.totals.params == model.count_params() == 138_357_544
    assert summary.totals.depth == 16


@functools.cache
def _convlab_summary(name, classes=1000, input_size=None, options=()):
    """A registered model's summary, built once per configuration for this module (a
    Summary is plain data: it outlives the Keras session the fixture clears)."""
    return netlib.summarize(netlib.build(name, classes=classes, input_shape=input_size,
                                         **dict(options)))


@pytest.fixture(scope="module")
def keras_resnet50():
    """Keras' ResNet50 at 224 x 224 with its top, summarised once for this module."""
    model = keras.applications.ResNet50(weights=None)
    return netlib.summarize(model), model.count_params()


def test_resnet50_from_keras_applications(keras_resnet50):
    """Keras' ResNet50 is v1 (stride on the first 1x1 of a block): the paper's
    3.8 x 10^9 multiply-adds. (torchvision's 4.09 G is v1.5, stride on the 3x3.)"""
    summary, count_params = keras_resnet50
    assert abs(summary.totals.macs / 3.8e9 - 1) < 0.03
    assert summary.totals.params == count_params == 25_636_712
    assert sum(r.params for r in summary.rows) == summary.totals.params
    assert summary.totals.depth == 50
    assert summary.row("conv5_block3_out").receptive_field == 483  # Araujo et al.'s table


def test_convlab_resnet50_has_the_macs_of_keras_resnet50(keras_resnet50):
    """The same convolutions (ConvLab's carry no biases, which cost no MACs)."""
    ours = _convlab_summary("resnet50")
    assert ours.totals.macs == keras_resnet50[0].totals.macs
    assert ours.totals.receptive_field == 483


def test_mobilenet_v2_from_keras_applications():
    """Keras' MobileNetV2 is torchvision's architecture: 0.30 GFLOPS (300.77 M
    multiply-accumulates) and 3,504,872 trainable parameters there."""
    summary = netlib.summarize(keras.applications.MobileNetV2(weights=None))
    assert abs(summary.totals.macs / 300.77e6 - 1) < 0.01
    assert summary.totals.trainable_params == 3_504_872
    assert _convlab_summary("mobilenet_v2").totals.macs == summary.totals.macs


def test_the_headline_networks_state_their_macs():
    """tests/test_models.py checks every reference's MACs on the model it builds anyway
    (one full-size build per model); here: the figures the issue names are all stated."""
    stated = {
        name
        for name in netlib.list_models()
        for ref in netlib.model_info(name).references
        if ref.macs
    }
    headline = {"vgg16", "resnet18", "resnet34", "resnet50", "mobilenet", "mobilenet_v2",
                "efficientnet_b0", "googlenet"}
    assert headline - stated == set()


# ------------------------------------------------------------------ receptive fields


def test_vgg16_receptive_fields_by_hand():
    """r_out = r_in + (k - 1) j_in and j_out = j_in s, from the input (r = 1, j = 1):

        block1: conv 3 -> 3, conv -> 5,          pool 2/2 -> 6,  j 2
        block2: 6 + 2*2 = 10, 14,                pool     -> 16, j 4
        block3: 16 + 2*4 = 24, 32, 40,           pool     -> 44, j 8
        block4: 44 + 2*8 = 60, 76, 92,           pool     -> 100, j 16
        block5: 100 + 2*16 = 132, 164, 196,      pool     -> 212, j 32

    212 (Araujo et al.'s figure for VGG-16) is block5_pool's; block5_conv3 sees 196.
    Padding 'same' does not change r or j, so a small input shows the same fields."""
    hand = {
        "block1_conv1": (3, 1), "block1_conv2": (5, 1), "block1_pool": (6, 2),
        "block2_conv1": (10, 2), "block2_conv2": (14, 2), "block2_pool": (16, 4),
        "block3_conv1": (24, 4), "block3_conv2": (32, 4), "block3_conv3": (40, 4),
        "block3_pool": (44, 8),
        "block4_conv1": (60, 8), "block4_conv2": (76, 8), "block4_conv3": (92, 8),
        "block4_pool": (100, 16),
        "block5_conv1": (132, 16), "block5_conv2": (164, 16), "block5_conv3": (196, 16),
        "block5_pool": (212, 32),
    }
    model = keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    summary = netlib.summarize(model)
    assert {r.name: (r.receptive_field, r.jump) for r in summary.rows if r.name in hand} == hand
    assert (summary.totals.receptive_field, summary.totals.jump) == (212, 32)
    assert summary.totals.receptive_field_layer == "block5_pool"


def test_alexnet_receptive_fields_by_hand():
    """conv1 11/4: 11, j 4; pool1 3/2: 11 + 2*4 = 19, j 8; conv2 5: 19 + 4*8 = 51;
    pool2 3/2: 51 + 2*8 = 67, j 16; conv3, conv4, conv5 3x3: 99, 131, 163;
    pool5 3/2: 163 + 2*16 = 195, j 32 (Araujo et al.: 195). LRN and ReLU change nothing;
    from the flatten on, every unit sees the whole input."""
    hand = {"conv1_conv": (11, 4), "conv1_lrn": (11, 4), "conv1_pool": (19, 8),
            "conv2_conv": (51, 8), "conv2_pool": (67, 16), "conv3_conv": (99, 16),
            "conv4_conv": (131, 16), "conv5_conv": (163, 16), "conv5_pool": (195, 32)}
    smallest = netlib.model_info("alexnet").minimum_size()
    summary = netlib.summarize(netlib.build("alexnet", input_shape=smallest))
    assert {r.name: (r.receptive_field, r.jump) for r in summary.rows if r.name in hand} == hand
    head = summary.row("predictions")
    assert head.field_kind == "global" and head.jump is None
    assert head.receptive_field == summary.input_shape[0]


def _residual(input_size, *, main_stride, shortcut, name):
    """A residual block: two 3x3 'same' convolutions against a shortcut."""
    x = keras.Input((input_size, input_size, 4))
    main = layers.Conv2D(4, 3, strides=main_stride, padding="same", name="main_a")(x)
    main = layers.Conv2D(4, 3, padding="same", name="main_b")(main)
    return keras.Model(x, layers.Add(name="add")([main, shortcut(x)]), name=name)


def test_merge_takes_the_larger_field_of_aligned_paths():
    """Main path 3x3, 3x3: r = 1 + 2 + 2 = 5; 1x1 shortcut: r = 1, same centre: 5."""
    model = _residual(8, main_stride=1, shortcut=layers.Conv2D(4, 1, name="proj"), name="aligned")
    summary = netlib.summarize(model)
    assert summary.row("proj").receptive_field == 1
    assert summary.row("main_b").receptive_field == 5
    add = summary.row("add")
    assert (add.receptive_field, add.jump, add.note) == (5, 1, "")
    assert add.inbound == ("main_b", "proj")


def test_stride_two_same_padding_on_an_even_input_misaligns_the_paths():
    """'same' with k = 3, s = 2 pads (ceil(n/2) - 1) * 2 + 3 - n pixels, floor(half) on
    the left: 1 on an even input (n = 8: none on the left), so output 0 sees pixels 0..2,
    centre 1, while a 1x1 stride-2 shortcut sees pixel 0: misaligned by 1 px. The union
    of the two fields is reported (main_b: 3 + 2*2 = 7 wide, starting at pixel -2; the
    shortcut's pixel 0 lies inside it) with a note. On an odd input (n = 9) the padding
    is 1 on each side, the centres agree, and there is no note."""
    shortcut = lambda: layers.Conv2D(4, 1, strides=2, name="proj")  # noqa: E731
    even = netlib.summarize(_residual(8, main_stride=2, shortcut=shortcut(), name="even"))
    add = even.row("add")
    assert "paths misaligned by 1 px" in add.note
    assert (add.receptive_field, add.jump) == (7, 2)

    keras.backend.clear_session()
    odd = netlib.summarize(_residual(9, main_stride=2, shortcut=shortcut(), name="odd"))
    assert odd.row("add").note == ""
    assert (odd.row("add").receptive_field, odd.row("add").jump) == (7, 2)


def test_paths_with_different_jumps_have_no_receptive_field():
    """Stride 2 on one path, cropping (stride 1) on the other, to the same 4x4 size: the
    field of an output would change from one position to the next: None and a note."""
    x = keras.Input((8, 8, 4))
    strided = layers.Conv2D(4, 1, strides=2, name="strided")(x)
    cropped = layers.Cropping2D(2, name="cropped")(x)
    model = keras.Model(x, layers.Add(name="add")([strided, cropped]))
    add = netlib.summarize(model).row("add")
    assert add.receptive_field is None and add.jump is None
    assert add.field_kind == "undefined"
    assert "jumps differ (1 vs 2)" in add.note


def test_zero_pad_shortcut_and_squeeze_excite_gate():
    """ZeroPadShortcut takes every second pixel (a 1x1 window, stride 2): r stays 1.
    A squeeze-excite gate multiplies the map by a global vector: the map's field is kept
    and the note says the global context is not counted."""
    x = keras.Input((8, 8, 4))
    main = layers.Conv2D(8, 3, strides=2, padding="valid", name="main")(layers.ZeroPadding2D(1)(x))
    skip = ZeroPadShortcut(8, strides=2, name="skip")(x)
    y = layers.Add(name="add")([main, skip])
    gate = layers.GlobalAveragePooling2D(keepdims=True, name="squeeze")(y)
    gate = layers.Conv2D(8, 1, activation="sigmoid", name="excite")(gate)
    out = layers.Multiply(name="scale")([y, gate])
    summary = netlib.summarize(keras.Model(x, out))
    assert (summary.row("skip").receptive_field, summary.row("skip").jump) == (1, 2)
    assert summary.row("add").note == ""  # padded 3x3 and the skip share centre 0
    assert summary.row("squeeze").field_kind == "global"
    scale = summary.row("scale")
    assert (scale.receptive_field, scale.jump) == (3, 2)
    assert "global context" in scale.note
    assert summary.row("skip").macs == 0 and summary.row("skip").params == 0


def test_resnet18_fields_through_its_shortcuts():
    """conv1 7/2: 7, j 2; pool 3/2: 11, j 4; conv2_x, four 3x3: 19, 27, 35, 43;
    each later stage: a 3x3 stride 2 (+2 j), then three 3x3 (+2 j' each):
    conv3: 43 + 8 = 51, j 8, then 67, 83, 99; conv4: 115, j 16, 147, 179, 211;
    conv5: 243, j 32, 307, 371, 435. The 1x1 stride-2 projection sees only the block's
    input (43 at conv3_block1_0_conv); the sum takes the larger, aligned field."""
    summary = netlib.summarize(netlib.build("resnet18", input_shape=64))
    assert summary.row("conv2_block2_out").receptive_field == 43
    assert summary.row("conv3_block1_0_conv").receptive_field == 43
    add = summary.row("conv3_block1_add")
    assert (add.receptive_field, add.jump, add.note) == (67, 8, "")
    assert summary.row("conv4_block2_out").receptive_field == 211
    assert (summary.totals.receptive_field, summary.totals.jump) == (435, 32)
    assert summary.totals.depth == 18


class _SparseConv(layers.Layer):
    """A stand-in for a custom convolution (like LeNet-5's sparse C3): 'valid' k x k
    windows, `connections` input-output map pairs, which it states to netlib.inspect."""

    def __init__(self, maps, kernel_size, connections, **kwargs):
        super().__init__(**kwargs)
        self.maps, self.kernel_size, self.connections = maps, kernel_size, connections

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(self.kernel_size, self.kernel_size,
                                             self.connections), name="kernel")

    def call(self, x):
        k = self.kernel_size
        return keras.ops.zeros_like(x[:, k - 1:, k - 1:, :1]) + keras.ops.zeros((self.maps,))

    def compute_output_shape(self, shape):
        k = self.kernel_size
        return (shape[0], shape[1] - k + 1, shape[2] - k + 1, self.maps)


class _DescribedSparseConv(_SparseConv):
    def receptive_window(self):
        return {"kernel_size": self.kernel_size, "strides": 1, "padding": "valid"}

    def count_macs(self, input_shapes, output_shapes):
        height, width, _ = output_shapes[0]
        return self.kernel_size**2 * self.connections * height * width


def test_custom_layers_count_when_they_describe_themselves():
    """LeNet-5's C3 (section II.B): 60 connections of 5x5 kernels onto a 10x10 output map,
    25 * 60 * 100 = 150,000 MACs. Undescribed, the same layer counts 0 and says so."""
    x = keras.Input((14, 14, 6))
    described = _DescribedSparseConv(16, 5, 60, name="c3_described")(x)
    opaque = _SparseConv(16, 5, 60, name="c3_opaque")(x)
    summary = netlib.summarize(keras.Model(x, [described, opaque]))
    row = summary.row("c3_described")
    assert (row.macs, row.receptive_field, row.kernel_size, row.note) == (150_000, 5, (5, 5), "")
    opaque_row = summary.row("c3_opaque")
    assert opaque_row.macs == 0 and opaque_row.receptive_field is None
    assert "MACs of _SparseConv not counted" in opaque_row.note
    assert "receptive field not tracked through _SparseConv" in opaque_row.note


# --------------------------------------------------------------- graphs of every kind


def test_nested_model_is_expanded_with_prefixed_names():
    inner_input = keras.Input((16, 16, 8))
    y = layers.Conv2D(8, 3, padding="same", name="conv")(inner_input)
    y = layers.ReLU(name="relu")(y)
    backbone = keras.Model(inner_input, y, name="backbone")
    head = keras.Sequential([layers.GlobalAveragePooling2D(name="gap"),
                             layers.Dense(5, name="fc")], name="head")

    x = keras.Input((16, 16, 3))
    stem = layers.Conv2D(8, 1, name="stem")(x)
    model = keras.Model(x, head(backbone(stem)), name="outer")
    summary = netlib.summarize(model)

    names = [r.name for r in summary.rows]
    assert names == [model.layers[0].name, "stem", "backbone/conv", "backbone/relu",
                     "head/gap", "head/fc"]
    assert summary.row("backbone/conv").inbound == ("stem",)
    assert summary.row("head/gap").inbound == ("backbone/relu",)
    assert summary.row("backbone/conv").receptive_field == 3
    assert summary.row("backbone/conv").macs == 3 * 3 * 8 * 8 * 16 * 16
    assert sum(r.params for r in summary.rows) == summary.totals.params == model.count_params()


def test_nested_model_built_for_any_size_takes_the_outer_shape():
    inner_input = keras.Input((None, None, 3))
    backbone = keras.Model(inner_input, layers.Conv2D(4, 3, strides=2, name="conv")(inner_input),
                           name="backbone")
    x = keras.Input((32, 32, 3))
    summary = netlib.summarize(keras.Model(x, backbone(x)))
    conv = summary.row("backbone/conv")
    assert conv.output_shape == (15, 15, 4)
    assert conv.macs == 3 * 3 * 3 * 4 * 15 * 15


def test_several_outputs_shared_layers_and_multi_output_layers():
    x = keras.Input((8, 8, 3))
    shared = layers.Conv2D(4, 3, padding="same", name="shared")
    a = shared(x)
    b = shared(layers.Conv2D(3, 1, name="mix")(x))
    both = layers.Concatenate(name="cat")([a, b])
    logits = layers.Dense(2, name="logits")(layers.Flatten(name="flat")(both))
    model = keras.Model(x, [logits, both])
    summary = netlib.summarize(model)
    first, second = summary.row("shared"), summary.row("shared#2")
    assert first.params == 3 * 3 * 3 * 4 + 4 and second.params == 0
    assert "shares weights with shared" in second.note
    assert first.macs == second.macs == 3 * 3 * 3 * 4 * 8 * 8
    assert summary.totals.params == model.count_params()
    assert summary.row("cat").output_shape == (8, 8, 8)
    assert summary.row("cat").receptive_field == 3
    assert summary.totals.depth == 3  # mix -> shared -> logits


def test_model_loaded_from_a_keras_file(tmp_path):
    """Save a model with ConvLab's custom layers, load it back (safe mode), same table."""
    x = keras.Input((16, 16, 3))
    y = layers.Conv2D(8, 3, padding="same", name="conv")(x)
    y = LocalResponseNormalization(name="lrn")(y)
    y = layers.Add(name="add")([layers.Conv2D(16, 3, strides=2, padding="same", name="down")(y),
                                ZeroPadShortcut(16, strides=2, name="skip")(y)])
    model = keras.Model(x, layers.Dense(3, name="out")(layers.GlobalAveragePooling2D()(y)),
                        name="saved")
    path = tmp_path / "saved.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    original, reloaded = netlib.summarize(model), netlib.summarize(loaded)
    assert reloaded.rows == original.rows
    assert reloaded.totals == original.totals
    assert reloaded.row("lrn").macs == 0 and reloaded.row("lrn").receptive_field == 3


def test_input_shape_measures_a_model_of_undefined_size():
    model = keras.applications.MobileNetV2(weights=None, include_top=False,
                                           input_shape=(None, None, 3))
    with pytest.raises(ValueError, match=r"undefined dimensions: pass input_shape"):
        netlib.summarize(model)
    at_224 = netlib.summarize(model, input_shape=(224, 224, 3))
    assert at_224.input_shape == (224, 224, 3)
    assert at_224.row("out_relu").output_shape == (7, 7, 1280)
    at_160 = netlib.summarize(model, input_shape=(160, 160, 3))
    assert at_160.row("out_relu").output_shape == (5, 5, 1280)
    # MACs scale with the area of the maps (every layer here is a convolution).
    assert at_160.totals.macs < at_224.totals.macs
    assert at_160.totals.params == at_224.totals.params
    for bad in [(224, 224, 4), (224, 224), "224", (0, 224, 3)]:
        with pytest.raises(ValueError, match=r"input_shape must match the model's input"):
            netlib.summarize(model, input_shape=bad)


def test_sequential_models_and_what_cannot_be_summarized():
    sequential = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(6, 5, name="c1"),
                                   layers.Flatten(name="flat"), layers.Dense(10, name="out")])
    summary = netlib.summarize(sequential)
    assert [r.name for r in summary.rows][1:] == ["c1", "flat", "out"]
    assert summary.totals.params == sequential.count_params() == 156 + 24 * 24 * 6 * 10 + 10

    class Tiny(keras.Model):
        def call(self, x):
            return x

    for model in (Tiny(), keras.Sequential([layers.Dense(2)])):  # no graph; not built
        with pytest.raises(ValueError, match="functional or sequential"):
            netlib.summarize(model)


def test_activation_bytes_follow_the_compute_dtype():
    x = keras.Input((8, 8, 3))
    y = layers.Conv2D(4, 3, padding="same", dtype="mixed_float16", name="half")(x)
    y = layers.Activation("linear", dtype="float32", name="full")(y)
    summary = netlib.summarize(keras.Model(x, y))
    assert summary.row("half").activation_bytes == 8 * 8 * 4 * 2
    assert summary.row("full").activation_bytes == 8 * 8 * 4 * 4
    assert summary.totals.weight_bytes == (3 * 3 * 3 * 4 + 4) * 4  # float32 weights
    assert summary.totals.activation_bytes == 8 * 8 * 3 * 4 + 8 * 8 * 4 * 2 + 8 * 8 * 4 * 4


def test_summaries_are_cached_per_model_and_follow_trainability():
    model = keras.applications.MobileNet(weights=None, input_shape=(128, 128, 3),
                                         include_top=False)
    first = netlib.summarize(model)
    assert netlib.summarize(model) is first
    model.layers[1].trainable = False  # conv1
    frozen = netlib.summarize(model)
    assert frozen is not first
    assert frozen.totals.trainable_params == first.totals.trainable_params - 864


# ---------------------------------------------------------------------------- blocks


@pytest.mark.parametrize("layer, block", [
    ("conv3_block2_1_conv", "conv3_block2"), ("conv2_block1_0_shortcut", "conv2_block1"),
    ("inception_3a_1x1", "inception_3a"), ("inception_4e_output", "inception_4e"),
    ("aux1_fc", "aux1"), ("block_12_expand", "block_12"), ("expanded_conv_project", "block_0"),
    ("block2a_se_excite", "block2a"), ("block3_conv1", "block3"), ("conv_pw_13_bn", "block_13"),
    ("conv_dw_1", "block_1"), ("mlpconv2_cccp1", "mlpconv2"), ("conv1_lrn", "conv1"),
    ("pool1_pool", "pool1"), ("fc6_dense", "fc6"), ("c3_conv", "c3"), ("s4_pool", "s4"),
    ("f6_dense", "f6"), ("conv1_7x7_s2", "conv1"), ("stem_conv", ""), ("top_bn", ""),
    ("predictions", ""), ("fc1", ""), ("block12_conv1", "block12"),
    ("backbone/conv4_block6_out", "conv4_block6"),
])
def test_block_patterns(layer, block):
    assert block_of(layer) == block


def test_blocks_group_consecutive_rows_of_resnet50():
    summary = netlib.summarize(keras.applications.ResNet50(weights=None, include_top=False,
                                                           input_shape=(64, 64, 3)))
    blocks = summary.blocks()
    names = [b.name for b in blocks]
    assert names[:4] == ["", "conv1", "pool1", "conv2_block1"]
    assert names.count("conv4_block6") == 1 and names[-1] == "conv5_block3"
    assert sum(len(b.rows) for b in blocks) == len(summary.rows)
    assert sum(b.params for b in blocks) == summary.totals.params
    last = blocks[-1]
    assert (last.receptive_field, last.jump, last.output_shape) == (483, 32, (2, 2, 2048))


# --------------------------------------------------------------------------- formats


@pytest.fixture(scope="module")
def resnet_summary(keras_resnet50):
    return keras_resnet50[0]


def test_json_and_dict_agree_and_use_snake_case(resnet_summary):
    data = json.loads(resnet_summary.to_json())
    assert data == resnet_summary.to_dict()
    assert data["model"] == "resnet50" and data["conventions"]["flops"] == "2 x macs"
    assert data["totals"]["params"] == 25_636_712
    assert data["totals"]["flops"] == 2 * data["totals"]["macs"]
    row = data["rows"][2]
    assert row["name"] == "conv1_conv" and row["output_shape"] == [112, 112, 64]
    assert row["kernel_size"] == [7, 7] and row["strides"] == [2, 2]
    assert all(key == key.lower() for key in (*row, *data["totals"]))
    blocks = json.loads(resnet_summary.to_json(blocks=True))["blocks"]
    assert blocks[1]["name"] == "conv1" and "conv1_conv" in blocks[1]["rows"]


def test_csv_has_every_row_and_field(resnet_summary):
    table = list(csv.DictReader(io.StringIO(render.csv_text(resnet_summary))))
    assert len(table) == len(resnet_summary.rows)
    conv = next(r for r in table if r["name"] == "conv1_conv")
    assert conv["output_shape"] == "112x112x64" and conv["macs"] == "118013952"
    assert set(table[0]) == {f.name for f in dataclasses.fields(netlib.inspect.Row)}


def test_text_table_fits_100_columns_and_states_conventions(resnet_summary):
    text = render.plain_text(resnet_summary, width=100)
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "conv2_block1_2_conv" in text and "115,605,504" in text
    assert "FLOPs = 2 x MACs" in text and "25,636,712" in text
    assert "483 px, jump 32, at conv5_block3_out" in text
    blocks = render.plain_text(resnet_summary, blocks=True)
    assert "conv4_block6" in blocks and "conv4_block6_1_conv" not in blocks


def test_markdown_table(resnet_summary):
    lines = render.markdown_text(resnet_summary).splitlines()
    table = [line for line in lines if line.startswith("|")]
    assert len(table) == len(resnet_summary.rows) + 2  # header and rule
    assert table[1].startswith("| --- | --- | ---:")
    assert any("FLOPs = 2 x MACs" in line for line in lines)


def test_notes_become_numbered_footnotes():
    model = _residual(8, main_stride=2, shortcut=layers.Conv2D(4, 1, strides=2, name="proj"),
                      name="even")
    text = render.plain_text(netlib.summarize(model))
    assert "add [1]" in text
    assert "[1] paths misaligned by 1 px" in text


# ------------------------------------------------------------------------ JAX backend


# Built the same way in this process (TensorFlow) and in a JAX one.
_SMALL_NETWORK = """
import keras
from keras import layers
from netlib.layers import LocalResponseNormalization, ZeroPadShortcut
x = keras.Input((32, 32, 3), name="image")
y = layers.Conv2D(8, 5, strides=2, padding="same", name="conv1")(x)
y = LocalResponseNormalization(name="lrn")(layers.BatchNormalization(name="bn")(y))
y = layers.MaxPooling2D(3, 2, padding="same", name="pool")(y)
main = layers.SeparableConv2D(16, 3, strides=2, padding="same", name="sep")(y)
y = layers.Add(name="add")([main, ZeroPadShortcut(16, strides=2, name="skip")(y)])
y = layers.Dense(10, name="fc")(layers.GlobalAveragePooling2D(name="gap")(y))
model = keras.Model(x, y, name="small")
"""


def test_same_table_on_the_jax_backend():
    """netlib.inspect uses keras and numpy only: the JAX backend gives the same table."""
    script = _SMALL_NETWORK + (
        "import netlib\n"
        "print(keras.backend.backend())\n"
        "print(netlib.summarize(model).to_json(indent=None))\n"
    )
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    backend, payload = done.stdout.strip().splitlines()[-2:]
    assert backend == "jax"
    scope = {}
    exec(_SMALL_NETWORK, scope)
    on_tensorflow = netlib.summarize(scope["model"])
    assert json.loads(payload) == on_tensorflow.to_dict()
    assert on_tensorflow.row("add").note != ""  # stride 2 'same' on even sizes: misaligned
