"""The perceptual hash of a decoded image (pHash: Zauner, 2010, "Implementation and
Benchmarking of Perceptual Image Hash Functions"): the 32x32 grey image's DCT, its 8x8
lowest frequencies against their median, 64 bits. The same steps as ``imagehash.phash``
(which resizes with Lanczos where this takes the decoder's box filter); netlib.data's
duplicates search compares these hashes by Hamming distance."""

from __future__ import annotations

import numpy as np
from PIL import Image

__all__ = ["HASH_SIDE", "perceptual_hash"]

#: The grey image the hash is computed from is HASH_SIDE x HASH_SIDE pixels.
HASH_SIDE = 32
_LOW = 8  # the 8x8 lowest frequencies: a 64-bit hash
# The rows of scipy's unnormalised DCT-II that the low block needs: cos(pi k (2n + 1) / 2N).
_DCT = np.cos(np.pi * np.outer(np.arange(_LOW), 2 * np.arange(HASH_SIDE) + 1) / (2 * HASH_SIDE))
_BITS = 1 << np.arange(_LOW * _LOW, dtype=np.uint64)
# ITU-R 601 luma, as Pillow's convert("L") weighs the channels.
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def perceptual_hash(pixels: np.ndarray) -> int:
    """The 64-bit pHash of a decoded uint8 image, (height, width) or (height, width,
    channels): grey, resized to 32x32, DCT, low 8x8 block against its median."""
    grey = _grey(np.asarray(pixels))
    if grey.shape != (HASH_SIDE, HASH_SIDE):
        shrink = min(grey.shape) >= HASH_SIDE
        resample = Image.Resampling.BOX if shrink else Image.Resampling.BILINEAR
        grey = np.asarray(Image.fromarray(grey).resize((HASH_SIDE, HASH_SIDE), resample))
    low = _DCT @ grey.astype(np.float64) @ _DCT.T
    bits = (low > np.median(low)).reshape(-1)
    return int(_BITS[bits].sum())


def _grey(pixels: np.ndarray) -> np.ndarray:
    if pixels.ndim == 3 and pixels.shape[-1] == 1:
        return pixels[..., 0]
    if pixels.ndim == 3:
        return np.clip(np.rint(pixels[..., :3].astype(np.float32) @ _LUMA), 0, 255).astype(np.uint8)
    return pixels
