"""EfficientNet-B0 to B7 (Tan and Le, 2019).

B0 is the baseline of Table 1: a 3x3 stem, seven stages of MBConv blocks (MobileNetV2's
inverted residual with squeeze-and-excitation and swish), a 1x1 convolution to 1280,
global average pooling and the classifier. B1-B7 scale it by the compound coefficients of
the official implementation (width, depth, resolution, dropout): widths are rounded to
multiples of 8 like MobileNetV2's, block counts rounded up. The residual branch of a block
is dropped per sample during training ("drop connect", i.e. stochastic depth), with a
rate that grows linearly from 0 to `drop_connect_rate` over the blocks.

The input is raw 0-255 pixels, as in keras.applications: the network starts with
`rescaling` (1/255) and `normalization`, whose per-channel mean and variance are weights
(identity when built; ImageNet's in the published weights; the trainer sets the training
images' for a run from scratch). With its ImageNet weights keras.applications adds a third
layer, a rescaling by 1/sqrt(std) that reproduces the original implementation's
normalisation (tensorflow/tensorflow#49930): so does `build(weights="imagenet")` here
(`stddev_correction`). Layer names follow keras.applications: `stem_conv`,
`block1a_dwconv`, `block1a_se_squeeze`, ..., `block2a_dwconv_pad`, `block1b_drop`,
`block1b_add`, `top_conv`, `avg_pool`, `top_dropout`, `predictions`.
"""

from __future__ import annotations

import math

import keras
from keras import layers

from netlib.architectures._common import (
    EFFICIENTNET_BN,
    fine_tuning_recipe,
    global_pool_head,
    make_divisible,
    pad_for_stride,
    small_data,
    variant,
    with_and_without_top,
)
from netlib.registry import (
    BlockPattern,
    Option,
    Pretrained,
    Recipe,
    Reference,
    register_family,
    register_model,
)

register_family(
    "EfficientNet",
    blocks=(
        BlockPattern(
            r"(block\d+[a-z])(?=_|$)", r"\1", "EfficientNet: block2a_expand_conv -> block2a"
        ),
    ),
    recipes=(
        small_data(
            3e-3, 8,
            "Measured here (benchmarks/small_data.py, the digits as RGB, 2-core CPU): Adam at 3e-3 with label smoothing 0.1, "
            "94.7% and 96.7% validation accuracy in two runs of 8 epochs at 64 px (1e-3: 89.4% after 6). On "
            "a GPU, 224 px, B0's own size, is within reach: set image_size.",
            image_size=64, label_smoothing=0.1,
        ),
        Recipe(
            "paper",
            dict(
                optimizer="sgd", momentum=0.9, nesterov=True, learning_rate=0.025,
                batch_size=64, epochs=60, weight_decay=1e-5, schedule="cosine",
                warmup_epochs=2.0, label_smoothing=0.1,
            ),
            "Tan & Le, 2019, section 5.2: weight decay 1e-5 and label smoothing 0.1 (kept); "
            "their RMSProp at 0.256 for batch 4096 is replaced by SGD with Nesterov momentum "
            "and cosine decay with warm-up at 0.1 per 256 images.",
        ),
        fine_tuning_recipe(),
    ),
)

_PAPER = dict(
    paper="EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks",
    authors="Mingxing Tan, Quoc V. Le",
    year=2019,
    url="https://arxiv.org/abs/1905.11946",
)
# Strided depthwise convolutions and the stem are padded like TensorFlow's "SAME" (the
# official implementation's), so sizes round up and a 1x1 input is the true minimum.
_MIN_SIZE = 1

# Table 1 (B0): per stage after the stem, the MBConv expansion, kernel, stride of the
# first block, output channels and number of blocks.
_STAGES = (
    (1, 3, 1, 16, 1),
    (6, 3, 2, 24, 2),
    (6, 5, 2, 40, 2),
    (6, 3, 2, 80, 3),
    (6, 5, 1, 112, 3),
    (6, 5, 2, 192, 4),
    (6, 3, 1, 320, 1),
)
_STEM_FILTERS = 32
_TOP_FILTERS = 1280
_SE_RATIO = 0.25  # of the block's input channels

