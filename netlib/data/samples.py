"""Sample datasets: the bundled UCI handwritten digits, and a generator of shapes."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

__all__ = ["digits_folder", "make_shapes", "SHAPES"]

# The shapes make_shapes can draw.
SHAPES = ("circle", "square", "triangle", "star", "hexagon", "cross")


def digits_folder() -> Path:
    """The bundled digits dataset: 1,797 real 8x8 grey handwritten digits (UCI, CC BY 4.0),
    one PNG per image under ``resources/digits/<0..9>/``; the app's default dataset.

    Raises FileNotFoundError when the folder is missing (a broken installation)."""
    folder = Path(__file__).resolve().parents[2] / "resources" / "digits"
    if not folder.is_dir():
        raise FileNotFoundError(
            f"The bundled digits dataset is missing: {folder} does not exist "
            "(run resources/make_digits.py to write it)."
        )
    return folder


# Shapes are drawn this many times larger, then shrunk with a box filter: smooth edges
# (ImageDraw itself does not antialias polygons).
_SUPERSAMPLE = 4
_FORMATS = {"png": ("PNG", ".png", {}), "jpeg": ("JPEG", ".jpg", {"quality": 92})}


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
    from netlib.data.decode import normalize_size

    height, width = normalize_size(size)
    if min(height, width) < 16:
        raise ValueError(f"size must be at least 16 pixels a side; received size={size!r}.")
    if isinstance(classes, str):
        classes = (classes,)
    unknown = [c for c in classes if c not in SHAPES]
    if unknown or not classes:
        raise ValueError(
            f"classes must be shapes from {', '.join(map(repr, SHAPES))}; received classes={list(classes)!r}."
        )
    if image_format not in _FORMATS:
        raise ValueError(f"image_format must be one of {', '.join(map(repr, _FORMATS))}; received image_format={image_format!r}.")
    if int(per_class) < 1:
        raise ValueError(f"per_class must be at least 1; received per_class={per_class!r}.")
    pillow_format, extension, options = _FORMATS[image_format]
    root = Path(folder)
    for shape in classes:
        class_folder = root / shape
        class_folder.mkdir(parents=True, exist_ok=True)
        # One generator per (seed, shape): the images of a shape do not depend on the others.
        rng = np.random.default_rng([seed, SHAPES.index(shape)])
        for i in range(int(per_class)):
            image = _shape_image(rng, shape, width, height)
            image.save(class_folder / f"{shape}_{i:05d}{extension}", pillow_format, **options)
    return root


def _shape_image(rng: np.random.Generator, shape: str, width: int, height: int) -> Image.Image:
    background = _background(rng, width * _SUPERSAMPLE, height * _SUPERSAMPLE)
    colour = _contrasting_colour(rng, np.asarray(background).reshape(-1, 3).mean(axis=0))
    side = min(width, height) * _SUPERSAMPLE
    radius = side * rng.uniform(0.25, 0.45)
    centre = (
        rng.uniform(radius, width * _SUPERSAMPLE - radius),
        rng.uniform(radius, height * _SUPERSAMPLE - radius),
    )
    angle = rng.uniform(0, 2 * math.pi)
    draw = ImageDraw.Draw(background)
    if shape == "circle":
        x, y = centre
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
    elif shape == "cross":
        arm = radius * 0.35
        for turn in (0.0, math.pi / 2):
            draw.polygon(_rotated_rectangle(centre, radius, arm, angle + turn), fill=colour)
    else:
        draw.polygon(_outline(shape, centre, radius, angle), fill=colour)
    return background.resize((width, height), Image.Resampling.BOX)


def _outline(shape: str, centre, radius: float, angle: float) -> list[tuple[float, float]]:
    """Vertices of a regular polygon or star around `centre`."""
    corners = {"triangle": 3, "square": 4, "hexagon": 6, "star": 10}[shape]
    points = []
    for k in range(corners):
        r = radius * (0.45 if shape == "star" and k % 2 else 1.0)
        theta = angle + 2 * math.pi * k / corners
        points.append((centre[0] + r * math.cos(theta), centre[1] + r * math.sin(theta)))
    return points


def _rotated_rectangle(centre, half_length: float, half_width: float, angle: float) -> list[tuple[float, float]]:
    c, s = math.cos(angle), math.sin(angle)
    corners = [(-half_length, -half_width), (half_length, -half_width), (half_length, half_width), (-half_length, half_width)]
    return [(centre[0] + x * c - y * s, centre[1] + x * s + y * c) for x, y in corners]


def _background(rng: np.random.Generator, width: int, height: int) -> Image.Image:
    """A flat colour, a linear gradient, stripes or smooth noise. The two colours of a
    background differ by at most 60 levels a channel: the shape, drawn in a colour far
    from both, stays the most salient thing in the picture."""
    kind = rng.integers(4)
    first = rng.integers(0, 256, size=3)
    second = np.clip(first + rng.integers(-60, 61, size=3), 0, 255)
    if kind == 0:
        return Image.new("RGB", (width, height), tuple(int(v) for v in first))
    y, x = np.mgrid[0:height, 0:width]
    if kind == 1:  # gradient along a random direction
        angle = rng.uniform(0, 2 * math.pi)
        t = (x * math.cos(angle) + y * math.sin(angle)).astype(np.float32)
        t = (t - t.min()) / max(float(np.ptp(t)), 1.0)
    elif kind == 2:  # stripes of a random period and direction
        angle = rng.uniform(0, math.pi)
        period = rng.uniform(0.1, 0.3) * min(width, height)
        t = ((x * math.cos(angle) + y * math.sin(angle)) // period % 2).astype(np.float32)
    else:  # smooth noise: a coarse random field, enlarged
        coarse = rng.uniform(0, 1, size=(4, 4)).astype(np.float32)
        t = np.asarray(Image.fromarray(coarse, "F").resize((width, height), Image.Resampling.BICUBIC))
        t = np.clip(t, 0, 1)
    pixels = first + t[..., np.newaxis] * (second - first)
    return Image.fromarray(pixels.astype(np.uint8))


def _contrasting_colour(rng: np.random.Generator, background_mean: np.ndarray) -> tuple[int, int, int]:
    """A random colour far enough from the background's mean to stand out."""
    for _ in range(100):
        colour = rng.integers(0, 256, size=3)
        if np.abs(colour - background_mean).sum() > 200:
            break
    else:  # a background of mid-grey everything: take its opposite
        colour = 255 - background_mean
    return tuple(int(v) for v in colour)
