"""MobileNet v1 (Howard et al., 2017) and MobileNetV2 (Sandler et al., 2018).

v1 factorises each 3x3 convolution into a depthwise 3x3 and a pointwise 1x1 convolution,
each followed by batch norm and ReLU (Figure 3); `alpha` thins every layer, and
`depth_multiplier` widens the depthwise ones. v2 stacks inverted residual blocks: a 1x1
expansion by t, a depthwise 3x3, and a linear 1x1 projection, with a shortcut where input
and output agree (Figure 3b, Table 1, Table 2).

Both use ReLU6, as the official TensorFlow models do (the v2 paper: "ReLU6 ... because of
its robustness when used with low-precision computation [MobileNetV1]"), and pad like
TensorFlow's "SAME" (the original implementations' padding): strided depthwise
convolutions are padded explicitly (`conv_pad_2`, `block_1_pad`, keras.applications'
names), every size rounds up, and so a 1x1 input is the true minimum.

Layer names follow keras.applications (`conv_dw_1`, `conv_pw_1_bn`; `block_1_expand`,
`block_1_depthwise_BN`, `block_2_add`, `Conv_1`, `out_relu`), with the classifier as a
Dense layer named `predictions` after `avg_pool` and `dropout`.
"""

from __future__ import annotations

import keras
from keras import layers

from netlib.architectures._common import (
    MOBILENET_BN,
    STAGE_NAMES,
    fine_tuning_recipe,
    global_pool_head,
    make_divisible,
    pad_for_stride,
    small_data,
)
from netlib.registry import (
    BlockPattern,
    Option,
    Pretrained,
    Recipe,
    Reference,
    WeightsFile,
    register_family,
    register_model,
)

# Both papers trained with RMSProp, whose rates do not scale down to small batches reliably.
_SGD_IN_PLACE_OF_RMSPROP = dict(
    optimizer="sgd", momentum=0.9, nesterov=True, learning_rate=0.025, batch_size=64,
    epochs=60, weight_decay=4e-5, schedule="cosine", warmup_epochs=2.0, label_smoothing=0.1,
)
register_family(
    "MobileNet",
    blocks=(
        BlockPattern(
            r"conv_(?:dw|pw|pad)_(\d+)(?=_|$)", r"block_\1", "MobileNet: conv_pw_5_bn -> block_5"
        ),
        STAGE_NAMES,  # conv1_bn -> conv1
    ),
    recipes=(
        small_data(
            1e-3, 10,
            "Measured here (benchmarks/small_data.py, the digits as RGB, 2-core CPU): Adam at 1e-3 with small shifts and zooms "
            "and label smoothing 0.1, 95.5% and 95.3% validation accuracy in two runs of 10 epochs at 64 px; "
            "without them it fitted the training images (100%) and validated at 90.0%. On a "
            "GPU, 224 px, the paper's size, is within reach: set image_size.",
            image_size=64, augment=["translation", "zoom"], label_smoothing=0.1,
        ),
        Recipe(
            "paper",
            _SGD_IN_PLACE_OF_RMSPROP,
            "Howard et al., 2017 trained with RMSProp and little weight decay on depthwise "
            "filters; RMSProp's rates do not scale down to small batches reliably, so: SGD "
            "with Nesterov momentum, weight decay 4e-5, cosine decay with warm-up (Goyal et "
            "al., 2017; Loshchilov & Hutter, 2017), rate 0.1 per 256 images.",
        ),
        fine_tuning_recipe(),
    ),
)
register_family(
    "MobileNetV2",
    blocks=(
        BlockPattern(r"(block_\d+)(?=_|$)", r"\1", "MobileNetV2: block_3_expand -> block_3"),
        BlockPattern(
            r"expanded_conv(?=_|$)", "block_0", "MobileNetV2: expanded_conv_project -> block_0"
        ),
    ),
    recipes=(
        small_data(
            1e-3, 10,
            "Measured here (benchmarks/small_data.py, the digits as RGB, 2-core CPU): Adam at 1e-3 with small shifts and zooms "
            "and label smoothing 0.1, 94.4% and 97.8% validation accuracy in two runs of 10 epochs at 64 px; "
            "without them it fitted the training images (100%) and validated at 92.2%. On a "
            "GPU, 224 px, the paper's size, is within reach: set image_size.",
            image_size=64, augment=["translation", "zoom"], label_smoothing=0.1,
        ),
        Recipe(
            "paper",
            _SGD_IN_PLACE_OF_RMSPROP,
            "Sandler et al., 2018, section 6.1: weight decay 4e-5 (kept); their RMSProp at "
            "0.045 for batch 96 is replaced, as for MobileNet v1, by SGD with Nesterov "
            "momentum and cosine decay with warm-up at 0.1 per 256 images.",
        ),
        fine_tuning_recipe(),
    ),
)

