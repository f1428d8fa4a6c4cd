"""The model a run trains, and the model it saves.

    training:   uint8 pixels -> augmentation -> preprocessing -> network -> softmax head(s)
    inference:  uint8 pixels ->                 preprocessing -> network -> softmax (main)

Both share their layers (and so their weights): the inference model is what best.keras
and last.keras hold and what every export starts from, so a saved model takes raw pixel
values (0-255) at its input size and returns class probabilities, with nothing for its
user to get wrong.

Augmentation comes before preprocessing because netlib.augment's layers work on pixel
values in 0..255 (PCA colour noise is in pixel units). A cropping augmentation (AlexNet's
224x224 crops of 256x256 images) makes the network's input smaller than the images; the
inference model then takes the crop size, and predict/evaluate centre-crop the images
(the paper's single-crop test) or use ten crops.

Preprocessing is `Rescaling(1/255)` followed, unless the config says
normalization="none", by a per-channel `Normalization` whose mean and variance are the
training images' (normalization="dataset", measured by :func:`channel_statistics`) or
ImageNet's ("imagenet"). A network that normalises its input itself (EfficientNet, as in
keras.applications) takes the pixels as they are, and its own normalisation layer gets
those statistics. A run from pretrained weights uses what the weights expect instead
(netlib.train.fine_tuning.Start). The network is built without its softmax; the heads apply
it in float32, so that under mixed precision the probabilities and the loss keep full
precision (Keras' mixed-precision guide recommends this).
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from netlib import registry
from netlib.train.config import TrainConfig

__all__ = [
    "TrainingModels",
    "build_models",
    "compile_for_training",
    "make_optimizer",
    "learning_rate_schedule",
    "channel_statistics",
    "mixed_precision_policy",
    "SparseCrossentropy",
    "AUX_LOSS_WEIGHT",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
]

# Szegedy et al., 2014, section 5: "the loss of the auxiliary classifiers was weighted by 0.3".
AUX_LOSS_WEIGHT = 0.3
# ImageNet's per-channel statistics of pixels in [0, 1] (RGB), as torchvision uses them.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# Luma weights (ITU-R 601) turn the RGB statistics into a grey one.
_LUMA = (0.299, 0.587, 0.114)
MAIN_OUTPUT = "probabilities"


@dataclasses.dataclass
class TrainingModels:
    """The two views of one network (see the module's docstring)."""

    training: keras.Model
    inference: keras.Model
    output_names: tuple[str, ...]  # the training model's outputs, main head first
    network: keras.Model | None = None  # the registry's network inside both
    preprocessing: tuple = ()  # the layers between the pixels and the network

    @property
    def multi_output(self) -> bool:
        return len(self.output_names) > 1


def mixed_precision_policy(setting: str, uses_gpu: bool) -> str | None:
    """The Keras dtype policy for a config's `mixed_precision`, or None for float32.

    "auto" means float16 on a GPU (tensor cores; loss scaling keeps small gradients) and
    full precision on the CPU, where half precision is slower, not faster.
    """
    if setting == "float16" or (setting == "auto" and uses_gpu):
        return "mixed_float16"
    if setting == "bfloat16":
        return "mixed_bfloat16"
    return None


def channel_statistics(
    images: np.ndarray, rows=None, max_images: int = 4096, chunk: int = 256
) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and variance of uint8 `images` (N, H, W, C), or of their `rows`,
    in [0, 1] units.

    Measured on at most `max_images` evenly spaced images (enough for four significant
    digits), a chunk at a time so that a memory-mapped cache is never loaded whole.
    """
    rows = np.arange(len(images)) if rows is None else np.sort(np.asarray(rows, np.int64))
    if len(rows) == 0:
        raise ValueError("Cannot measure the statistics of an empty training set.")
    picks = rows[np.unique(np.linspace(0, len(rows) - 1, min(len(rows), max_images)).astype(np.int64))]
    total = np.zeros(images.shape[-1], np.float64)
    total_sq = np.zeros(images.shape[-1], np.float64)
    pixels = 0
    for start in range(0, len(picks), chunk):
        block = np.asarray(images[picks[start : start + chunk]], dtype=np.float64) / 255.0
        total += block.sum(axis=(0, 1, 2))
        total_sq += np.square(block).sum(axis=(0, 1, 2))
        pixels += block.shape[0] * block.shape[1] * block.shape[2]
    mean = total / pixels
    variance = np.maximum(total_sq / pixels - np.square(mean), 1e-12)
    return mean.astype(np.float32), variance.astype(np.float32)


def _imagenet_statistics(channels: int) -> tuple[np.ndarray, np.ndarray]:
    mean = np.array(IMAGENET_MEAN, np.float32)
    std = np.array(IMAGENET_STD, np.float32)
    if channels == 1:
        mean = np.array([np.dot(_LUMA, mean)], np.float32)
        std = np.array([np.dot(_LUMA, std)], np.float32)
    return mean, np.square(std)


def _normalization_statistics(config: TrainConfig, channels: int, statistics):
    """The (mean, variance) per channel of `config.normalization`, or None for "none"."""
    if config.normalization == "none":
        return None
    if config.normalization == "imagenet":
        return _imagenet_statistics(channels)
    if statistics is None:
        raise ValueError("normalization='dataset' needs the training set's statistics.")
    return statistics


def _preprocessing(config: TrainConfig, channels: int, statistics) -> list[keras.layers.Layer]:
    layers: list[keras.layers.Layer] = [keras.layers.Rescaling(1.0 / 255.0, name="rescale")]
    measured = _normalization_statistics(config, channels, statistics)
    if measured is None:
        return layers
    mean, variance = measured
    layers.append(
        keras.layers.Normalization(
            mean=np.asarray(mean, np.float32).tolist(),
            variance=np.asarray(variance, np.float32).tolist(),
            name="normalize",
        )
    )
    return layers


def _augmentation(config: TrainConfig, pca):
    if config.augment in (None, [], {}):
        return None
    from netlib.augment import build_augmentation

    return build_augmentation(config.augment, seed=config.seed, pca=pca, name="augmentation")


def build_models(
    config: TrainConfig,
    classes: int,
    statistics: tuple[np.ndarray, np.ndarray] | None = None,
    pca: tuple[np.ndarray, np.ndarray] | None = None,
    dtype_policy: str | None = None,
    preprocessing: list[keras.layers.Layer] | None = None,
) -> TrainingModels:
    """Build the training and inference models of `config` for `classes` classes.

    `statistics` is (mean, variance) per channel in [0, 1] units, required when
    `config.normalization == "dataset"`; `pca` is (eigenvalues, eigenvectors) of the
    training pixels, required by the "pca_color" augmentation. `dtype_policy`
    ("mixed_float16", ...) applies to every layer built here but the softmax heads; the
    global Keras policy is restored afterwards, so other models in the process are
    unaffected. `preprocessing`, given for a pretrained start, replaces the config's; the
    network is then built as the weights need it (`registry.build(load_weights=False)`),
    its weights still random.
    """
    previous = keras.config.dtype_policy()
    if dtype_policy:
        keras.config.set_dtype_policy(dtype_policy)
    try:
        return _build_models(config, classes, statistics, pca, preprocessing)
    finally:
        keras.config.set_dtype_policy(previous)


def _build_models(config, classes, statistics, pca, preprocessing) -> TrainingModels:
    image_shape = config.input_shape()
    augmentation = _augmentation(config, pca)
    shape = image_shape
    if augmentation is not None:
        shape = tuple(int(d) for d in augmentation.compute_output_shape((None, *shape))[1:])
    network = registry.build(
        config.model,
        input_shape=shape,
        classes=classes,
        classifier_activation=None,
        weights="imagenet" if config.weights == "imagenet" else None,
        load_weights=False,
        **dict(config.model_options),
    )
    preprocess = preprocessing
    if preprocess is None and registry.model_info(config.model).input_preprocessing:
        _set_own_normalization(network, _normalization_statistics(config, shape[2], statistics))
        preprocess = []
    elif preprocess is None:
        preprocess = _preprocessing(config, shape[2], statistics)

    def preprocessed(x):
        for layer in preprocess:
            x = layer(x)
        return x

    # Augmentation works on 0..255 pixel values (netlib.augment), so it comes first.
    pixels = keras.Input(shape=image_shape, dtype="uint8", name="pixels")
    augmented = augmentation(pixels) if augmentation is not None else pixels
    logits = _as_list(network(preprocessed(augmented)))
    names = (MAIN_OUTPUT,) + tuple(f"aux{i}_{MAIN_OUTPUT}" for i in range(1, len(logits)))
    heads = [keras.layers.Activation("softmax", dtype="float32", name=n) for n in names]
    outputs = [head(x) for head, x in zip(heads, logits)]
    training = keras.Model(
        pixels, outputs if len(outputs) > 1 else outputs[0], name=f"{config.model}_training"
    )

    clean_pixels = keras.Input(shape=shape, dtype="uint8", name="pixels")
    main_logits = _as_list(network(preprocessed(clean_pixels)))[0]
    inference = keras.Model(clean_pixels, heads[0](main_logits), name=config.model)
    return TrainingModels(training, inference, names, network, tuple(preprocess))


def _set_own_normalization(network: keras.Model, statistics) -> None:
    """Give a network's own normalisation layer (EfficientNet's) the run's statistics
    (None: the identity, mean 0 and variance 1)."""
    layer = network.get_layer("normalization")
    channels = layer.adapt_mean.shape[-1]
    mean, variance = statistics if statistics is not None else (np.zeros(channels), np.ones(channels))
    layer.adapt_mean.assign(np.asarray(mean, np.float32))
    layer.adapt_variance.assign(np.asarray(variance, np.float32))
    layer.finalize_state()


def _as_list(outputs) -> list:
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


# ----------------------------------------------------------------------- optimisation


@keras.saving.register_keras_serializable(package="convlab")
class SparseCrossentropy(keras.losses.Loss):
    """Cross-entropy for integer labels, with optional label smoothing.

    Keras' SparseCategoricalCrossentropy has no `label_smoothing`; this one-hot encodes
    the labels and calls Keras' `categorical_crossentropy`, which has.
    """

    def __init__(self, label_smoothing: float = 0.0, name="crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true, y_pred):
        if not self.label_smoothing:
            return keras.losses.sparse_categorical_crossentropy(y_true, y_pred)
        labels = keras.ops.reshape(keras.ops.cast(y_true, "int32"), (-1,))
        one_hot = keras.ops.one_hot(labels, keras.ops.shape(y_pred)[-1], dtype=y_pred.dtype)
        return keras.losses.categorical_crossentropy(
            one_hot, y_pred, label_smoothing=self.label_smoothing
        )

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing}


def learning_rate_schedule(config: TrainConfig, steps_per_epoch: int):
    """The learning rate of `config` as Keras wants it: a float (constant, and plateau,
    which `ReduceLROnPlateau` lowers) or a `LearningRateSchedule` over optimizer steps
    (whose position is the optimizer's `iterations`, saved with the resume state)."""
    rate = config.learning_rate
    total = config.epochs * steps_per_epoch
    if config.schedule == "step":
        boundaries = sorted(
            {max(1, round(m * config.epochs)) * steps_per_epoch for m in config.lr_milestones}
        )
        values = [rate * config.lr_decay_factor**i for i in range(len(boundaries) + 1)]
        return keras.optimizers.schedules.PiecewiseConstantDecay(boundaries, values)
    if config.schedule == "cosine":
        warmup = int(round(config.warmup_epochs * steps_per_epoch))
        if warmup == 0:
            return keras.optimizers.schedules.CosineDecay(rate, decay_steps=max(1, total))
        return keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=rate / warmup,
            decay_steps=max(1, total - warmup),
            warmup_target=rate,
            warmup_steps=warmup,
        )
    return rate


