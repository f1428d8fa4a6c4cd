"""The decoder on real files written here: good ones decode to the right pixels, bad ones
raise ImageError with the right reason, and nothing else ever escapes.

The `write_*` helpers are also used by test_data_folder.py to build a messy dataset.
"""

import io
import struct
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image

from netlib.data import BACKGROUND, SKIP_REASONS, ImageError, check_image, decode_image, decode_thumbnail

RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


# ---------------------------------------------------------------- files, good and bad


def quadrants(height=16, width=24):
    """An RGB image whose four quadrants are red, green / blue, white: any flip or
    rotation moves a colour to another corner."""
    pixels = np.zeros((height, width, 3), np.uint8)
    h, w = height // 2, width // 2
    pixels[:h, :w], pixels[:h, w:], pixels[h:, :w], pixels[h:, w:] = RED, GREEN, BLUE, WHITE
    return pixels


def photo(height=48, width=64, seed=0):
    """Smooth random colours: compresses like a photo."""
    coarse = np.random.default_rng(seed).integers(0, 256, (4, 4, 3), dtype=np.uint8)
    return np.asarray(Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC))


def write_truncated_jpeg(path):
    buffer = io.BytesIO()
    Image.fromarray(photo(96, 128)).save(buffer, "JPEG", quality=95)
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) * 6 // 10])


def write_text_as_jpeg(path):
    path.write_text("name,label\ncat.jpg,0\n", encoding="utf-8")


def write_empty(path):
    path.write_bytes(b"")


def write_png_header(path, width, height):
    """A valid PNG signature and IHDR declaring width x height grey pixels, a tiny IDAT
    (one compressed empty row) and IEND: a few dozen bytes that claim a huge image."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")
    path.write_bytes(data)


def write_bomb(path):
    """1 x 200,000,000 pixels declared: above twice Pillow's limit (its error threshold)."""
    write_png_header(path, 1, 200_000_000)


def write_cmyk_jpeg(path):
    """Pure red in CMYK (no cyan, full magenta and yellow, no black)."""
    Image.new("CMYK", (16, 16), (0, 255, 255, 0)).save(path, "JPEG", quality=95)


def write_exif_rotated_jpeg(path):
    """The quadrants image stored sideways, with EXIF orientation 6 (rotate 90 degrees
    clockwise to display). Returns the upright pixels."""
    stored = quadrants(32, 48)
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(stored).save(path, "JPEG", quality=95, exif=exif.tobytes())
    return np.rot90(stored, k=-1)


# ---------------------------------------------------------------- good files


def test_png_decodes_exactly_from_path_bytes_and_file_object(tmp_path):
    pixels = photo()
    path = tmp_path / "photo.png"
    Image.fromarray(pixels).save(path)
    for source in (path, str(path), path.read_bytes(), open(path, "rb")):
        decoded = decode_image(source)
        assert decoded.dtype == np.uint8 and decoded.shape == (48, 64, 3)
        np.testing.assert_array_equal(decoded, pixels)
    assert check_image(path) == (48, 64)


def test_exif_orientation_is_applied(tmp_path):
    path = tmp_path / "sideways.jpg"
    upright = write_exif_rotated_jpeg(path)
    decoded = decode_image(path)
    assert decoded.shape == upright.shape == (48, 32, 3)
    # JPEG is lossy at the colour edges: compare the centre of each quadrant.
    for rows in (slice(4, 20), slice(28, 44)):
        for cols in (slice(2, 14), slice(18, 30)):
            np.testing.assert_allclose(decoded[rows, cols].mean((0, 1)), upright[rows, cols].mean((0, 1)), atol=12)
    # Without the EXIF step the image would be 32 x 48: the check above would have failed.


def test_cmyk_jpeg_becomes_rgb(tmp_path):
    path = tmp_path / "cmyk.jpg"
    write_cmyk_jpeg(path)
    with Image.open(path) as stored:
        assert stored.mode == "CMYK"
    np.testing.assert_allclose(decode_image(path).reshape(-1, 3).mean(0), RED, atol=6)


def test_sixteen_bit_png_is_scaled_not_clipped(tmp_path):
    eight_bit = np.arange(256, dtype=np.uint16).reshape(16, 16)
    path = tmp_path / "deep.png"
    Image.fromarray(eight_bit * 257).save(path)  # 0..65535, the standard 8-to-16 scaling
    with Image.open(path) as stored:
        assert stored.mode == "I;16"
    decoded = decode_image(path, color_mode="grayscale")[..., 0]
    np.testing.assert_array_equal(decoded, eight_bit)  # clipping would give 255 almost everywhere
    np.testing.assert_array_equal(decode_image(path)[..., 1], eight_bit)  # rgb: grey in all channels


