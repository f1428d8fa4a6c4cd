"""A batch as the network will see it: images from the image cache through the Train
page's augmentation (crops, flips, PCA colour noise, ...), with netlib.augment's own
layers in training mode, drawn again on every click of "Draw again"."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gui.widgets.thumbnails import to_thumbnail

__all__ = ["AugmentPreview", "augmented_batch", "PREVIEW_IMAGES"]

PREVIEW_IMAGES = 16
_COLUMNS = 8
_TILE = 96


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
        self.grid = QGridLayout()
        self.grid.setSpacing(4)
        self.tiles: list[QLabel] = []
        for i in range(PREVIEW_IMAGES):
            tile = QLabel()
            tile.setFixedSize(_TILE + 4, _TILE + 4)
            tile.setAlignment(Qt.AlignmentFlag.AlignCenter)
            tile.setObjectName("thumbnail")
            self.grid.addWidget(tile, i // _COLUMNS, i % _COLUMNS)
            self.tiles.append(tile)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addLayout(self.grid)
        layout.addStretch(1)
        self.draw_button.clicked.connect(self.draw_requested)

    def show_batch(self, batch: np.ndarray, description: str) -> None:
        """Show a uint8 batch; `description` says which augmentation made it."""
        from PySide6.QtGui import QPixmap

        self.batch = batch
        self.draws += 1
        self.label.setText(description)
        for tile, image in zip(self.tiles, batch):
            tile.setPixmap(QPixmap.fromImage(to_thumbnail(image, _TILE)))
        for tile in self.tiles[len(batch):]:
            tile.clear()

    def set_message(self, text: str) -> None:
        self.label.setText(text)
