"""Find the images of a dataset folder: one sub-folder per class, files found recursively.

    photos/                    photos/
      cats/  a.jpg b.png ...     train/ cats/ ... dogs/ ...
      dogs/  ...                 val/   cats/ ... dogs/ ...    (or valid/, validation/, test/)

Class names are the sub-folder names, sorted (the label of a class is its position).
Extensions are matched without regard to case; hidden files and folders (a leading dot,
and macOS' ``__MACOSX``) are ignored, and so are files at the top level (a README) and
the top-level ``_excluded/`` folder, where netlib.data.relabel puts the images a user
excludes. A layout whose sub-folders are all split names (``train`` with ``val``,
``valid`` (Roboflow's export), ``validation`` and/or ``test``) is recognised, and its
split is kept.

Every image is decoded in full (in threads, at a reduced scale where the format allows:
a JPEG's 1/8 scale still reads all of its data), so that a truncated or corrupt file is
reported now, not in the middle of an epoch; the decode also gives each image's
perceptual hash (netlib.data.phash), which the duplicates search uses. A trainer, whose
cache build decodes every image anyway, scans with ``verify=False`` and lets the cache
build find the bad files (:func:`netlib.data.scan_into_cache`): nothing is decoded twice.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from netlib.data.balance import ClassBalance, class_balance
from netlib.data.decode import IMAGE_EXTENSIONS, check_image, decode_image
from netlib.data.errors import Cancelled, DatasetError, ImageError
from netlib.data.parallel import parallel_map
from netlib.data.phash import HASH_SIDE, Fingerprint, fingerprint

__all__ = ["Sample", "Skipped", "DatasetIndex", "scan", "SPLIT_FOLDERS", "EXCLUDED_FOLDER",
           "VERIFY_MODES"]

# Folder names that mark a predefined split, and the split each one means.
SPLIT_FOLDERS = {"train": "train", "val": "validation", "valid": "validation",
                 "validation": "validation", "test": "test"}
#: The top-level folder of a dataset where excluded images are kept (never a class).
EXCLUDED_FOLDER = "_excluded"
#: How scan checks each image: "decode" (in full), "header" (format, size and mode only:
#: a truncated file passes), or False (the extension only).
VERIFY_MODES = ("decode", "header", False)
# Folders and files that operating systems and archivers leave behind: not data.
_SYSTEM_NAMES = {"__MACOSX", "Thumbs.db", "desktop.ini"}

ProgressCallback = Callable[[int, int], None]
CancelCallback = Callable[[], bool]


@dataclasses.dataclass(frozen=True)
class Sample:
    """One image of a dataset: its file, its class (an index into `DatasetIndex.classes`)
    and, in a folder with a predefined split, "train", "validation" or "test"."""

    path: Path
    label: int
    split: str | None = None


@dataclasses.dataclass(frozen=True)
class Skipped:
    """A file left out of a dataset, with a reason from SKIP_REASONS and the details."""

    path: Path
    reason: str
    detail: str = ""


@dataclasses.dataclass
class DatasetIndex:
    """What :func:`scan` found in a folder: classes, usable images, and skipped files.

    `candidates` are all the files with an image extension, good or bad (what an image
    cache of the folder is keyed by); `fingerprints` each decoded sample's perceptual
    fingerprint by path (netlib.data.phash; empty unless the scan decoded the images)."""

    root: Path
    classes: list[str]
    samples: list[Sample]
    skipped: list[Skipped]
    predefined_split: bool = False
    candidates: list[Sample] = dataclasses.field(default_factory=list)
    fingerprints: dict[Path, Fingerprint] = dataclasses.field(default_factory=dict, repr=False)

    @property
    def counts(self) -> dict[str, int]:
        """Usable images per class name (all splits together), in class order."""
        counts = dict.fromkeys(self.classes, 0)
        for sample in self.samples:
            counts[self.classes[sample.label]] += 1
        return counts

    def split_counts(self) -> dict[str, dict[str, int]]:
        """{part: {class: images}} of a folder with a predefined split (else {})."""
        if not self.predefined_split:
            return {}
        found = {part: dict.fromkeys(self.classes, 0) for part in ("train", "validation", "test")}
        for sample in self.samples:
            found[sample.split][self.classes[sample.label]] += 1
        return {part: counts for part, counts in found.items() if any(counts.values())}

    def balance(self) -> ClassBalance:
        """How unequal the classes are (largest / smallest), with a warning past
        netlib.data.IMBALANCE_RATIO."""
        return class_balance(self.counts)

    def without(self, failed: list[Skipped]) -> DatasetIndex:
        """This index with the `failed` files (those a cache build could not decode)
        moved from the samples to the skipped files; DatasetError if a class is left
        without images."""
        gone = {str(s.path) for s in failed}
        index = dataclasses.replace(
            self,
            samples=[s for s in self.samples if str(s.path) not in gone],
            skipped=sorted([*self.skipped, *failed], key=lambda s: str(s.path)),
        )
        _check_not_empty(index)
        return index

    def report(self) -> dict:
        """The scan's findings as plain JSON-ready data:

        ``{"root", "classes", "counts", "balance": {"counts", "largest", "smallest",
        "ratio", "warning"}, "split_counts" (a predefined split's {part: {class: n}}),
        "skipped": [{"path", "reason", "detail"}]}`` with skipped paths relative to
        `root` (POSIX separators).
        """
        return {
            "root": str(self.root),
            "classes": list(self.classes),
            "counts": self.counts,
            "balance": self.balance().to_dict(),
            "split_counts": self.split_counts(),
            "skipped": [
                {"path": _relative(s.path, self.root), "reason": s.reason, "detail": s.detail}
                for s in self.skipped
            ],
        }


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def scan(
    folder: str | os.PathLike,
    *,
    verify: str | bool = "decode",
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCallback | None = None,
) -> DatasetIndex:
    """Index the images of a dataset folder (see the module's docstring for the layout).

    Args:
        folder: the dataset folder.
        verify: "decode" (or True): decode every image in full, in `workers` threads
            (default one per core), so that bad files, truncated ones included, are
            reported now; "header": open each image's header only (format, size, pixel
            mode); False: check the extension only.
        progress: called as ``progress(done, total)`` after each file is checked, in the
            calling thread.
        cancel: polled while scanning; when it returns True, :class:`Cancelled` is raised.

    Raises:
        DatasetError (a ValueError), naming the folder: it does not exist, is not a
            folder, has no class sub-folders, has only one class, or a class has no
            usable image.
        Cancelled: `cancel()` returned True.
    """
    root = Path(folder).expanduser().absolute()
    if not root.exists():
        raise DatasetError(f"The dataset folder {root} does not exist.")
    if not root.is_dir():
        raise DatasetError(f"{root} is a file; a dataset is a folder with one sub-folder per class.")
    class_folders, predefined = _class_folders(root)
    classes = sorted(class_folders)
    if not classes:
        raise DatasetError(
            f"{root} has no class sub-folders: put the images of each class in a sub-folder "
            f"named after the class ({root / 'cats'}, {root / 'dogs'}, ...)."
        )
    if len(classes) == 1:
        raise DatasetError(
            f"{root} has only one class sub-folder ({classes[0]!r}); "
            "a classifier needs at least two."
        )

    candidates: list[Sample] = []
    skipped: list[Skipped] = []
    for label, name in enumerate(classes):
        for split_name, class_folder in class_folders[name]:
            for path in _files(class_folder, skipped, cancel):
                if path.suffix.lower() in IMAGE_EXTENSIONS:
                    candidates.append(Sample(path, label, split_name))
                else:
                    skipped.append(Skipped(path, "not an image", _extension_detail(path)))

    if verify is True:
        verify = "decode"
    if verify not in VERIFY_MODES:
        raise ValueError(f"verify must be one of {', '.join(map(repr, VERIFY_MODES))}; "
                         f"received verify={verify!r}.")
    candidates.sort(key=lambda s: (s.label, str(s.path)))
    fingerprints: dict[Path, Fingerprint] = {}
    if verify:
        samples = _verified(candidates, skipped, fingerprints, verify, workers, progress, cancel)
    else:
        samples = list(candidates)
        if progress is not None:
            progress(len(candidates), len(candidates))
    samples.sort(key=lambda s: (s.label, str(s.path)))
    skipped.sort(key=lambda s: str(s.path))
    index = DatasetIndex(root, classes, samples, skipped, predefined, candidates, fingerprints)
    _check_not_empty(index)
    return index


def _check_not_empty(index: DatasetIndex) -> None:
    empty = [name for name, count in index.counts.items() if count == 0]
    if empty:
        skipped = index.skipped
        raise DatasetError(
            f"In {index.root}, the class folder{'s' if len(empty) > 1 else ''} "
            f"{', '.join(map(repr, empty))} {'have' if len(empty) > 1 else 'has'} no usable "
            f"image (extensions {', '.join(sorted(IMAGE_EXTENSIONS))})."
            + (f" {len(skipped)} file(s) were skipped, e.g. {skipped[0].path.name}: "
               f"{skipped[0].reason}." if skipped else "")
        )


def _hidden(name: str) -> bool:
    return name.startswith(".") or name in _SYSTEM_NAMES


def _subfolders(folder: Path, skip: tuple[str, ...] = ()) -> list[Path]:
    return sorted(
        (Path(entry.path) for entry in os.scandir(folder)
         if entry.is_dir() and not _hidden(entry.name) and entry.name not in skip),
        key=lambda p: p.name,
    )


def _class_folders(root: Path) -> tuple[dict[str, list[tuple[str | None, Path]]], bool]:
    """Class name -> [(split or None, folder)], and whether the layout has a split."""
    top = _subfolders(root, skip=(EXCLUDED_FOLDER,))
    names = {p.name.lower() for p in top}
    predefined = bool(top) and "train" in names and names <= SPLIT_FOLDERS.keys()
    parts = [(SPLIT_FOLDERS[p.name.lower()], p) for p in top] if predefined else [(None, root)]
    class_folders: dict[str, list[tuple[str | None, Path]]] = {}
    for split_name, base in parts:
        for folder in _subfolders(base, skip=(EXCLUDED_FOLDER,) if base == root else ()):
            class_folders.setdefault(folder.name, []).append((split_name, folder))
    return class_folders, predefined


def _files(folder: Path, skipped: list[Skipped], cancel: CancelCallback | None) -> Iterator[Path]:
    """The visible files under `folder`, recursively; unreadable sub-folders are reported."""

    def unreadable(error: OSError) -> None:
        skipped.append(Skipped(Path(error.filename or folder), "unreadable", error.strerror or str(error)))

    for directory, subdirectories, files in os.walk(folder, onerror=unreadable):
        if cancel is not None and cancel():
            raise Cancelled(f"scan of {folder} cancelled")
        subdirectories[:] = [d for d in subdirectories if not _hidden(d)]
        for name in files:
            if not _hidden(name):
                yield Path(directory, name)


def _extension_detail(path: Path) -> str:
    extension = path.suffix or "(none)"
    return f"extension {extension} is not one of {', '.join(sorted(IMAGE_EXTENSIONS))}"


def _verified(
    candidates: list[Sample],
    skipped: list[Skipped],
    fingerprints: dict[Path, Fingerprint],
    verify: str,
    workers: int | None,
    progress: ProgressCallback | None,
    cancel: CancelCallback | None,
) -> list[Sample]:
    """The candidates that check out (their fingerprints into `fingerprints` when
    decoded); the others go to `skipped`.

    A header check runs in one thread: it is Pillow parsing in Python, bound by the GIL
    (measured on 2,000 JPEGs, 2-core machine: 1 to 16 threads all checked 5,300-6,200
    files per second). A decode runs in threads: Pillow releases the GIL while decoding.
    """
    check = _decode_check if verify == "decode" else _header_check
    results = parallel_map(check, candidates, workers=1 if verify == "header" else workers,
                           progress=progress, cancel=cancel, what="scan")
    good: list[Sample] = []
    for sample, outcome in results:
        if isinstance(outcome, ImageError):
            skipped.append(Skipped(sample.path, outcome.reason, outcome.detail))
            continue
        good.append(sample)
        if outcome is not None:
            fingerprints[sample.path] = outcome
    return good


def _decode_check(sample: Sample) -> Fingerprint | ImageError:
    """The image's fingerprint, from a full decode at the hash's size (JPEGs at 1/8
    scale where that covers it: every byte of the image is still decoded)."""
    try:
        height, width = check_image(sample.path)
        return fingerprint(decode_image(sample.path, size=HASH_SIDE), min(height, width))
    except ImageError as error:
        return error


def _header_check(sample: Sample) -> None | ImageError:
    try:
        check_image(sample.path)
    except ImageError as error:
        return error
    return None
