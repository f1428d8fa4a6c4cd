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

import dataclasses

import keras
from keras import layers

from netlib.architectures._common import (
    RESNET_BN,
    STAGE_NAMES,
    fine_tuning_recipe,
    global_pool_head,
    small_data,
    step_schedule,
    variant,
    with_and_without_top,
)
from netlib.layers import ZeroPadShortcut
from netlib.registry import (
    BlockPattern,
    Option,
    Pretrained,
    Recipe,
    Reference,
    register_family,
    register_model,
)

_DEFAULT = small_data(
    1e-3, 6,
    "Measured here (benchmarks/small_data.py, the digits as RGB, 2-core CPU): Adam at "
    "1e-3, resnet20 at its 32 px 98.9-99.4% and resnet18 at 64 px 99.4-99.7% validation "
    "accuracy within 6 epochs (two runs each). The ImageNet networks start at 64 px on a CPU; on a GPU, 224 px, the "
    "paper's size, is within reach: set image_size.",
)

register_family(
    "ResNet",
    blocks=(
        BlockPattern(
            r"(conv\d+_block\d+)(?=_|$)", r"\1", "ResNet: conv3_block2_1_conv -> conv3_block2"
        ),
        STAGE_NAMES,  # conv1_conv -> conv1, pool1_pool -> pool1
    ),
    recipes=(
        _DEFAULT,
        Recipe(
            "paper",
            {**step_schedule(0.05, 1e-4, epochs=40), "augment": None},
            "He et al., 2015, section 4.2 (CIFAR-10): SGD, momentum 0.9, weight decay 1e-4, "
            "batch 128, rate 0.1 divided by 10 at 50% and 75% of training (here: batch 64, "
            "rate 0.05). On a few hundred images it learns slowly in short CPU runs.",
        ),
        fine_tuning_recipe(),
    ),
)
# The plain nets' paper recipe is their ResNets' (section 4.1: trained exactly alike).
_PLAIN_PAPER = Recipe(
    "paper",
    step_schedule(0.05, 1e-4, epochs=40),
    "The plain baselines of He et al., 2015 trained exactly as their ResNets.",
)


def _own_recipes(input_shape, plain) -> tuple[Recipe, ...]:
    """The ImageNet networks start at 64 px on a CPU (the family's default otherwise)."""
    own = [_PLAIN_PAPER] if plain else []
    if input_shape == _IMAGENET_SHAPE:
        own.append(dataclasses.replace(_DEFAULT, values={**_DEFAULT.values, "image_size": 64}))
    return tuple(own)


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
    x = RESNET_BN.layer(f"{name}_bn")(x)
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


def stages(x, block, filters, blocks_per_stage, *, shortcut_mode, use_bias):
    """conv2_x, conv3_x, ...: one `stack` per stage, each down-sampling by 2 but the
    first, which follows the stem (its max pooling, on ImageNet) at stride 1."""
    for stage, (width, blocks) in enumerate(zip(filters, blocks_per_stage)):
        x = stack(x, block, width, blocks, strides=1 if stage == 0 else 2,
                  shortcut_mode=shortcut_mode, use_bias=use_bias, name=f"conv{stage + 2}")
    return x


