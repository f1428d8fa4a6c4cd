"""VGG (Simonyan & Zisserman, 2014): stacks of 3x3 convolutions, configurations A, B, D, E.

Layer names are keras.applications': block1_conv1, block1_conv2, block1_pool, ..., flatten,
fc1, fc2, predictions, plus the paper's dropout1 and dropout2 after fc1 and fc2; with
`batch_norm`, block1_conv1_bn and block1_conv1_relu follow each convolution.
"""

from __future__ import annotations

from typing import NamedTuple

import keras
from keras import layers

from netlib.architectures._common import (
    OPTIONAL_BN,
    alexnet_procedure,
    fine_tuning_recipe,
    pooled_features,
    predictions,
    small_data,
    variant,
    with_and_without_top,
)
from netlib.registry import (
    BlockPattern,
    Option,
    Pretrained,
    Reference,
    register_family,
    register_model,
)

register_family(
    "VGG",
    blocks=(BlockPattern(r"(block\d+)(?=_|$)", r"\1", "VGG: block3_conv1 -> block3"),),
    recipes=(
        small_data(
            1e-3, 6,
            "Measured here (benchmarks/small_data.py, the digits as RGB, 2-core CPU): Adam at "
            "1e-3, vgg11 98.9% and, in a later run, 95.0% validation accuracy in 6 epochs at 32 px, VGG's "
            "smallest input (1e-4: 91.4%). On a GPU, 224 px, the paper's size, is within "
            "reach: set image_size.",
            image_size=32,
        ),
        alexnet_procedure(
            0.0025, 5e-4,
            "Simonyan & Zisserman, 2014, section 3.1: SGD, momentum 0.9, weight decay 5e-4, "
            "batch 256, rate 0.01 divided by 10 when validation accuracy stopped improving "
            "(here: batch 64, rate scaled to 0.0025).",
        ),
        fine_tuning_recipe(),
    ),
)

# Table 1 of the paper: the filters of the five blocks.
_WIDTHS = (64, 128, 256, 512, 512)


class _Configuration(NamedTuple):
    """One column of Table 1 and its published counts."""

    name: str
    letter: str
    convs: tuple[int, ...]  # convolutions per block
    params: int  # keras.applications' and torchvision's
    macs: float  # torchvision's
    params_bn: int  # torchvision's trainable count of the batch-normalised variant


_CONFIGURATIONS = (
    _Configuration("vgg11", "A", (1, 1, 2, 2, 2), 132_863_336, 7.61e9, 132_868_840),
    _Configuration("vgg13", "B", (2, 2, 2, 2, 2), 133_047_848, 11.31e9, 133_053_736),
    _Configuration("vgg16", "D", (2, 2, 3, 3, 3), 138_357_544, 15.47e9, 138_365_992),
    _Configuration("vgg19", "E", (2, 2, 4, 4, 4), 143_667_240, 19.63e9, 143_678_248),
)

_PAPER = "Very Deep Convolutional Networks for Large-Scale Image Recognition"
_BATCH_NORM = Option(
    "batch_norm",
    False,
    help="batch normalisation after every convolution (not in the paper; conv has no bias)",
)
# Five 2x2 max-pools: 32 -> 16 -> 8 -> 4 -> 2 -> 1; at 31 the fifth pool meets a 1x1 map.
_MIN_INPUT_SIZE = 32
_TORCHVISION = "torchvision's VGG weights table (its 'GFLOPS' are multiply-accumulates)"


def _conv_block(x, block, convs, filters, batch_norm):
    """`convs` 3x3 'same' convolutions with ReLU, then 2x2 max-pooling (section 2.1)."""
    for i in range(1, convs + 1):
        name = f"block{block}_conv{i}"
        if batch_norm:
            x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=name)(x)
            x = OPTIONAL_BN.layer(f"{name}_bn")(x)
            x = layers.ReLU(name=f"{name}_relu")(x)
        else:
            x = layers.Conv2D(filters, 3, padding="same", activation="relu", name=name)(x)
    return layers.MaxPooling2D(2, strides=2, name=f"block{block}_pool")(x)


