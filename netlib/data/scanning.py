"""Find the images of a dataset folder: one sub-folder per class, files found recursively.

    photos/                    photos/
      cats/  a.jpg b.png ...     train/ cats/ ... dogs/ ...
      dogs/  ...                 val/   cats/ ... dogs/ ...    (or validation/, test/)

Class names are the sub-folder names, sorted (the label of a class is its position).
Extensions are matched without regard to case; hidden files and folders (a leading dot,
and macOS' ``__MACOSX``) are ignored, and so are files at the top level (a README).
A layout whose sub-folders are all split names (``train`` with ``val``/``validation``
and/or ``test``) is recognised, and its split is kept.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from netlib.data.decode import IMAGE_EXTENSIONS, check_image
from netlib.data.errors import Cancelled, DatasetError, ImageError

__all__ = ["Sample", "Skipped", "DatasetIndex", "scan", "SPLIT_FOLDERS"]

# Folder names that mark a predefined split, and the split each one means.
SPLIT_FOLDERS = {"train": "train", "val": "validation", "validation": "validation", "test": "test"}
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
    """What :func:`scan` found in a folder: classes, usable images, and skipped files."""

    root: Path
    classes: list[str]
    samples: list[Sample]
    skipped: list[Skipped]
    predefined_split: bool = False

    @property
    def counts(self) -> dict[str, int]:
        """Usable images per class name (all splits together), in class order."""
        counts = dict.fromkeys(self.classes, 0)
        for sample in self.samples:
            counts[self.classes[sample.label]] += 1
        return counts

    def report(self) -> dict:
        """The scan's findings as plain JSON-ready data:

        ``{"root", "classes", "counts", "skipped": [{"path", "reason", "detail"}]}``
        with skipped paths relative to `root` (POSIX separators).
        """
        return {
            "root": str(self.root),
            "classes": list(self.classes),
            "counts": self.counts,
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
    verify: bool = True,
    progress: ProgressCallback | None = None,
    cancel: CancelCallback | None = None,
) -> DatasetIndex:
    """Index the images of a dataset folder (see the module's docstring for the layout).

    Args:
        folder: the dataset folder.
        verify: open every image's header with Pillow (format, size, pixel mode: no
            decoding), so that bad files are reported now, not in the middle of an epoch.
            Without it, only the extension is checked.
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

    samples = _verified(candidates, skipped, progress, cancel) if verify else candidates
    if progress is not None and not verify:
        progress(len(candidates), len(candidates))
    samples.sort(key=lambda s: (s.label, str(s.path)))
    skipped.sort(key=lambda s: str(s.path))
    index = DatasetIndex(root, classes, samples, skipped, predefined)
    empty = [name for name, count in index.counts.items() if count == 0]
    if empty:
        raise DatasetError(
            f"In {root}, the class folder{'s' if len(empty) > 1 else ''} "
            f"{', '.join(map(repr, empty))} {'have' if len(empty) > 1 else 'has'} no usable "
            f"image (extensions {', '.join(sorted(IMAGE_EXTENSIONS))})."
            + (f" {len(skipped)} file(s) were skipped, e.g. {skipped[0].path.name}: "
               f"{skipped[0].reason}." if skipped else "")
        )
    return index


def _hidden(name: str) -> bool:
    return name.startswith(".") or name in _SYSTEM_NAMES


def _subfolders(folder: Path) -> list[Path]:
    return sorted(
        (Path(entry.path) for entry in os.scandir(folder)
         if entry.is_dir() and not _hidden(entry.name)),
        key=lambda p: p.name,
    )


def _class_folders(root: Path) -> tuple[dict[str, list[tuple[str | None, Path]]], bool]:
    """Class name -> [(split or None, folder)], and whether the layout has a split."""
    top = _subfolders(root)
    names = {p.name.lower() for p in top}
    predefined = bool(top) and "train" in names and names <= SPLIT_FOLDERS.keys()
    parts = [(SPLIT_FOLDERS[p.name.lower()], p) for p in top] if predefined else [(None, root)]
    class_folders: dict[str, list[tuple[str | None, Path]]] = {}
    for split_name, base in parts:
        for folder in _subfolders(base):
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
    progress: ProgressCallback | None,
    cancel: CancelCallback | None,
) -> list[Sample]:
    """The candidates whose header checks out; the others go to `skipped`.

    One thread: a header check is Pillow parsing in Python, bound by the GIL. Measured on
    2,000 JPEGs (2-core machine), 1, 4, 8 and 16 threads all checked 5,300-6,200 files
    per second, with the files in the page cache or evicted from it.
    """
    good: list[Sample] = []
    total = len(candidates)
    for done, sample in enumerate(candidates, start=1):
        try:
            check_image(sample.path)
            good.append(sample)
        except ImageError as error:
            skipped.append(Skipped(sample.path, error.reason, error.detail))
        if progress is not None:
            progress(done, total)
        if cancel is not None and cancel():
            raise Cancelled(f"scan cancelled after {done} of {total} files")
    return good
