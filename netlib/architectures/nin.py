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

from netlib.registry import Reference, register_model

_PAPER = "Network In Network"
_AUTHORS = "Min Lin, Qiang Chen, Shuicheng Yan"
_URL = "https://arxiv.org/abs/1312.4400"


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


def _ceil_mode(size: int, pool_size: int, strides: int) -> tuple[int, int]:
    """Caffe's pooled size, ceil((n - k) / s) + 1, and the padding after the input it implies."""
    out = -(-(size - pool_size) // strides) + 1
    return out, (out - 1) * strides + pool_size - size


def _same_matches_ceil_mode(size: int, pool_size: int, strides: int) -> bool:
    """Whether padding='same' gives Caffe's windows: same size, and no padding before."""
    out, extra = _ceil_mode(size, pool_size, strides)
    same_out = -(-size // strides)
    same_total = max((same_out - 1) * strides + pool_size - size, 0)
    return same_out == out and same_total == extra and same_total // 2 == 0


def caffe_pool(x, kind: str, pool_size: int, strides: int, name: str):
    """Max ("max") or average ("avg") pooling with Caffe's rounding, as the authors' models use.

    Caffe rounds the pooled size up, so a partial window at the bottom/right edge still makes
    an output (54 -> 27 -> 13 -> 6 in NIN ImageNet, where 'valid' gives 26 and 'same' 14).
    Keras has no such mode. Where no padding is needed this is 'valid' pooling; where
    'same' pads exactly as Caffe does (one cell after: even sizes for 3x3/2) it is 'same'
    pooling, whose edge windows, like Caffe's, leave the padding out. Otherwise the input
    is zero-padded at the bottom/right and pooled 'valid': exact for max-pooling of ReLU
    outputs (never below zero); for average pooling the padded zeros then count in the
    edge windows, where Caffe leaves them out.
    """
    pool = {"max": layers.MaxPooling2D, "avg": layers.AveragePooling2D}[kind]
    sizes = x.shape[1:3]
    extras = [_ceil_mode(n, pool_size, strides)[1] for n in sizes]
    if not any(extras):
        return pool(pool_size, strides, padding="valid", name=name)(x)
    if all(_same_matches_ceil_mode(n, pool_size, strides) for n in sizes):
        return pool(pool_size, strides, padding="same", name=name)(x)
    x = layers.ZeroPadding2D(((0, extras[0]), (0, extras[1])), name=f"{name}_pad")(x)
    return pool(pool_size, strides, padding="valid", name=name)(x)


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
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    return keras.Model(inputs, x, name=name)


@register_model(
    "nin",
    family="NiN",
    description="Network In Network for ImageNet: four mlpconv blocks, global average "
    "pooling, no fully connected layer.",
    paper=_PAPER,
    authors=_AUTHORS,
    year=2013,
    url=_URL,
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
    family="NiN",
    description="Network In Network for CIFAR-10: three mlpconv blocks, global average "
    "pooling, no fully connected layer.",
    paper=_PAPER,
    authors=_AUTHORS,
    year=2013,
    url=_URL,
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
