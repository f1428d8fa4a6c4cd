"""Decode each image once, at the training size, into a memory-mapped array on disk.

A cache is a pair of files in the cache folder, named by a key (a hash of the file list
with each file's size and modification time, the labels, the target size, colour mode,
resize mode and the decoder's version):

    <key>.npy    the images, (N, height, width, channels) uint8 (numpy's .npy format,
                 opened memory-mapped, so a dataset larger than memory works)
    <key>.json   labels, paths and the files that failed to decode

The same file list and settings find the same key: a second run opens the cache at once.
A changed folder (a file added, removed, edited, moved to another class) gives another key
and a new cache, whose rows are copied from the newest cache of the same settings where
the file is the same (size, modification time and inode, which a move keeps) and decoded
only where it is not: relabelling an image decodes nothing.
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
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from numpy.lib.format import open_memmap

from netlib.data.decode import COLOR_MODES, RESIZE_MODES, _check_choice, decode_image, normalize_size
from netlib.data.errors import CacheTooLarge, Cancelled, DatasetError, ImageError
from netlib.data.parallel import default_workers, parallel_map
from netlib.data.scanning import DatasetIndex, Sample, Skipped, scan
from netlib.runs import (
    CACHE_DIR_VARIABLE,
    cache_root,
    move_into_place,
    remove_temporaries,
    temporary_path,
    write_bytes_atomic,
)

__all__ = ["ImageCache", "build_cache", "default_cache_dir", "scan_into_cache"]
# Part of every key: raise it when decode_image's output or the files' format changes, so
# that caches built by older code are not reused. 2: each row's file signature; 3: JPEGs
# (phones' MPO files too) decoded at libjpeg-turbo's M/8 scales (simplejpeg), not only
# 1/2, 1/4 and 1/8; 4: JPEGs reduced only by powers of two, keeping twice the target's side.
_FORMAT_VERSION = 4
# Caches of the same settings looked at for rows to copy, newest first.
_DONORS_READ = 8
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
        decoded: images decoded by this call (the others were reused or copied).
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
    decoded: int = 0
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
    2 threads built 2,000 500x375 JPEGs 1.5x faster than one on a shared 2-core machine),
    except those an earlier cache of the same settings holds unchanged (copied). A file
    that fails to decode is left out and listed in `ImageCache.skipped`; the build goes
    on: the decode is the check of every file (scan needs none before it).

    Args:
        samples: the images and labels, e.g. ``scan(folder).samples``.
        image_size: the training size, int or (height, width).
        color_mode, resize: as for :func:`netlib.data.decode_image`.
        cache_dir: the cache folder; default :func:`default_cache_dir`.
        workers: decoding threads.
        progress: called as ``progress(done, total)`` after each image is decoded or
            copied, in the calling thread; never called when an existing cache is reused.
        cancel: polled while decoding; True stops the build (nothing is left behind)
            and raises :class:`netlib.data.Cancelled`.

    Raises:
        ValueError: no samples, a bad size / mode; CacheTooLarge (a ValueError): not
            enough free disk space.
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
    decoded = _build(samples, files, settings, workers or default_workers(), progress, cancel)
    built = _open(files, reused=False)
    assert built is not None, f"cache {files.images} unreadable right after it was written"
    built.decoded = decoded
    return built


def scan_into_cache(
    folder: str | os.PathLike,
    *,
    image_size: int | tuple[int, int],
    color_mode: str = "rgb",
    resize: str = "squash",
    cache_dir: str | os.PathLike | None = None,
    workers: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> tuple[DatasetIndex, ImageCache]:
    """Scan `folder` and cache its images in one decode: the folder is listed without
    opening a file, the cache build decodes (or reuses) every image, and the files that
    failed go from the index's samples to its skipped files. What a trainer and the
    app's Dataset page do: each image is opened once (no header check before the decode)
    and the index holds what :func:`scan` with a full decode would have found.

    `progress(stage, done, total)` reports the stages "scanning" (listing) and "caching".
    Returns (index, cache): the cache is keyed by all the listed files
    (`index.candidates`), so a later call on the unchanged folder reuses it at once.
    Raises as :func:`scan` and :func:`build_cache` do.
    """

    def reporter(stage):
        return None if progress is None else (lambda done, total: progress(stage, done, total))

    listed = scan(folder, verify=False, progress=reporter("scanning"), cancel=cancel)
    cache = build_cache(listed.candidates, image_size=image_size, color_mode=color_mode,
                        resize=resize, cache_dir=cache_dir, workers=workers,
                        progress=reporter("caching"), cancel=cancel)
    return listed.without(cache.skipped), cache


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


def _file_signature(path: Path) -> str | None:
    """What stays the same while a file's bytes do, through a rename too: size,
    modification time and inode. None for a file that cannot be read."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ino}"


@dataclasses.dataclass
class _Donor:
    """What an earlier cache of the same settings gives a new build: its images, the rows
    to copy ({row here: row there}) and the files known to fail ({row here: error})."""

    images: np.ndarray | None = None
    rows: dict[int, int] = dataclasses.field(default_factory=dict)
    failures: dict[int, ImageError] = dataclasses.field(default_factory=dict)

    @property
    def known(self) -> int:
        return len(self.rows) + len(self.failures)


def _donor(folder: Path, settings: dict, signatures: list[str | None]) -> _Donor:
    """The earlier cache of these settings (among the newest few) that knows the most of
    the files by their signatures (unchanged: decoded already, or failed already)."""
    wanted = {s: row for row, s in enumerate(signatures) if s is not None}
    best, best_file = _Donor(), None
    read = 0
    for meta_file in sorted(folder.glob("*.json"), key=_modified, reverse=True):
        if read >= _DONORS_READ or best.known == len(wanted):
            break
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if meta.get("version") != _FORMAT_VERSION or any(meta.get(k) != v for k, v in settings.items()):
            continue
        read += 1
        found = _Donor(
            rows={wanted[s]: there for there, s in enumerate(meta["signatures"]) if s in wanted},
            failures={wanted[f["signature"]]: ImageError(f["reason"], f["detail"])
                      for f in meta["skipped"] if f.get("signature") in wanted},
        )
        if found.known > best.known:
            best, best_file = found, meta_file.with_suffix(".npy")
    if best.rows:
        try:
            best.images = open_memmap(best_file, mode="r")
        except (OSError, ValueError):
            return _Donor()
    return best


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


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
) -> int:
    """Write the cache of `samples`; return how many images were decoded."""
    height, width = settings["image_size"]
    shape = (len(samples), height, width, 1 if settings["color_mode"] == "grayscale" else 3)
    _check_free_space(files.folder, int(np.prod(shape)))
    signatures = [_file_signature(s.path) for s in samples]
    temporary = files.temporary()
    compacted = images = None
    try:
        images = _RowFile(temporary, shape)
        donor = _donor(files.folder, settings, signatures)
        _copy_from(donor, images, progress, cancel, len(samples))
        failures = _decode_all(samples, images, settings, workers, progress, cancel,
                               skip=donor.known, rows=[r for r in range(len(samples))
                                                       if r not in donor.rows and r not in donor.failures])
        failures.update(donor.failures)
        donor.images = None  # unmapped
        kept = [row for row in range(len(samples)) if row not in failures]
        if not kept:
            path, error = samples[0].path, failures[0]
            raise DatasetError(
                f"None of the {len(samples)} images could be decoded "
                f"(the first, {path}: {error.reason}, {error.detail})."
            )
        images.close()  # before the rename (required on Windows)
        if failures:
            compacted = files.temporary()
            _copy_rows(open_memmap(temporary, mode="r"), kept, compacted)
        # Not durable (no msync, no fsync): the cache is derived data, and writing 300 MB
        # through to the disk before training cost a fifth of a first epoch
        # (benchmarks/data_pipeline.py). A killed process loses nothing (the pages are
        # the kernel's); only a power cut before write-back could, and the rename below
        # still makes a half-built cache invisible to a process that dies while building.
        move_into_place(compacted or temporary, files.images, durable=False)
    finally:
        if images is not None:
            images.close()  # before the removal (required on Windows)
        temporary.unlink(missing_ok=True)
        if compacted is not None:
            compacted.unlink(missing_ok=True)
    meta = {
        "version": _FORMAT_VERSION,
        "shape": [len(kept), *shape[1:]],
        **settings,
        "labels": [samples[i].label for i in kept],
        "paths": [str(samples[i].path) for i in kept],
        "signatures": [signatures[i] for i in kept],
        "skipped": [
            {"path": str(samples[i].path), "reason": error.reason, "detail": error.detail,
             "signature": signatures[i]}
            for i, error in sorted(failures.items())
        ],
    }
    write_bytes_atomic(files.meta, json.dumps(meta).encode("utf-8"))
    return len(samples) - donor.known


