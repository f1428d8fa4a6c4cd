"""Decode each image once, at the training size, into a memory-mapped array on disk.

A cache is a pair of files in the cache folder, named by a key (a hash of the file list
with each file's size and modification time, the labels, the target size, colour mode,
resize mode and the decoder's version):

    <key>.npy    the images, (N, height, width, channels) uint8 (numpy's .npy format,
                 opened memory-mapped, so a dataset larger than memory works)
    <key>.json   labels, paths and the files that failed to decode

The same file list and settings find the same key: a second run opens the cache at once.
A changed folder (a file added, removed, or edited) gives another key and a new cache.
Both files are written under temporary names and renamed into place (the .json last)
by netlib.runs' atomic writer, so a build killed half-way never leaves a cache that looks
complete; the next build of the same key deletes what a dead one left.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path

import numpy as np
from numpy.lib.format import open_memmap

from netlib.data.decode import COLOR_MODES, RESIZE_MODES, _check_choice, decode_image, normalize_size
from netlib.data.errors import Cancelled, DatasetError, ImageError
from netlib.data.scanning import Sample, Skipped
from netlib.runs import (
    CACHE_DIR_VARIABLE,
    cache_root,
    move_into_place,
    remove_temporaries,
    temporary_path,
    write_bytes_atomic,
)

__all__ = ["ImageCache", "build_cache", "default_cache_dir"]
# Part of every key: raise it when decode_image's output changes, so that caches built by
# an older decoder are not reused.
_FORMAT_VERSION = 1
# Rows copied at a time when failed images are squeezed out of a finished build.
_COPY_ROWS = 256


def default_cache_dir() -> Path:
    """Where image caches go unless told otherwise: ``images/`` under the cache root
    (netlib.runs.cache_root: ``$CONVLAB_CACHE_DIR``, else the user's cache folder)."""
    return cache_root() / "images"


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
    _rows: dict[str, int] | None = dataclasses.field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.labels)

    def __getstate__(self) -> dict:
        # A worker process (PyDataset's use_multiprocessing) reopens the memory map by
        # its file name instead of receiving a pickled copy of every image.
        state = {**self.__dict__, "_rows": None}
        if isinstance(self.images, np.memmap):
            state["images"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self.images is None:
            self.images = open_memmap(self.file, mode="r")

    def rows_for(self, samples: Sequence[Sample]) -> np.ndarray:
        """The rows holding `samples` (in their order), leaving out samples that are not in
        the cache (those that failed to decode). With one cache for a whole dataset, this
        turns each part of a :class:`~netlib.data.Split` into `indices` for ImageBatches."""
        if self._rows is None:
            self._rows = {str(path): row for row, path in enumerate(self.paths)}
        rows = [self._rows.get(str(sample.path)) for sample in samples]
        return np.array([row for row in rows if row is not None], dtype=np.int64)


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
    (default: one per CPU core; Pillow releases the GIL while it decodes and resizes:
    2 threads built 2,000 500x375 JPEGs 1.5x faster than one on a shared 2-core machine).
    A file that fails to decode is left out and listed in `ImageCache.skipped`; the
    build goes on.

    Args:
        samples: the images and labels, e.g. ``scan(folder).samples``.
        image_size: the training size, int or (height, width).
        color_mode, resize: as for :func:`netlib.data.decode_image`.
        cache_dir: the cache folder; default :func:`default_cache_dir`.
        workers: decoding threads.
        progress: called as ``progress(decoded, total)`` after each image is decoded, in
            the calling thread; never called when an existing cache is reused.
        cancel: polled while decoding; True stops the build (nothing is left behind)
            and raises :class:`netlib.data.Cancelled`.

    Raises:
        ValueError: no samples, a bad size / mode, or not enough free disk space.
        DatasetError (a ValueError): not one of the images could be decoded.
        Cancelled: `cancel()` returned True.
    """
    target = normalize_size(image_size)
    if target is None:
        raise ValueError("build_cache needs an image_size (int or (height, width)); received None.")
    _check_choice("color_mode", color_mode, COLOR_MODES)
    _check_choice("resize", resize, RESIZE_MODES)
    samples = list(samples)
    if not samples:
        raise ValueError("build_cache needs at least one sample; received none.")
    folder = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    settings = {"image_size": list(target), "color_mode": color_mode, "resize": resize}
    key = _cache_key(samples, settings)
    files = _CacheFiles(folder, key)
    existing = _open(files, reused=True)
    if existing is not None:
        return existing
    remove_temporaries(folder, prefix=key)  # what killed builds of this cache left
    _build(samples, files, settings, workers or os.cpu_count() or 1, progress, cancel)
    built = _open(files, reused=False)
    assert built is not None, f"cache {files.images} unreadable right after it was written"
    return built


@dataclasses.dataclass(frozen=True)
class _CacheFiles:
    folder: Path
    key: str

    @property
    def images(self) -> Path:
        return self.folder / f"{self.key}.npy"

    @property
    def meta(self) -> Path:
        return self.folder / f"{self.key}.json"

    def temporary(self) -> Path:
        # Unique per call: two builds of the same cache never share a file. Named .tmp,
        # not .npy: hidden, and never taken for a cache.
        return temporary_path(self.images, suffix=".tmp")


def _cache_key(samples: list[Sample], settings: dict) -> str:
    """A hash of what the cache's content depends on: each file (path, size, modification
    time) and label, the decoding settings, and the format version."""
    digest = hashlib.sha256(json.dumps({"version": _FORMAT_VERSION, **settings}).encode())
    for sample in samples:
        try:
            stat = os.stat(sample.path)
            signature = f"{stat.st_size}:{stat.st_mtime_ns}"
        except OSError:
            signature = "missing"  # decoding will report it
        digest.update(f"{sample.path}\0{signature}\0{sample.label}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:32]


def _open(files: _CacheFiles, *, reused: bool) -> ImageCache | None:
    """The complete cache under `files`, or None (absent, or unfinished / damaged)."""
    try:
        meta = json.loads(files.meta.read_text(encoding="utf-8"))
        images = open_memmap(files.images, mode="r")
    except (OSError, ValueError):
        return None
    if meta.get("version") != _FORMAT_VERSION or list(images.shape) != meta.get("shape"):
        return None
    return ImageCache(
        images=images,
        labels=np.asarray(meta["labels"], dtype=np.int32),
        paths=[Path(p) for p in meta["paths"]],
        skipped=[Skipped(Path(s["path"]), s["reason"], s["detail"]) for s in meta["skipped"]],
        image_size=tuple(meta["image_size"]),
        color_mode=meta["color_mode"],
        resize=meta["resize"],
        file=files.images,
        reused=reused,
    )


def _build(
    samples: list[Sample],
    files: _CacheFiles,
    settings: dict,
    workers: int,
    progress: Callable[[int, int], None] | None,
    cancel: Callable[[], bool] | None,
) -> None:
    height, width = settings["image_size"]
    shape = (len(samples), height, width, 1 if settings["color_mode"] == "grayscale" else 3)
    _check_free_space(files.folder, int(np.prod(shape)))
    temporary = files.temporary()
    compacted = None
    try:
        images = open_memmap(temporary, mode="w+", dtype=np.uint8, shape=shape)
        failures = _decode_all(samples, images, settings, workers, progress, cancel)
        kept = [row for row in range(len(samples)) if row not in failures]
        if not kept:
            path, error = samples[0].path, failures[0]
            raise DatasetError(
                f"None of the {len(samples)} images could be decoded "
                f"(the first, {path}: {error.reason}, {error.detail})."
            )
        if failures:
            compacted = files.temporary()
            _copy_rows(images, kept, compacted)
        # Not durable (no msync, no fsync): the cache is derived data, and writing 300 MB
        # through to the disk before training cost a fifth of a first epoch
        # (benchmarks/data_pipeline.py). A killed process loses nothing (the pages are
        # the kernel's); only a power cut before write-back could, and the rename below
        # still makes a half-built cache invisible to a process that dies while building.
        del images  # unmap before the rename (required on Windows)
        move_into_place(compacted or temporary, files.images, durable=False)
    finally:
        temporary.unlink(missing_ok=True)
        if compacted is not None:
            compacted.unlink(missing_ok=True)
    meta = {
        "version": _FORMAT_VERSION,
        "shape": [len(kept), *shape[1:]],
        **settings,
        "labels": [samples[i].label for i in kept],
        "paths": [str(samples[i].path) for i in kept],
        "skipped": [
            {"path": str(samples[i].path), "reason": error.reason, "detail": error.detail}
            for i, error in sorted(failures.items())
        ],
    }
    write_bytes_atomic(files.meta, json.dumps(meta).encode("utf-8"))


def _decode_all(
    samples: list[Sample],
    images: np.ndarray,
    settings: dict,
    workers: int,
    progress: Callable[[int, int], None] | None,
    cancel: Callable[[], bool] | None,
) -> dict[int, ImageError]:
    """Decode every sample into its row of `images`; return the failures by row."""
    stop = threading.Event()
    total = len(samples)

    def decode_into(row: int) -> ImageError | None:
        if stop.is_set():
            return None
        try:
            images[row] = decode_image(
                samples[row].path,
                size=tuple(settings["image_size"]),
                color_mode=settings["color_mode"],
                resize=settings["resize"],
            )
        except ImageError as error:
            return error
        return None

    failures: dict[int, ImageError] = {}
    with ThreadPoolExecutor(workers, thread_name_prefix="convlab-cache") as pool:
        for done, (row, error) in enumerate(_bounded_map(pool, decode_into, range(total), 4 * workers), start=1):
            if error is not None:
                failures[row] = error
            if progress is not None:
                progress(done, total)
            if cancel is not None and cancel():
                stop.set()
                raise Cancelled(f"cache build cancelled after {done} of {total} images")
    return failures


def _bounded_map(pool: ThreadPoolExecutor, function, items, in_flight: int) -> Iterator[tuple]:
    """(item, function(item)) in completion order, with at most `in_flight` tasks queued,
    so that a million files do not become a million futures at once."""
    items = iter(items)
    pending: dict[Future, object] = {}
    for item in items:
        pending[pool.submit(function, item)] = item
        if len(pending) >= in_flight:
            break
    while pending:
        finished, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in finished:
            item = pending.pop(future)
            yield item, future.result()
            for next_item in items:
                pending[pool.submit(function, next_item)] = next_item
                break


def _copy_rows(images: np.ndarray, rows: list[int], destination: Path) -> None:
    """Write `images[rows]` to a new .npy file, a block of rows at a time (bounded memory)."""
    copy = open_memmap(destination, mode="w+", dtype=np.uint8, shape=(len(rows), *images.shape[1:]))
    for start in range(0, len(rows), _COPY_ROWS):
        block = rows[start : start + _COPY_ROWS]
        copy[start : start + len(block)] = images[block]
    del copy  # unmapped unflushed, as in _build


def _check_free_space(folder: Path, needed: int) -> None:
    free = shutil.disk_usage(folder).free
    if needed > free:
        raise ValueError(
            f"The image cache needs {needed / 2**30:.1f} GiB in {folder}, which has "
            f"{free / 2**30:.1f} GiB free: free some space, choose a smaller image size, "
            f"or set {CACHE_DIR_VARIABLE} to a folder on a larger disk."
        )