# The official implementation's (width, depth, resolution, dropout) per variant.
_SCALING = {
    "efficientnet_b0": (1.0, 1.0, 224, 0.2),
    "efficientnet_b1": (1.0, 1.1, 240, 0.2),
    "efficientnet_b2": (1.1, 1.2, 260, 0.3),
    "efficientnet_b3": (1.2, 1.4, 300, 0.3),
    "efficientnet_b4": (1.4, 1.8, 380, 0.4),
    "efficientnet_b5": (1.6, 2.2, 456, 0.4),
    "efficientnet_b6": (1.8, 2.6, 528, 0.5),
    "efficientnet_b7": (2.0, 3.1, 600, 0.5),
}

# The official initialisers: normal with std sqrt(2 / fan_out) for convolutions (fan_out
# of a depthwise kernel is k*k), uniform in +-1/sqrt(classes) for the classifier.
_CONV_INIT = keras.initializers.VarianceScaling(2.0, "fan_out", "untruncated_normal")
_DENSE_INIT = keras.initializers.VarianceScaling(1.0 / 3.0, "fan_out", "uniform")
# keras.applications.efficientnet's IMAGENET_STDDEV_RGB, for the correcting rescaling.
_IMAGENET_STDDEV = (0.229, 0.224, 0.225)


def mbconv_block(
    x, filters_out, *, kernel_size, strides, expand_ratio, drop_rate=0.0, name
):
    """MBConv: expand (1x1, swish) by `expand_ratio`, depthwise `kernel_size` (swish),
    squeeze-and-excitation, linear 1x1 projection to `filters_out`; where input and output
    agree, the branch is dropped per sample with `drop_rate` and the input added.

    Layers are named `{name}expand_conv`, `{name}dwconv`, `{name}se_*`,
    `{name}project_conv`, `{name}drop`, `{name}add` (`name` like "block2a_").
    """
    filters_in = x.shape[-1]
    filters = filters_in * expand_ratio
    inputs = x
    if expand_ratio != 1:
        x = layers.Conv2D(filters, 1, use_bias=False, kernel_initializer=_CONV_INIT,
                          name=f"{name}expand_conv")(x)
        x = EFFICIENTNET_BN.layer(f"{name}expand_bn")(x)
        x = layers.Activation("swish", name=f"{name}expand_activation")(x)
    x, padding = pad_for_stride(x, kernel_size, strides, name=f"{name}dwconv_pad")
    x = layers.DepthwiseConv2D(kernel_size, strides=strides, padding=padding, use_bias=False,
                               depthwise_initializer=_CONV_INIT, name=f"{name}dwconv")(x)
    x = EFFICIENTNET_BN.layer(f"{name}bn")(x)
    x = layers.Activation("swish", name=f"{name}activation")(x)
    x = squeeze_excite(x, max(1, int(filters_in * _SE_RATIO)), name=name)
    x = layers.Conv2D(filters_out, 1, use_bias=False, kernel_initializer=_CONV_INIT,
                      name=f"{name}project_conv")(x)
    x = EFFICIENTNET_BN.layer(f"{name}project_bn")(x)
    if strides == 1 and filters_in == filters_out:
        if drop_rate > 0:
            # One keep/drop decision per sample for the whole branch (stochastic depth);
            # Dropout rescales the kept branches by 1 / (1 - rate), as the original does.
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = layers.Add(name=f"{name}add")([x, inputs])
    return x


def squeeze_excite(x, squeezed_filters, *, name):
    """Scale each channel of `x` by a gate computed from its global average: 1x1 reduce to
    `squeezed_filters` (swish), 1x1 expand back (sigmoid) (Hu et al., 2018)."""
    filters = x.shape[-1]
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se = layers.Reshape((1, 1, filters), name=f"{name}se_reshape")(se)
    se = layers.Conv2D(squeezed_filters, 1, activation="swish", kernel_initializer=_CONV_INIT,
                       name=f"{name}se_reduce")(se)
    se = layers.Conv2D(filters, 1, activation="sigmoid", kernel_initializer=_CONV_INIT,
                       name=f"{name}se_expand")(se)
    return layers.Multiply(name=f"{name}se_excite")([x, se])


