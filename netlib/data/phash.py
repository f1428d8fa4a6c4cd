"""What the duplicates search compares: an image's fingerprint, its perceptual hash (pHash:
Zauner, 2010, "Implementation and Benchmarking of Perceptual Image Hash Functions": the
32x32 grey image's DCT, its 8x8 lowest frequencies against their median, 64 bits; the
steps of ``imagehash.phash``, which resizes with Lanczos where this takes the decoder's
box filter), a 16x16 colour thumbnail, which confirms a match the hash suggests (a hash
is blind to colour and links pictures of one layout), and the source's smaller side."""

from __future__ import annotations

import dataclasses

import numpy as np
from PIL import Image

__all__ = ["HASH_SIDE", "THUMBNAIL_SIDE", "Fingerprint", "fingerprint", "perceptual_hash"]

#: The hash is computed from a HASH_SIDE x HASH_SIDE grey image.
HASH_SIDE = 32
#: The colour thumbnail a fingerprint keeps is THUMBNAIL_SIDE pixels a side.
THUMBNAIL_SIDE = 16
_LOW = 8  # the 8x8 lowest frequencies: a 64-bit hash
# The rows of scipy's unnormalised DCT-II that the low block needs: cos(pi k (2n + 1) / 2N).
_DCT = np.cos(np.pi * np.outer(np.arange(_LOW), 2 * np.arange(HASH_SIDE) + 1) / (2 * HASH_SIDE))
_BITS = 1 << np.arange(_LOW * _LOW, dtype=np.uint64)
# ITU-R 601 luma, as Pillow's convert("L") weighs the channels.
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


@dataclasses.dataclass(frozen=True, eq=False)
class Fingerprint:
    """`hash`: the 64-bit pHash; `thumbnail`: (16, 16, 3) uint8 colour (grey in every
    channel for a grey image); `side`: the smaller side of the source image in pixels."""

    hash: int
    thumbnail: np.ndarray
    side: int


def fingerprint(pixels: np.ndarray, side: int) -> Fingerprint:
    """The fingerprint of a decoded uint8 image ((height, width) or (height, width,
    channels)) whose source's smaller side is `side` pixels."""
    pixels = np.asarray(pixels)
    if pixels.ndim == 3 and pixels.shape[-1] == 1:
        pixels = pixels[..., 0]
    grey = _resized(_grey(pixels), HASH_SIDE)
    colour = pixels if pixels.ndim == 3 else np.repeat(pixels[..., np.newaxis], 3, axis=-1)
    thumbnail = _resized(np.ascontiguousarray(colour[..., :3]), THUMBNAIL_SIDE)
    return Fingerprint(perceptual_hash(grey), thumbnail, int(side))


def _resized(pixels: np.ndarray, side: int) -> np.ndarray:
    if pixels.shape[:2] == (side, side):
        return pixels
    resample = Image.Resampling.BOX if min(pixels.shape[:2]) >= side else Image.Resampling.BILINEAR
    return np.asarray(Image.fromarray(pixels).resize((side, side), resample))


def perceptual_hash(grey: np.ndarray) -> int:
    """The 64-bit pHash of a (32, 32) grey image: low 8x8 DCT block against its median."""
    low = _DCT @ np.asarray(grey, np.float64) @ _DCT.T
    bits = (low > np.median(low)).reshape(-1)
    return int(_BITS[bits].sum())


def _grey(pixels: np.ndarray) -> np.ndarray:
    if pixels.ndim == 3:
        return np.clip(np.rint(pixels[..., :3].astype(np.float32) @ _LUMA), 0, 255).astype(np.uint8)
    return pixels
