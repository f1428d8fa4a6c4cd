"""Data augmentation as Keras layers, inside the model: they run where the model runs
(on the GPU when there is one), in every epoch, and do nothing at inference
(``training=False``), so a saved model predicts on plain images.

They take images with pixel values in 0..255 (uint8 straight from
:class:`netlib.data.ImageBatches`, or float) and return float32 in the same range,
so normalisation comes after them.

- :class:`RandomCropFlip`: AlexNet's random crop with horizontal flip (Krizhevsky et al.,
  2012, section 4.1: 224x224 patches of 256x256 images); the centre crop at inference.
- :class:`PCAColorJitter`: AlexNet's colour augmentation (same section): adds a multiple
  of the principal components of the training set's RGB pixel values to every pixel.
- rotation, translation, zoom, brightness, contrast, flip: Keras' own layers.

:func:`build_augmentation` makes a `keras.Sequential` from a spec (what a training
configuration stores; netlib.augment_spec defines and checks it without Keras), and :func:`ten_crop_predict` is AlexNet's test-time
ten-crop evaluation.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from netlib import augment_spec
from netlib.augment_spec import AUGMENTATIONS

__all__ = [
    "AUGMENTATIONS",
    "RandomCropFlip",
    "PCAColorJitter",
    "pca_basis",
    "build_augmentation",
    "ten_crop_predict",
]


@keras.saving.register_keras_serializable(package="convlab")
class RandomCropFlip(keras.layers.Layer):
    """AlexNet's training crop: a random `height` x `width` window of each image, mirrored
    left-right with probability 1/2 (when `flip`); at inference, the centre window.

    Each image of a batch gets its own window and flip. `height` and `width` are pixels
    (ints), or fractions of the input's size (floats in (0, 1]); `width` defaults to
    `height`. Keras' RandomCrop is not used: at inference it resizes the whole image
    instead of taking the centre window, which is not what the paper evaluates.
    """

    def __init__(self, height, width=None, flip: bool = True, seed=None, **kwargs):
        super().__init__(**kwargs)
        width = height if width is None else width
        for name, value in (("height", height), ("width", width)):
            valid_int = isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value > 0
            valid_fraction = isinstance(value, float) and 0.0 < value <= 1.0
            if not (valid_int or valid_fraction):
                raise ValueError(
                    f"RandomCropFlip {name} must be a positive int (pixels) or a float in (0, 1] "
                    f"(a fraction of the input); received {name}={value!r}."
                )
        self.height = height if isinstance(height, float) else int(height)
        self.width = width if isinstance(width, float) else int(width)
        self.flip = bool(flip)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _crop_size(self, input_shape) -> tuple[int, int]:
        in_height, in_width = input_shape[1], input_shape[2]
        if in_height is None or in_width is None:
            raise ValueError(f"RandomCropFlip needs inputs of known height and width; received shape {tuple(input_shape)}.")
        height = round(self.height * in_height) if isinstance(self.height, float) else self.height
        width = round(self.width * in_width) if isinstance(self.width, float) else self.width
        if height > in_height or width > in_width:
            raise ValueError(
                f"RandomCropFlip crops {height}x{width} windows from images of "
                f"{in_height}x{in_width}: the crop must not be larger than the image."
            )
        return height, width

    def build(self, input_shape):
        self._crop_size(input_shape)  # refuse a crop larger than the input now, not mid-fit

    def compute_output_shape(self, input_shape):
        height, width = self._crop_size(input_shape)
        return (input_shape[0], height, width, input_shape[3])

    def call(self, images, training=None):
        images = ops.cast(images, self.compute_dtype)
        in_height, in_width = images.shape[1], images.shape[2]
        height, width = self._crop_size(images.shape)
        if not training:
            top, left = (in_height - height) // 2, (in_width - width) // 2
            return images[:, top : top + height, left : left + width, :]
        batch, channels = ops.shape(images)[0], images.shape[3]
        top = self._random_offsets(batch, in_height - height)
        left = self._random_offsets(batch, in_width - width)
        rows = top[:, None] + ops.arange(height, dtype="int32")[None, :]
        columns = ops.arange(width, dtype="int32")[None, :]
        if self.flip:
            mirrored = keras.random.uniform((batch, 1), seed=self.seed_generator) < 0.5
            columns = ops.where(mirrored, width - 1 - columns, columns)
        columns = left[:, None] + columns
        # One gather per axis picks each image's window (mirrored columns run backwards).
        images = ops.take_along_axis(
            images, ops.broadcast_to(rows[:, :, None, None], (batch, height, in_width, channels)), axis=1
        )
        return ops.take_along_axis(
            images, ops.broadcast_to(columns[:, None, :, None], (batch, height, width, channels)), axis=2
        )

    def _random_offsets(self, batch, largest: int):
        """Uniform integers 0..largest, one per image."""
        uniform = keras.random.uniform((batch,), seed=self.seed_generator)
        return ops.minimum(ops.cast(uniform * (largest + 1), "int32"), largest)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width, "flip": self.flip, "seed": self.seed}


@keras.saving.register_keras_serializable(package="convlab")
class PCAColorJitter(keras.layers.Layer):
    """AlexNet's colour augmentation: to every pixel of an image add
    ``eigenvectors @ (alpha * sqrt(eigenvalues))``, with alpha ~ N(0, stddev) drawn once
    per image (stddev 0.1 in the paper).

    `eigenvalues`, `eigenvectors` come from :func:`pca_basis` over the training images.
    The noise is scaled by the square root of each eigenvalue (the standard deviation
    along that principal component), so it is in pixel units whatever the pixel scale.
    (The paper writes alpha_i * lambda_i; with lambda a variance that is in squared pixel
    units, about 40 grey levels for 0..255 images instead of a few.)
    Values are not clipped (nor in the paper); inactive at inference.
    """

    def __init__(self, eigenvalues, eigenvectors, stddev: float = 0.1, seed=None, **kwargs):
        super().__init__(**kwargs)
        values = np.asarray(eigenvalues, dtype=np.float64)
        vectors = np.asarray(eigenvectors, dtype=np.float64)
        if values.shape != (3,) or vectors.shape != (3, 3) or not np.all(np.isfinite(vectors)):
            raise ValueError(
                "PCAColorJitter needs 3 eigenvalues and a 3x3 matrix of eigenvectors (one per "
                f"column), as pca_basis() returns; received shapes {values.shape} and {vectors.shape}."
            )
        if not np.all(values >= 0):
            raise ValueError(f"PCAColorJitter eigenvalues must be >= 0; received {values.tolist()}.")
        if not stddev >= 0:
            raise ValueError(f"PCAColorJitter stddev must be >= 0; received stddev={stddev!r}.")
        self.eigenvalues = values.tolist()
        self.eigenvectors = vectors.tolist()
        self.stddev = float(stddev)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        if input_shape[-1] != 3:
            raise ValueError(f"PCAColorJitter works on RGB images (3 channels); received shape {tuple(input_shape)}.")

    def compute_output_shape(self, input_shape):
        return input_shape

    def call(self, images, training=None):
        images = ops.cast(images, self.compute_dtype)
        if not training:
            return images
        alpha = keras.random.normal((ops.shape(images)[0], 3), stddev=self.stddev, seed=self.seed_generator)
        scale = ops.convert_to_tensor(np.sqrt(self.eigenvalues), dtype=self.compute_dtype)
        vectors = ops.convert_to_tensor(self.eigenvectors, dtype=self.compute_dtype)
        shift = ops.matmul(ops.cast(alpha, self.compute_dtype) * scale, ops.transpose(vectors))  # (batch, 3)
        return images + shift[:, None, None, :]

    def get_config(self):
        return {
            **super().get_config(),
            "eigenvalues": self.eigenvalues,
            "eigenvectors": self.eigenvectors,
            "stddev": self.stddev,
            "seed": self.seed,
        }


def pca_basis(
    images: np.ndarray, *, indices=None, max_pixels: int = 1_000_000, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Principal components of the RGB pixel values of `images` (N, H, W, 3).

    Returns (eigenvalues (3,), eigenvectors (3, 3) with one component per column),
    largest eigenvalue first, in the images' pixel scale. `indices` restricts the
    statistics to some images (the training rows of a cache:
    ``pca_basis(cache.images, indices=cache.rows_for(split.train))``). At most
    `max_pixels` pixels, drawn at random (seeded), enter the covariance, so a
    memory-mapped cache of any size costs the same and is never read whole.
    """
    if not isinstance(images, np.ndarray):
        raise ValueError(
            "pca_basis needs a numpy array or memory map of images (N, H, W, 3); for some rows "
            f"of a cache pass pca_basis(cache.images, indices=rows). Received {type(images).__name__}."
        )
    if images.ndim != 4 or images.shape[-1] != 3 or images.shape[0] == 0:
        raise ValueError(f"pca_basis needs RGB images of shape (N, H, W, 3); received shape {images.shape}.")
    rows = np.arange(len(images)) if indices is None else np.sort(np.asarray(indices, dtype=np.int64).reshape(-1))
    if len(rows) == 0:
        raise ValueError("pca_basis needs at least one image; received no indices.")
    per_image = images.shape[1] * images.shape[2]
    total = len(rows) * per_image
    if total <= max_pixels:
        chosen = np.arange(total)
    else:
        chosen = np.sort(np.random.default_rng(seed).choice(total, size=max_pixels, replace=False))
    # Fancy indexing a memory map reads only the pixels it picks, here in file order.
    pixels = images.reshape(len(images), per_image, 3)
    sample = pixels[rows[chosen // per_image], chosen % per_image]
    covariance = np.cov(sample.astype(np.float64), rowvar=False)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)  # ascending
    eigenvalues = np.clip(eigenvalues[::-1], 0.0, None)  # round-off can make a zero negative
    eigenvectors = eigenvectors[:, ::-1]
    return eigenvalues, eigenvectors


# The layer class of each spec entry (netlib.augment_spec names them and their parameters).
_LAYER_CLASSES = {
    "crop_flip": RandomCropFlip,
    "pca_color": PCAColorJitter,
    "flip": keras.layers.RandomFlip,
    "rotation": keras.layers.RandomRotation,
    "translation": keras.layers.RandomTranslation,
    "zoom": keras.layers.RandomZoom,
    "brightness": keras.layers.RandomBrightness,
    "contrast": keras.layers.RandomContrast,
}
assert _LAYER_CLASSES.keys() == AUGMENTATIONS.keys()


def build_augmentation(spec, *, seed: int = 0, pca: tuple | None = None, name: str = "augmentation") -> keras.Sequential:
    """A `keras.Sequential` of augmentation layers from a spec (see netlib.augment_spec:
    a list of names or ``{"name": ..., **parameters}``, a dict ``{name: parameter}``, or
    names separated by commas). Examples::

        ["flip", {"name": "rotation", "factor": 0.05}]
        {"crop_flip": 224, "pca_color": 0.1}
        {"rotation": 0.1, "zoom": {"height_factor": 0.2}, "contrast": False}

    Layer i is seeded with ``seed + i``. "pca_color" needs the principal components:
    pass ``pca=pca_basis(training_images)`` or give `eigenvalues` and `eigenvectors`
    in its parameters. An empty spec gives a model that returns its input as float.

    Raises:
        ValueError: an unknown name or parameter (the message lists the valid ones), or
            parameters the layer refuses.
    """
    entries = augment_spec.entries(spec)
    layers = [_layer(entry_name, params, seed + i, pca) for i, (entry_name, params) in enumerate(entries)]
    if not layers:
        layers = [keras.layers.Identity()]
    return keras.Sequential(layers, name=name)


def _layer(entry_name: str, params: dict, seed: int, pca) -> keras.layers.Layer:
    arguments = {**AUGMENTATIONS[entry_name].defaults, **params}
    if entry_name == "crop_flip" and isinstance(arguments.get("height"), (list, tuple)):
        arguments["height"], arguments["width"] = arguments["height"]  # a (height, width) pair
    if entry_name == "translation" and "height_factor" in params and "width_factor" not in params:
        arguments["width_factor"] = params["height_factor"]
    if entry_name == "pca_color" and "eigenvalues" not in arguments:
        if pca is None:
            raise ValueError(
                "The 'pca_color' augmentation needs the principal components of the training "
                "images: pass pca=pca_basis(images) to build_augmentation, or give "
                "'eigenvalues' and 'eigenvectors' in its parameters."
            )
        arguments["eigenvalues"], arguments["eigenvectors"] = (np.asarray(a).tolist() for a in pca)
    try:
        return _LAYER_CLASSES[entry_name](**arguments, seed=seed, name=f"{entry_name}_{seed}")
    except (TypeError, ValueError) as error:
        raise ValueError(f"Augmentation {entry_name!r} refused its parameters {params!r}: {error}") from None


def ten_crop_predict(model, images: np.ndarray, crop_size, *, batch_size: int = 32) -> np.ndarray:
    """AlexNet's test-time evaluation: the model's output averaged over ten crops of each
    image, the four corners and the centre, and their mirror images.

    Args:
        model: a classifier whose input is `crop_size` and output probabilities.
        images: (N, H, W, C), larger than or equal to `crop_size`.
        crop_size: int or (height, width).

    Returns:
        (N, classes) float32, the mean of the ten predictions.
    """
    from netlib.data.decode import normalize_size

    height, width = normalize_size(crop_size)
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[1] < height or images.shape[2] < width:
        raise ValueError(
            f"ten_crop_predict needs images (N, H, W, C) at least {height}x{width}; "
            f"received shape {images.shape}."
        )
    in_height, in_width = images.shape[1:3]
    corners = [
        (0, 0),
        (0, in_width - width),
        (in_height - height, 0),
        (in_height - height, in_width - width),
        ((in_height - height) // 2, (in_width - width) // 2),
    ]
    chunks = []
    # predict_on_batch, one batch of images at a time: model.predict's per-call set-up
    # would cost more than the ten small predictions themselves.
    for start in range(0, len(images), batch_size):
        chunk = images[start : start + batch_size]
        total = 0.0
        for top, left in corners:
            crop = chunk[:, top : top + height, left : left + width]
            for view in (crop, crop[:, :, ::-1]):
                total = total + np.asarray(model.predict_on_batch(np.ascontiguousarray(view)), dtype=np.float64)
        chunks.append(total / 10)
    return np.concatenate(chunks).astype(np.float32)
