"""Datasets from local folders: scan, decode robustly, split, cache, batch.

    >>> from netlib import data
    >>> index = data.scan("photos/")                 # classes, samples, skipped files
    >>> parts = data.split(index, validation=0.2, seed=0)
    >>> cache = data.build_cache(index.samples, image_size=224)   # decoded once, on disk
    >>> train = data.ImageBatches(cache, indices=cache.rows_for(parts.train), seed=0)
    >>> valid = data.ImageBatches(cache, indices=cache.rows_for(parts.validation), shuffle=False)
    >>> model.fit(train, validation_data=valid, epochs=10, callbacks=[train.epoch_callback()])
    >>> data.find_duplicates(index, parts=parts)     # exact and near copies, leaks flagged
    >>> data.Journal.open("photos/").move("photos/cats/x.jpg", "dogs")   # undoable

Importing this package costs nothing: each name is imported from its module when it is
first used (numpy and Pillow for most; Keras for :class:`ImageBatches`, a PyDataset), so
that the app and TrainConfig's schema can import `netlib.data.modes` before anything heavy.
"""

import importlib

# Each public name and the module that defines it. (No module is named as a function it
# defines: importing netlib.data.scan would make `netlib.data.scan` that module.)
_HOMES = {
    "ImageCache": "cache", "build_cache": "cache", "default_cache_dir": "cache",
    "scan_into_cache": "cache",
    "IMBALANCE_RATIO": "balance", "ClassBalance": "balance", "class_balance": "balance",
    "balanced_class_weights": "balance", "balanced_order": "balance",
    "DUPLICATE_FLAGS": "duplicates", "NEAR_DISTANCE": "duplicates",
    "NEAR_DIFFERENCE": "duplicates", "DuplicateGroup": "duplicates",
    "find_duplicates": "duplicates", "fingerprints": "duplicates",
    "HASH_SIDE": "phash", "THUMBNAIL_SIDE": "phash", "Fingerprint": "phash",
    "fingerprint": "phash",
    "perceptual_hash": "phash",
    "CHANGE_STATES": "relabel", "Change": "relabel", "JOURNAL_NAME": "relabel",
    "Journal": "relabel",
    "BACKGROUND": "decode", "IMAGE_EXTENSIONS": "decode", "check_image": "decode",
    "decode_image": "decode", "decode_thumbnail": "decode",
    "COLOR_MODES": "modes", "RESIZE_MODES": "modes", "CLASS_WEIGHTS": "modes",
    "SAMPLINGS": "modes",
    "SKIP_REASONS": "errors", "Cancelled": "errors", "DatasetError": "errors",
    "CacheTooLarge": "errors",
    "ImageError": "errors",
    "SHAPES": "samples", "digits_folder": "samples", "make_shapes": "samples",
    "DatasetIndex": "scanning", "Sample": "scanning", "Skipped": "scanning",
    "scan": "scanning", "EXCLUDED_FOLDER": "scanning", "SPLIT_FOLDERS": "scanning",
    "VERIFY_MODES": "scanning",
    "Split": "splitting", "split": "splitting",
    "ImageBatches": "batches",
}

__all__ = sorted(_HOMES)


def __getattr__(name):
    if name not in _HOMES:
        raise AttributeError(f"module 'netlib.data' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"netlib.data.{_HOMES[name]}"), name)
    globals()[name] = value  # once found, an ordinary attribute
    return value


def __dir__():
    return sorted(set(globals()) | set(_HOMES))
