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
from collections.abc import Callable
from pathlib import Path

from netlib.data.errors import Cancelled, DatasetError

__all__ = ["Sample", "Skipped", "DatasetIndex", "scan", "SPLIT_FOLDERS"]

# Folder names that mark a predefined split, and the split each one means.
SPLIT_FOLDERS = {"train": "train", "val": "validation", "validation": "validation", "test": "test"}

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
        progress: called as ``progress(done, total)`` while files are checked.
        cancel: polled while scanning; when it returns True, :class:`Cancelled` is raised.

    Raises:
        DatasetError (a ValueError), naming the folder: it does not exist, is not a
            folder, has no class sub-folders, has only one class, or a class has no
            usable image.
        Cancelled: `cancel()` returned True.
    """
    raise NotImplementedError