# --------------------------------------------------------------------- generic nets


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
    x = stages(x, _BLOCKS[block_type], _IMAGENET_FILTERS, blocks_per_stage,
               shortcut_mode=shortcut, use_bias=use_bias)
    outputs = global_pool_head(x, include_top=include_top, pooling=pooling, classes=classes,
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
    x = stages(x, basic_block, _CIFAR_FILTERS, (n,) * len(_CIFAR_FILTERS),
               shortcut_mode=shortcut, use_bias=use_bias)
    outputs = global_pool_head(x, include_top=include_top, pooling=pooling, classes=classes,
                               classifier_activation=classifier_activation)
    return keras.Model(inputs, outputs, name=name)


def _register(name, depth, build, *, description, doc, input_shape, plain, options,
              references, pretrained=None):
    register_model(
        name,
        family="ResNet",
        description=description,
        input_shape=input_shape,
        min_input_size=_MIN_SIZE,
        options=options,
        references=references,
        recipes=_own_recipes(input_shape, plain),
        pretrained=pretrained,
        **_PAPER,
    )(variant(name, doc, build, depth=depth))


_CITATION = f'"{_PAPER["paper"]}" (He et al., 2015)'

# ------------------------------------------------------------------ ImageNet models

_TORCHVISION = "torchvision {} (trainable parameters)"
_KERAS = "keras.applications.{} (total parameters; its convolutions carry biases)"
_MACS_TORCHVISION = "torchvision {}: {} GFLOPS (its _ops), which are multiply-accumulates"
_MACS_PAPER = "He et al. 2015, Table 1: {}x10^9 FLOPs (multiply-adds)"

# Per depth: torchvision's trainable parameters and keras.applications' total (with biases).
_TORCHVISION_PARAMS = {18: 11_689_512, 34: 21_797_672, 50: 25_557_032, 101: 44_549_160,
                       152: 60_192_808}
_KERAS_PARAMS = {50: 25_636_712, 101: 44_707_176, 152: 60_419_944}
# Per network: MACs in G, whose (torchvision's GFLOPS or the paper's Table 1), tolerance.
# torchvision's resnet50 moves the stride to the 3x3 ("v1.5"): same parameters, more MACs
# (4.09 G), so its MACs are not ours; the paper's 3.8 G are. This builder counts 3.86 G
# (convolutions and classifier), 1.5% above the two-digit figure.
_MACS = {
    "resnet18": (1.814, "torchvision", 0.01),
    "resnet34": (3.664, "torchvision", 0.01),
    "resnet50": (3.8, "paper", 0.03),
    "resnet101": (7.6, "paper", 0.01),
    "resnet152": (11.3, "paper", 0.01),
    "plain18": (1.8, "paper", 0.03),
    "plain34": (3.6, "paper", 0.03),
}

# A plain net has exactly the parameters of its ResNet with option A (section 4.1: "no
# extra parameter compared to the plain counterparts"), i.e. torchvision's option-B count
# less the three 1x1 projections (with batch norm) where the width doubles.
_PROJECTIONS_18_34 = sum(c * 2 * c + 2 * (2 * c) for c in (64, 128, 256))  # 173,824
_PLAIN_SOURCE = (
    "He et al. 2015, section 4.1 (plain nets have the parameters of their option-A ResNet): "
    "torchvision {} {:,} less its three projection shortcuts (173,824), trainable"
)


def _macs(name):
    gflops, source, tolerance = _MACS[name]
    text = (_MACS_TORCHVISION.format(name, gflops) if source == "torchvision"
            else _MACS_PAPER.format(gflops))
    return dict(macs=float(f"{gflops}e9"), macs_source=text, macs_tolerance=tolerance)


def _imagenet_references(name, depth, plain):
    resnet = f"resnet{depth}"
    params = _TORCHVISION_PARAMS[depth]
    if plain:
        source, params = _PLAIN_SOURCE.format(resnet, params), params - _PROJECTIONS_18_34
    else:
        source = _TORCHVISION.format(resnet)
    references = [Reference(params, source, trainable_only=True, **_macs(name))]
    if not plain and depth in _KERAS_PARAMS:
        references.append(Reference(_KERAS_PARAMS[depth], _KERAS.format(f"ResNet{depth}"),
                                    options={"use_bias": True}))
    return tuple(references)


def _imagenet_doc(depth, plain):
    if plain:
        return (f"The plain {depth}-layer network of {_CITATION}, section 4.1 and Figure 4: "
                f"ResNet-{depth}'s layers without the shortcuts.")
    block_type, blocks = _IMAGENET_STAGES[depth]
    width = " (x4 out)" if block_type == "bottleneck" else ""
    return (f"ResNet-{depth} from {_CITATION}, Table 1: {', '.join(map(str, blocks))} "
            f"{block_type} blocks of width {', '.join(map(str, _IMAGENET_FILTERS))}{width}.")


_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
# keras.applications.resnet.WEIGHTS_HASHES: (with the classifier, without).
_WEIGHTS_HASHES = {
    50: ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
    101: ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
    152: ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"),
}


def _pretrained(depth) -> Pretrained | None:
    """keras.applications.ResNet50/101/152's files. Their convolutions carry biases and
    their shortcuts are projections where the shape changes (option B)."""
    if depth not in _WEIGHTS_HASHES:
        return None
    files = with_and_without_top(
        _WEIGHTS_URL,
        (f"resnet{depth}_weights_tf_dim_ordering_tf_kernels.h5",
         f"resnet{depth}_weights_tf_dim_ordering_tf_kernels_notop.h5"),
        _WEIGHTS_HASHES[depth],
    )
    return Pretrained(f"keras.applications.ResNet{depth}", "caffe", files,
                      requires={"use_bias": True, "shortcut": "B"})


def _register_imagenet(depth, plain=False):
    name = f"plain{depth}" if plain else f"resnet{depth}"
    description = (
        f"Plain {depth}-layer network, ResNet-{depth} without shortcuts (Figure 4)" if plain
        else f"ResNet-{depth}, {_IMAGENET_STAGES[depth][0]} blocks, ImageNet (Table 1)"
    )
    _register(
        name, depth, _imagenet_resnet, description=description,
        doc=_imagenet_doc(depth, plain), input_shape=_IMAGENET_SHAPE, plain=plain,
        options=(_USE_BIAS,) if plain else (_shortcut_option("B"), _USE_BIAS),
        references=_imagenet_references(name, depth, plain),
        pretrained=None if plain else _pretrained(depth),
    )


# --------------------------------------------------------------------- CIFAR models

# Table 6 gives the parameters of the CIFAR-10 ResNets (10 classes, option A) to two
# significant digits; section 4.2 says the plain nets have "exactly the same ... number of
# parameters". The exact counts below are this builder's trainable weights, each of which
# rounds to the paper's figure (tests/test_arch_modern.py checks the rounding).
CIFAR_PAPER_PARAMS = {20: "0.27M", 32: "0.46M", 44: "0.66M", 56: "0.85M", 110: "1.7M"}
_CIFAR_EXACT_PARAMS = {20: 269_722, 32: 464_154, 44: 658_586, 56: 853_018, 110: 1_727_962}
# Figure 6 (left) trains plain nets of these depths.
_CIFAR_PLAIN_DEPTHS = (20, 32, 44, 56)


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


def _register_cifar(depth, plain=False):
    n = (depth - 2) // 6
    if plain:
        name, description = f"plain{depth}", f"Plain {depth}-layer net for CIFAR-10 (Figure 6)"
        doc = (f"The plain {depth}-layer network for CIFAR-10 (Figure 6, left) from "
               f"{_CITATION}, section 4.2: n={n}, no shortcuts.")
    else:
        name, description = f"resnet{depth}", f"ResNet-{depth} for CIFAR-10 (section 4.2)"
        doc = (f"ResNet-{depth} for CIFAR-10 from {_CITATION}, section 4.2: n={n} basic "
               f"blocks per stage, 6n + 2 = {depth} layers.")
    _register(
        name, depth, _cifar_resnet, description=description, doc=doc,
        input_shape=_CIFAR_SHAPE, plain=plain,
        options=(_USE_BIAS,) if plain else (_shortcut_option("A"), _USE_BIAS),
        references=(_cifar_reference(depth, plain),),
    )


for _depth in _IMAGENET_STAGES:
    _register_imagenet(_depth)
for _depth in (18, 34):
    _register_imagenet(_depth, plain=True)
for _depth in CIFAR_PAPER_PARAMS:
    _register_cifar(_depth)
for _depth in _CIFAR_PLAIN_DEPTHS:
    _register_cifar(_depth, plain=True)
