"""Jobs of the Dataset page: scan a folder (into its image cache), count its split, build
the cache, decode a few thumbnails per class, find duplicates, and draw an augmented
batch for the preview."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from gui.images import thumbnail_of_file

DIGITS = "digits"  # the source name of the bundled sample
PREVIEW_IMAGES = 16  # images in the augmentation preview


def dataset_folder(source: str | Path) -> Path:
    """The folder of a dataset source: the bundled digits, or a folder of the user's."""
    if source == DIGITS:
        from netlib.data import digits_folder

        return Path(digits_folder())
    return Path(source)


@dataclasses.dataclass(frozen=True)
class SplitCounts:
    """Images in each part of a split, and the settings that made it; `per_class`:
    {part: {class: images}}; `parts`: the netlib.data.Split itself."""

    train: int
    validation: int
    test: int
    settings: tuple[float, float, int]
    per_class: Mapping[str, Mapping[str, int]] = dataclasses.field(default_factory=dict)
    parts: Any = None


def split_counts(index, validation: float, test: float, seed: int, context) -> SplitCounts:
    """Job: netlib.data.split of `index`, counted per part and class."""
    from netlib import data

    parts = data.split(index, validation=validation, test=test, seed=seed)
    per_class = {}
    for name in ("train", "validation", "test"):
        counts = dict.fromkeys(index.classes, 0)
        for sample in getattr(parts, name):
            counts[index.classes[sample.label]] += 1
        per_class[name] = counts
    return SplitCounts(
        len(parts.train), len(parts.validation), len(parts.test), (validation, test, seed),
        per_class, parts,
    )


@dataclasses.dataclass(frozen=True)
class CacheResult:
    """What building (or reopening) an image cache gave."""

    images: int
    shape: tuple[int, ...]
    file: Path
    file_bytes: int
    reused: bool
    skipped: list
    seconds: float


def build_image_cache(
    samples, image_size: int, color_mode: str, resize: str, context
) -> CacheResult:
    """Job: netlib.data.build_cache of `samples`, with progress and cancel."""
    from netlib import data

    start = time.perf_counter()
    cache = data.build_cache(
        samples,
        image_size=image_size,
        color_mode=color_mode,
        resize=resize,
        progress=context.progress_reporter(),
        cancel=context.cancelled,
    )
    return _cache_result(cache, time.perf_counter() - start)


def _cache_result(cache, seconds: float) -> CacheResult:
    file = Path(cache.file)
    return CacheResult(
        images=len(cache),
        shape=tuple(cache.images.shape),
        file=file,
        file_bytes=file.stat().st_size if file.exists() else 0,
        reused=cache.reused,
        skipped=list(cache.skipped),
        seconds=seconds,
    )


@dataclasses.dataclass(frozen=True)
class ScannedDataset:
    """A scan whose decode built (or found) the image cache: the index, the cache (an
    ImageCache, or None when it would not fit on the disk) and its CacheResult."""

    index: Any
    cache: Any
    result: CacheResult | None


def scan_dataset_into_cache(source: str | Path, settings: Mapping[str, Any],
                            context) -> ScannedDataset:
    """Job: netlib.data.scan_into_cache of the source's folder with the cache `settings`
    (image_size, color_mode, resize): each image decoded once, into the cache a run with
    these settings uses; where that cache would not fit on the disk, a plain scan.
    A relabel a crash cut short is completed or rolled back first."""
    from netlib import data

    folder = dataset_folder(source)
    if folder.is_dir():
        data.Journal.open(folder)
    start = time.perf_counter()
    report = context.progress_reporter()
    try:
        index, cache = data.scan_into_cache(
            folder, **settings, progress=lambda stage, done, total: report(done, total),
            cancel=context.cancelled,
        )
    except data.CacheTooLarge:
        index = data.scan(folder, progress=report, cancel=context.cancelled)
        return ScannedDataset(index, None, None)
    return ScannedDataset(index, cache, _cache_result(cache, time.perf_counter() - start))


def decode_thumbnails(groups, size: int, context) -> None:
    """Job: decode each group's images (netlib.data.decode_thumbnail: the decoder training
    uses, at a thumbnail's scale) and report `(class name, class size, [(path, QImage or
    the ImageError)])` per class, as it goes."""
    from netlib.data import ImageError

    for name, class_size, paths in groups:
        context.check()
        images = []
        for path in paths:
            try:
                images.append((path, thumbnail_of_file(path, size)))
            except ImageError as error:
                images.append((path, error))
        context.report((name, class_size, images))


def find_duplicate_groups(index, prints, cache, parts, context):
    """Job: (groups, fingerprints) of `index`, flagged against `parts` (a Split, or None).
    The fingerprints ({path: Fingerprint}) are computed now when `prints` is None: the
    scan's, else from the rows of `cache` (an ImageCache of the samples: nothing is
    decoded), else from the files."""
    from netlib.data import find_duplicates, fingerprints

    if prints is None:
        prints = index.fingerprints or fingerprints(
            index.samples, cache=cache, progress=context.progress_reporter(), cancel=context.cancelled)
    context.check()
    return find_duplicates(index, parts=parts, fingerprints=prints, cancel=context.cancelled), prints


def augmented_batch(cache, spec, draw: int, context) -> np.ndarray:
    """Job: PREVIEW_IMAGES images of `cache` (an ImageCache; the same images every draw)
    through the augmentation `spec`, with the random draw `draw`; uint8 (N, H, W, C)."""
    from netlib import augment, augment_spec

    rows = np.sort(np.random.default_rng(0).permutation(len(cache))[:PREVIEW_IMAGES])
    images = np.asarray(cache.images[rows])
    if not augment_spec.entries(spec):
        return images
    pca = augment.pca_basis(cache.images, seed=0) if augment_spec.needs_pca(spec) else None
    context.check()
    layers = augment.build_augmentation(spec, seed=draw, pca=pca)
    out = np.asarray(layers(images.astype("float32"), training=True))
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)
