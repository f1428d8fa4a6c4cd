"""ResNet and its plain counterparts (He, Zhang, Ren and Sun, 2015).

Version 1 as in the paper: batch norm after every convolution, ReLU after the addition,
and in a bottleneck block the stride of a down-sampling block sits in the first 1x1
convolution. Two sets of networks:

- ImageNet (Table 1), 224x224: resnet18/34 (basic blocks), resnet50/101/152 (bottleneck
  blocks), and plain18/plain34, the same networks without shortcuts (Figure 4).
- CIFAR-10 (section 4.2), 32x32: a 3x3 convolution with 16 filters, three stages of n basic
  blocks with 16/32/64 filters, global average pooling and the classifier: 6n + 2 layers,
  resnet20/32/44/56/110 and plain20/32/44/56.

Shortcuts (section 3.3): "A" zero-pads the identity for increasing dimensions (no
parameters, `ZeroPadShortcut`), "B" projects (1x1 convolution + batch norm) only where the
shape changes, "C" projects in every block. Convolutions have no bias before batch norm,
so the trainable parameters equal torchvision's; `use_bias=True` adds the biases that
keras.applications' ResNets carry.

Layer names follow keras.applications: `conv1_conv`, `conv2_block1_1_conv`,
`conv2_block1_0_conv` (projection) or `conv2_block1_0_shortcut` (option A),
`conv2_block1_add`, `conv2_block1_out`, ..., `avg_pool`, `predictions`.
"""

from __future__ import annotations

import keras
from keras import layers

from netlib.layers import ZeroPadShortcut
from netlib.registry import Option, Reference, register_model

_PAPER = dict(
    paper="Deep Residual Learning for Image Recognition",
    authors="Kaiming He, Xiangyu Zhang, Shaoqing Ren, Jian Sun",
    year=2015,
    url="https://arxiv.org/abs/1512.03385",
)
_IMAGENET_SHAPE = (224, 224, 3)
_CIFAR_SHAPE = (32, 32, 3)
# Every down-sampling rounds up (convolutions and max pooling are padded), so even a 1x1
# input keeps every feature map at least 1x1.
_MIN_SIZE = 1

# Batch norm as torchvision's ResNets (torch momentum 0.1 = Keras momentum 0.9, epsilon
# 1e-5): statistics that settle within a short run, unlike Keras' default 0.99.
_BN = dict(axis=-1, momentum=0.9, epsilon=1e-5)
# "We initialize the weights as in [13]" (He et al., 2015, Delving deep into rectifiers).
_KERNEL_INIT = "he_normal"

# Table 1: blocks per stage (conv2_x .. conv5_x) and the block type.
_IMAGENET_STAGES = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}
_IMAGENET_FILTERS = (64, 128, 256, 512)
_CIFAR_FILTERS = (16, 32, 64)
_BOTTLENECK_EXPANSION = 4

_SHORTCUT_HELP = (
    "A: zero-padded identity, no parameters; B: 1x1 projection where the shape changes; "
    "C: 1x1 projection in every block (section 3.3)"
)
_USE_BIAS = Option(
    "use_bias",
    False,
    help="bias in every convolution (redundant before batch norm; True matches "
    "keras.applications' parameter counts)",
)


def _shortcut_option(default: str) -> Option:
    return Option("shortcut", default, help=_SHORTCUT_HELP, choices=("A", "B", "C"))


# --------------------------------------------------------------------------- blocks


def conv_bn(x, filters, kernel_size, *, strides=1, use_bias=False, relu=True, name):
    """Convolution, batch norm and (optionally) ReLU, named `{name}_conv/_bn/_relu`.

    A strided convolution wider than 1x1 is padded explicitly and symmetrically by
    kernel_size // 2 (as Caffe and torchvision do; "same" would pad only the bottom and
    right of an even input), so that its output pixels are centred on the same input
    pixels as the 1x1 projection and the option-A shortcut beside it.
    """
    padding = "same"
    if strides > 1 and kernel_size > 1:
        x = layers.ZeroPadding2D(kernel_size // 2, name=f"{name}_pad")(x)
        padding = "valid"
    x = layers.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        use_bias=use_bias,
        kernel_initializer=_KERNEL_INIT,
        name=f"{name}_conv",
    )(x)
    x = layers.BatchNormalization(**_BN, name=f"{name}_bn")(x)
    if relu:
        x = layers.ReLU(name=f"{name}_relu")(x)
    return x