def input_normalization(x, stddev_correction=False):
    """keras.applications' start of the network: pixels / 255, then a per-channel
    normalisation whose statistics are weights (mean 0, variance 1 until loaded or set);
    with `stddev_correction`, the further 1/sqrt(std) of its ImageNet weights."""
    x = layers.Rescaling(1.0 / 255.0, name="rescaling")(x)
    x = layers.Normalization(axis=-1, name="normalization")(x)
    if stddev_correction:
        scale = [1.0 / math.sqrt(std) for std in _IMAGENET_STDDEV]
        x = layers.Rescaling(scale, name="stddev_correction")(x)
    return x


def _efficientnet(
    name, *, input_shape, classes, include_top, pooling, classifier_activation,
    drop_connect_rate, dropout, stddev_correction=False,
):
    """The network `name` of `_SCALING`: B0 of Table 1, widened and deepened."""
    width, depth, _, _ = _SCALING[name]
    inputs = keras.Input(shape=input_shape, name="input")
    x = input_normalization(inputs, stddev_correction)
    x, padding = pad_for_stride(x, 3, 2, name="stem_conv_pad")
    x = layers.Conv2D(make_divisible(_STEM_FILTERS * width), 3, strides=2, padding=padding,
                      use_bias=False, kernel_initializer=_CONV_INIT, name="stem_conv")(x)
    x = EFFICIENTNET_BN.layer("stem_bn")(x)
    x = layers.Activation("swish", name="stem_activation")(x)

    repeats = [math.ceil(depth * stage[-1]) for stage in _STAGES]
    total_blocks, block_index = sum(repeats), 0
    for stage, ((expand_ratio, kernel_size, stride, filters, _), count) in enumerate(
        zip(_STAGES, repeats), start=1
    ):
        for i in range(count):
            x = mbconv_block(
                x,
                make_divisible(filters * width),
                kernel_size=kernel_size,
                strides=stride if i == 0 else 1,
                expand_ratio=expand_ratio,
                drop_rate=drop_connect_rate * block_index / total_blocks,
                name=f"block{stage}{chr(ord('a') + i)}_",
            )
            block_index += 1

    x = layers.Conv2D(make_divisible(_TOP_FILTERS * width), 1, use_bias=False,
                      kernel_initializer=_CONV_INIT, name="top_conv")(x)
    x = EFFICIENTNET_BN.layer("top_bn")(x)
    x = layers.Activation("swish", name="top_activation")(x)
    x = global_pool_head(
        x, include_top=include_top, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation, dropout=dropout,
        dropout_name="top_dropout", kernel_initializer=_DENSE_INIT,
    )
    return keras.Model(inputs, x, name=name)


def _torchvision_macs(gflops):
    return dict(macs=gflops * 1e9, macs_source=f"torchvision: {gflops} GFLOPS (its _ops), "
                "which are multiply-accumulates")


# Per variant: trainable parameters (keras.applications and torchvision agree), the MACs
# of the headline reference, and any further reference.
_COUNTS = {
    "efficientnet_b0": (5_288_548, dict(
        macs=0.386e9, macs_source="torchvision: 0.386 GFLOPS, which are multiply-accumulates; "
        "Tan and Le 2019, Table 2: 0.39B FLOPs")),
    "efficientnet_b1": (7_794_184, _torchvision_macs(0.687)),
    # torchvision evaluates B2 at 288x288, not the official 260: its MACs are for that size.
    "efficientnet_b2": (9_109_994, {}, Reference(
        9_109_994, "torchvision efficientnet_b2 (trainable parameters)", trainable_only=True,
        input_size=288, **_torchvision_macs(1.088))),
    "efficientnet_b3": (12_233_232, _torchvision_macs(1.827)),
    "efficientnet_b4": (19_341_616, _torchvision_macs(4.394)),
    "efficientnet_b5": (30_389_784, _torchvision_macs(10.266)),
    "efficientnet_b6": (43_040_704, _torchvision_macs(19.068)),
    "efficientnet_b7": (66_347_960, _torchvision_macs(37.746)),
}
_CITATION = f'"{_PAPER["paper"]}" (Tan and Le, 2019)'


