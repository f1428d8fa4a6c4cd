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
- JPEGs are decoded at a reduced scale (1/2, 1/4 or 1/8) when the target size leaves a
  margin (:func:`_jpeg_reduction`: a 4032x3024 photo for a 224x224 target at 1/4), by
  simplejpeg (libjpeg-turbo) where it is installed and the JPEG is plain RGB or grey,
  otherwise by Pillow's ``Image.draft``; both pick the same scale. Either way every byte
  of the file is decoded, so a damaged file is still found.

Every failure a bad file can cause becomes :class:`ImageError` with a reason from
:data:`SKIP_REASONS`; nothing else escapes :func:`decode_image`.
"""

from __future__ import annotations

import io
import os
from typing import BinaryIO, Union

import numpy as np
from PIL import ExifTags, Image, UnidentifiedImageError

from netlib.data.errors import SKIP_REASONS, ImageError
from netlib.data.modes import COLOR_MODES, RESIZE_MODES

try:  # libjpeg-turbo without Pillow's chunked reads (a 500x375 photo decoded and resized
    # to 224 in 2.7 ms against 3.1 through Pillow); Pillow does everything without it
    import simplejpeg
except ImportError:  # pragma: no cover - a platform without its wheel
    simplejpeg = None

__all__ = [
    "IMAGE_EXTENSIONS",
    "PILLOW_FORMATS",
    "BACKGROUND",
    "COLOR_MODES",
    "RESIZE_MODES",
    "ImageError",
    "SKIP_REASONS",
    "decode_image",
    "decode_thumbnail",
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

Source = Union[str, os.PathLike, bytes, bytearray, memoryview, BinaryIO]


def normalize_size(size) -> tuple[int, int] | None:
    """`size` as (height, width): an int n means (n, n); None stays None.

    Raises ValueError for anything else (non-positive, wrong length, not integers).
    """
    if size is None:
        return None
    pair = (size, size) if isinstance(size, (int, np.integer)) else tuple(size)
    if len(pair) != 2 or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0 for v in pair
    ):
        raise ValueError(
            f"size must be a positive int or a (height, width) pair of them; received size={size!r}."
        )
    return int(pair[0]), int(pair[1])


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(
            f"{name} must be one of {', '.join(map(repr, choices))}; received {name}={value!r}."
        )


# Pixel modes with a faithful conversion to 8-bit RGB or grey. Left out on purpose:
# "I" (32-bit integers) and "F" (floats), whose value range is unknown (Pillow would clip
# them to 0..255), and "LAB", which Pillow converts by copying bands, not colours.
_SIXTEEN_BIT_MODES = {"I;16", "I;16L", "I;16B", "I;16N"}
_SUPPORTED_MODES = {"1", "L", "LA", "La", "P", "PA", "RGB", "RGBA", "RGBa", "RGBX", "CMYK", "YCbCr"}
_SUPPORTED_MODES |= _SIXTEEN_BIT_MODES
_ALPHA_MODES = {"LA", "La", "PA", "RGBA", "RGBa"}
_ORIENTATION = ExifTags.Base.Orientation
# Shrinking averages the source pixels under each output pixel (a box filter: area
# averaging, what OpenCV's INTER_AREA does; free of aliasing): from 500x375 to 224x224 it
# took 0.8 ms of CPU where Pillow's bilinear filter took 1.3-1.6 ms (2-core machine).
# Enlarging (the 8x8 digits to 32x32) interpolates bilinearly; box would be blocky.
_SHRINK = Image.Resampling.BOX
_ENLARGE = Image.Resampling.BILINEAR


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
    target = normalize_size(size)
    _check_choice("color_mode", color_mode, COLOR_MODES)
    _check_choice("resize", resize, RESIZE_MODES)
    pixels, _ = _decode(source, target, color_mode,
                        lambda image: image if target is None else _resize(image, target, resize))
    return pixels


def decode_thumbnail(source: Source, size: int) -> tuple[np.ndarray, tuple[int, int]]:
    """An image to look at: shrunk to fit inside `size` x `size` (its aspect kept, a
    smaller image left as it is), RGB uint8, and the image's own (height, width) once
    upright.

    A JPEG is decoded at the reduced scale training would use for that size: a 64 px
    thumbnail of a 12-megapixel photo took 46 ms against 243 ms through a full decode
    scaled by Qt (benchmarks/thumbnails.py, 2-core machine). Raises ImageError as
    :func:`decode_image` does.
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"size must be a positive int; received size={size!r}.")

    def fit(image: Image.Image) -> Image.Image:
        if max(image.size) > size:
            image = image.copy()  # thumbnail() works in place: not on the decoder's image
            image.thumbnail((size, size))  # antialiased bicubic: for the eye, not training
        return image

    return _decode(source, (size, size), "rgb", fit)


