"""Network In Network (Lin, Chen & Yan, 2013): mlpconv blocks and a global-average-pooling head.

The paper does not list every width; the builders follow the authors' released Caffe model
definitions (the Caffe Model Zoo's "NIN CIFAR10" and "NIN ImageNet"). Layer names carry the
block: mlpconv1_conv, mlpconv1_relu, mlpconv1_cccp1, mlpconv1_cccp1_relu, mlpconv1_cccp2,
mlpconv1_cccp2_relu, mlpconv1_pool, mlpconv1_dropout, ..., avg_pool, predictions.
"""

from __future__ import annotations

from typing import NamedTuple

import keras
from keras import layers

from netlib.architectures._common import (
    alexnet_procedure,
    caffe_pool,
    fine_tuning_recipe,
    pooled_features,
    small_data,
)
from netlib.registry import BlockPattern, Reference, register_family, register_model

_METADATA = dict(
    family="NiN",
    paper="Network In Network",
    authors="Min Lin, Qiang Chen, Shuicheng Yan",
    year=2013,
    url="https://arxiv.org/abs/1312.4400",
)

register_family(
    "NiN",
    blocks=(BlockPattern(r"(mlpconv\d+)(?=_|$)", r"\1", "NiN: mlpconv2_cccp1 -> mlpconv2"),),
    recipes=(
        small_data(
            3e-4, 20,
            "Measured here (benchmarks/small_data.py, the digits as RGB, 2-core CPU): Adam at "
            "3e-4, 87.2% validation accuracy after 18 of 20 epochs at 32 px; on 400 generated "
            "shapes it stayed at chance (26.2%). NiN, with no batch norm and a ReLU before its "
            "global pooling, is the family that does not get there in a CPU budget: at 1e-3 "
            "one run reached 97.8% and the next, with another order of batches, stayed at "
            "chance for all 20 epochs (its class maps died), and He initialisation did not "
            "save it. Give it more epochs and images, or a GPU.",
            warmup_epochs=1.0,
        ),
        alexnet_procedure(
            0.005, 1e-4,
            "Lin et al., 2013, section 4.1: the AlexNet procedure (SGD with momentum, rate "
            "divided by 10 when accuracy stops improving); batch 64, rate 0.005.",
        ),
        fine_tuning_recipe(),
    ),
)

class _MLPConv(NamedTuple):
    """One mlpconv block: a kxk convolution and two 1x1 ones ("cccp", cascaded cross-channel
    parametric pooling), each with ReLU, then optional 3x3/2 pooling and dropout."""

    filters: tuple[int, int, int | None]  # None: as many as there are classes
    kernel: int
    stride: int
    padding: str
    pool: str | None  # "max" or "avg", 3x3 stride 2 with Caffe's rounding
    dropout: float


# github.com/BVLC/caffe/wiki/Model-Zoo, "NIN CIFAR10" (gist mavenlin/e56253735ef32c3c296d).
_CIFAR_BLOCKS = (
    _MLPConv((192, 160, 96), 5, 1, "same", pool="max", dropout=0.5),
    _MLPConv((192, 192, 192), 5, 1, "same", pool="avg", dropout=0.5),
    _MLPConv((192, 192, None), 3, 1, "same", pool=None, dropout=0.0),
)
# github.com/BVLC/caffe/wiki/Model-Zoo, "NIN ImageNet" (gist mavenlin/d802a5849de39225bcc6).
_IMAGENET_BLOCKS = (
    _MLPConv((96, 96, 96), 11, 4, "valid", pool="max", dropout=0.0),
    _MLPConv((256, 256, 256), 5, 1, "same", pool="max", dropout=0.0),
    _MLPConv((384, 384, 384), 3, 1, "same", pool="max", dropout=0.5),
    _MLPConv((1024, 1024, None), 3, 1, "same", pool=None, dropout=0.0),
)


def _conv_relu(x, filters, kernel, stride, padding, name, relu_name):
    x = layers.Conv2D(filters, kernel, strides=stride, padding=padding, name=name)(x)
    return layers.ReLU(name=relu_name)(x)


def _mlpconv(x, block: str, spec: _MLPConv, classes: int, include_top: bool):
    """One mlpconv block. The last block's second cccp maps to the classes (the top)."""
    conv_filters, cccp1_filters, cccp2_filters = spec.filters
    x = _conv_relu(
        x, conv_filters, spec.kernel, spec.stride, spec.padding, f"{block}_conv", f"{block}_relu"
    )
    x = _conv_relu(x, cccp1_filters, 1, 1, "valid", f"{block}_cccp1", f"{block}_cccp1_relu")
    if cccp2_filters is None and not include_top:
        return x
    x = _conv_relu(
        x, cccp2_filters or classes, 1, 1, "valid", f"{block}_cccp2", f"{block}_cccp2_relu"
    )
    if spec.pool:
        x = caffe_pool(x, spec.pool, 3, 2, name=f"{block}_pool")
    if spec.dropout:
        x = layers.Dropout(spec.dropout, name=f"{block}_dropout")(x)
    return x