def _doc(name):
    width, depth, resolution, _ = _SCALING[name]
    if name == "efficientnet_b0":
        return f"EfficientNet-B0, the baseline network (Table 1) of {_CITATION}."
    scaled = [f"{what} x{factor}" for what, factor in (("width", width), ("depth", depth))
              if factor != 1.0]
    return (f"EfficientNet-{_variant(name)} of {_CITATION}: B0 with {', '.join(scaled)} at "
            f"{resolution}x{resolution}.")


def _variant(name):
    return name.rsplit("_", 1)[-1].upper()


_WEIGHTS_URL = "https://storage.googleapis.com/keras-applications/"
# keras.applications.efficientnet.WEIGHTS_HASHES: (with the classifier, without).
_WEIGHTS_HASHES = {
    "b0": ("902e53a9f72be733fc0bcb005b3ebbac", "50bc09e76180e00e4465e1a485ddc09d"),
    "b1": ("1d254153d4ab51201f1646940f018540", "74c4e6b3e1f6a1eea24c589628592432"),
    "b2": ("b15cce36ff4dcbd00b6dd88e7857a6ad", "111f8e2ac8aa800a7a99e3239f7bfb39"),
    "b3": ("ffd1fdc53d0ce67064dc6a9c7960ede0", "af6d107764bb5b1abb91932881670226"),
    "b4": ("18c95ad55216b8f92d7e70b3a046e2fc", "ebc24e6d6c33eaebbd558eafbeedf1ba"),
    "b5": ("ace28f2a6363774853a83a0b21b9421a", "38879255a25d3c92d5e44e04ae6cec6f"),
    "b6": ("165f6e37dce68623721b423839de8be5", "9ecce42647a20130c1f39a5d4cb75743"),
    "b7": ("8c03f828fec3ef71311cd463b6759d99", "cbcfe4450ddf6f3ad90b1b398090fe4a"),
}


def _pretrained(name) -> Pretrained:
    """keras.applications.EfficientNetBx's two files: `efficientnetbx.h5` and
    `efficientnetbx_notop.h5`, at the variant's resolution."""
    variant = name.rsplit("_", 1)[-1]
    stem = f"efficientnet{variant}"
    resolution = _SCALING[name][2]
    files = with_and_without_top(_WEIGHTS_URL, (f"{stem}.h5", f"{stem}_notop.h5"),
                                 _WEIGHTS_HASHES[variant], input_size=resolution)
    return Pretrained(f"keras.applications.EfficientNet{variant.upper()}", "inside", files,
                      imagenet_arguments={"stddev_correction": True})


def _register(name, params, macs, *extra_references):
    """Register an EfficientNet variant with its scaled defaults and published counts."""
    width, depth, resolution, dropout = _SCALING[name]
    register_model(
        name,
        family="EfficientNet",
        description=f"EfficientNet-{_variant(name)}: width x{width}, depth x{depth}, "
        f"{resolution}x{resolution}",
        input_shape=(resolution, resolution, 3),
        min_input_size=_MIN_SIZE,
        options=(
            Option("drop_connect_rate", 0.2, help="largest per-sample drop rate of a "
                   "residual branch (the last block's; 0 for the first)", minimum=0.0,
                   maximum=0.9),
            Option("dropout", dropout, help="dropout rate before the classifier",
                   minimum=0.0, maximum=0.9),
        ),
        references=(
            Reference(params, "keras.applications and torchvision agree (trainable "
                      "parameters)", trainable_only=True, **macs),
            *extra_references,
        ),
        pretrained=_pretrained(name),
        input_preprocessing="rescaling (1/255) and normalization, as in keras.applications",
        **_PAPER,
    )(variant(name, _doc(name), _efficientnet))


for _name, _counts in _COUNTS.items():
    _register(_name, *_counts)