def _decode(source: Source, target, color_mode: str, finish) -> tuple[np.ndarray, tuple[int, int]]:
    """What every decode does: `finish(image)` brings the upright 8-bit image to its size.
    Returns the pixels ((height, width, channels) uint8) and the image's own upright
    (height, width), before any reduced-scale decode."""
    try:
        with _open(source) as opened:
            _check_header(opened)
            orientation = _orientation(opened)
            width, height = opened.size
            image = _pixels(opened, source, target, color_mode)
            image = _to_8bit(_upright(image, orientation), color_mode)
            pixels = np.asarray(finish(image), dtype=np.uint8)
    except ImageError:
        raise
    except Exception as error:  # noqa: BLE001 - any failure of a bad file is an ImageError
        raise _image_error(error) from error
    own_size = (width, height) if orientation in _SIDEWAYS else (height, width)
    return (pixels[..., np.newaxis] if pixels.ndim == 2 else pixels), own_size


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
    try:
        with _open(source) as image:
            _check_header(image)
            return image.height, image.width
    except ImageError:
        raise
    except Exception as error:  # noqa: BLE001
        raise _image_error(error) from error


def _open(source: Source) -> Image.Image:
    """Image.open restricted to PILLOW_FORMATS, with empty files told apart."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) == 0:
            raise ImageError("empty file", "0 bytes")
        source = io.BytesIO(source)
    elif isinstance(source, (str, os.PathLike)):
        try:
            empty = os.stat(source).st_size == 0
        except OSError as error:
            raise ImageError("unreadable", error.strerror or str(error)) from error
        if empty:
            raise ImageError("empty file", "0 bytes")
    try:
        return Image.open(source, formats=PILLOW_FORMATS)
    except UnidentifiedImageError as error:
        raise ImageError("not an image", SKIP_REASONS["not an image"]) from error


def _check_header(image: Image.Image) -> None:
    """Refuse what must not be decoded: more pixels than Pillow's bomb limit (the warning
    threshold; Image.open itself raises only above twice that), or an unusable mode."""
    limit = Image.MAX_IMAGE_PIXELS
    if limit is not None and image.width * image.height > limit:
        raise ImageError(
            "decompression bomb",
            f"{image.width} x {image.height} pixels declared; the limit is {int(limit):,}",
        )
    if image.mode not in _SUPPORTED_MODES:
        raise ImageError("unsupported mode", f"pixel mode {image.mode!r}")


def _pixels(image: Image.Image, source: Source, target, color_mode: str) -> Image.Image:
    """The decoded image; a JPEG at the reduced scale :func:`_jpeg_reduction` allows."""
    if target is None or image.format not in _JPEG_FORMATS:
        image.load()
        return image
    reduction = _jpeg_reduction(image.size, max(target))
    colorspace = "GRAY" if color_mode == "grayscale" or image.mode == "L" else "RGB"
    if simplejpeg is not None and image.mode in ("L", "RGB") and not _caller_file(source):
        image.fp.seek(0)
        data = image.fp.read()
        width, height = (-(-side // reduction) for side in image.size)  # libjpeg rounds up
        try:
            pixels = simplejpeg.decode_jpeg(data, colorspace, min_height=height, min_width=width)
        except ValueError:
            pass  # damaged, or a JPEG flavour it refuses: Pillow decodes it or names the fault
        else:
            return Image.fromarray(pixels[..., 0] if colorspace == "GRAY" else pixels)
    if reduction > 1:  # draft picks the largest power of two leaving at least this size
        image.draft("L" if color_mode == "grayscale" else None, (image.width // reduction, image.height // reduction))
    image.load()
    return image


def _jpeg_reduction(size: tuple[int, int], side: int) -> int:
    """By how much (8, 4, 2 or 1) a JPEG of `size` may be shrunk as it is decoded (libjpeg's
    scaled IDCT) for a target whose longer side is `side`.

    Both sides stay at least _REDUCING_GAP times `side` (a square of the target's longer
    side covers the target whatever the EXIF rotation and resize mode), and the scale is a
    power of two (Pillow's draft offers only those). The scaled IDCT works on each 8x8 block
    alone and leaves block patterns on fine detail unless the resize after it shrinks by
    enough: on a zone plate up to 0.45 cycles per output pixel, decoding a 500x375 JPEG at
    5/8 (313x235, what the target's size alone allows) for 224x224 put the result 43 grey
    levels (mean) off a full decode's, 1000x750 at 5/8 28 levels, 4032x3024 at 1/8 9 levels;
    with the gap the first two decode at full size and the third at 1/4 (1008x756), 5 levels
    off. It costs CPU: 12-megapixel photos took 51 ms an image at 1/4 against 42 at 1/8.
    """
    fits = max(1, min(size) // (_REDUCING_GAP * side))
    return next(reduction for reduction in (8, 4, 2, 1) if fits >= reduction)


def _caller_file(source: Source) -> bool:
    """A file object of the caller's: its position is theirs, so it is read only once."""
    return not isinstance(source, (str, os.PathLike, bytes, bytearray, memoryview))


# Pillow's names for a JPEG stream: a phone's MPO file (a JPEG with more images after it,
# of which the first is the photo) is opened by the JPEG plugin as "MPO".
_JPEG_FORMATS = ("JPEG", "MPO")
# A JPEG decoded at reduced scale keeps at least this many times the target's side: the
# default reducing_gap of Pillow's Image.thumbnail, which uses draft the same way.
_REDUCING_GAP = 2
# EXIF orientation -> the transposition that makes the image upright (TIFF/EXIF tag 274).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# The orientations whose transposition swaps width and height.
_SIDEWAYS = frozenset({5, 6, 7, 8})


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation (1, upright, when absent). A broken EXIF block costs the
    rotation, not the image."""
    try:
        return int(image.getexif().get(_ORIENTATION, 1))
    except Exception:  # noqa: BLE001 - unreadable EXIF: keep the pixels as stored
        return 1


def _upright(image: Image.Image, orientation: int) -> Image.Image:
    transpose = _UPRIGHT.get(orientation)
    return image if transpose is None else image.transpose(transpose)


def _to_8bit(image: Image.Image, color_mode: str) -> Image.Image:
    """Convert any supported mode to "RGB" or "L" (per `color_mode`)."""
    if image.mode in _SIXTEEN_BIT_MODES:
        # 0..65535 to 0..255 by rounding v / 257: exact for 8-bit data stored as v * 257.
        wide = np.asarray(image).astype(np.uint32)
        image = Image.fromarray(((wide + 128) // 257).astype(np.uint8), "L")
    elif image.mode in _ALPHA_MODES or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, BACKGROUND)
        image.paste(rgba, mask=rgba.getchannel("A"))
    wanted = "L" if color_mode == "grayscale" else "RGB"
    return image if image.mode == wanted else image.convert(wanted)


def _resize(image: Image.Image, target: tuple[int, int], mode: str) -> Image.Image:
    height, width = target
    if image.size == (width, height):
        return image
    if mode == "squash":
        return image.resize((width, height), _filter(image.size, (width, height)))
    if mode == "crop":
        left, top, right, bottom = box = _centre_box(image.size, width / height)
        return image.resize((width, height), _filter((right - left, bottom - top), (width, height)), box=box)
    # pad: the largest size of the image's aspect ratio that fits, centred on black.
    scale = min(width / image.width, height / image.height)
    inner = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    canvas = Image.new(image.mode, (width, height), 0)
    canvas.paste(image.resize(inner, _filter(image.size, inner)), ((width - inner[0]) // 2, (height - inner[1]) // 2))
    return canvas


def _filter(source: tuple[float, float], target: tuple[int, int]) -> Image.Resampling:
    """Box when no side grows, bilinear otherwise; sizes are (width, height)."""
    return _SHRINK if source[0] >= target[0] and source[1] >= target[1] else _ENLARGE


def _centre_box(size: tuple[int, int], aspect: float) -> tuple[float, float, float, float]:
    """The largest centred (left, top, right, bottom) box of `aspect` (width / height)."""
    width, height = size
    if width / height > aspect:
        inner = height * aspect
        return ((width - inner) / 2, 0.0, (width + inner) / 2, float(height))
    inner = width / aspect
    return (0.0, (height - inner) / 2, float(width), (height + inner) / 2)


def _image_error(error: Exception) -> ImageError:
    """Name the failure of a bad file: Pillow and the codecs raise many kinds."""
    if isinstance(error, Image.DecompressionBombError):
        return ImageError("decompression bomb", str(error))
    message = str(error) or type(error).__name__
    if isinstance(error, EOFError) or "truncated" in message:
        return ImageError("truncated", message)
    if isinstance(error, OSError) and error.strerror:
        return ImageError("unreadable", error.strerror)
    return ImageError("unreadable", f"{type(error).__name__}: {message}")
