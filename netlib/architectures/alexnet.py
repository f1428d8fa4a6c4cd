"""AlexNet (Krizhevsky, Sutskever & Hinton, 2012): the network that won ILSVRC-2012.

Layer names carry the paper's layer as their block: conv1_conv, conv1_relu, conv1_lrn,
conv1_pool, ..., fc6_dense, fc6_relu, fc6_dropout, ..., predictions.
"""

from __future__ import annotations

from typing import NamedTuple

import keras
from keras import layers

from netlib.architectures._common import (
    STAGE_NAMES,
    alexnet_procedure,
    fine_tuning_recipe,
    pooled_features,
    predictions,
    small_data,
)
from netlib.layers import LocalResponseNormalization
from netlib.registry import Option, Reference, register_family, register_model

register_family(
    "AlexNet",
    blocks=(STAGE_NAMES,),  # conv1_conv -> conv1, fc6_dense -> fc6
    recipes=(
        small_data(
            3e-4, 8,
            "Measured here (benchmarks/small_data.py, the digits as RGB, 2-core CPU): Adam at 3e-4 (1e-4 reached 87.7% in "
            "6 epochs) at 67 px, AlexNet's smallest input, 96.9% and 98.3% validation accuracy "
            "in two runs of 8 epochs; the paper's SGD at its scaled rate barely started in such runs. On "
            "a GPU, 227 px, the paper's size, is within reach: set image_size.",
            image_size=67,
        ),
        alexnet_procedure(
            0.005, 5e-4,
            "Krizhevsky et al., 2012, section 5: SGD, momentum 0.9, weight decay 5e-4, batch "
            "128, learning rate 0.01 divided by 10 when the validation error stopped "
            "improving (here: batch 64, rate scaled to 0.005).",
        ),
        fine_tuning_recipe(),
    ),
)


class _Conv(NamedTuple):
    """One convolutional layer of Figure 2 and what follows it."""

    block: str
    filters: int
    kernel: int
    stride: int
    padding: str
    grouped: bool  # split across the two GPUs
    lrn: bool  # followed by local response normalisation
    pool: bool  # followed by overlapping max-pooling


# Section 3.5 and Figure 2. With two groups, conv2, conv4 and conv5 see only the half of
# the previous layer that lives on their own GPU; conv3 (and fc6) see both halves.
_CONV_LAYERS = (
    _Conv("conv1", 96, 11, 4, "valid", grouped=False, lrn=True, pool=True),
    _Conv("conv2", 256, 5, 1, "same", grouped=True, lrn=True, pool=True),
    _Conv("conv3", 384, 3, 1, "same", grouped=False, lrn=False, pool=False),
    _Conv("conv4", 384, 3, 1, "same", grouped=True, lrn=False, pool=False),
    _Conv("conv5", 256, 3, 1, "same", grouped=True, lrn=False, pool=True),
)


def _conv_block(x, conv: _Conv, groups: int):
    """Convolution and ReLU, then (where the paper has them) LRN and overlapping max-pool."""
    # Keras' grouped Conv2D runs forward and trains on the CPU with the TensorFlow backend
    # (eager, predict, fit with and without XLA) and on JAX: tests/test_arch_classic.py
    # checks both, so no hand-made split into two towers is needed.
    x = layers.Conv2D(
        conv.filters,
        conv.kernel,
        strides=conv.stride,
        padding=conv.padding,
        groups=groups if conv.grouped else 1,
        name=f"{conv.block}_conv",
    )(x)
    x = layers.ReLU(name=f"{conv.block}_relu")(x)
    if conv.lrn:
        # Section 3.3: n=5, k=2, alpha=1e-4, beta=0.75, applied after the ReLU.
        x = LocalResponseNormalization(
            size=5, k=2.0, alpha=1e-4, beta=0.75, name=f"{conv.block}_lrn"
        )(x)
    if conv.pool:
        # Section 3.4: overlapping pooling, z=3, s=2.
        x = layers.MaxPooling2D(3, strides=2, name=f"{conv.block}_pool")(x)
    return x


def _dense_block(x, block, units):
    """Fully connected layer with ReLU and the paper's dropout of 0.5 (section 4.2)."""
    x = layers.Dense(units, name=f"{block}_dense")(x)
    x = layers.ReLU(name=f"{block}_relu")(x)
    return layers.Dropout(0.5, name=f"{block}_dropout")(x)


@register_model(
    "alexnet",
    family="AlexNet",
    description="AlexNet: five convolutions (two-GPU grouping), LRN, overlapping pooling, "
    "dropout.",
    paper="ImageNet Classification with Deep Convolutional Neural Networks",
    authors="Alex Krizhevsky, Ilya Sutskever, Geoffrey E. Hinton",
    year=2012,
    url="https://papers.nips.cc/paper/4824-imagenet-classification-with-deep-convolutional-"
    "neural-networks",
    input_shape=(227, 227, 3),
    # The third pool needs conv5 >= 3x3: 67 -> 15 -> 7 -> 3 -> 1; 66 -> 14 -> 6 -> 2 -> 0.
    min_input_size=67,
    options=(
        Option(
            "groups",
            2,
            help="2: the paper's two-GPU split of conv2, conv4 and conv5; 1: one tower",
            choices=(1, 2),
        ),
    ),
    references=(
        Reference(
            60_965_224,
            "Arithmetic from the paper's Figure 2 and section 3.5 (two GPUs: conv2, conv4, "
            "conv5 grouped), 1000 classes; the paper says '60 million parameters'.",
        ),
        Reference(
            62_378_344,
            "Arithmetic from the paper's layer sizes with every convolution ungrouped.",
            options={"groups": 1},
        ),
    ),
)
def alexnet(*, input_shape, classes, include_top, pooling, classifier_activation, groups=2):
    """AlexNet, after Krizhevsky, Sutskever and Hinton, "ImageNet Classification with Deep
    Convolutional Neural Networks" (NIPS 2012), section 3 and Figure 2.

    conv1 96@11x11/4 -> conv2 256@5x5 -> conv3 384@3x3 -> conv4 384@3x3 -> conv5 256@3x3 ->
    fc6 4096 -> fc7 4096 -> output, all ReLU. Local response normalisation (n=5, k=2,
    alpha=1e-4, beta=0.75) follows the ReLU of conv1 and conv2; overlapping max-pooling
    3x3/2 follows both normalisations and conv5; dropout 0.5 follows fc6 and fc7.

    `groups=2` (the default) reproduces the paper's two-GPU split as grouped convolutions:
    conv2, conv4 and conv5 connect only to the kernel maps on their own GPU, conv3 to all.
    `groups=1` is the single-tower network. The input is 227x227, the size for which the
    stated layer sizes work out (the paper's text says 224). With `include_top=False` the
    network ends at the third max-pool (6x6x256 at 227x227).
    """
    inputs = keras.Input(shape=input_shape, name="input")
    x = inputs
    for conv in _CONV_LAYERS:
        x = _conv_block(x, conv, groups)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = _dense_block(x, "fc6", 4096)
        x = _dense_block(x, "fc7", 4096)
        x = predictions(x, classes, classifier_activation)
    else:
        x = pooled_features(x, pooling)
    return keras.Model(inputs, x, name="alexnet")
