"""What the builders of several families share: the classifier head, padding and rounding
helpers, the batch-norm presets (each with its reason), the stem/head block pattern and
the recipes of a family trained as its paper.

Private to netlib.architectures (the registry does not import modules starting with "_").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from keras import layers

from netlib.registry import BlockPattern, Recipe, WeightsFile

# ----------------------------------------------------------------------------- heads


def pooled_features(x, pooling):
    """The end of a network built with include_top=False: global average ("avg") or max
    ("max") pooling of the last feature map, or the map itself (None), as in
    keras.applications."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name="max_pool")(x)
    return x


def predictions(x, classes, classifier_activation, **dense):
    """The output layer: `classes` units with `classifier_activation`, named `predictions`."""
    return layers.Dense(classes, activation=classifier_activation, name="predictions", **dense)(x)


def global_pool_head(
    x, *, include_top, pooling, classes, classifier_activation, dropout=0.0,
    pool_name="avg_pool", dropout_name="dropout", **dense,
):
    """The head of the networks that end in global average pooling (GoogLeNet, ResNet,
    MobileNet, EfficientNet): pooling, dropout where `dropout` > 0, the classifier; with
    include_top=False, `pooled_features`."""
    if not include_top:
        return pooled_features(x, pooling)
    x = layers.GlobalAveragePooling2D(name=pool_name)(x)
    if dropout > 0:
        x = layers.Dropout(dropout, name=dropout_name)(x)
    return predictions(x, classes, classifier_activation, **dense)


# ------------------------------------------------------------- padding and rounding


