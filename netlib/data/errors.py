"""What can go wrong with a dataset, as exceptions a caller can act on."""

from __future__ import annotations

from netlib.cancel import Cancelled  # scan and build_cache raise it

__all__ = ["SKIP_REASONS", "ImageError", "DatasetError", "CacheTooLarge", "Cancelled"]

# Why a file was left out of a dataset. The keys are stable strings that the report,
# the command line and the app show; each maps to a sentence for people.
SKIP_REASONS = {
    "not an image": "not a JPEG, PNG, BMP, GIF, WebP or TIFF image",
    "unreadable": "the file could not be read or decoded",
    "truncated": "the image data ends early",
    "decompression bomb": "its declared size exceeds Pillow's MAX_IMAGE_PIXELS limit",
    "unsupported mode": "a pixel format that has no faithful 8-bit RGB or grey conversion",
    "empty file": "the file has zero bytes",
}


class ImageError(Exception):
    """A file that cannot be used as an image.

    `reason` is one of the keys of :data:`SKIP_REASONS`; `detail` says what exactly
    (Pillow's message, the declared size of a bomb, the pixel mode, ...).
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        if reason not in SKIP_REASONS:
            raise ValueError(
                f"ImageError reason must be one of {', '.join(map(repr, SKIP_REASONS))}; "
                f"received reason={reason!r}."
            )
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


class DatasetError(ValueError):
    """A folder that cannot be used as a dataset (missing, no classes, an empty class...).

    A ValueError, so that the command line prints it as one line and the app as a message.
    """


class CacheTooLarge(ValueError):
    """An image cache that would not fit in the free space of its folder (checked before
    a byte is written); the message says how much it needs and what to do."""
