"""Duplicates on real files: planted copies (re-encoded, resized, copied into another
class) found and flagged, distinct images left alone, exact groups, the leakage flag
against a split and a split that keeps groups together, the hash against imagehash's
formula, and `scan --duplicates`."""

import json
import shutil

import numpy as np
import pytest
from PIL import Image

from netlib.cli import main
from netlib.data import (
    fingerprint,
    find_duplicates,
    perceptual_hash,
    scan,
    scan_into_cache,
    split,
)


def photo(rng, size=(160, 120)):
    """A photo-like picture: a smooth random colour field with fine noise."""
    coarse = rng.integers(0, 256, size=(6, 8, 3), dtype=np.uint8)
    image = Image.fromarray(coarse).resize(size, Image.Resampling.BICUBIC)
    noise = rng.integers(-10, 11, size=(size[1], size[0], 1), dtype=np.int16)
    return Image.fromarray(np.clip(np.asarray(image, np.int16) + noise, 0, 255).astype(np.uint8))


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """30 distinct photos in two classes, and copies of a.jpg: re-encoded at quality 40
    (same class), resized to 60% (same class), its bytes in the other class; and an
    exact copy of b.jpg in its own class."""
    root = tmp_path_factory.mktemp("planted")
    rng = np.random.default_rng(0)
    for i in range(30):
        folder = root / ("cats" if i % 2 else "dogs")
        folder.mkdir(exist_ok=True)
        photo(rng).save(folder / f"{i:02d}.jpg", quality=90)
    original = root / "dogs" / "00.jpg"
    image = Image.open(original)
    image.save(root / "dogs" / "00_q40.jpg", quality=40)
    image.resize((96, 72), Image.Resampling.LANCZOS).save(root / "dogs" / "00_small.jpg", quality=90)
    shutil.copyfile(original, root / "cats" / "copy of 00.jpg")
    shutil.copyfile(root / "cats" / "01.jpg", root / "cats" / "01 again.jpg")
    return root


def test_planted_copies_are_found_and_flagged_and_distinct_images_left_alone(planted):
    index = scan(planted)
    assert len(index.fingerprints) == len(index.samples) == 34
    groups = find_duplicates(index)
    assert len(groups) == 2
    near, exact = groups  # the largest first
    assert [s.path.name for s in near.members] == ["copy of 00.jpg", "00.jpg", "00_q40.jpg", "00_small.jpg"]
    assert near.kind == "near" and near.flags == ("label conflict",)  # no split given: no leakage
    assert [s.path.name for s in exact.members] == ["01 again.jpg", "01.jpg"]
    assert exact.kind == "exact" and exact.flags == ()
    # The same from the rows of an image cache: nothing decoded again.
    cached_index, cache = scan_into_cache(planted, image_size=64)
    cached = find_duplicates(cached_index, cache=cache)
    assert [[s.path for s in g.members] for g in cached] == [[s.path for s in g.members] for g in groups]


def test_leakage_is_flagged_against_the_split_and_a_split_can_keep_groups_together(planted):
    index = scan(planted)
    groups = find_duplicates(index)
    for seed in range(10):  # the first seed whose split puts a copy in validation
        parts = split(index, validation=0.5, seed=seed)
        flagged = find_duplicates(index, parts=parts, fingerprints=index.fingerprints)
        if any("leakage" in g.flags for g in flagged):
            break
    part = {s.path: name for name in ("train", "validation", "test") for s in getattr(parts, name)}
    assert any("leakage" in g.flags for g in flagged)
    for group in flagged:
        spans = len({part[s.path] for s in group.members}) > 1
        assert ("leakage" in group.flags) == spans
        assert group.parts == tuple(part[s.path] for s in group.members)

    together = split(index, validation=0.5, seed=seed, keep_together=groups)
    kept = {s.path: name for name in ("train", "validation", "test") for s in getattr(together, name)}
    assert sorted(kept) == sorted(part)  # every image once
    for group in groups:
        assert len({kept[s.path] for s in group.members}) == 1
    regrouped = find_duplicates(index, parts=together, fingerprints=index.fingerprints)
    assert not any("leakage" in g.flags for g in regrouped)


def test_images_too_small_to_compare_are_matched_on_their_bytes_only(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    Image.new("L", (8, 8), 40).save(tmp_path / "a" / "dark.png")
    Image.new("L", (8, 8), 41).save(tmp_path / "b" / "nearly the same.png")
    shutil.copyfile(tmp_path / "a" / "dark.png", tmp_path / "b" / "dark copy.png")
    groups = find_duplicates(scan(tmp_path))
    assert [(g.kind, [s.path.name for s in g.members]) for g in groups] == [
        ("exact", ["dark.png", "dark copy.png"])]


def test_the_hash_is_imagehash_phash_of_the_grey_image():
    from scipy.fft import dct

    grey = np.random.default_rng(3).integers(0, 256, (32, 32)).astype(np.uint8)
    low = dct(dct(grey.astype(float), axis=0), axis=1)[:8, :8]  # imagehash.phash's steps
    bits = (low > np.median(low)).reshape(-1)
    assert perceptual_hash(grey) == sum(1 << i for i, bit in enumerate(bits) if bit)
    assert fingerprint(np.stack([grey] * 3, axis=-1), 32).hash == perceptual_hash(grey)


def test_scan_duplicates_on_the_command_line(planted, capsys):
    assert main(["scan", str(planted), "--duplicates", "--format", "json", "--validation", "0.5",
                 "--seed", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    first = report["duplicates"][0]
    assert first["members"] == ["cats/copy of 00.jpg", "dogs/00.jpg", "dogs/00_q40.jpg", "dogs/00_small.jpg"]
    assert first["kind"] == "near" and "label conflict" in first["flags"]
    assert first["classes"] == ["cats", "dogs", "dogs", "dogs"] and len(first["splits"]) == 4
    assert report["duplicates"][1]["kind"] == "exact"
    assert main(["scan", str(planted), "--duplicates"]) == 0
    out = capsys.readouterr().out
    assert "2 duplicate group(s): 1 exact, 1 near; 1 across classes (label conflicts)" in out
    assert "dogs/00_q40.jpg (dogs," in out