def test_palette_png_transparency_is_composited_on_the_background(tmp_path):
    image = Image.new("P", (8, 8), 0)
    image.putpalette([10, 20, 30, 200, 0, 0] + [0] * 762)
    image.paste(1, (0, 0, 4, 8))  # left half opaque red, right half transparent
    path = tmp_path / "palette.png"
    image.save(path, transparency=0)
    decoded = decode_image(path)
    assert (decoded[:, :4] == (200, 0, 0)).all()
    assert (decoded[:, 4:] == BACKGROUND).all()  # not the stored (10, 20, 30)


def test_rgba_and_la_are_blended_with_the_background(tmp_path):
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., 2] = 255  # blue
    rgba[..., 3] = 128  # half transparent
    Image.fromarray(rgba, "RGBA").save(tmp_path / "rgba.png")
    expected = np.round(np.array([0, 0, 255]) * 128 / 255 + np.array(BACKGROUND) * 127 / 255)
    np.testing.assert_allclose(decode_image(tmp_path / "rgba.png")[0, 0], expected, atol=1)
    la = Image.merge("LA", [Image.new("L", (4, 4), 0), Image.new("L", (4, 4), 0)])  # black, invisible
    la.save(tmp_path / "la.png")
    assert (decode_image(tmp_path / "la.png", color_mode="grayscale") == 255).all()


def test_one_bit_image(tmp_path):
    bits = np.zeros((8, 8), bool)
    bits[2:6, 2:6] = True
    Image.fromarray(bits).save(tmp_path / "bits.png")
    decoded = decode_image(tmp_path / "bits.png", color_mode="grayscale")[..., 0]
    np.testing.assert_array_equal(decoded, np.where(bits, 255, 0))


def test_animated_gif_gives_its_first_frame(tmp_path):
    frames = [Image.new("RGB", (8, 8), RED), Image.new("RGB", (8, 8), GREEN)]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    with Image.open(path) as stored:
        assert stored.n_frames == 2
    assert (decode_image(path) == RED).all()


def test_grayscale_uses_luma():
    buffer = io.BytesIO()
    Image.fromarray(quadrants()).save(buffer, "PNG")
    grey = decode_image(buffer.getvalue(), color_mode="grayscale")
    assert grey.shape == (16, 24, 1)
    # ITU-R 601-2: L = 0.299 R + 0.587 G + 0.114 B.
    assert tuple(grey[[0, 0, 15, 15], [0, 23, 0, 23], 0]) == (76, 150, 29, 255)


def test_resize_modes_squash_crop_pad():
    wide = np.zeros((4, 8, 3), np.uint8)
    wide[:, 4:] = 255  # left half black, right half white
    buffer = io.BytesIO()
    Image.fromarray(wide).save(buffer, "PNG")
    data = buffer.getvalue()
    squashed = decode_image(data, size=4, resize="squash")[..., 0]
    assert (squashed[:, :2] == 0).all() and (squashed[:, 2:] == 255).all()
    cropped = decode_image(data, size=(4, 4), resize="crop")[..., 0]  # columns 2..5 of the original
    np.testing.assert_array_equal(cropped, wide[:, 2:6, 0])
    padded = decode_image(data, size=(8, 8), resize="pad")[..., 0]
    np.testing.assert_array_equal(padded[2:6], wide[..., 0])  # the image, unscaled, centred
    assert (padded[:2] == 0).all() and (padded[6:] == 0).all()  # black bars
    enlarged = decode_image(data, size=(8, 16))
    assert enlarged.shape == (8, 16, 3) and enlarged[0, 0, 0] == 0 and enlarged[0, -1, 0] == 255


def test_large_jpeg_decoded_at_reduced_scale_matches_a_full_decode(tmp_path):
    path = tmp_path / "big.jpg"
    Image.fromarray(photo(1200, 1600, seed=3)).save(path, quality=90)
    small = decode_image(path, size=(90, 120)).astype(int)
    with Image.open(path) as full:
        reference = np.asarray(full.convert("RGB").resize((120, 90), Image.Resampling.BOX)).astype(int)
    assert small.shape == (90, 120, 3)
    assert np.abs(small - reference).mean() < 2.0  # same picture, up to JPEG's scaled IDCT


@pytest.fixture(params=["simplejpeg", "pillow"])
def jpeg_decoder(request, monkeypatch):
    """Each JPEG decoder decode_image has: simplejpeg, and Pillow's draft (what runs where
    simplejpeg is not installed)."""
    from netlib.data import decode

    if request.param == "pillow":
        monkeypatch.setattr(decode, "simplejpeg", None)
    else:
        assert decode.simplejpeg is not None, "simplejpeg is in requirements.txt"
    return request.param


