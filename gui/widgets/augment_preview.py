"""A batch as the network will see it: images from the image cache through the Train
page's augmentation (crops, flips, PCA colour noise, ...), with netlib.augment's own
layers in training mode, drawn again on every click of "Draw again"."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.images import to_thumbnail

__all__ = ["AugmentPreview"]

_TILE = 96


class AugmentPreview(QWidget):
    """A grid of augmented images and a button to draw them again."""

    #: The user asked for a new draw.
    draw_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.draws = 0  # batches shown so far
        self.batch: np.ndarray | None = None
        self.label = QLabel("Scan a dataset to preview its augmentation.")
        self.label.setWordWrap(True)
        self.draw_button = QPushButton("Draw again")
        self.draw_button.setToolTip("Augment the same images with a new random draw")
        top = QHBoxLayout()
        top.addWidget(self.label, 1)
        top.addWidget(self.draw_button)
        # A list in icon mode: the tiles flow into as many columns as the width allows.
        self.tiles = QListWidget()
        self.tiles.setViewMode(QListView.ViewMode.IconMode)
        self.tiles.setResizeMode(QListView.ResizeMode.Adjust)
        self.tiles.setMovement(QListView.Movement.Static)
        self.tiles.setIconSize(QSize(_TILE, _TILE))
        self.tiles.setGridSize(QSize(_TILE + 8, _TILE + 8))
        self.tiles.setSelectionMode(QListView.SelectionMode.NoSelection)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.tiles, 1)
        self.draw_button.clicked.connect(self.draw_requested)

    def show_batch(self, batch: np.ndarray, description: str) -> None:
        """Show a uint8 batch; `description` says which augmentation made it."""
        self.batch = batch
        self.draws += 1
        self.label.setText(description)
        self.tiles.clear()
        for image in batch:
            item = QListWidgetItem(QIcon(QPixmap.fromImage(to_thumbnail(image, _TILE))), "")
            item.setSizeHint(QSize(_TILE + 8, _TILE + 8))
            self.tiles.addItem(item)

    def set_message(self, text: str) -> None:
        self.label.setText(text)
