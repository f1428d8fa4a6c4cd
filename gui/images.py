"""Pixels between numpy and Qt: uint8 arrays as QImages and back, and thumbnails.

QImage (unlike QPixmap) may be made off the GUI thread, so the jobs in gui.tasks make
thumbnails in their workers and the pages only turn them into pixmaps.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

__all__ = ["to_qimage", "from_qimage", "to_thumbnail", "thumbnail_of_file"]


def to_qimage(array: np.ndarray) -> QImage:
    """A uint8 (h, w), (h, w, 1) or (h, w, 3) array as a QImage that owns its pixels."""
    array = np.ascontiguousarray(array)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = np.ascontiguousarray(array[..., 0])
    height, width = array.shape[:2]
    if array.ndim == 2:
        image = QImage(array.tobytes(), width, height, width, QImage.Format.Format_Grayscale8)
    else:
        image = QImage(array.tobytes(), width, height, 3 * width, QImage.Format.Format_RGB888)
    return image.copy()


def from_qimage(image: QImage) -> np.ndarray:
    """A QImage (a pasted picture) as a uint8 (h, w, 3) RGB array."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    buffer = np.frombuffer(image.constBits(), np.uint8, count=stride * height)
    return buffer.reshape(height, stride)[:, : 3 * width].reshape(height, width, 3).copy()


def thumbnail_of_file(path, size: int) -> QImage:
    """The thumbnail of an image file (see to_thumbnail), decoded at a reduced scale where
    the file allows (netlib.data.decode_thumbnail). Raises netlib.data.ImageError."""
    from netlib.data import decode_thumbnail

    pixels, source_size = decode_thumbnail(path, size)
    return to_thumbnail(pixels, size, source_size)


def to_thumbnail(array: np.ndarray, size: int, source_size: tuple[int, int] | None = None) -> QImage:
    """A uint8 (height, width, 1 or 3) array as a QImage fitting in size x size, whose
    text "source size" is `source_size` ((height, width); default the array's).

    Images smaller than a thumbnail are enlarged with nearest-neighbour sampling, so an
    8x8 digit shows its real pixels instead of a blur; larger ones are scaled down
    smoothly."""
    height, width, _ = array.shape
    image = to_qimage(array)
    source_height, source_width = source_size or (height, width)
    image.setText("source size", f"{source_width}×{source_height}")
    if max(height, width) <= size:
        factor = max(1, size // max(height, width))
        return image.scaled(
            width * factor, height * factor, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.FastTransformation,  # nearest neighbour: crisp pixels
        )
    return image.scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )
