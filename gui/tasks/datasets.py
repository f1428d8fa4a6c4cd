"""Jobs of the Dataset page: scan a folder, count its split, build its image cache, and
decode a few thumbnails per class."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from gui.images import to_thumbnail

DIGITS = "digits"  # the source name of the bundled sample


def dataset_folder(source: str | Path) -> Path:
    """The folder of a dataset source: the bundled digits, or a folder of the user's."""
    if source == DIGITS:
        from netlib.data import digits_folder

        return Path(digits_folder())
    return Path(source)


def scan_dataset(source: str | Path, context):
    """Job: netlib.data.scan of the source's folder (a DatasetIndex), with progress."""
    from netlib import data

    # A cancelled scan raises netlib.cancel.Cancelled; the worker reports it as cancelled.
    return data.scan(
        dataset_folder(source), progress=context.progress_reporter(), cancel=context.cancelled
    )


@dataclasses.dataclass(frozen=True)
class SplitCounts:
    """Images in each part of a split, and the settings that made it."""

    train: int
    validation: int
    test: int
    settings: tuple[float, float, int]


def split_counts(index, validation: float, test: float, seed: int, context) -> SplitCounts:
    """Job: netlib.data.split of `index`, counted."""
    from netlib import data

    parts = data.split(index, validation=validation, test=test, seed=seed)
    return SplitCounts(
        len(parts.train), len(parts.validation), len(parts.test), (validation, test, seed)
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
    file = Path(cache.file)
    return CacheResult(
        images=len(cache),
        shape=tuple(cache.images.shape),
        file=file,
        file_bytes=file.stat().st_size if file.exists() else 0,
        reused=cache.reused,
        skipped=list(cache.skipped),
        seconds=time.perf_counter() - start,
    )


def decode_thumbnails(groups, size: int, context) -> None:
    """Job: decode each group's images (netlib.data.decode_image, the decoder training
    uses) and report `(class name, class size, [(path, QImage or the ImageError)])` per
    class, as it goes."""
    from netlib.data import ImageError, decode_image

    for name, class_size, paths in groups:
        context.check()
        images = []
        for path in paths:
            try:
                images.append((path, to_thumbnail(decode_image(path), size)))
            except ImageError as error:
                images.append((path, error))
        context.report((name, class_size, images))