def make_optimizer(config: TrainConfig, steps_per_epoch: int, dtype_policy: str | None = None):
    """The optimizer of `config`, with its schedule, weight decay on kernels only, and
    dynamic loss scaling under float16."""
    rate = learning_rate_schedule(config, steps_per_epoch)
    decay = config.weight_decay or None
    if config.optimizer == "sgd":
        optimizer = keras.optimizers.SGD(
            rate, momentum=config.momentum, nesterov=config.nesterov, weight_decay=decay
        )
    elif config.optimizer == "adam":
        optimizer = keras.optimizers.Adam(rate, weight_decay=decay)
    else:
        optimizer = keras.optimizers.AdamW(rate, weight_decay=config.weight_decay)
    if config.weight_decay:
        # Decay the kernels only: decaying biases and batch-norm scales/offsets pulls them
        # to zero for no regularising benefit (Goyal et al., 2017, section 2.1 note).
        optimizer.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
    if dtype_policy == "mixed_float16":
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def compile_for_training(
    models: TrainingModels,
    config: TrainConfig,
    classes: int,
    steps_per_epoch: int,
    dtype_policy: str | None = None,
) -> None:
    """Compile the training model: cross-entropy on every head (auxiliary heads weighted
    by AUX_LOSS_WEIGHT), top-1 and top-5 accuracy on the main head only."""

    def metrics():
        return [
            keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
            keras.metrics.SparseTopKCategoricalAccuracy(k=min(5, classes), name="top5"),
        ]

    loss = SparseCrossentropy(config.label_smoothing)
    if models.multi_output:
        names = models.output_names
        compile_args = dict(
            loss={n: loss for n in names},
            loss_weights={n: (1.0 if i == 0 else AUX_LOSS_WEIGHT) for i, n in enumerate(names)},
            metrics={names[0]: metrics()},
        )
    else:
        compile_args = dict(loss=loss, metrics=metrics())
    models.training.compile(
        optimizer=make_optimizer(config, steps_per_epoch, dtype_policy), **compile_args
    )


def main_metric_names(models: TrainingModels) -> dict[str, str]:
    """Keras' log keys for loss / accuracy / top5 of the main head of `models`."""
    if not models.multi_output:
        return {"loss": "loss", "accuracy": "accuracy", "top5": "top5"}
    main = models.output_names[0]
    return {"loss": "loss", "accuracy": f"{main}_accuracy", "top5": f"{main}_top5"}
