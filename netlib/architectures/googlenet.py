"""GoogLeNet (Szegedy et al., 2014): nine inception modules, the ILSVRC-2014 winner.

Layer names are Caffe's (the BVLC reproduction's prototxt) with "/" replaced by "_":
conv1_7x7_s2, pool1_3x3_s2, pool1_norm1, conv2_3x3_reduce, ..., inception_3a_1x1,
inception_3a_3x3_reduce, inception_3a_3x3, inception_3a_5x5_reduce, inception_3a_5x5,
inception_3a_pool, inception_3a_pool_proj, inception_3a_output, ..., pool5_7x7_s1,
pool5_dropout, predictions; the auxiliary classifiers are aux1_* and aux2_*.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import keras
from keras import layers

from netlib.architectures._common import (
    OPTIONAL_BN,
    STAGE_NAMES,
    caffe_pool,
    fine_tuning_recipe,
    global_pool_head,
    small_data,
    step_schedule,
)
from netlib.layers import LocalResponseNormalization
from netlib.registry import (
    BlockPattern,
    Option,
    Recipe,
    Reference,
    register_family,
    register_model,
)

register_family(
    "GoogLeNet",
    blocks=(
        BlockPattern(
            r"(inception_\d[a-z])(?=_|$)", r"\1", "GoogLeNet: inception_3a_1x1 -> inception_3a"
        ),
        BlockPattern(r"(aux\d)(?=_|$)", r"\1", "GoogLeNet auxiliary heads: aux1_fc -> aux1"),
        STAGE_NAMES,  # conv1_7x7_s2 -> conv1, pool5_7x7_s1 -> pool5
    ),
    recipes=(
        small_data(
            3e-4, 10,
            "Measured here (benchmarks/small_data.py, the digits as RGB, 2-core CPU): Adam at 3e-4, 98.6% validation accuracy "
            "after 8 of 10 epochs at 64 px; at 1e-3 it stayed at chance for 3 "
            "epochs and reached 51% in 6. On a GPU, 224 px, the paper's size, is within "
            "reach: set image_size.",
            image_size=64,
        ),
        Recipe(
            "paper",
            step_schedule(0.01, 2e-4, epochs=60),
            "Szegedy et al., 2014, section 6: asynchronous SGD with momentum 0.9 and a rate "
            "cut by 4% every 8 epochs over a long run; over a short run, a step schedule (/10 "
            "at 50% and 75%) with weight decay 2e-4 (the Caffe reference model's).",
        ),
        fine_tuning_recipe(),
    ),
)


class _Inception(NamedTuple):
    """One row of Table 1: the filters of each branch."""

    n1x1: int
    n3x3_reduce: int
    n3x3: int
    n5x5_reduce: int
    n5x5: int
    pool_proj: int


# Table 1 of the paper, in network order; a max-pool 3x3/2 precedes 4a and 5a.
_MODULES = {
    "3a": _Inception(64, 96, 128, 16, 32, 32),
    "3b": _Inception(128, 128, 192, 32, 96, 64),
    "4a": _Inception(192, 96, 208, 16, 48, 64),
    "4b": _Inception(160, 112, 224, 24, 64, 64),
    "4c": _Inception(128, 128, 256, 24, 64, 64),
    "4d": _Inception(112, 144, 288, 32, 64, 64),
    "4e": _Inception(256, 160, 320, 32, 128, 128),
    "5a": _Inception(256, 160, 320, 32, 128, 128),
    "5b": _Inception(384, 192, 384, 48, 128, 128),
}
_POOL_BEFORE = {"4a": "pool3_3x3_s2", "5a": "pool4_3x3_s2"}
_AUX_AFTER = {"4a": "aux1", "4d": "aux2"}


def _lrn(name):
    # The Caffe model's LRN: local_size 5, alpha 1e-4 (Caffe divides it by the size), k 1.
    return LocalResponseNormalization(size=5, k=1.0, alpha=1e-4 / 5, beta=0.75, name=name)


def _conv_unit(x, filters, kernel, name, relu_name, batch_norm, strides=1, padding="same"):
    """Convolution and ReLU; with `batch_norm`, batch normalisation between them (no bias)."""
    x = layers.Conv2D(
        filters, kernel, strides=strides, padding=padding, use_bias=not batch_norm, name=name
    )(x)
    if batch_norm:
        x = OPTIONAL_BN.layer(f"{name}_bn")(x)
    return layers.ReLU(name=relu_name)(x)


def _branch_conv(x, filters, kernel, block, role, batch_norm):
    """A convolution of an inception module, named as in Caffe: inception_3a_3x3 and its
    ReLU inception_3a_relu_3x3."""
    return _conv_unit(x, filters, kernel, f"{block}_{role}", f"{block}_relu_{role}", batch_norm)


def _inception(x, block: str, spec: _Inception, batch_norm: bool):
    """Figure 2b: 1x1, 1x1->3x3, 1x1->5x5 and 3x3 max-pool->1x1 branches, concatenated."""

    def unit(y, filters, kernel, role):
        return _branch_conv(y, filters, kernel, block, role, batch_norm)

    branch_1x1 = unit(x, spec.n1x1, 1, "1x1")
    branch_3x3 = unit(unit(x, spec.n3x3_reduce, 1, "3x3_reduce"), spec.n3x3, 3, "3x3")
    branch_5x5 = unit(unit(x, spec.n5x5_reduce, 1, "5x5_reduce"), spec.n5x5, 5, "5x5")
    branch_pool = layers.MaxPooling2D(3, strides=1, padding="same", name=f"{block}_pool")(x)
    branch_pool = unit(branch_pool, spec.pool_proj, 1, "pool_proj")
    branches = [branch_1x1, branch_3x3, branch_5x5, branch_pool]
    return layers.Concatenate(name=f"{block}_output")(branches)


def _naive_inception(x, block: str, spec: _Inception, batch_norm: bool):
    """Figure 2a: 1x1, 3x3 and 5x5 convolutions and a 3x3 max-pool of the input, concatenated,
    with Table 1's #1x1, #3x3 and #5x5 widths; the pool branch keeps all input channels."""

    def unit(y, filters, kernel, role):
        return _branch_conv(y, filters, kernel, block, role, batch_norm)

    branch_1x1 = unit(x, spec.n1x1, 1, "1x1")
    branch_3x3 = unit(x, spec.n3x3, 3, "3x3")
    branch_5x5 = unit(x, spec.n5x5, 5, "5x5")
    branch_pool = layers.MaxPooling2D(3, strides=1, padding="same", name=f"{block}_pool")(x)
    branches = [branch_1x1, branch_3x3, branch_5x5, branch_pool]
    return layers.Concatenate(name=f"{block}_output")(branches)


def _stem(x, batch_norm: bool):
    """Table 1's first rows: conv 7x7/2, max-pool, LRN, conv 1x1 and 3x3, LRN, max-pool."""
    # Caffe pads 3 on every side; Keras' 'same' would pad 2 before and 3 after.
    x = layers.ZeroPadding2D(3, name="conv1_pad")(x)
    x = _conv_unit(x, 64, 7, "conv1_7x7_s2", "conv1_relu", batch_norm, strides=2, padding="valid")
    x = caffe_pool(x, "max", 3, 2, name="pool1_3x3_s2")
    x = _lrn("pool1_norm1")(x)
    x = _conv_unit(x, 64, 1, "conv2_3x3_reduce", "conv2_relu_3x3_reduce", batch_norm)
    x = _conv_unit(x, 192, 3, "conv2_3x3", "conv2_relu_3x3", batch_norm)
    x = _lrn("conv2_norm2")(x)
    return caffe_pool(x, "max", 3, 2, name="pool2_3x3_s2")


def _auxiliary_classifier(x, head: str, classes, classifier_activation, batch_norm):
    """Section 5: average pool 5x5/3, 1x1 conv 128 + ReLU, fc 1024 + ReLU, dropout 0.7,
    linear + softmax. Trained with weight 0.3, dropped at inference."""
    x = caffe_pool(x, "avg", 5, 3, name=f"{head}_ave_pool")
    x = _conv_unit(x, 128, 1, f"{head}_conv", f"{head}_relu_conv", batch_norm)
    x = layers.Flatten(name=f"{head}_flatten")(x)
    x = layers.Dense(1024, name=f"{head}_fc")(x)
    x = layers.ReLU(name=f"{head}_relu_fc")(x)
    x = layers.Dropout(0.7, name=f"{head}_drop_fc")(x)
    return layers.Dense(classes, activation=classifier_activation, name=f"{head}_predictions")(x)


def _min_input_size(options: Mapping[str, Any]) -> int:
    """The smallest input: the fourth max-pool (Caffe rounding) needs a 2x2 map, 31 -> 16 ->
    8 -> 4 -> 2 -> 1; the auxiliary heads' 5x5/3 pool needs inception_4a at 3x3, 47 -> 24 ->
    12 -> 6 -> 3."""
    return 47 if options["aux_heads"] else 31


