"""From a config's dataset folder to the batches `model.fit` takes, through netlib.data.

list the folder -> one image cache for the whole folder (decoded once, the decode being
each file's check; memory-mapped, reused by later runs and by resumes) -> split
(stratified, seeded; duplicates kept together on request) -> ImageBatches per part (class
weights or balanced sampling on request). Also measures what the model needs from the
training images: per-channel statistics for normalisation and, for AlexNet's colour
augmentation, the principal components; and describes the class balance of each part.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras
import numpy as np

from netlib import data
from netlib.train.config import TrainConfig

__all__ = ["PreparedData", "prepare_data", "MultiHeadBatches", "PARTS"]

PARTS = ("train", "validation", "test")


@dataclasses.dataclass
class PreparedData:
    """A dataset ready for training: classes, the split, the cache and its rows per part."""

    root: Path
    classes: list[str]
    cache: Any  # netlib.data.ImageCache
    rows: dict[str, np.ndarray]  # "train", "validation", "test" -> cache rows
    skipped: list[dict[str, str]]  # files left out, with reasons (scan and decode)
    statistics: tuple[np.ndarray, np.ndarray] | None = None  # per-channel mean, variance
    pca: tuple[np.ndarray, np.ndarray] | None = None  # eigenvalues, eigenvectors
    duplicate_groups: int | None = None  # groups kept together, when asked for

    def count(self, part: str) -> int:
        return len(self.rows[part])

    def majority_share(self, part: str) -> float:
        """The share of the part's most common class: the accuracy of always guessing it."""
        labels = self.cache.labels[self.rows[part]]
        return float(np.bincount(labels).max() / len(labels)) if len(labels) else 0.0

    def class_counts(self, part: str) -> dict[str, int]:
        """Images per class name in one part."""
        counts = np.bincount(self.cache.labels[self.rows[part]], minlength=len(self.classes))
        return {name: int(n) for name, n in zip(self.classes, counts)}

    def balance(self) -> data.ClassBalance:
        """The training images' class balance (what class weights and sampling act on)."""
        return data.class_balance(self.class_counts("train"))

    def class_weights(self) -> np.ndarray:
        """netlib.data.balanced_class_weights of the training images."""
        return data.balanced_class_weights(self.cache.labels[self.rows["train"]], len(self.classes))

    def batches(self, part: str, batch_size: int, *, shuffle: bool, seed: int = 0,
                sampling: str = "uniform", class_weights=None):
        """An ImageBatches over one part ("train", "validation" or "test")."""
        return data.ImageBatches(
            self.cache,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            indices=self.rows[part],
            sampling=sampling,
            class_weights=class_weights,
            # One worker, i.e. no Keras enqueuer threads: a batch is a slice of a
            # memory-mapped cache, cheap to assemble, and on TensorFlow Keras prefetches
            # with tf.data, which overlaps loading with the step (benchmarks/
            # train_throughput.py --from-folder measures it). Enqueuer threads (workers > 1)
            # are also not stopped when a run is aborted mid-epoch, so a GUI that stops
            # runs would accumulate them.
            workers=1,
        )

    def listing(self, part: str) -> list[list]:
        """The part's images as [path relative to the dataset folder, label] pairs."""
        return [
            [_relative(Path(self.cache.paths[int(r)]), self.root), int(self.cache.labels[int(r)])]
            for r in self.rows[part]
        ]

    def description(self) -> dict[str, Any]:
        """dataset.json: what the run trained on, for people and for the app.

        Keys: root, classes, counts (per part), class_counts ({part: {class: n}}),
        balance (the training images': counts, largest, smallest, ratio, warning),
        image_size, color_mode, resize, skipped ([{path, reason, detail}]),
        normalization ({mean, std} per channel, [0, 1] units) and pca (for AlexNet's
        colour augmentation), when used; duplicate_groups (kept in one part), when asked.
        """
        described: dict[str, Any] = {
            "root": str(self.root),
            "classes": list(self.classes),
            "counts": {part: self.count(part) for part in PARTS},
            "class_counts": {part: self.class_counts(part) for part in PARTS},
            "balance": self.balance().to_dict(),
            "image_size": list(self.cache.image_size),
            "color_mode": self.cache.color_mode,
            "resize": self.cache.resize,
            "skipped": self.skipped,
        }
        if self.statistics is not None:
            mean, variance = self.statistics
            described["normalization"] = {
                "mean": [float(v) for v in mean],
                "std": [float(np.sqrt(v)) for v in variance],
            }
        if self.pca is not None:
            values, vectors = self.pca
            described["pca"] = {
                "eigenvalues": np.asarray(values).tolist(),
                "eigenvectors": np.asarray(vectors).tolist(),
            }
        if self.duplicate_groups is not None:
            described["duplicate_groups"] = self.duplicate_groups
        return described

    def split_listing(self) -> dict[str, list[list]]:
        """split.json: {part: [[path relative to the dataset folder, label], ...]}."""
        return {part: self.listing(part) for part in PARTS}


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _needs_pca(spec) -> bool:
    if isinstance(spec, dict):
        return bool(spec.get("pca_color"))
    if isinstance(spec, (list, tuple)):
        return any(
            entry == "pca_color" or (isinstance(entry, dict) and entry.get("name") == "pca_color")
            for entry in spec
        )
    return False