@pytest.mark.parametrize("resize", ["squash", "crop"])
@pytest.mark.parametrize("color_mode", ["rgb", "grayscale"])
def test_a_photo_scaled_by_either_decoder_matches_a_full_decode(tmp_path, jpeg_decoder, color_mode, resize):
    # 500 x 375 to 224 x 224: decoded at full size by both.
    path = tmp_path / "photo.jpg"
    Image.fromarray(photo(375, 500, seed=4)).save(path, quality=90)
    decoded = decode_image(path, size=224, color_mode=color_mode, resize=resize).astype(int)
    box = (62.5, 0, 437.5, 375) if resize == "crop" else None
    with Image.open(path) as full:
        full = full.convert("L" if color_mode == "grayscale" else "RGB")
        reference = np.asarray(full.resize((224, 224), Image.Resampling.BOX, box=box)).astype(int)
    assert decoded.shape == (224, 224, 1 if color_mode == "grayscale" else 3)
    assert np.abs(decoded - reference.reshape(decoded.shape)).mean() < 1.5


def zone_plate(height, width, cycles_per_output_pixel, output_side):
    """Grey rings whose frequency grows to `cycles_per_output_pixel` (of an image resized
    to `output_side`) at the corner: fine detail that a resize should keep."""
    rate = cycles_per_output_pixel * output_side / width * np.pi / np.hypot(width, width)
    x, y = np.arange(width), np.arange(height)[:, None]
    return (127 + 120 * np.sin(rate * (x**2 + (y * width / height) ** 2))).astype(np.uint8)


@pytest.mark.parametrize("height, width, largest_error", [(375, 500, 0.5), (1512, 2016, 7.0)])
def test_fine_detail_survives_the_reduced_scale_decode(tmp_path, jpeg_decoder, height, width, largest_error):
    # Decoded at 5/8 for its size alone, the 500x375 plate came out 43 grey levels (mean)
    # off a full decode (block patterns); the 2016x1512 one at 1/4 (378 rows) 9.4 levels.
    path = tmp_path / "rings.jpg"
    Image.fromarray(zone_plate(height, width, 0.45, 224)).save(path, quality=95)
    decoded = decode_image(path, size=224, color_mode="grayscale")[..., 0].astype(int)
    with Image.open(path) as full:
        reference = np.asarray(full.resize((224, 224), Image.Resampling.BOX)).astype(int)
    assert np.abs(decoded - reference).mean() < largest_error


def test_a_phones_mpo_file_is_decoded_at_reduced_scale_like_a_jpeg(tmp_path, jpeg_decoder, monkeypatch):
    first, second = photo(600, 800, seed=5), photo(600, 800, seed=6)
    path = tmp_path / "phone.jpg"
    Image.fromarray(first).save(path, "MPO", save_all=True, append_images=[Image.fromarray(second)])
    with Image.open(path) as stored:
        assert stored.format == "MPO"
    reference = np.asarray(Image.fromarray(first).resize((80, 60), Image.Resampling.BOX)).astype(int)
    loaded = []  # the size of every image Pillow loads while decoding
    real_load = Image.Image.load
    monkeypatch.setattr(Image.Image, "load", lambda self: loaded.append(self.size) or real_load(self))
    decoded = decode_image(path, size=(60, 80)).astype(int)
    assert np.abs(decoded - reference).mean() < 3  # the first image, the photo
    assert loaded and (800, 600) not in loaded  # never decoded at full size


def test_either_decoder_turns_a_scaled_photo_upright_and_a_grey_one_rgb(tmp_path, jpeg_decoder):
    path = tmp_path / "sideways.jpg"
    upright = write_exif_rotated_jpeg(path)  # 48 x 32 once upright
    decoded = decode_image(path, size=(24, 16))
    reference = np.asarray(Image.fromarray(upright).resize((16, 24), Image.Resampling.BOX))
    for rows in (slice(2, 10), slice(14, 22)):  # each quadrant's centre
        for cols in (slice(1, 7), slice(9, 15)):
            np.testing.assert_allclose(decoded[rows, cols].mean((0, 1)), reference[rows, cols].mean((0, 1)), atol=16)
    grey = tmp_path / "grey.jpg"
    Image.fromarray(photo(64, 64)[..., 0]).save(grey, quality=95)
    rgb = decode_image(grey, size=32)
    assert rgb.shape == (32, 32, 3) and (rgb[..., 0] == rgb[..., 2]).all()


