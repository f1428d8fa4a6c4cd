"""A messy folder, as users have them: odd formats and names, broken files. The bad files
cost one line each in the report; the rest trains."""

import warnings

import keras
import numpy as np
import pytest
from PIL import Image
from test_data_decode import (
    write_bomb,
    write_cmyk_jpeg,
    write_empty,
    write_text_as_jpeg,
    write_truncated_jpeg,
)

from netlib.data import ImageBatches, build_cache, scan, split


def shade(rng, warm):
    """A random warm (red/orange/yellow) or cool (blue/green/cyan) colour."""
    low, high = rng.integers(0, 90), rng.integers(150, 256)
    return (high, rng.integers(0, 200), low) if warm else (low, rng.integers(0, 256), high)


def write_messy_folder(root):
    """Returns {file name: expected skip reason} for the files that must be skipped."""
    rng = np.random.default_rng(0)
    formats = [("png", "PNG"), ("JPG", "JPEG"), ("bmp", "BMP"), ("webp", "WEBP"), ("TIFF", "TIFF")]
    for name, warm in (("warm", True), ("cool", False)):
        folder = root / name
        (folder / "sub folder").mkdir(parents=True)
        for i in range(10):
            extension, fmt = formats[i % len(formats)]
            Image.new("RGB", (12, 10), shade(rng, warm)).save(folder / f"{name}_{i}.{extension}", fmt)
        Image.new("RGB", (12, 10), shade(rng, warm)).save(folder / "sub folder" / "nested.png")
    warm, cool = root / "warm", root / "cool"
    Image.new("RGB", (12, 10), (230, 120, 0)).save(warm / "été_été_红.png")  # non-ASCII name
    write_cmyk_jpeg(warm / "CMYK.JPEG")  # red, stored as CMYK
    palette = Image.new("P", (12, 10), 1)
    palette.putpalette([0, 0, 0, 220, 40, 0] + [0] * 762)
    palette.paste(0, (0, 0, 3, 10))
    palette.save(warm / "palette.png", transparency=0)  # red, a transparent strip
    frames = [Image.new("RGB", (12, 10), (0, 60, 230)), Image.new("RGB", (12, 10), (250, 0, 0))]
    frames[0].save(cool / "animated.gif", save_all=True, append_images=frames[1:])  # first frame blue
    write_truncated_jpeg(warm / "truncated.jpg")
    write_bomb(warm / "bomb.png")
    write_empty(cool / "empty.png")
    write_text_as_jpeg(cool / "labels.jpg")
    (cool / "notes.txt").write_text("not an image")
    (cool / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")  # hidden: not even reported
    return {
        "bomb.png": "decompression bomb",
        "empty.png": "empty file",
        "labels.jpg": "not an image",
        "notes.txt": "not an image",
    }


@pytest.fixture
def messy(tmp_path):
    expected = write_messy_folder(tmp_path / "photos")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        index = scan(tmp_path / "photos", verify="header")  # the cache build's decode checks the rest
    return index, expected


def test_the_report_names_every_bad_file_and_its_reason(messy):
    index, expected = messy
    assert {s.path.name: s.reason for s in index.skipped} == expected
    assert index.classes == ["cool", "warm"]
    assert index.counts == {"cool": 12, "warm": 15}  # truncated.jpg has a valid header
    names = {s.path.name for s in index.samples}
    assert {"été_été_红.png", "CMYK.JPEG", "cool_1.JPG", "nested.png", "truncated.jpg"} <= names


def test_the_rest_trains(messy, tmp_path):
    index, _ = messy
    parts = split(index, validation=0.25, seed=0)
    cache = build_cache(index.samples, image_size=8, cache_dir=tmp_path / "cache")
    assert [(s.path.name, s.reason) for s in cache.skipped] == [("truncated.jpg", "truncated")]
    assert len(cache) == 26
    # The special files decoded to their colours: CMYK red, palette red on white, GIF frame 1 blue.
    row = {p.name: r for r, p in enumerate(cache.paths)}
    assert tuple(cache.images[row["CMYK.JPEG"]].reshape(-1, 3).mean(0) > 128) == (True, False, False)
    assert (cache.images[row["palette.png"]][:, -1] == (220, 40, 0)).all()
    assert (cache.images[row["palette.png"]][:, 0] == 255).all()  # the transparent strip
    assert (cache.images[row["animated.gif"]] == (0, 60, 230)).all()

    keras.utils.set_random_seed(0)
    train = ImageBatches(cache, indices=cache.rows_for(parts.train), batch_size=8, seed=0)
    valid = ImageBatches(cache, indices=cache.rows_for(parts.validation), batch_size=8, shuffle=False)
    inputs = keras.Input((8, 8, 3), dtype="uint8")
    x = keras.layers.Rescaling(1 / 255)(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)  # the mean colour tells warm from cool
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x))
    model.compile(keras.optimizers.Adam(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(train, validation_data=valid, epochs=25, verbose=0, callbacks=[train.epoch_callback()])
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] >= 0.9 and history.history["val_accuracy"][-1] >= 0.8