def _vgg(
    name, *, convs, input_shape, classes, include_top, pooling, classifier_activation,
    batch_norm,
):
    """The generic VGG of Table 1.

    Five blocks of 3x3 'same' convolutions with ReLU (64, 128, 256, 512, 512 filters), each
    ended by 2x2 max-pooling, then fc1 4096 and fc2 4096 with dropout 0.5 (section 3.1) and
    the output layer. `batch_norm=True` (not in the paper, which predates it) puts batch
    normalisation between each convolution and its ReLU and drops the convolution's bias,
    which the normalisation would cancel. With `include_top=False` the network ends at
    block5_pool (7x7x512 at 224x224).
    """
    inputs = keras.Input(shape=input_shape, name="input")
    x = inputs
    for block, (count, filters) in enumerate(zip(convs, _WIDTHS), start=1):
        x = _conv_block(x, block, count, filters, batch_norm)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        # Section 3.1: dropout 0.5 regularises the first two fully connected layers.
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dropout(0.5, name="dropout1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = layers.Dropout(0.5, name="dropout2")(x)
        x = predictions(x, classes, classifier_activation)
    else:
        x = pooled_features(x, pooling)
    return keras.Model(inputs, x, name=name)


_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/"
# keras.applications.vgg16 and vgg19's files: (with the classifier, without) hashes.
_WEIGHTS_HASHES = {
    "vgg16": ("64373286793e3c8b2b4e3219cbf3544b", "6d6bbae143d832006294945121d1f1fc"),
    "vgg19": ("cbe5617147190e668d6c5d5026f83318", "253f8cb515780f3b799900260a226db6"),
}


def _pretrained(name: str) -> Pretrained | None:
    """keras.applications.VGG16/VGG19's files (configurations D and E, no batch norm)."""
    if name not in _WEIGHTS_HASHES:
        return None
    files = with_and_without_top(
        f"{_WEIGHTS_URL}{name}/",
        (f"{name}_weights_tf_dim_ordering_tf_kernels.h5",
         f"{name}_weights_tf_dim_ordering_tf_kernels_notop.h5"),
        _WEIGHTS_HASHES[name],
    )
    return Pretrained(f"keras.applications.{name.upper()}", "caffe", files,
                      requires={"batch_norm": False}, fine_tune_with_top=True)


def _register(config: _Configuration) -> None:
    """Register one configuration of Table 1 with its published counts.

    torchvision's batch-normalised variant keeps the convolutions' biases; ours drop them,
    one per filter.
    """
    biases = sum(c * w for c, w in zip(config.convs, _WIDTHS))
    depth = sum(config.convs) + 3
    doc = (
        f"VGG-{depth}, configuration {config.letter} ({sum(config.convs)} convolutions, "
        f"{'-'.join(map(str, config.convs))} per block), after Simonyan and Zisserman, "
        f'"{_PAPER}" (ICLR 2015), Table 1. See `_vgg` for the layout and the `batch_norm` '
        "option."
    )
    register_model(
        config.name,
        family="VGG",
        description=f"VGG configuration {config.letter}: {depth} weight layers, all "
        "convolutions 3x3.",
        paper=_PAPER,
        authors="Karen Simonyan, Andrew Zisserman",
        year=2014,
        url="https://arxiv.org/abs/1409.1556",
        input_shape=(224, 224, 3),
        min_input_size=_MIN_INPUT_SIZE,
        options=(_BATCH_NORM,),
        references=(
            Reference(
                config.params,
                f"keras.applications and torchvision count of configuration {config.letter} "
                "(the paper's Table 2 rounds it to millions).",
                macs=config.macs,
                macs_source=_TORCHVISION,
            ),
            Reference(
                config.params_bn - biases,
                f"Arithmetic from torchvision's {config.name}_bn ({config.params_bn:,} "
                f"trainable) less the {biases:,} convolution biases this build leaves out "
                "before batch normalisation.",
                trainable_only=True,
                options={"batch_norm": True},
            ),
        ),
        pretrained=_pretrained(config.name),
    )(variant(config.name, doc, _vgg, convs=config.convs))


for _config in _CONFIGURATIONS:
    _register(_config)
