"""Batches for `model.fit`: a `keras.utils.PyDataset` over an image cache.

Works on every Keras backend (TensorFlow, JAX, PyTorch): batches are plain numpy,
(uint8 images, int32 labels), and (images, labels, float32 sample weights) with class
weights (Keras' own `class_weight` argument of fit does not take models with several
outputs, such as GoogLeNet's; a sample weight applies to every output). Conversion to
float, normalisation and augmentation belong in the model (see netlib.augment), where
they run on the accelerator.

The order of an epoch is a function of (seed, epoch) only. A trainer passes
``batches.epoch_callback()`` in the `callbacks` of `fit`: it sets the epoch from fit's own
counter at the start of every epoch, before any batch is read (worker threads included),
so a run resumed with `fit(..., initial_epoch=k)` sees exactly the batches an
uninterrupted run saw from epoch k on, on every backend. ``set_epoch(k)`` does the same
by hand (iterating without fit).

Without the callback the batches still change order every epoch: after each epoch Keras
ran over this dataset (`on_epoch_begin` ... `on_epoch_end`) the next order follows, and
the lone `on_epoch_end` that `fit` sends before its first epoch is ignored. The count is
only as exact as Keras' hooks, though: on JAX, `fit` first reads one batch to build the
model, inside a begin/end pair of its own, so its epochs use orders 1..n. Evaluating on
the same object also counts as an epoch: give `evaluate` its own.
"""

from __future__ import annotations

import keras
import numpy as np

from netlib.data.balance import balanced_order
from netlib.data.cache import ImageCache
from netlib.data.modes import SAMPLINGS

__all__ = ["ImageBatches"]


class ImageBatches(keras.utils.PyDataset):
    """(images, labels) batches from an :class:`~netlib.data.ImageCache`.

    Args:
        cache: the decoded images.
        batch_size: images per batch (the last batch may be smaller).
        shuffle: reorder every epoch (training) or keep the cache's order (evaluation).
        seed: the shuffle's seed; epoch e's order is fixed by (seed, e).
        indices: the cache rows to use (e.g. ``cache.rows_for(split.train)``); default all.
        sampling: "uniform", or "balanced": each epoch draws the same number of rows of
            every class (netlib.data.balanced_order), keeping the epoch's length; the
            draw is fixed by (seed, epoch) like the order.
        class_weights: a weight per class (e.g. netlib.data.balanced_class_weights);
            batches then carry each image's weight as a third element.
        **kwargs: `workers`, `use_multiprocessing`, `max_queue_size` of PyDataset
            (threads are enough: slicing a memory map is cheap).
    """

    def __init__(
        self,
        cache: ImageCache,
        *,
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int = 0,
        indices=None,
        sampling: str = "uniform",
        class_weights=None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if sampling not in SAMPLINGS:
            raise ValueError(f"sampling must be one of {', '.join(map(repr, SAMPLINGS))}; "
                             f"received sampling={sampling!r}.")
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be a positive integer; received batch_size={batch_size!r}.")
        rows = np.arange(len(cache)) if indices is None else np.asarray(indices, dtype=np.int64).reshape(-1)
        if len(rows) == 0:
            raise ValueError("ImageBatches needs at least one image; received an empty set of indices.")
        if rows.min() < 0 or rows.max() >= len(cache):
            raise ValueError(
                f"indices must be rows of the cache, 0..{len(cache) - 1}; "
                f"received values from {rows.min()} to {rows.max()}."
            )
        self.cache = cache
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.sampling = sampling
        self.class_weights = None if class_weights is None else np.asarray(class_weights, np.float32)
        self._rows = rows
        self._order = rows
        self._epoch = 0
        self._in_epoch = False
        self.set_epoch(0)

    @property
    def epoch(self) -> int:
        """The epoch whose order the batches follow."""
        return self._epoch

    def set_epoch(self, epoch: int) -> None:
        """Follow epoch `epoch`'s order from now on (call before `fit(initial_epoch=epoch)`)."""
        self._epoch = int(epoch)
        rng = np.random.default_rng([self.seed, self._epoch])
        if self.sampling == "balanced":
            self._order = balanced_order(self._rows, self.cache.labels[self._rows], rng)
        elif self.shuffle:
            self._order = self._rows[rng.permutation(len(self._rows))]

    def epoch_callback(self) -> keras.callbacks.Callback:
        """A callback for `fit` that sets this dataset's epoch at the start of every epoch."""
        return _SetEpoch(self)

    def __len__(self) -> int:
        return -(-len(self._rows) // self.batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, ...]:
        if not 0 <= index < len(self):
            raise IndexError(f"batch index {index} out of range 0..{len(self) - 1}")
        rows = self._order[index * self.batch_size : (index + 1) * self.batch_size]
        # Reading the rows in file order is kinder to the disk; the batch's order is
        # irrelevant to a gradient step and still fixed by (seed, epoch).
        rows = np.sort(rows)
        labels = self.cache.labels[rows]
        if self.class_weights is not None:
            return self.cache.images[rows], labels, self.class_weights[labels]
        return self.cache.images[rows], labels

    def on_epoch_begin(self) -> None:
        self._in_epoch = True

    def on_epoch_end(self) -> None:
        """Move to the next epoch's order, after an epoch that began (see the module doc).

        Reordering here, not in on_epoch_begin, is what keeps workers safe: Keras stops its
        worker threads before this call and starts them before on_epoch_begin."""
        if self._in_epoch:
            self._in_epoch = False
            self.set_epoch(self._epoch + 1)


class _SetEpoch(keras.callbacks.Callback):
    def __init__(self, batches: ImageBatches) -> None:
        super().__init__()
        self._batches = batches

    def on_epoch_begin(self, epoch, logs=None):
        self._batches.set_epoch(epoch)