def prepare_data(
    config: TrainConfig,
    *,
    progress: Callable[[str, int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> PreparedData:
    """Scan, cache and split `config.dataset`, and measure the training images.

    A relabel of the folder that a crash cut short is completed or rolled back first
    (netlib.data.Journal), so that no image is in the dataset twice or not at all.
    `progress(stage, done, total)` reports "scanning" and "caching"; `cancel()` is polled
    and, when it returns True, netlib.data.Cancelled is raised. A folder that cannot be
    used raises netlib.data.DatasetError (a ValueError) naming the problem.
    """
    if Path(config.dataset).is_dir():
        data.Journal.open(config.dataset)
    height, width, _ = config.input_shape()
    index, cache = data.scan_into_cache(
        config.dataset,
        image_size=(height, width),
        color_mode=config.resolved_color_mode(),
        resize=config.resize,
        progress=progress,
        cancel=cancel,
    )
    groups = data.find_duplicates(index, cache=cache, cancel=cancel) if config.group_duplicates else ()
    parts = data.split(index, validation=config.validation, test=config.test, seed=config.seed,
                       keep_together=groups)
    rows = {
        "train": cache.rows_for(parts.train),
        "validation": cache.rows_for(parts.validation),
        "test": cache.rows_for(parts.test),
    }
    if len(rows["train"]) == 0:
        raise data.DatasetError(f"{index.root} has no usable training images.")
    skipped = [
        {"path": _relative(Path(s.path), Path(index.root)), "reason": s.reason, "detail": s.detail}
        for s in index.skipped  # the cache's failures among them
    ]
    prepared = PreparedData(Path(index.root), list(index.classes), cache, rows, skipped)
    if config.group_duplicates:
        prepared.duplicate_groups = len(groups)
    if config.normalization == "dataset":
        from netlib.train.model import channel_statistics

        prepared.statistics = channel_statistics(cache.images, rows["train"])
    if _needs_pca(config.augment):
        from netlib.augment import pca_basis

        prepared.pca = pca_basis(cache.images, indices=rows["train"], seed=config.seed)
    return prepared


class MultiHeadBatches(keras.utils.PyDataset):
    """Batches for a model with several heads (GoogLeNet's auxiliary classifiers): the
    same labels for every head, as `{output_name: labels}`; sample weights (class
    weights), when the batches carry them, as one array, which Keras applies to every
    head."""

    def __init__(self, batches, output_names: tuple[str, ...]):
        super().__init__(
            workers=batches.workers,
            use_multiprocessing=batches.use_multiprocessing,
            max_queue_size=batches.max_queue_size,
        )
        self.batches = batches
        self.output_names = output_names

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, index):
        images, labels, *weights = self.batches[index]
        return (images, {name: labels for name in self.output_names}, *weights)

    def on_epoch_end(self) -> None:
        self.batches.on_epoch_end()

    def set_epoch(self, epoch: int) -> None:
        self.batches.set_epoch(epoch)
