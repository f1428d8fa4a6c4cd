"""Decode each image once, at the training size, into a memory-mapped array on disk.

A cache is a pair of files in the cache folder, named by a key (a hash of the file list
with each file's size and modification time, the labels, the target size, colour mode,
resize mode and the decoder's version):

    <key>.npy    the images, (N, height, width, channels) uint8 (numpy's .npy format,
                 opened memory-mapped, so a dataset larger than memory works)
    <key>.json   labels, paths and the files that failed to decode

The same file list and settings find the same key: a second run opens the cache at once.
A changed folder (a file added, removed, or edited) gives another key and a new cache.
Both files are written under temporary names and renamed into place (the .json last),
so a build killed half-way never leaves a cache that looks complete.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from netlib.data.scan import Sample, Skipped

__all__ = ["ImageCache", "build_cache", "default_cache_dir", "CACHE_DIR_VARIABLE"]

# The environment variable that moves the cache folder (the tests point it at a temporary one).
CACHE_DIR_VARIABLE = "CONVLAB_CACHE_DIR"


def default_cache_dir() -> Path:
    """Where image caches go unless told otherwise: ``$CONVLAB_CACHE_DIR/images`` when that
    variable is set, else the user's cache folder: ``$XDG_CACHE_HOME/convlab/images`` or
    ``~/.cache/convlab/images`` on Linux, ``~/Library/Caches/convlab/images`` on macOS,
    ``%LOCALAPPDATA%\\convlab\\Cache\\images`` on Windows."""
    raise NotImplementedError


@dataclasses.dataclass
class ImageCache:
    """Decoded images of a list of samples, ready for training.

    Attributes:
        images: (N, height, width, channels) uint8, memory-mapped read-only.
        labels: (N,) int32.
        paths: the N source files, in row order.
        skipped: samples that failed to decode (truncated files, ...), left out of the rows.
        image_size: (height, width).
        color_mode: "rgb" or "grayscale".
        resize: "squash", "crop" or "pad".
        file: the .npy file that holds `images`.
        reused: True when an existing cache was opened instead of built.
    """

    images: np.ndarray
    labels: np.ndarray
    paths: list[Path]
    skipped: list[Skipped]
    image_size: tuple[int, int]
    color_mode: str
    resize: str
    file: Path
    reused: bool = False

    def __len__(self) -> int:
        return len(self.labels)

    def rows_for(self, samples: Sequence[Sample]) -> np.ndarray:
        """The rows holding `samples` (in their order), leaving out samples that are not in
        the cache (those that failed to decode). With one cache for a whole dataset, this
        turns each part of a :class:`~netlib.data.Split` into `indices` for ImageBatches."""
        raise NotImplementedError


def build_cache(
    samples: Sequence[Sample],
    *,
    image_size: int | tuple[int, int],
    color_mode: str = "rgb",
    resize: str = "squash",
    cache_dir: str | os.PathLike | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> ImageCache:
    """Decode `samples` into a cache, or open the cache a previous call built.

    Images are decoded by :func:`netlib.data.decode_image` in `workers` threads
    (default: one per CPU core; Pillow releases the GIL while it decodes and resizes).
    A file that fails to decode is left out and listed in `ImageCache.skipped`; the
    build goes on.

    Args:
        samples: the images and labels, e.g. ``scan(folder).samples``.
        image_size: the training size, int or (height, width).
        color_mode, resize: as for :func:`netlib.data.decode_image`.
        cache_dir: the cache folder; default :func:`default_cache_dir`.
        workers: decoding threads.
        progress: called as ``progress(decoded, total)`` as images are decoded; never
            called when an existing cache is reused.
        cancel: polled while decoding; True stops the build (nothing is left behind)
            and raises :class:`netlib.data.Cancelled`.

    Raises:
        ValueError: no samples, a bad size / mode, or not enough free disk space.
        Cancelled: `cancel()` returned True.
    """
    raise NotImplementedError