def same_padding(x, kernel_size, strides):
    """The (top, bottom), (left, right) zero padding that TensorFlow's "SAME" applies to
    `x` for a `kernel_size` window moved by `strides`: output size ceil(size / strides),
    the odd pixel of padding at the bottom/right. Needs the static height and width."""
    padding = []
    for size in x.shape[1:3]:
        if size is None:
            raise ValueError("same_padding needs a known input height and width.")
        out = -(-size // strides)
        total = max((out - 1) * strides + kernel_size - size, 0)
        padding.append((total // 2, total - total // 2))
    return tuple(padding)


def pad_for_stride(x, kernel_size, strides, name):
    """`x` and the `padding` for a convolution of `kernel_size` moved by `strides`, padded
    like TensorFlow's "SAME": "same" at stride 1; at a larger stride the padding is a
    layer of its own (`name`) and the convolution "valid", as in keras.applications'
    MobileNets and EfficientNets (conv_pad_2, block_1_pad, block2a_dwconv_pad)."""
    if strides == 1:
        return x, "same"
    return layers.ZeroPadding2D(same_padding(x, kernel_size, strides), name=name)(x), "valid"


def make_divisible(value, divisor=8):
    """`value` rounded to the nearest multiple of `divisor` (at least `divisor`), but never
    more than 10% below `value`: the reference MobileNetV2's channel rounding."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


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
    """Max ("max") or average ("avg") pooling with Caffe's rounding, as the NiN and
    GoogLeNet authors' models use.

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


# -------------------------------------------------------------------- batch norm


@dataclasses.dataclass(frozen=True)
class BatchNorm:
    """A batch-normalisation setting and why a family uses it. Keras' `momentum` is the
    weight of the old moving statistics (PyTorch's momentum 0.1 is Keras' 0.9)."""

    momentum: float
    epsilon: float
    reason: str

    def layer(self, name: str):
        return layers.BatchNormalization(
            axis=-1, momentum=self.momentum, epsilon=self.epsilon, name=name
        )


RESNET_BN = BatchNorm(
    0.9, 1e-5,
    "torchvision's ResNets (torch momentum 0.1, epsilon 1e-5): statistics that settle "
    "within a short run, unlike Keras' default 0.99",
)
MOBILENET_BN = BatchNorm(
    0.99, 1e-3,
    "Keras' epsilon; a faster moving average than keras.applications' 0.999 (TF-slim: "
    "0.997), so that the inference statistics settle within the short runs this lab trains",
)
EFFICIENTNET_BN = BatchNorm(
    0.99, 1e-3, "the official EfficientNet implementation's (also Keras' defaults)",
)
# The same numbers as EfficientNet's, for another reason.
OPTIONAL_BN = BatchNorm(
    0.99, 1e-3,
    "Keras' defaults: VGG and GoogLeNet predate batch normalisation, and their papers "
    "give no setting for the `batch_norm` option",
)

# --------------------------------------------------------------- block patterns

# The stage names AlexNet, GoogLeNet, ResNet and MobileNet's stem use (conv1, pool1, fc6).
# A trailing "_" is required so that Keras' VGG head (fc1, fc2) stays unnamed. It also
# matches the start of ResNet's conv2_block1: general, so tried after other patterns.
STAGE_NAMES = BlockPattern(
    r"((?:conv|pool|fc)\d+)_", r"\1",
    "AlexNet: conv1_lrn -> conv1; ResNet: pool1_pool -> pool1", general=True,
)


# --------------------------------------------------------------------- variants


def variant(name: str, doc: str, build: Callable, **fixed) -> Callable:
    """The registry builder of variant `name` of a generic builder (a row of a table of
    variants that differ only in numbers): `build(name, **fixed, **arguments)`, with the
    variant's own name and docstring, and the generic builder's module (the registry and
    the summary cache read it)."""

    def builder(**arguments):
        return build(name, **fixed, **arguments)

    builder.__name__ = builder.__qualname__ = name
    builder.__doc__ = doc
    builder.__module__ = build.__module__
    return builder


# ------------------------------------------------------------------ ImageNet weights


def with_and_without_top(url: str, names: tuple[str, str], hashes: tuple[str, str],
                         input_size: int = 224) -> tuple[WeightsFile, WeightsFile]:
    """A network's two published files, with the classifier and without ("no top"),
    under `url`: their names and hashes in that order, trained at `input_size`."""
    return tuple(
        WeightsFile(name, url + name, file_hash, include_top=top, input_size=input_size)
        for top, name, file_hash in zip((True, False), names, hashes)
    )


# ---------------------------------------------------------------------- recipes


def small_data(learning_rate: float, epochs: int, source: str, **values) -> Recipe:
    """A family's "default" recipe: ConvLab's for training from scratch on a folder of
    hundreds to a few thousand images on a CPU, where the papers' SGD schedules (made for
    1.2 M images over 90 epochs) barely start in the few epochs a CPU affords.

    Adam (its step size per weight forgives a rate a few times off, which SGD's does not),
    batches of 32, cosine decay after a half-epoch warm-up, no weight decay (not measured
    here; where a family overfitted, augmentation and label smoothing were); `values` add
    or change what the family needs (an image size a CPU can train at, augmentation).
    `source` says what was measured: benchmarks/small_data.py measures every family."""
    return Recipe(
        "default",
        {**dict(optimizer="adam", learning_rate=learning_rate, batch_size=32, epochs=epochs,
                schedule="cosine", warmup_epochs=0.5, weight_decay=0.0), **values},
        source,
    )


def step_schedule(learning_rate, weight_decay, epochs) -> dict:
    """SGD with momentum 0.9 in batches of 64, the rate divided by 10 at 50% and 75% of the
    run: the ResNet paper's schedule, which GoogLeNet's short runs borrow."""
    return dict(
        optimizer="sgd", momentum=0.9, learning_rate=learning_rate, batch_size=64,
        epochs=epochs, weight_decay=weight_decay, schedule="step", lr_decay_factor=0.1,
        lr_milestones=(0.5, 0.75),
    )


def alexnet_procedure(learning_rate, weight_decay, source) -> Recipe:
    """AlexNet's training, which NiN and VGG kept, as the "paper" recipe: SGD with
    momentum 0.9, the rate divided by 10 when validation stops improving (here: for 5
    epochs), over 60 epochs of batches of 64; the rate and weight decay are the paper's."""
    values = dict(
        optimizer="sgd", momentum=0.9, learning_rate=learning_rate, batch_size=64, epochs=60,
        weight_decay=weight_decay, schedule="plateau", lr_decay_factor=0.1, plateau_patience=5,
    )
    return Recipe("paper", values, source)


# The Keras guide's augmentation for photographs: mirror images and small rotations.
_PHOTO_AUGMENTATION = ("flip", {"name": "rotation", "factor": 0.1})


def fine_tuning_recipe(augment=_PHOTO_AUGMENTATION, **changes) -> Recipe:
    """The recipe "pretrained", chosen when a run starts from pretrained weights (ImageNet's,
    a file's or an earlier run's): the base frozen while the new classifier trains with
    Adam at 1e-3, then the whole network at a hundredth of that rate, as the Keras guide
    does; `changes` override values for a family."""
    values = dict(
        optimizer="adam", learning_rate=1e-3, batch_size=32, epochs=10, schedule="constant",
        weight_decay=0.0, label_smoothing=0.0, warmup_epochs=0.0,
        augment=list(augment) if augment else None, freeze_epochs=3, fine_tune_lr_scale=0.01,
    )
    return Recipe(
        "pretrained",
        {**values, **changes},
        "Chollet, Keras guide \"Transfer learning & fine-tuning\" (2020): the pretrained "
        "base frozen (batch normalisation in inference mode) while the new classifier "
        "trains with Adam at its default 1e-3, then unfrozen and recompiled at 1e-5; "
        "random flips and rotations of 0.1. Here: 3 frozen epochs of 10. Not measured here "
        "on photographs.",
    )
