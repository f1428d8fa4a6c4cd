"""The bundled digits and the shapes generator."""

import hashlib

import numpy as np
import pytest
from PIL import Image

from netlib.data import SHAPES, decode_image, digits_folder, make_shapes, scan, split

# Row 0 of the source (sklearn's digits.csv.gz), a 0, grey levels 0..16: the first two rows
# of its 8x8 image.
FIRST_DIGIT_ROWS = [[0, 0, 5, 13, 9, 1, 0, 0], [0, 0, 13, 15, 10, 15, 5, 0]]
PER_DIGIT = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


@pytest.fixture(scope="module")
def digits():
    index = scan(digits_folder())
    images = np.stack([decode_image(s.path, color_mode="grayscale")[..., 0] for s in index.samples])
    return index, images, np.array([s.label for s in index.samples])


def test_digits_are_the_1797_uci_images(digits):
    index, images, labels = digits
    assert index.classes == [str(d) for d in range(10)] and index.skipped == []
    assert list(index.counts.values()) == PER_DIGIT and len(index.samples) == 1797
    assert images.shape == (1797, 8, 8)
    levels = {round(v * 255 / 16) for v in range(17)}
    assert set(np.unique(images)) <= levels  # the 17 grey levels, losslessly scaled
    first = digits_folder() / "0" / "0000.png"
    with Image.open(first) as stored:
        assert stored.mode == "L" and stored.size == (8, 8)
    np.testing.assert_array_equal(
        decode_image(first, color_mode="grayscale")[:2, :, 0], np.round(np.array(FIRST_DIGIT_ROWS) * 255 / 16)
    )
    readme = (digits_folder() / "README.md").read_text(encoding="utf-8")
    assert "10.24432/C50P49" in readme and "CC BY 4.0" in readme and "Alpaydin" in readme


def test_digit_labels_match_their_images(digits):
    # A nearest-class-mean classifier on the raw pixels reads the digits well above chance
    # only if every image sits in the folder of its digit.
    index, images, labels = digits
    parts = split(index, validation=0.3, seed=0)
    row = {s.path: i for i, s in enumerate(index.samples)}
    train = np.array([row[s.path] for s in parts.train])
    test = np.array([row[s.path] for s in parts.validation])
    flat = images.reshape(len(images), -1).astype(np.float64)
    means = np.stack([flat[train][labels[train] == d].mean(0) for d in range(10)])
    predicted = np.argmin(((flat[test][:, None] - means[None]) ** 2).sum(-1), axis=1)
    assert (predicted == labels[test]).mean() > 0.85


def folder_digest(folder):
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


def test_shapes_are_deterministic_and_seeded(tmp_path):
    first = make_shapes(tmp_path / "a", per_class=3, size=24, seed=1)
    again = make_shapes(tmp_path / "b", per_class=3, size=24, seed=1)
    other = make_shapes(tmp_path / "c", per_class=3, size=24, seed=2)
    assert folder_digest(first) == folder_digest(again) != folder_digest(other)
    index = scan(first)
    assert index.classes == sorted(["circle", "square", "triangle", "star"])
    assert list(index.counts.values()) == [3, 3, 3, 3]


def test_every_shape_at_any_size_as_png_or_jpeg(tmp_path):
    folder = make_shapes(tmp_path, per_class=4, size=(20, 36), classes=SHAPES, image_format="jpeg")
    index = scan(folder)
    assert index.classes == sorted(SHAPES) and all(n == 4 for n in index.counts.values())
    for sample in index.samples:
        assert sample.path.suffix == ".jpg"
        pixels = decode_image(sample.path)
        assert pixels.shape == (20, 36, 3)
        # A shape in a colour far from the background: the picture is not flat.
        assert np.abs(pixels.astype(int) - np.median(pixels, axis=(0, 1))).sum(-1).max() > 150
    pictures = [decode_image(s.path).tobytes() for s in index.samples]
    assert len(set(pictures)) == len(pictures)


def test_shapes_refusals(tmp_path):
    with pytest.raises(ValueError, match="'circle'.*received classes=\\['blob'\\]"):
        make_shapes(tmp_path, classes=["blob"])
    with pytest.raises(ValueError, match="'png', 'jpeg'"):
        make_shapes(tmp_path, image_format="gif")
    with pytest.raises(ValueError, match="at least 16"):
        make_shapes(tmp_path, size=8)
    with pytest.raises(ValueError, match="per_class"):
        make_shapes(tmp_path, per_class=0)
