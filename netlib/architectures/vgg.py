"""VGG (Simonyan & Zisserman, 2014): stacks of 3x3 convolutions, configurations A, B, D, E.

Layer names are keras.applications': block1_conv1, block1_conv2, block1_pool, ..., flatten,
fc1, fc2, predictions, plus the paper's dropout1 and dropout2 after fc1 and fc2; with
`batch_norm`, block1_conv1_bn and block1_conv1_relu follow each convolution.
"""

from __future__ import annotations

import keras
from keras import layers

from netlib.registry import Option, Reference, register_model

# Table 1 of the paper: convolutions per block (64, 128, 256, 512, 512 filters).
_WIDTHS = (64, 128, 256, 512, 512)
_CONVS_PER_BLOCK = {
    "vgg11": (1, 1, 2, 2, 2),  # configuration A
    "vgg13": (2, 2, 2, 2, 2),  # configuration B
    "vgg16": (2, 2, 3, 3, 3),  # configuration D
    "vgg19": (2, 2, 4, 4, 4),  # configuration E
}

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
            x = layers.BatchNormalization(name=f"{name}_bn")(x)
            x = layers.ReLU(name=f"{name}_relu")(x)
        else:
            x = layers.Conv2D(filters, 3, padding="same", activation="relu", name=name)(x)
    return layers.MaxPooling2D(2, strides=2, name=f"block{block}_pool")(x)


def _vgg(name, input_shape, classes, include_top, pooling, classifier_activation, batch_norm):
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
    for block, (convs, filters) in enumerate(zip(_CONVS_PER_BLOCK[name], _WIDTHS), start=1):
        x = _conv_block(x, block, convs, filters, batch_norm)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        # Section 3.1: dropout 0.5 regularises the first two fully connected layers.
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dropout(0.5, name="dropout1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = layers.Dropout(0.5, name="dropout2")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    return keras.Model(inputs, x, name=name)


def _register(name, configuration, params, macs, params_bn):
    """Register one configuration of Table 1 under `name`.

    `params_bn` is torchvision's trainable count of the batch-normalised variant, whose
    convolutions keep their biases; ours drop them, one per filter.
    """
    biases = sum(c * w for c, w in zip(_CONVS_PER_BLOCK[name], _WIDTHS))
    return register_model(
        name,
        family="VGG",
        description=f"VGG configuration {configuration}: "
        f"{sum(_CONVS_PER_BLOCK[name]) + 3} weight layers, all convolutions 3x3.",
        paper=_PAPER,
        authors="Karen Simonyan, Andrew Zisserman",
        year=2014,
        url="https://arxiv.org/abs/1409.1556",
        input_shape=(224, 224, 3),
        min_input_size=_MIN_INPUT_SIZE,
        options=(_BATCH_NORM,),
        references=(
            Reference(
                params,
                f"keras.applications and torchvision count of configuration {configuration} "
                "(the paper's Table 2 rounds it to millions).",
                macs=macs,
                macs_source=_TORCHVISION,
            ),
            Reference(
                params_bn - biases,
                f"Arithmetic from torchvision's {name}_bn ({params_bn:,} trainable) less "
                f"the {biases:,} convolution biases this build leaves out before batch "
                "normalisation.",
                trainable_only=True,
                options={"batch_norm": True},
            ),
        ),
    )


@_register("vgg11", "A", 132_863_336, 7.61e9, params_bn=132_868_840)
def vgg11(*, input_shape, classes, include_top, pooling, classifier_activation, batch_norm=False):
    """VGG-11, configuration A (8 convolutions, 1-1-2-2-2 per block), after Simonyan and
    Zisserman, "Very Deep Convolutional Networks for Large-Scale Image Recognition" (ICLR
    2015), Table 1. See `_vgg` for the layout and the `batch_norm` option."""
    return _vgg(
        "vgg11", input_shape, classes, include_top, pooling, classifier_activation, batch_norm
    )


@_register("vgg13", "B", 133_047_848, 11.31e9, params_bn=133_053_736)
def vgg13(*, input_shape, classes, include_top, pooling, classifier_activation, batch_norm=False):
    """VGG-13, configuration B (10 convolutions, 2 per block), after Simonyan and
    Zisserman, "Very Deep Convolutional Networks for Large-Scale Image Recognition" (ICLR
    2015), Table 1. See `_vgg` for the layout and the `batch_norm` option."""
    return _vgg(
        "vgg13", input_shape, classes, include_top, pooling, classifier_activation, batch_norm
    )


@_register("vgg16", "D", 138_357_544, 15.47e9, params_bn=138_365_992)
def vgg16(*, input_shape, classes, include_top, pooling, classifier_activation, batch_norm=False):
    """VGG-16, configuration D (13 convolutions, 2-2-3-3-3 per block), after Simonyan and
    Zisserman, "Very Deep Convolutional Networks for Large-Scale Image Recognition" (ICLR
    2015), Table 1. See `_vgg` for the layout and the `batch_norm` option."""
    return _vgg(
        "vgg16", input_shape, classes, include_top, pooling, classifier_activation, batch_norm
    )


@_register("vgg19", "E", 143_667_240, 19.63e9, params_bn=143_678_248)
def vgg19(*, input_shape, classes, include_top, pooling, classifier_activation, batch_norm=False):
    """VGG-19, configuration E (16 convolutions, 2-2-4-4-4 per block), after Simonyan and
    Zisserman, "Very Deep Convolutional Networks for Large-Scale Image Recognition" (ICLR
    2015), Table 1. See `_vgg` for the layout and the `batch_norm` option."""
    return _vgg(
        "vgg19", input_shape, classes, include_top, pooling, classifier_activation, batch_norm
    )
