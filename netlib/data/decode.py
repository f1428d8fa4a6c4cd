"""One robust image decoder, used everywhere: cache building, evaluation, prediction and
the app's thumbnails.

Pillow does the work, restricted to the formats ConvLab accepts. What a folder of real
photos, scans and screenshots throws at it is handled here, once:

- EXIF orientation is applied, so a phone photo comes out upright.
- Palette, 1-bit, CMYK, YCbCr and 16-bit images are converted to 8-bit RGB or grey
  (16-bit values are scaled to 8 bits, not clipped).
- Transparent images (RGBA, LA, palette with transparency) are composited on
  :data:`BACKGROUND`, white, the colour most such images (icons, drawings, scans of
  pages, screenshots) are meant to be seen on; dropping the alpha channel instead would
  show whatever colour the transparent pixels happen to store, often black.
- Animated GIF, WebP and multi-page TIFF files give their first frame.
- An image whose header declares more pixels than Pillow's ``Image.MAX_IMAGE_PIXELS``
  (its decompression-bomb warning threshold) is refused before any pixel is decoded.
- JPEGs are decoded at a reduced scale (``Image.draft``) when the target size is small,
  so a 12-megapixel photo costs a fraction of a full decode.

Every failure a bad file can cause becomes :class:`ImageError` with a reason from
:data:`SKIP_REASONS`; nothing else escapes :func:`decode_image`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO, Union

import numpy as np

from netlib.data.errors import SKIP_REASONS, ImageError

__all__ = [
    "IMAGE_EXTENSIONS",
    "PILLOW_FORMATS",
    "BACKGROUND",
    "COLOR_MODES",
    "RESIZE_MODES",
    "ImageError",
    "SKIP_REASONS",
    "decode_image",
    "check_image",
    "normalize_size",
]

# File name extensions (lower case) that mark a file as an image.
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff"})
# The Pillow plugins allowed to open a file (`formats=` of Image.open); a phone's MPO
# file is opened by the JPEG plugin.
PILLOW_FORMATS = ("JPEG", "PNG", "BMP", "GIF", "WEBP", "TIFF")
# The colour transparent pixels are composited on (RGB, 0..255).
BACKGROUND = (255, 255, 255)
COLOR_MODES = ("rgb", "grayscale")
# squash: stretch to the target size (Keras' default); crop: centre crop to the target's
# aspect ratio, then resize; pad: resize to fit inside, then pad with black.
RESIZE_MODES = ("squash", "crop", "pad")

Source = Union[str, os.PathLike, bytes, bytearray, memoryview, BinaryIO]


def normalize_size(size) -> tuple[int, int] | None:
    """`size` as (height, width): an int n means (n, n); None stays None.

    Raises ValueError for anything else (non-positive, wrong length, not integers).
    """
    raise NotImplementedError


def decode_image(
    source: Source,
    *,
    size: int | tuple[int, int] | None = None,
    color_mode: str = "rgb",
    resize: str = "squash",
) -> np.ndarray:
    """Decode one image to a uint8 array of shape (height, width, 3) or (height, width, 1).

    Args:
        source: a path, the file's bytes, or a binary file object.
        size: the output size, an int (square) or (height, width); None keeps the
            image's own size (after EXIF rotation).
        color_mode: "rgb" or "grayscale" (ITU-R 601 luma).
        resize: how the image is brought to `size`: "squash" (stretch), "crop" (centre
            crop to the target's aspect ratio, then resize) or "pad" (fit inside, pad
            with black).

    Raises:
        ImageError: the file is not a usable image; `.reason` says why.
        ValueError: a bad `size`, `color_mode` or `resize` (the caller's mistake, not
            the file's).
    """
    raise NotImplementedError


def check_image(source: Source) -> tuple[int, int]:
    """Check that a file is an image :func:`decode_image` can decode, reading only its
    header: format, declared size (decompression bombs), pixel mode, empty file.

    Cheap (no pixel is decoded): what :func:`netlib.data.scan` runs on every file.
    A truncated file passes this check and is caught when it is decoded.

    Returns:
        (height, width) as declared in the header (before EXIF rotation).

    Raises:
        ImageError: with the reason.
    """
    raise NotImplementedError