def shortcut_branch(x, filters, *, strides, mode, use_bias=False, name):
    """The shortcut branch of a residual block whose output has `filters` channels.

    An identity where input and output shapes agree (modes A and B); otherwise a
    zero-padded identity (A) or a 1x1 projection with batch norm (B, and always for C).
    """
    changes_shape = strides > 1 or x.shape[-1] != filters
    if mode == "C" or (mode == "B" and changes_shape):
        return conv_bn(x, filters, 1, strides=strides, use_bias=use_bias, relu=False,
                       name=f"{name}_0")
    if mode == "A" and changes_shape:
        return ZeroPadShortcut(filters, strides, name=f"{name}_0_shortcut")(x)
    return x


def _merge(residual, skip, name):
    """F(x) + x then ReLU (Figure 2); a plain block has no skip and just the ReLU."""
    if skip is not None:
        residual = layers.Add(name=f"{name}_add")([skip, residual])
    return layers.ReLU(name=f"{name}_out")(residual)


def basic_block(x, filters, *, strides=1, shortcut_mode=None, use_bias=False, name):
    """Two 3x3 convolutions (Figure 5 left); the first one carries the stride.

    `shortcut_mode` None builds the plain block (no shortcut at all).
    """
    skip = None
    if shortcut_mode is not None:
        skip = shortcut_branch(x, filters, strides=strides, mode=shortcut_mode,
                               use_bias=use_bias, name=name)
    y = conv_bn(x, filters, 3, strides=strides, use_bias=use_bias, name=f"{name}_1")
    y = conv_bn(y, filters, 3, use_bias=use_bias, relu=False, name=f"{name}_2")
    return _merge(y, skip, name)


def bottleneck_block(x, filters, *, strides=1, shortcut_mode=None, use_bias=False, name):
    """1x1 (reduce to `filters`), 3x3, 1x1 (expand to 4 * `filters`) (Figure 5 right).

    The stride is in the first 1x1 convolution, as in the paper's models (v1; torchvision
    and later "v1.5" move it to the 3x3). `shortcut_mode` None builds the plain block.
    """
    out_filters = _BOTTLENECK_EXPANSION * filters
    skip = None
    if shortcut_mode is not None:
        skip = shortcut_branch(x, out_filters, strides=strides, mode=shortcut_mode,
                               use_bias=use_bias, name=name)
    y = conv_bn(x, filters, 1, strides=strides, use_bias=use_bias, name=f"{name}_1")
    y = conv_bn(y, filters, 3, use_bias=use_bias, name=f"{name}_2")
    y = conv_bn(y, out_filters, 1, use_bias=use_bias, relu=False, name=f"{name}_3")
    return _merge(y, skip, name)


_BLOCKS = {"basic": basic_block, "bottleneck": bottleneck_block}


def stack(x, block, filters, blocks, *, strides, shortcut_mode, use_bias, name):
    """One stage (`conv2_x`, ...): `blocks` blocks, the first one down-sampling by
    `strides`; named `{name}_block1`, `{name}_block2`, ..."""
    for i in range(1, blocks + 1):
        x = block(
            x,
            filters,
            strides=strides if i == 1 else 1,
            shortcut_mode=shortcut_mode,
            use_bias=use_bias,
            name=f"{name}_block{i}",
        )
    return x


# --------------------------------------------------------------------- generic nets


def _top(x, *, include_top, pooling, classes, classifier_activation):
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name="max_pool")(x)
    return x


def _imagenet_resnet(
    name, depth, *, input_shape, classes, include_top, pooling, classifier_activation,
    shortcut=None, use_bias=False,
):
    """ResNet-`depth` of Table 1; `shortcut` None gives the plain network."""
    block_type, blocks_per_stage = _IMAGENET_STAGES[depth]
    inputs = keras.Input(shape=input_shape, name="input")
    # conv1: 7x7/2, 64 (conv_bn pads it by 3: conv1_pad); then 3x3/2 max pooling, padded
    # by 1 as in torchvision.
    x = conv_bn(inputs, 64, 7, strides=2, use_bias=use_bias, name="conv1")
    # Zero padding is neutral for the max: the input is a ReLU output, never negative.
    x = layers.ZeroPadding2D(1, name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    for stage, (filters, blocks) in enumerate(zip(_IMAGENET_FILTERS, blocks_per_stage)):
        x = stack(
            x,
            _BLOCKS[block_type],
            filters,
            blocks,
            strides=1 if stage == 0 else 2,  # conv2_x follows the max pooling at stride 1
            shortcut_mode=shortcut,
            use_bias=use_bias,
            name=f"conv{stage + 2}",
        )
    outputs = _top(x, include_top=include_top, pooling=pooling, classes=classes,
                   classifier_activation=classifier_activation)
    return keras.Model(inputs, outputs, name=name)


def _cifar_resnet(
    name, depth, *, input_shape, classes, include_top, pooling, classifier_activation,
    shortcut=None, use_bias=False,
):
    """The 6n + 2 layer CIFAR-10 network of section 4.2; `shortcut` None gives the plain one."""
    n = (depth - 2) // 6
    inputs = keras.Input(shape=input_shape, name="input")
    # The stem is a 3x3 convolution with stride 1, so "same" is symmetric padding here.
    x = conv_bn(inputs, _CIFAR_FILTERS[0], 3, use_bias=use_bias, name="conv1")
    for stage, filters in enumerate(_CIFAR_FILTERS):
        x = stack(
            x,
            basic_block,
            filters,
            n,
            strides=1 if stage == 0 else 2,
            shortcut_mode=shortcut,
            use_bias=use_bias,
            name=f"conv{stage + 2}",
        )
    outputs = _top(x, include_top=include_top, pooling=pooling, classes=classes,
                   classifier_activation=classifier_activation)
    return keras.Model(inputs, outputs, name=name)


# ------------------------------------------------------------------ ImageNet models

_TORCHVISION = "torchvision {} (trainable parameters)"
_KERAS = "keras.applications.{} (total parameters; its convolutions carry biases)"
_MACS_TORCHVISION = "torchvision {}: {} GFLOPS (its _ops), which are multiply-accumulates"
_MACS_PAPER = "He et al. 2015, Table 1: {}x10^9 FLOPs (multiply-adds)"


def _metadata(description, input_shape=_IMAGENET_SHAPE):
    return dict(
        family="ResNet",
        description=description,
        input_shape=input_shape,
        min_input_size=_MIN_SIZE,
        **_PAPER,
    )


@register_model(
    "resnet18",
    **_metadata("ResNet-18, basic blocks, ImageNet (Table 1)"),
    options=(_shortcut_option("B"), _USE_BIAS),
    references=(
        Reference(11_689_512, _TORCHVISION.format("resnet18"), trainable_only=True,
                  macs=1.814e9, macs_source=_MACS_TORCHVISION.format("resnet18", 1.814)),
    ),
)
def resnet18(*, input_shape, classes, include_top, pooling, classifier_activation, **options):
    """ResNet-18 from "Deep Residual Learning for Image Recognition" (He et al., 2015),
    Table 1: four stages of 2 basic blocks with 64, 128, 256, 512 filters."""
    return _imagenet_resnet("resnet18", 18, input_shape=input_shape, classes=classes,
                            include_top=include_top, pooling=pooling,
                            classifier_activation=classifier_activation, **options)


@register_model(
    "resnet34",
    **_metadata("ResNet-34, basic blocks, ImageNet (Table 1)"),
    options=(_shortcut_option("B"), _USE_BIAS),
    references=(
        Reference(21_797_672, _TORCHVISION.format("resnet34"), trainable_only=True,
                  macs=3.664e9, macs_source=_MACS_TORCHVISION.format("resnet34", 3.664)),
    ),
)
def resnet34(*, input_shape, classes, include_top, pooling, classifier_activation, **options):
    """ResNet-34 from "Deep Residual Learning for Image Recognition" (He et al., 2015),
    Table 1: 3, 4, 6, 3 basic blocks with 64, 128, 256, 512 filters."""
    return _imagenet_resnet("resnet34", 34, input_shape=input_shape, classes=classes,
                            include_top=include_top, pooling=pooling,
                            classifier_activation=classifier_activation, **options)


@register_model(
    "resnet50",
    **_metadata("ResNet-50, bottleneck blocks, ImageNet (Table 1)"),
    options=(_shortcut_option("B"), _USE_BIAS),
    references=(
        # torchvision's resnet50 moves the stride to the 3x3 ("v1.5"): same parameters,
        # more MACs (4.09 G), so its MACs are not ours; the paper's 3.8 G are. This builder
        # counts 3.86 G (convolutions and classifier), 1.5% above the two-digit figure.
        Reference(25_557_032, _TORCHVISION.format("resnet50"), trainable_only=True,
                  macs=3.8e9, macs_source=_MACS_PAPER.format(3.8), macs_tolerance=0.03),
        Reference(25_636_712, _KERAS.format("ResNet50"), options={"use_bias": True}),
    ),
)
def resnet50(*, input_shape, classes, include_top, pooling, classifier_activation, **options):
    """ResNet-50 from "Deep Residual Learning for Image Recognition" (He et al., 2015),
    Table 1: 3, 4, 6, 3 bottleneck blocks of width 64, 128, 256, 512 (x4 out)."""
    return _imagenet_resnet("resnet50", 50, input_shape=input_shape, classes=classes,
                            include_top=include_top, pooling=pooling,
                            classifier_activation=classifier_activation, **options)


@register_model(
    "resnet101",
    **_metadata("ResNet-101, bottleneck blocks, ImageNet (Table 1)"),
    options=(_shortcut_option("B"), _USE_BIAS),
    references=(
        Reference(44_549_160, _TORCHVISION.format("resnet101"), trainable_only=True,
                  macs=7.6e9, macs_source=_MACS_PAPER.format(7.6)),
        Reference(44_707_176, _KERAS.format("ResNet101"), options={"use_bias": True}),
    ),
)
def resnet101(*, input_shape, classes, include_top, pooling, classifier_activation, **options):
    """ResNet-101 from "Deep Residual Learning for Image Recognition" (He et al., 2015),
    Table 1: 3, 4, 23, 3 bottleneck blocks."""
    return _imagenet_resnet("resnet101", 101, input_shape=input_shape, classes=classes,
                            include_top=include_top, pooling=pooling,
                            classifier_activation=classifier_activation, **options)


@register_model(
    "resnet152",
    **_metadata("ResNet-152, bottleneck blocks, ImageNet (Table 1)"),
    options=(_shortcut_option("B"), _USE_BIAS),
    references=(
        Reference(60_192_808, _TORCHVISION.format("resnet152"), trainable_only=True,
                  macs=11.3e9, macs_source=_MACS_PAPER.format(11.3)),
        Reference(60_419_944, _KERAS.format("ResNet152"), options={"use_bias": True}),
    ),
)
def resnet152(*, input_shape, classes, include_top, pooling, classifier_activation, **options):
    """ResNet-152 from "Deep Residual Learning for Image Recognition" (He et al., 2015),
    Table 1: 3, 8, 36, 3 bottleneck blocks."""
    return _imagenet_resnet("resnet152", 152, input_shape=input_shape, classes=classes,
                            include_top=include_top, pooling=pooling,
                            classifier_activation=classifier_activation, **options)


# A plain net has exactly the parameters of its ResNet with option A (section 4.1: "no
# extra parameter compared to the plain counterparts"), i.e. torchvision's option-B count
# less the three 1x1 projections (with batch norm) where the width doubles.
_PROJECTIONS_18_34 = sum(c * 2 * c + 2 * (2 * c) for c in (64, 128, 256))  # 173,824
_PLAIN_SOURCE = (
    "He et al. 2015, section 4.1 (plain nets have the parameters of their option-A ResNet): "
    "torchvision {} {:,} less its three projection shortcuts (173,824), trainable"
)


@register_model(
    "plain18",
    **_metadata("Plain 18-layer network, ResNet-18 without shortcuts (Figure 4)"),
    options=(_USE_BIAS,),
    references=(
        Reference(11_689_512 - _PROJECTIONS_18_34,
                  _PLAIN_SOURCE.format("resnet18", 11_689_512), trainable_only=True,
                  macs=1.8e9, macs_source=_MACS_PAPER.format(1.8), macs_tolerance=0.03),
    ),
)
def plain18(*, input_shape, classes, include_top, pooling, classifier_activation, **options):
    """The plain 18-layer network of "Deep Residual Learning for Image Recognition" (He et
    al., 2015), section 4.1 and Figure 4: ResNet-18's layers without the shortcuts."""
    return _imagenet_resnet("plain18", 18, input_shape=input_shape, classes=classes,
                            include_top=include_top, pooling=pooling,
                            classifier_activation=classifier_activation, **options)


@register_model(
    "plain34",
    **_metadata("Plain 34-layer network, ResNet-34 without shortcuts (Figure 4)"),
    options=(_USE_BIAS,),
    references=(
        Reference(21_797_672 - _PROJECTIONS_18_34,
                  _PLAIN_SOURCE.format("resnet34", 21_797_672), trainable_only=True,
                  macs=3.6e9, macs_source=_MACS_PAPER.format(3.6), macs_tolerance=0.03),
    ),
)
def plain34(*, input_shape, classes, include_top, pooling, classifier_activation, **options):
    """The plain 34-layer network of "Deep Residual Learning for Image Recognition" (He et
    al., 2015), section 4.1 and Figure 3 (middle): ResNet-34's layers without shortcuts."""
    return _imagenet_resnet("plain34", 34, input_shape=input_shape, classes=classes,
                            include_top=include_top, pooling=pooling,
                            classifier_activation=classifier_activation, **options)


# --------------------------------------------------------------------- CIFAR models

# Table 6 gives the parameters of the CIFAR-10 ResNets (10 classes, option A) to two
# significant digits; section 4.2 says the plain nets have "exactly the same ... number of
# parameters". The exact counts below are this builder's trainable weights, each of which
# rounds to the paper's figure (tests/test_arch_modern.py checks the rounding).
CIFAR_PAPER_PARAMS = {20: "0.27M", 32: "0.46M", 44: "0.66M", 56: "0.85M", 110: "1.7M"}
_CIFAR_EXACT_PARAMS = {20: 269_722, 32: 464_154, 44: 658_586, 56: 853_018, 110: 1_727_962}


def _cifar_reference(depth, plain=False):
    source = f"He et al. 2015, Table 6: {CIFAR_PAPER_PARAMS[depth]} parameters"
    if plain:
        source += " (section 4.2: the plain net has exactly those of its option-A ResNet)"
    return Reference(
        _CIFAR_EXACT_PARAMS[depth],
        source + "; the exact trainable count rounds to it",
        trainable_only=True,
        classes=10,
        options={} if plain else {"shortcut": "A"},
    )


def _cifar_metadata(description):
    return _metadata(description, _CIFAR_SHAPE)


_CIFAR_RESNET_OPTIONS = (_shortcut_option("A"), _USE_BIAS)


@register_model("resnet20", **_cifar_metadata("ResNet-20 for CIFAR-10 (section 4.2)"),
                options=_CIFAR_RESNET_OPTIONS, references=(_cifar_reference(20),))
def resnet20(*, input_shape, classes, include_top, pooling, classifier_activation, **options):
    """ResNet-20 for CIFAR-10 from "Deep Residual Learning for Image Recognition"
    (He et al., 2015), section 4.2: n=3 basic blocks per stage, 6n + 2 = 20 layers."""
    return _cifar_resnet("resnet20", 20, input_shape=input_shape, classes=classes,
                         include_top=include_top, pooling=pooling,
                         classifier_activation=classifier_activation, **options)


@register_model("resnet32", **_cifar_metadata("ResNet-32 for CIFAR-10 (section 4.2)"),
                options=_CIFAR_RESNET_OPTIONS, references=(_cifar_reference(32),))
def resnet32(*, input_shape, classes, include_top, pooling, classifier_activation, **options):
    """ResNet-32 for CIFAR-10 from "Deep Residual Learning for Image Recognition"
    (He et al., 2015), section 4.2: n=5 basic blocks per stage, 6n + 2 = 32 layers."""
    return _cifar_resnet("resnet32", 32, input_shape=input_shape, classes=classes,
                         include_top=include_top, pooling=pooling,
                         classifier_activation=classifier_activation, **options)


@register_model("resnet44", **_cifar_metadata("ResNet-44 for CIFAR-10 (section 4.2)"),
                options=_CIFAR_RESNET_OPTIONS, references=(_cifar_reference(44),))
def resnet44(*, input_shape, classes, include_top, pooling, classifier_activation, **options):
    """ResNet-44 for CIFAR-10 from "Deep Residual Learning for Image Recognition"
    (He et al., 2015), section 4.2: n=7 basic blocks per stage, 6n + 2 = 44 layers."""
    return _cifar_resnet("resnet44", 44, input_shape=input_shape, classes=classes,
                         include_top=include_top, pooling=pooling,
                         classifier_activation=classifier_activation, **options)


@register_model("resnet56", **_cifar_metadata("ResNet-56 for CIFAR-10 (section 4.2)"),
                options=_CIFAR_RESNET_OPTIONS, references=(_cifar_reference(56),))
def resnet56(*, input_shape, classes, include_top, pooling, classifier_activation, **options):
    """ResNet-56 for CIFAR-10 from "Deep Residual Learning for Image Recognition"
    (He et al., 2015), section 4.2: n=9 basic blocks per stage, 6n + 2 = 56 layers."""
    return _cifar_resnet("resnet56", 56, input_shape=input_shape, classes=classes,
                         include_top=include_top, pooling=pooling,
                         classifier_activation=classifier_activation, **options)


@register_model("resnet110", **_cifar_metadata("ResNet-110 for CIFAR-10 (section 4.2)"),
                options=_CIFAR_RESNET_OPTIONS, references=(_cifar_reference(110),))
def resnet110(*, input_shape, classes, include_top, pooling, classifier_activation, **options):
    """ResNet-110 for CIFAR-10 from "Deep Residual Learning for Image Recognition"
    (He et al., 2015), section 4.2: n=18 basic blocks per stage, 6n + 2 = 110 layers."""
    return _cifar_resnet("resnet110", 110, input_shape=input_shape, classes=classes,
                         include_top=include_top, pooling=pooling,
                         classifier_activation=classifier_activation, **options)


@register_model("plain20", **_cifar_metadata("Plain 20-layer net for CIFAR-10 (Figure 6)"),
                options=(_USE_BIAS,), references=(_cifar_reference(20, plain=True),))
def plain20(*, input_shape, classes, include_top, pooling, classifier_activation, **options):
    """The plain 20-layer network for CIFAR-10 (Figure 6, left) from "Deep Residual
    Learning for Image Recognition" (He et al., 2015), section 4.2: n=3, no shortcuts."""
    return _cifar_resnet("plain20", 20, input_shape=input_shape, classes=classes,
                         include_top=include_top, pooling=pooling,
                         classifier_activation=classifier_activation, **options)


@register_model("plain32", **_cifar_metadata("Plain 32-layer net for CIFAR-10 (Figure 6)"),
                options=(_USE_BIAS,), references=(_cifar_reference(32, plain=True),))
def plain32(*, input_shape, classes, include_top, pooling, classifier_activation, **options):
    """The plain 32-layer network for CIFAR-10 (Figure 6, left) from "Deep Residual
    Learning for Image Recognition" (He et al., 2015), section 4.2: n=5, no shortcuts."""
    return _cifar_resnet("plain32", 32, input_shape=input_shape, classes=classes,
                         include_top=include_top, pooling=pooling,
                         classifier_activation=classifier_activation, **options)


@register_model("plain44", **_cifar_metadata("Plain 44-layer net for CIFAR-10 (Figure 6)"),
                options=(_USE_BIAS,), references=(_cifar_reference(44, plain=True),))
def plain44(*, input_shape, classes, include_top, pooling, classifier_activation, **options):
    """The plain 44-layer network for CIFAR-10 (Figure 6, left) from "Deep Residual
    Learning for Image Recognition" (He et al., 2015), section 4.2: n=7, no shortcuts."""
    return _cifar_resnet("plain44", 44, input_shape=input_shape, classes=classes,
                         include_top=include_top, pooling=pooling,
                         classifier_activation=classifier_activation, **options)


@register_model("plain56", **_cifar_metadata("Plain 56-layer net for CIFAR-10 (Figure 6)"),
                options=(_USE_BIAS,), references=(_cifar_reference(56, plain=True),))
def plain56(*, input_shape, classes, include_top, pooling, classifier_activation, **options):
    """The plain 56-layer network for CIFAR-10 (Figure 6, left) from "Deep Residual
    Learning for Image Recognition" (He et al., 2015), section 4.2: n=9, no shortcuts."""
    return _cifar_resnet("plain56", 56, input_shape=input_shape, classes=classes,
                         include_top=include_top, pooling=pooling,
                         classifier_activation=classifier_activation, **options)