def test_a_thumbnail_is_upright_fits_its_box_and_knows_the_images_own_size(tmp_path, jpeg_decoder):
    stored = photo(1200, 1600, seed=7)  # stored landscape, shown portrait (EXIF 6)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "phone.jpg"
    Image.fromarray(stored).save(path, quality=90, exif=exif.tobytes())
    pixels, own_size = decode_thumbnail(path, 64)
    assert own_size == (1600, 1200) and pixels.shape == (64, 48, 3)
    upright = Image.fromarray(np.rot90(stored, k=-1).copy())
    upright.thumbnail((64, 64))
    assert np.abs(pixels.astype(int) - np.asarray(upright).astype(int)).mean() < 3
    # Smaller than the box: as it is (the page enlarges a digit's pixels itself).
    small = tmp_path / "digit.png"
    Image.fromarray(quadrants(8, 8)).save(small)
    pixels, own_size = decode_thumbnail(small, 64)
    assert own_size == (8, 8)
    np.testing.assert_array_equal(pixels, quadrants(8, 8))
    with pytest.raises(ValueError, match="positive int"):
        decode_thumbnail(small, 0)
    write_truncated_jpeg(tmp_path / "cut.jpg")
    with pytest.raises(ImageError) as raised:
        decode_thumbnail(tmp_path / "cut.jpg", 64)
    assert raised.value.reason == "truncated"


# ---------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    "writer, reason",
    [
        (write_truncated_jpeg, "truncated"),
        (write_text_as_jpeg, "not an image"),
        (write_empty, "empty file"),
        (write_bomb, "decompression bomb"),
    ],
)
def test_bad_files_raise_image_error_with_the_reason(tmp_path, writer, reason):
    path = tmp_path / "bad.jpg"
    writer(path)
    with pytest.raises(ImageError) as error:
        decode_image(path, size=32)
    assert error.value.reason == reason and error.value.reason in SKIP_REASONS
    if reason != "truncated":  # a header check cannot see a truncated body
        with pytest.raises(ImageError, match=reason):
            check_image(path)


def test_a_bomb_below_pillows_error_threshold_is_refused_too(tmp_path):
    # 10,000 x 10,000 = 1e8 pixels: above MAX_IMAGE_PIXELS (89.5 million), where Pillow
    # only warns, and below twice that, where it raises.
    assert Image.MAX_IMAGE_PIXELS < 10_000 * 10_000 < 2 * Image.MAX_IMAGE_PIXELS
    path = tmp_path / "bomb.png"
    write_png_header(path, 10_000, 10_000)
    assert path.stat().st_size < 100
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with pytest.raises(ImageError) as error:
            decode_image(path)
    # The body holds one row of data: decoding it would have failed as "truncated".
    assert error.value.reason == "decompression bomb" and "10000 x 10000" in error.value.detail


def test_modes_without_a_faithful_8bit_conversion_are_refused(tmp_path):
    Image.fromarray(np.full((4, 4), 1e6, np.float32), "F").save(tmp_path / "float.tif")
    Image.fromarray(np.full((4, 4), 70_000, np.int32), "I").save(tmp_path / "int32.tif")
    for name in ("float.tif", "int32.tif"):
        with pytest.raises(ImageError) as error:
            decode_image(tmp_path / name)
        assert error.value.reason == "unsupported mode"


def test_a_format_outside_the_allowed_list_is_not_an_image(tmp_path):
    path = tmp_path / "icon.jpg"
    Image.new("RGB", (16, 16), RED).save(path, "ICO")  # Pillow reads ICO, ConvLab does not
    with pytest.raises(ImageError, match="not an image"):
        decode_image(path)


def test_missing_file_is_unreadable(tmp_path):
    with pytest.raises(ImageError) as error:
        decode_image(tmp_path / "gone.png")
    assert error.value.reason == "unreadable"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "BMP", "TIFF", "WEBP"])
def test_corrupted_bytes_never_raise_anything_but_image_error(fmt):
    buffer = io.BytesIO()
    Image.fromarray(photo(24, 32)).save(buffer, fmt)
    original = np.frombuffer(buffer.getvalue(), np.uint8)
    rng = np.random.default_rng(7)
    outcomes = set()
    for trial in range(40):
        data = original.copy()
        if trial % 2:
            positions = rng.integers(0, len(data), size=1 + trial // 4)
            data[positions] = rng.integers(0, 256, size=len(positions))
        else:
            data = data[: rng.integers(1, len(data))]
        try:
            decoded = decode_image(data.tobytes(), size=16)
            assert decoded.shape == (16, 16, 3)
            outcomes.add("decoded")
        except ImageError as error:
            assert error.reason in SKIP_REASONS
            outcomes.add(error.reason)
    assert outcomes - {"decoded"}, "no corruption was detected: the test damaged nothing"


def test_bad_arguments_are_value_errors_that_name_the_choices():
    with pytest.raises(ValueError, match="'rgb', 'grayscale'.*color_mode='rgba'"):
        decode_image(b"x", color_mode="rgba")
    with pytest.raises(ValueError, match="'squash', 'crop', 'pad'.*resize='fit'"):
        decode_image(b"x", resize="fit")
    with pytest.raises(ValueError, match="size"):
        decode_image(b"x", size=(0, 4))
    with pytest.raises(ValueError, match="reason must be one of"):
        ImageError("too ugly")
