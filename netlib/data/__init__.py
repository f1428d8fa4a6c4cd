"""Datasets from local folders: scan, decode robustly, split, cache, batch.

    >>> from netlib import data
    >>> index = data.scan("photos/")                 # classes, samples, skipped files
    >>> parts = data.split(index, validation=0.2, seed=0)
    >>> cache = data.build_cache(index.samples, image_size=224)   # decoded once, on disk
    >>> train = data.ImageBatches(cache, indices=cache.rows_for(parts.train), seed=0)
    >>> valid = data.ImageBatches(cache, indices=cache.rows_for(parts.validation), shuffle=False)
    >>> model.fit(train, validation_data=valid, epochs=10, callbacks=[train.epoch_callback()])

Importing this package costs only numpy and Pillow; :class:`ImageBatches` (a Keras
PyDataset) imports Keras when it is first used.
"""

from netlib.data.cache import ImageCache, build_cache, default_cache_dir
from netlib.data.decode import (
    BACKGROUND,
    COLOR_MODES,
    IMAGE_EXTENSIONS,
    RESIZE_MODES,
    check_image,
    decode_image,
)
from netlib.data.errors import SKIP_REASONS, Cancelled, DatasetError, ImageError
from netlib.data.samples import SHAPES, digits_folder, make_shapes
from netlib.data.scan import DatasetIndex, Sample, Skipped, scan
from netlib.data.split import Split, split

__all__ = [
    "BACKGROUND",
    "COLOR_MODES",
    "IMAGE_EXTENSIONS",
    "RESIZE_MODES",
    "SHAPES",
    "SKIP_REASONS",
    "Cancelled",
    "DatasetError",
    "DatasetIndex",
    "ImageBatches",
    "ImageCache",
    "ImageError",
    "Sample",
    "Skipped",
    "Split",
    "build_cache",
    "check_image",
    "decode_image",
    "default_cache_dir",
    "digits_folder",
    "make_shapes",
    "scan",
    "split",
]


def __getattr__(name):
    # ImageBatches subclasses keras.utils.PyDataset: import Keras only when it is asked for.
    if name == "ImageBatches":
        from netlib.data.batches import ImageBatches

        return ImageBatches
    raise AttributeError(f"module 'netlib.data' has no attribute {name!r}")