def _nin(name, blocks, input_shape, classes, include_top, pooling, classifier_activation):
    """The generic NiN: mlpconv blocks, then global average pooling of the class maps."""
    inputs = keras.Input(shape=input_shape, name="input")
    x = inputs
    for i, spec in enumerate(blocks, start=1):
        x = _mlpconv(x, f"mlpconv{i}", spec, classes, include_top)
    if include_top:
        # The paper's point (section 3.2): one feature map per class, averaged over the image,
        # is the class score; no fully connected layer.
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Activation(classifier_activation, name="predictions")(x)
    else:
        x = pooled_features(x, pooling)
    return keras.Model(inputs, x, name=name)


@register_model(
    "nin",
    description="Network In Network for ImageNet: four mlpconv blocks, global average "
    "pooling, no fully connected layer.",
    **_METADATA,
    input_shape=(224, 224, 3),
    # The third pool needs a 2x2 map: 39 -> 8 -> 4 -> 2 -> 1; 38 -> 7 -> 3 -> 1 -> 0.
    min_input_size=39,
    references=(
        Reference(
            7_595_176,
            "Arithmetic from the authors' released Caffe definition (Model Zoo 'NIN "
            "ImageNet'), 1000 classes; tests/test_arch_classic.py recomputes it by hand.",
        ),
    ),
)
def nin(*, input_shape, classes, include_top, pooling, classifier_activation):
    """Network In Network for ImageNet, after Lin, Chen and Yan, "Network In Network" (ICLR
    2014), in the configuration of the authors' released Caffe model ("NIN ImageNet" in the
    Caffe Model Zoo), since the paper does not list its widths.

    mlpconv1: 96@11x11/4, 96@1x1, 96@1x1, max-pool 3x3/2 -> mlpconv2: 256@5x5, 256, 256,
    max-pool -> mlpconv3: 384@3x3, 384, 384, max-pool, dropout 0.5 -> mlpconv4: 1024@3x3,
    1024, `classes`@1x1 -> global average pooling -> softmax. ReLU after every convolution,
    the class maps' included, as in Caffe. Pooled sizes round up as in Caffe (54x54 ->
    27 -> 13 -> 6 at 224x224; see `caffe_pool`). With `include_top=False` the network ends
    before the class maps, at mlpconv4_cccp1_relu (1024 channels).
    """
    return _nin(
        "nin", _IMAGENET_BLOCKS, input_shape, classes, include_top, pooling, classifier_activation
    )


@register_model(
    "nin_cifar",
    description="Network In Network for CIFAR-10: three mlpconv blocks, global average "
    "pooling, no fully connected layer.",
    **_METADATA,
    input_shape=(32, 32, 3),
    # The second pool needs a 2x2 map: 4 -> 2 -> 1; 3 -> 1 -> 0.
    min_input_size=4,
    references=(
        Reference(
            966_986,
            "Arithmetic from the authors' released Caffe definition (Model Zoo 'NIN "
            "CIFAR10'), 10 classes; tests/test_arch_classic.py recomputes it by hand.",
            classes=10,
        ),
    ),
)
def nin_cifar(*, input_shape, classes, include_top, pooling, classifier_activation):
    """Network In Network for CIFAR-10, after Lin, Chen and Yan, "Network In Network" (ICLR
    2014), in the configuration of the authors' released Caffe model ("NIN CIFAR10" in the
    Caffe Model Zoo), since the paper does not list its widths.

    mlpconv1: 192@5x5, 160@1x1, 96@1x1, max-pool 3x3/2, dropout 0.5 -> mlpconv2: 192@5x5,
    192, 192, average-pool 3x3/2, dropout 0.5 -> mlpconv3: 192@3x3, 192, `classes`@1x1 ->
    global average pooling -> softmax. ReLU after every convolution, the class maps'
    included, as in Caffe. Pooled sizes round up as in Caffe (32 -> 16 -> 8; see
    `caffe_pool`). With `include_top=False` the network ends before the class maps, at
    mlpconv3_cccp1_relu (192 channels).
    """
    return _nin(
        "nin_cifar", _CIFAR_BLOCKS, input_shape, classes, include_top, pooling,
        classifier_activation,
    )  # fmt: skip
