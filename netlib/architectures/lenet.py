"""LeNet-5 (LeCun, Bottou, Bengio & Haffner, 1998): the convolutional network that read cheques.

Layer names carry the paper's layer as their block: c1_conv, c1_act, s2_pool, ..., f6_dense.
"""

from __future__ import annotations

import keras
from keras import layers

from netlib.architectures._common import fine_tuning_recipe, pooled_features, predictions
from netlib.layers import ConnectionTableConv2D
from netlib.registry import (
    BlockPattern,
    Option,
    Recipe,
    Reference,
    register_family,
    register_model,
)

register_family(
    "LeNet",
    blocks=(
        BlockPattern(
            r"([csf]\d+)_", r"\1", "LeNet-5: c3_conv -> c3, s4_pool -> s4, f6_dense -> f6"
        ),
    ),
    recipes=(
        Recipe(
            "default",
            dict(
                optimizer="adam", learning_rate=1e-3, batch_size=32, epochs=15,
                schedule="constant", weight_decay=0.0, normalization="dataset",
            ),
            "Measured here: Adam at 1e-3, batch 32, reaches >= 97% validation accuracy on the "
            "bundled digits within 15 epochs. (LeCun et al., 1998 used a stochastic diagonal "
            "Levenberg-Marquardt method for 20 passes, with no direct Keras counterpart.)",
        ),
        # Digits are not mirror images of each other: no flips.
        fine_tuning_recipe(augment=None),
    ),
)

# Table I of the paper: the S2 feature maps (0-5) each C3 feature map (0-15) is connected to.
# Six maps see three contiguous S2 maps, six see four contiguous, three see four
# non-contiguous, and the last sees all six: 60 connections of 5x5 weights.
C3_TABLE = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (4, 5, 0), (5, 0, 1),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (3, 4, 5, 0), (4, 5, 0, 1), (5, 0, 1, 2),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)  # fmt: skip


def _conv_unit(x, filters, name, activation, table=None):
    """A 5x5 'valid' convolution (C1, C3, C5) and its squashing function."""
    if table is None:
        x = layers.Conv2D(filters, 5, name=f"{name}_conv")(x)
    else:
        x = ConnectionTableConv2D(table, 5, name=f"{name}_conv")(x)
    return layers.Activation(activation, name=f"{name}_act")(x)


@register_model(
    "lenet5",
    family="LeNet",
    description="LeNet-5: three 5x5 convolutions, two subsamplings, 84 hidden units.",
    paper="Gradient-Based Learning Applied to Document Recognition",
    authors="Yann LeCun, Léon Bottou, Yoshua Bengio, Patrick Haffner",
    year=1998,
    url="https://doi.org/10.1109/5.726791",
    input_shape=(32, 32, 1),
    # C5's 5x5 kernel needs S4 to be 5x5: 32 -> 28 -> 14 -> 10 -> 5 -> 1; 31 gives S4 4x4.
    min_input_size=32,
    options=(
        Option(
            "activation",
            "tanh",
            help="squashing function of C1, C3, C5 and F6 (the paper: a scaled tanh)",
            choices=("tanh", "relu"),
        ),
        Option(
            "c3_connections",
            "full",
            help="'paper': Table I's sparse C3 connections (1,516 parameters); "
            "'full': every C3 map sees every S2 map (2,416)",
            choices=("full", "paper"),
        ),
    ),
    references=(
        Reference(
            61_706,
            "Arithmetic from the paper's layer sizes with a full C3 and a 10-way softmax "
            "output: C1 156 + C3 2,416 + C5 48,120 + F6 10,164 + output 850.",
            classes=10,
        ),
        Reference(
            60_806,
            "Arithmetic from the paper: C3 with Table I's connections has 1,516 trainable "
            "parameters (section II.B), 900 fewer than a full C3.",
            classes=10,
            options={"c3_connections": "paper"},
        ),
    ),
)
def lenet5(
    *,
    input_shape,
    classes,
    include_top,
    pooling,
    classifier_activation,
    activation="tanh",
    c3_connections="full",
):
    """LeNet-5, after LeCun et al., "Gradient-Based Learning Applied to Document
    Recognition" (Proc. IEEE, 1998), section II.B.

    C1: 6 maps 5x5 -> S2: 2x2 average pooling -> C3: 16 maps 5x5 -> S4 -> C5: 120 maps 5x5
    (a convolution, as in the paper: 1x1 at 32x32 input, larger on larger inputs) -> F6: 84
    units -> output. With `include_top=False` the network ends at C5.

    Simplifications, said plainly: the paper's output layer is Euclidean RBF units and its
    subsampling layers have a trainable coefficient and bias per map; here the output is a
    dense layer with `classifier_activation` (softmax) and S2/S4 are plain average pooling.
    The paper's squashing function is 1.7159 tanh(2a/3); `activation="tanh"` is the plain
    tanh. C3 is fully connected to S2 unless `c3_connections="paper"` (Table I).
    """
    table = C3_TABLE if c3_connections == "paper" else None
    inputs = keras.Input(shape=input_shape, name="input")
    x = _conv_unit(inputs, 6, "c1", activation)
    x = layers.AveragePooling2D(2, name="s2_pool")(x)
    x = _conv_unit(x, 16, "c3", activation, table=table)
    x = layers.AveragePooling2D(2, name="s4_pool")(x)
    x = _conv_unit(x, 120, "c5", activation)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(84, name="f6_dense")(x)
        x = layers.Activation(activation, name="f6_act")(x)
        x = predictions(x, classes, classifier_activation)
    else:
        x = pooled_features(x, pooling)
    return keras.Model(inputs, x, name="lenet5")
