"""Sample datasets: the bundled UCI handwritten digits, and a generator of shapes."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

__all__ = ["digits_folder", "make_shapes", "SHAPES"]

# The shapes make_shapes can draw.
SHAPES = ("circle", "square", "triangle", "star", "hexagon", "cross")


def digits_folder() -> Path:
    """The bundled digits dataset: 1,797 real 8x8 grey handwritten digits (UCI, CC BY 4.0),
    one PNG per image under ``resources/digits/<0..9>/``; the app's default dataset."""
    raise NotImplementedError


def make_shapes(
    folder: str | os.PathLike,
    *,
    per_class: int = 100,
    size: int | tuple[int, int] = 64,
    seed: int = 0,
    classes: Sequence[str] = ("circle", "square", "triangle", "star"),
    image_format: str = "png",
) -> Path:
    """Write a dataset of coloured geometric shapes into `folder`/<shape>/ and return `folder`.

    Each image shows one shape (random size, position, rotation and colour) on a varied
    background (flat, gradient, stripes or noise). The same arguments always write the
    same files.

    Args:
        folder: where to write (created if needed).
        per_class: images per shape.
        size: image size, int or (height, width); at least 16.
        seed: the random seed.
        classes: shapes to draw, from :data:`SHAPES`.
        image_format: "png" or "jpeg".

    Raises:
        ValueError: an unknown shape or format, per_class < 1, or size < 16.
    """
    raise NotImplementedError