_MIN_SIZE = 1
_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/"


def _pretrained(counterpart, alphas, sizes, file_name, **requires) -> Pretrained:
    """keras.applications' files of every (alpha, size), with and without the classifier:
    `file_name(alpha, size, include_top)` is their name (no hashes: keras.applications
    checks none for the MobileNets)."""
    folder = "mobilenet_v2" if counterpart.endswith("V2") else "mobilenet"
    files = tuple(
        WeightsFile(name, f"{_WEIGHTS_URL}{folder}/{name}", None, include_top=top,
                    input_size=size, options={"alpha": alpha})
        for alpha in alphas
        for size in sizes
        for top in (True, False)
        for name in [file_name(alpha, size, top)]
    )
    return Pretrained(f"keras.applications.{counterpart}", "tf", files, requires=requires)


def _v1_file(alpha, size, include_top):
    text = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}[alpha]
    return f"mobilenet_{text}_{size}_tf{'' if include_top else '_no_top'}.h5"


def _v2_file(alpha, size, include_top):
    return (f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{size}"
            f"{'' if include_top else '_no_top'}.h5")


def _dropout_option(default, source):
    return Option(
        "dropout",
        default,
        help=f"dropout rate before the classifier ({source})",
        minimum=0.0,
        maximum=0.9,
    )


# ---------------------------------------------------------------------- MobileNet v1

_V1_PAPER = dict(
    paper="MobileNets: Efficient Convolutional Neural Networks for Mobile Vision Applications",
    authors="Andrew G. Howard, Menglong Zhu, Bo Chen, Dmitry Kalenichenko, Weijun Wang, "
    "Tobias Weyand, Marco Andreetto, Hartwig Adam",
    year=2017,
    url="https://arxiv.org/abs/1704.04861",
)

# Table 1: pointwise filters and depthwise stride of the 13 separable blocks. The table's
# second-to-last "Conv dw / s2" on a 7x7 input is a misprint: the output stays 7x7, and the
# official model uses stride 1 there.
_V1_BLOCKS = (
    (64, 1),
    (128, 2),
    (128, 1),
    (256, 2),
    (256, 1),
    (512, 2),
    (512, 1),
    (512, 1),
    (512, 1),
    (512, 1),
    (512, 1),
    (1024, 2),
    (1024, 1),
)


def _v1_width_reference(alpha, params, macs):
    # Table 6 gives these widths' cost to two or three digits (2.6M parameters and 325M
    # mult-adds for 0.75, ...); the exact counts are keras.applications.MobileNet's.
    return Reference(
        params,
        f"keras.applications.MobileNet(alpha={alpha}) (total parameters)",
        options={"alpha": alpha},
        macs=macs,
        macs_source=f"Howard et al. 2017, Table 6: {macs / 1e6:.0f} million mult-adds for "
        f"{alpha} MobileNet-224",
        macs_tolerance=0.02,
    )


def depthwise_separable_block(x, filters, *, strides=1, depth_multiplier=1, block_id):
    """3x3 depthwise (stride `strides`) then 1x1 pointwise to `filters`, each with batch
    norm and ReLU6 (Figure 3 right); named `conv_dw_{id}*`, `conv_pw_{id}*`."""
    x, padding = pad_for_stride(x, 3, strides, name=f"conv_pad_{block_id}")
    x = layers.DepthwiseConv2D(
        3,
        strides=strides,
        padding=padding,
        depth_multiplier=depth_multiplier,
        use_bias=False,
        name=f"conv_dw_{block_id}",
    )(x)
    x = MOBILENET_BN.layer(f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(filters, 1, use_bias=False, name=f"conv_pw_{block_id}")(x)
    x = MOBILENET_BN.layer(f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


@register_model(
    "mobilenet",
    family="MobileNet",
    description="MobileNet v1: depthwise separable convolutions, width multiplier alpha",
    input_shape=(224, 224, 3),
    min_input_size=_MIN_SIZE,
    options=(
        Option("alpha", 1.0, help="width multiplier (section 4.2)",
               choices=(0.25, 0.5, 0.75, 1.0)),
        Option("depth_multiplier", 1, help="channels per input channel of every depthwise "
               "convolution", minimum=1),
        _dropout_option(1e-3, "keras.applications' default"),
    ),
    references=(
        Reference(4_253_864, "keras.applications.MobileNet, alpha=1.0 (total parameters)",
                  macs=569e6, macs_source="Howard et al. 2017, Table 8: 569 million "
                  "mult-adds for 1.0 MobileNet-224"),
        *(_v1_width_reference(alpha, params, macs) for alpha, params, macs in (
            (0.75, 2_601_976, 325e6),
            (0.5, 1_342_536, 149e6),
            (0.25, 475_544, 41e6),
        )),
    ),
    # keras.applications' classifier is a 1x1 convolution (`conv_preds`) where this one
    # is the paper's dense layer: netlib.weights reshapes its kernel.
    pretrained=_pretrained("MobileNet", (0.25, 0.5, 0.75, 1.0), (128, 160, 192, 224),
                           _v1_file, depth_multiplier=1),
    **_V1_PAPER,
)
def mobilenet(*, input_shape, classes, include_top, pooling, classifier_activation,
              alpha=1.0, depth_multiplier=1, dropout=1e-3):
    """MobileNet v1 from "MobileNets: Efficient Convolutional Neural Networks for Mobile
    Vision Applications" (Howard et al., 2017), Table 1: a 3x3/2 convolution with 32
    filters, 13 depthwise separable blocks, global average pooling and the classifier;
    every width times `alpha`."""
    inputs = keras.Input(shape=input_shape, name="input")
    x = layers.Conv2D(int(32 * alpha), 3, strides=2, padding="same", use_bias=False,
                      name="conv1")(inputs)
    x = MOBILENET_BN.layer("conv1_bn")(x)
    x = layers.ReLU(6.0, name="conv1_relu")(x)
    for block_id, (filters, strides) in enumerate(_V1_BLOCKS, start=1):
        x = depthwise_separable_block(x, int(filters * alpha), strides=strides,
                                      depth_multiplier=depth_multiplier, block_id=block_id)
    outputs = global_pool_head(x, include_top=include_top, pooling=pooling, classes=classes,
                               classifier_activation=classifier_activation, dropout=dropout)
    return keras.Model(inputs, outputs, name="mobilenet")


# ---------------------------------------------------------------------- MobileNetV2

_V2_PAPER = dict(
    paper="MobileNetV2: Inverted Residuals and Linear Bottlenecks",
    authors="Mark Sandler, Andrew Howard, Menglong Zhu, Andrey Zhmoginov, Liang-Chieh Chen",
    year=2018,
    url="https://arxiv.org/abs/1801.04381",
)

# Table 2: expansion t, output channels c, repeats n, first stride s of each sequence.
_V2_SEQUENCES = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)
_V2_STEM_FILTERS = 32
_V2_LAST_FILTERS = 1280


def inverted_residual_block(x, filters, *, expansion, strides, block_id):
    """Expand (1x1, ReLU6) by `expansion`, depthwise 3x3 (ReLU6), project linearly (1x1)
    to `filters`; add the input where shapes agree (Table 1, Figure 4d).

    Block 0 has no expansion and keras' prefix `expanded_conv_`; the others `block_{id}_`.
    """
    prefix = "expanded_conv_" if block_id == 0 else f"block_{block_id}_"
    in_channels = x.shape[-1]
    inputs = x
    if block_id > 0:
        x = layers.Conv2D(expansion * in_channels, 1, use_bias=False,
                          name=f"{prefix}expand")(x)
        x = MOBILENET_BN.layer(f"{prefix}expand_BN")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    x, padding = pad_for_stride(x, 3, strides, name=f"{prefix}pad")
    x = layers.DepthwiseConv2D(3, strides=strides, padding=padding, use_bias=False,
                               name=f"{prefix}depthwise")(x)
    x = MOBILENET_BN.layer(f"{prefix}depthwise_BN")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    # The linear bottleneck: no non-linearity after the projection (section 3.2).
    x = layers.Conv2D(filters, 1, use_bias=False, name=f"{prefix}project")(x)
    x = MOBILENET_BN.layer(f"{prefix}project_BN")(x)
    if strides == 1 and in_channels == filters:
        x = layers.Add(name=f"{prefix}add")([inputs, x])
    return x


@register_model(
    "mobilenet_v2",
    family="MobileNetV2",
    description="MobileNetV2: inverted residuals and linear bottlenecks, width multiplier "
    "alpha",
    input_shape=(224, 224, 3),
    min_input_size=_MIN_SIZE,
    options=(
        Option("alpha", 1.0, help="width multiplier (channels rounded to multiples of 8)",
               choices=(0.35, 0.5, 0.75, 1.0, 1.3, 1.4)),
        _dropout_option(0.2, "the reference implementation keeps 0.8; torchvision: 0.2"),
    ),
    references=(
        Reference(3_538_984, "keras.applications.MobileNetV2, alpha=1.0 (total parameters)"),
        Reference(3_504_872, "torchvision mobilenet_v2 (trainable parameters)",
                  trainable_only=True, macs=0.301e9, macs_source="torchvision mobilenet_v2: "
                  "0.301 GFLOPS, which are multiply-accumulates (paper, Table 4: 300M)"),
    ),
    pretrained=_pretrained("MobileNetV2", (0.35, 0.5, 0.75, 1.0, 1.3, 1.4),
                           (96, 128, 160, 192, 224), _v2_file),
    **_V2_PAPER,
)
def mobilenet_v2(*, input_shape, classes, include_top, pooling, classifier_activation,
                 alpha=1.0, dropout=0.2):
    """MobileNetV2 from "MobileNetV2: Inverted Residuals and Linear Bottlenecks" (Sandler
    et al., 2018), Table 2: a 3x3/2 convolution with 32 filters, 17 inverted residual
    blocks, a 1x1 convolution to 1280, global average pooling and the classifier. With
    `alpha` every width is scaled and rounded to a multiple of 8, except the last 1280,
    which only grows (alpha > 1), as in the reference implementation."""
    inputs = keras.Input(shape=input_shape, name="input")
    x = layers.Conv2D(make_divisible(_V2_STEM_FILTERS * alpha), 3, strides=2, padding="same",
                      use_bias=False, name="Conv1")(inputs)
    x = MOBILENET_BN.layer("bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    block_id = 0
    for expansion, channels, repeats, first_stride in _V2_SEQUENCES:
        for i in range(repeats):
            x = inverted_residual_block(
                x,
                make_divisible(channels * alpha),
                expansion=expansion,
                strides=first_stride if i == 0 else 1,
                block_id=block_id,
            )
            block_id += 1
    last_filters = make_divisible(_V2_LAST_FILTERS * alpha) if alpha > 1.0 else _V2_LAST_FILTERS
    x = layers.Conv2D(last_filters, 1, use_bias=False, name="Conv_1")(x)
    x = MOBILENET_BN.layer("Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    outputs = global_pool_head(x, include_top=include_top, pooling=pooling, classes=classes,
                               classifier_activation=classifier_activation, dropout=dropout)
    return keras.Model(inputs, outputs, name="mobilenet_v2")
