"""Thumbnails of a dataset, a row per class, decoded in a worker
(gui.tasks.decode_thumbnails, with the decoder training uses) into QImages
(gui.images.to_thumbnail: an 8x8 digit enlarged to its real pixels, not a blur)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

THUMBNAIL_SIZE = 64  # an 8x8 digit at 8x: every pixel a crisp 8x8 square
PER_CLASS = 8
MAX_CLASSES = 60


def sample_paths(index, per_class: int = PER_CLASS, max_classes: int = MAX_CLASSES):
    """[(class name, class size, [paths of its first `per_class` images])] for the first
    `max_classes` classes of a netlib.data.DatasetIndex."""
    chosen: dict[int, list[Path]] = {label: [] for label in range(len(index.classes))}
    sizes = dict.fromkeys(range(len(index.classes)), 0)
    for sample in index.samples:
        sizes[sample.label] += 1
        if len(chosen[sample.label]) < per_class:
            chosen[sample.label].append(sample.path)
    return [
        (index.classes[label], sizes[label], chosen[label])
        for label in range(min(len(index.classes), max_classes))
    ]


class ThumbnailGrid(QScrollArea):
    """One row per class: its name and count, then its first images."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._body = QWidget()
        self._rows = QVBoxLayout(self._body)
        self._rows.setContentsMargins(4, 4, 4, 4)
        self._rows.setSpacing(10)
        self._rows.addStretch(1)
        self.setWidget(self._body)
        self.shown: dict[str, int] = {}  # class name -> thumbnails shown (tests read it)
        self._note: QLabel | None = None

    def clear(self) -> None:
        while self._rows.count() > 1:
            item = self._rows.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.shown = {}
        self._note = None

    def add_class(self, name: str, class_size: int, images: list) -> None:
        """Add the row of one class: `images` is [(path, QImage or error)]."""
        row = QWidget()
        layout = QVBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        title = QLabel(f"<b>{_escape(name)}</b> · {class_size:,} {_plural(class_size, 'image')}")
        layout.addWidget(title)
        strip = QHBoxLayout()
        strip.setSpacing(4)
        for path, image in images:
            strip.addWidget(_tile(path, image))
        strip.addStretch(1)
        layout.addLayout(strip)
        self._rows.insertWidget(self._rows.count() - 1, row)
        self.shown[name] = sum(1 for _, image in images if isinstance(image, QImage))

    def add_note(self, text: str) -> None:
        self._note = QLabel(text)
        self._note.setObjectName("mutedText")
        self._rows.insertWidget(self._rows.count() - 1, self._note)


def _tile(path: Path, image) -> QLabel:
    tile = QLabel()
    tile.setObjectName("thumbnail")
    tile.setFixedSize(THUMBNAIL_SIZE + 6, THUMBNAIL_SIZE + 6)
    tile.setAlignment(Qt.AlignmentFlag.AlignCenter)
    if isinstance(image, QImage):
        tile.setPixmap(QPixmap.fromImage(image))
        tile.setToolTip(f"{path.name} ({image.text('source size')} pixels)")
    else:
        tile.setText("✕")
        tile.setToolTip(f"{path.name}: {image}")
    return tile


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