def _copy_from(donor: _Donor, images: _RowFile, progress, cancel, total: int) -> None:
    """Copy the rows the donor holds (in its order: kinder to the disk), and count its
    known failures as done."""
    for done, (here, there) in enumerate(sorted(donor.rows.items(), key=lambda item: item[1]), 1):
        images.write(here, donor.images[there])
        if progress is not None:
            progress(done, total)
        if cancel is not None and done % _COPY_ROWS == 0 and cancel():
            raise Cancelled(f"cache build cancelled after {done} of {total}")
    if progress is not None:
        for done in range(len(donor.rows) + 1, donor.known + 1):
            progress(done, total)


def _decode_all(
    samples: list[Sample],
    images: _RowFile,
    settings: dict,
    workers: int,
    progress: Callable[[int, int], None] | None,
    cancel: Callable[[], bool] | None,
    skip: int = 0,
    rows: list[int] | None = None,
) -> dict[int, ImageError]:
    """Decode the samples of `rows` (default all) into their rows of `images`; return the
    failures by row. `skip`: rows done already, counted in the progress."""
    size, color_mode, resize = tuple(settings["image_size"]), settings["color_mode"], settings["resize"]

    def decode_into(row: int) -> ImageError | None:
        try:
            images.write(row, decode_image(samples[row].path, size=size, color_mode=color_mode, resize=resize))
        except ImageError as error:
            return error
        return None

    rows = list(range(len(samples))) if rows is None else rows
    reporter = None if progress is None else (lambda done, total: progress(skip + done, len(samples)))
    failures: dict[int, ImageError] = {}
    for row, error in parallel_map(decode_into, rows, workers=workers, progress=reporter,
                                   cancel=cancel, what="cache build"):
        if error is not None:
            failures[row] = error
    return failures


class _RowFile:
    """A new .npy file of uint8 images (shape (N, ...)) whose rows are written by several
    threads with pwrite, not through a writable memory map: each page of a new map is
    faulted in, and threads faulting into one map wait on its lock. Measured writing
    300 MB of rows (2-core machine): 0.11-0.13 s of CPU with pwrite, 0.29-0.49 s through
    a memory map. Where the system has no pwrite (Windows), a seek and a write under a lock."""

    def __init__(self, path: Path, shape: tuple[int, ...]):
        header = open_memmap(path, mode="w+", dtype=np.uint8, shape=shape)  # the .npy header
        self.offset = header.offset
        del header
        self.row_bytes = int(np.prod(shape[1:]))
        self.file = open(path, "r+b")  # noqa: SIM115 - closed by close()
        self._lock = threading.Lock()

    def write(self, row: int, pixels: np.ndarray) -> None:
        data = memoryview(np.ascontiguousarray(pixels, dtype=np.uint8)).cast("B")
        if len(data) != self.row_bytes:
            raise ValueError(f"a row of {len(data)} bytes for rows of {self.row_bytes}")
        position = self.offset + row * self.row_bytes
        if hasattr(os, "pwrite"):
            while data:  # a regular file takes it whole; a short write is retried
                written = os.pwrite(self.file.fileno(), data, position)
                data, position = data[written:], position + written
            return
        with self._lock:
            self.file.seek(position)
            self.file.write(data)

    def close(self) -> None:
        self.file.close()


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
        raise CacheTooLarge(
            f"The image cache needs {needed / 2**30:.1f} GiB in {folder}, which has "
            f"{free / 2**30:.1f} GiB free: free some space, choose a smaller image size, "
            f"or set {CACHE_DIR_VARIABLE} to a folder on a larger disk."
        )