@register_model(
    "googlenet",
    family="GoogLeNet",
    description="GoogLeNet (Inception v1): nine inception modules with 1x1 reductions, "
    "global average pooling, optional auxiliary classifiers.",
    paper="Going Deeper with Convolutions",
    authors="Christian Szegedy, Wei Liu, Yangqing Jia, Pierre Sermanet, Scott Reed, "
    "Dragomir Anguelov, Dumitru Erhan, Vincent Vanhoucke, Andrew Rabinovich",
    year=2014,
    url="https://arxiv.org/abs/1409.4842",
    input_shape=(224, 224, 3),
    min_input_size=_min_input_size,
    options=(
        Option(
            "batch_norm",
            False,
            help="batch normalisation after every convolution (not in the paper)",
        ),
        Option(
            "naive",
            False,
            help="Figure 2a's naive inception modules, without the 1x1 reductions",
        ),
        Option(
            "aux_heads",
            False,
            help="the two auxiliary classifiers (after inception 4a and 4d) as extra outputs",
        ),
    ),
    references=(
        Reference(
            6_998_552,
            "Arithmetic from the paper's Table 1 (with biases, 1000-way linear layer); the "
            "BVLC Caffe reproduction has the same count.",
            macs=1.5e9,
            macs_source="Szegedy et al., section 5: 'about 1.5 billion multiply-adds'",
            macs_tolerance=0.06,
        ),
        Reference(
            13_378_280,
            "Arithmetic from Table 1 and section 5's auxiliary classifiers (each 1x1 conv 128, "
            "fc 1024, 1000-way linear) at 224x224.",
            options={"aux_heads": True},
        ),
    ),
)
def googlenet(
    *,
    input_shape,
    classes,
    include_top,
    pooling,
    classifier_activation,
    batch_norm=False,
    naive=False,
    aux_heads=False,
):
    """GoogLeNet, after Szegedy et al., "Going Deeper with Convolutions" (CVPR 2015), Table 1
    and Figure 3.

    conv 7x7/2 64 -> max-pool 3x3/2 -> LRN -> conv 1x1 64, 3x3 192 -> LRN -> max-pool ->
    inception 3a, 3b -> max-pool -> 4a-4e -> max-pool -> 5a, 5b -> average pool -> dropout
    0.4 -> linear -> softmax. Each inception module has 1x1, 1x1->3x3, 1x1->5x5 (a true 5x5)
    and 3x3 max-pool->1x1 branches with Table 1's widths; every convolution has a ReLU. LRN
    (as in the Caffe model of Figure 3) follows pool1 and conv2. Max-pools round their size
    up as Caffe does (see `netlib.architectures._common.caffe_pool`).

    `pool5_7x7_s1` is a global average pool: at the paper's 224x224 it is exactly Table 1's
    7x7/1 average pool (giving 1x1x1024), and it lets the network run on smaller images.

    Options: `batch_norm` puts batch normalisation between every convolution and its ReLU
    (not in the paper; the LRN layers stay). `naive` builds Figure 2a's naive modules: the
    1x1, 3x3 and 5x5 convolutions take Table 1's #1x1, #3x3 and #5x5 widths without the
    reductions, and the max-pool branch passes all its input channels on (no projection),
    so the width grows module by module, the blow-up section 4 warns about. `aux_heads`
    adds section 5's auxiliary classifiers after inception 4a and 4d (average pool 5x5/3,
    1x1 conv 128, fc 1024, dropout 0.7, linear + softmax) as extra outputs:
    `model.outputs == [main, aux1, aux2]`, for training with loss weights (1, 0.3, 0.3);
    for inference keep `keras.Model(model.inputs, model.outputs[0])`.

    With `include_top=False` the network ends at inception_5b_output (7x7x1024 at
    224x224), without auxiliary heads.
    """
    module = _naive_inception if naive else _inception
    inputs = keras.Input(shape=input_shape, name="input")
    x = _stem(inputs, batch_norm)
    auxiliary = []
    for name, spec in _MODULES.items():
        if name in _POOL_BEFORE:
            x = caffe_pool(x, "max", 3, 2, name=_POOL_BEFORE[name])
        x = module(x, f"inception_{name}", spec, batch_norm)
        if include_top and aux_heads and name in _AUX_AFTER:
            head = _AUX_AFTER[name]
            auxiliary.append(
                _auxiliary_classifier(x, head, classes, classifier_activation, batch_norm)
            )
    x = global_pool_head(
        x, include_top=include_top, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation, dropout=0.4, pool_name="pool5_7x7_s1",
        dropout_name="pool5_dropout",
    )
    return keras.Model(inputs, [x, *auxiliary] if auxiliary else x, name="googlenet")
