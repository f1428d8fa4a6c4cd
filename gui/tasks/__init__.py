"""The app's background jobs, all of them, and the plain data they return.

Each job is a function `job(*args, context)` run by a :class:`gui.workers.Worker`;
`context` reports progress and carries the cancel request (see gui/workers.py). Jobs
touch no widget (QImage, which may be made off the GUI thread, is the only Qt they
make). Keras and netlib's heavy modules are imported inside the jobs, in the worker
thread, never at import time: this package is imported before the window's first paint.

Modules: backend (Keras and the registry), layers (a network's layer table), datasets
(scan, split, cache, thumbnails), training (fit), runs (listing runs, evaluating one),
predict (models, predictions, heat maps), weights (downloads, the learning-rate finder).
"""

from gui.tasks.backend import BackendInfo, load_backend
from gui.tasks.datasets import (
    DIGITS,
    CacheResult,
    ScannedDataset,
    SplitCounts,
    augmented_batch,
    build_image_cache,
    dataset_folder,
    decode_thumbnails,
    find_duplicate_groups,
    scan_dataset_into_cache,
    split_counts,
)
from gui.tasks.layers import (
    ModelConfig,
    ModelSummary,
    check_reference,
    describe_check,
    summarize_model,
)
from gui.tasks.runs import RunInfo, decode_gallery_thumbnails, read_runs
from gui.tasks.training import fit_in_worker
from gui.tasks.weights import download_weights, find_learning_rate

__all__ = [
    "DIGITS",
    "BackendInfo",
    "CacheResult",
    "ModelConfig",
    "ModelSummary",
    "RunInfo",
    "ScannedDataset",
    "SplitCounts",
    "augmented_batch",
    "build_image_cache",
    "check_reference",
    "dataset_folder",
    "decode_gallery_thumbnails",
    "decode_thumbnails",
    "describe_check",
    "download_weights",
    "find_learning_rate",
    "find_duplicate_groups",
    "fit_in_worker",
    "load_backend",
    "read_runs",
    "scan_dataset_into_cache",
    "split_counts",
    "summarize_model",
]
