"""Batches for `model.fit`: a `keras.utils.PyDataset` over an image cache.

Works on every Keras backend (TensorFlow, JAX, PyTorch): batches are plain numpy,
(uint8 images, int32 labels). Conversion to float, normalisation and augmentation belong
in the model (see netlib.augment), where they run on the accelerator.

The order of an epoch is a function of (seed, epoch) only. Keras calls `on_epoch_end`
after every epoch, which moves to the next epoch's order; a trainer that resumes a run
at `initial_epoch=k` calls ``batches.set_epoch(k)`` before `fit` (or passes
``batches.epoch_callback()`` in `callbacks`, which sets the epoch at the start of every
epoch), and sees exactly the batches an uninterrupted run would have seen.
"""

from __future__ import annotations

import keras
import numpy as np

from netlib.data.cache import ImageCache

__all__ = ["ImageBatches"]


class ImageBatches(keras.utils.PyDataset):
    """(images, labels) batches from an :class:`~netlib.data.ImageCache`.

    Args:
        cache: the decoded images.
        batch_size: images per batch (the last batch may be smaller).
        shuffle: reorder every epoch (training) or keep the cache's order (evaluation).
        seed: the shuffle's seed; epoch e's order is fixed by (seed, e).
        indices: the cache rows to use (e.g. ``cache.rows_for(split.train)``); default all.
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
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        raise NotImplementedError

    @property
    def epoch(self) -> int:
        """The epoch whose order the batches follow."""
        raise NotImplementedError

    def set_epoch(self, epoch: int) -> None:
        """Follow epoch `epoch`'s order from now on (call before `fit(initial_epoch=epoch)`)."""
        raise NotImplementedError

    def epoch_callback(self) -> keras.callbacks.Callback:
        """A callback for `fit` that sets this dataset's epoch at the start of every epoch."""
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def on_epoch_end(self) -> None:
        raise NotImplementedError
