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

:func:`build_augmentation` makes a `keras.Sequential` from a JSON-friendly spec (what a
training configuration stores), and :func:`ten_crop_predict` is AlexNet's test-time
ten-crop evaluation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import keras
import numpy as np

__all__ = [
    "AUGMENTATIONS",
    "RandomCropFlip",
    "PCAColorJitter",
    "pca_basis",
    "build_augmentation",
    "ten_crop_predict",
]

# The names build_augmentation accepts, with the layer each one makes and its parameter.
AUGMENTATIONS = {
    "crop_flip": "RandomCropFlip(size): random crop + horizontal flip; centre crop at inference",
    "pca_color": "PCAColorJitter(stddev, eigenvalues, eigenvectors): AlexNet colour noise",
    "flip": "keras.layers.RandomFlip(mode='horizontal')",
    "rotation": "keras.layers.RandomRotation(factor): fraction of a full turn",
    "translation": "keras.layers.RandomTranslation(factor): fraction of height and width",
    "zoom": "keras.layers.RandomZoom(factor): fraction of the size",
    "brightness": "keras.layers.RandomBrightness(factor): fraction of the value range",
    "contrast": "keras.layers.RandomContrast(factor)",
}


@keras.saving.register_keras_serializable(package="convlab")
class RandomCropFlip(keras.layers.Layer):
    """AlexNet's training crop: a random `height` x `width` window of each image, mirrored
    left-right with probability 1/2 (when `flip`); at inference, the centre window.

    Each image of a batch gets its own window and flip.
    """

    def __init__(self, height: int, width: int | None = None, flip: bool = True, seed=None, **kwargs):
        super().__init__(**kwargs)
        raise NotImplementedError


@keras.saving.register_keras_serializable(package="convlab")
class PCAColorJitter(keras.layers.Layer):
    """AlexNet's colour augmentation: to every pixel of an image add
    ``eigenvectors @ (alpha * sqrt(eigenvalues))``, with alpha ~ N(0, stddev) drawn once
    per image (stddev 0.1 in the paper).

    `eigenvalues`, `eigenvectors` come from :func:`pca_basis` over the training images.
    The noise is scaled by the square root of each eigenvalue (the standard deviation
    along that principal component), so it is in pixel units whatever the pixel scale.
    Values are not clipped (nor in the paper); inactive at inference.
    """

    def __init__(self, eigenvalues, eigenvectors, stddev: float = 0.1, seed=None, **kwargs):
        super().__init__(**kwargs)
        raise NotImplementedError


def pca_basis(images: np.ndarray, *, max_pixels: int = 1_000_000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Principal components of the RGB pixel values of `images` (N, H, W, 3).

    Returns (eigenvalues (3,), eigenvectors (3, 3) with one component per column),
    largest eigenvalue first, in the images' pixel scale. At most `max_pixels` pixels,
    drawn at random (seeded), enter the covariance, so a memory-mapped cache of any
    size costs the same.
    """
    raise NotImplementedError


def build_augmentation(spec, *, seed: int = 0, pca: tuple | None = None, name: str = "augmentation") -> keras.Sequential:
    """A `keras.Sequential` of augmentation layers from a JSON-friendly spec.

    `spec` is a list applied in order, each entry a name of :data:`AUGMENTATIONS`
    (default parameters), ``{"name": ..., **parameters}``; or a dict
    ``{name: parameter}`` in application order, where the parameter is the layer's
    main argument (a number: the factor, or the crop size), a dict of its arguments,
    True (defaults) or False/None (left out). Examples::

        ["flip", {"name": "rotation", "factor": 0.05}]
        {"crop_flip": 224, "pca_color": 0.1}
        {"rotation": 0.1, "zoom": {"height_factor": 0.2}, "contrast": False}

    Layer i is seeded with ``seed + i``. "pca_color" needs the principal components:
    pass ``pca=pca_basis(training_images)`` or give `eigenvalues` and `eigenvectors`
    in its parameters.

    Raises:
        ValueError: an unknown name or parameter (the message lists the valid ones).
    """
    raise NotImplementedError


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
    raise NotImplementedError
