"""build_cache(): decoded once, reused when nothing changed, rebuilt when a file did,
never left half-written."""

import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from netlib.data import Cancelled, DatasetError, build_cache, decode_image, default_cache_dir, scan
from netlib.runs import CACHE_DIR_VARIABLE

REPO = Path(__file__).resolve().parent.parent


def write_dataset(folder, per_class=5, size=(12, 16)):
    rng = np.random.default_rng(0)
    for c, name in enumerate(("a", "b", "c")):
        (folder / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            pixels = rng.integers(0, 256, (*size, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(folder / name / f"{i}.png")
    return folder


@pytest.fixture
def dataset(tmp_path):
    return scan(write_dataset(tmp_path / "data"))


def counting():
    calls = []
    return calls, lambda done, total: calls.append((done, total))


def test_the_cache_holds_each_image_decoded_and_resized(dataset, tmp_path):
    calls, progress = counting()
    cache = build_cache(dataset.samples, image_size=(8, 10), cache_dir=tmp_path / "cache", progress=progress)
    assert not cache.reused and len(cache) == 15
    assert sorted(calls) == [(i, 15) for i in range(1, 16)]  # one call per decoded image
    assert isinstance(cache.images, np.memmap) and cache.images.shape == (15, 8, 10, 3)
    assert cache.images.dtype == np.uint8 and cache.labels.dtype == np.int32
    for row, sample in enumerate(dataset.samples):
        assert cache.paths[row] == sample.path and cache.labels[row] == sample.label
        np.testing.assert_array_equal(cache.images[row], decode_image(sample.path, size=(8, 10)))
    assert cache.image_size == (8, 10) and cache.color_mode == "rgb" and cache.resize == "squash"
    assert cache.file.parent == tmp_path / "cache" and cache.file.suffix == ".npy"


def test_a_cache_pickles_as_its_file_name_not_its_pixels(dataset, tmp_path):
    cache = build_cache(dataset.samples, image_size=32, cache_dir=tmp_path)
    data = pickle.dumps(cache)
    assert len(data) < cache.images.nbytes / 4  # worker processes reopen the memory map
    copy = pickle.loads(data)
    assert isinstance(copy.images, np.memmap) and copy.file == cache.file
    np.testing.assert_array_equal(copy.images, cache.images)
    np.testing.assert_array_equal(copy.rows_for(dataset.samples[:3]), [0, 1, 2])


def test_a_second_run_decodes_nothing(dataset, tmp_path):
    first = build_cache(dataset.samples, image_size=8, cache_dir=tmp_path)
    calls, progress = counting()
    again = build_cache(scan(dataset.root).samples, image_size=8, cache_dir=tmp_path, progress=progress)
    assert again.reused and calls == []  # not one image decoded
    assert again.file == first.file
    np.testing.assert_array_equal(again.images, first.images)
    np.testing.assert_array_equal(again.labels, first.labels)


def test_a_changed_file_or_setting_gives_a_new_cache(dataset, tmp_path):
    first = build_cache(dataset.samples, image_size=8, cache_dir=tmp_path)
    changed = dataset.samples[4].path
    Image.new("RGB", (12, 16), (1, 2, 3)).save(changed)
    os.utime(changed, ns=(0, 1))  # a distinct modification time whatever the clock's resolution
    calls, progress = counting()
    second = build_cache(scan(dataset.root).samples, image_size=8, cache_dir=tmp_path, progress=progress)
    assert not second.reused and len(calls) == 15 and second.file != first.file
    assert (second.images[4] == (1, 2, 3)).all()
    for other in (
        dict(image_size=9),
        dict(image_size=8, color_mode="grayscale"),
        dict(image_size=8, resize="crop"),
    ):
        rebuilt = build_cache(dataset.samples, cache_dir=tmp_path, **other)
        assert not rebuilt.reused
    assert build_cache(dataset.samples, image_size=8, color_mode="grayscale", cache_dir=tmp_path).images.shape == (15, 8, 8, 1)


def test_a_file_that_fails_to_decode_is_left_out_and_reported(dataset, tmp_path):
    broken = dataset.samples[7].path
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(broken)
    broken.write_bytes(broken.read_bytes()[:400])  # truncated: passes a header check, fails decoding
    # Listed without a check (as a trainer does): the cache build's decode finds it.
    cache = build_cache(scan(dataset.root, verify=False).samples, image_size=8, cache_dir=tmp_path)
    assert len(cache) == 14 and broken not in cache.paths
    assert [(s.path, s.reason) for s in cache.skipped] == [(broken, "truncated")]
    rows = cache.rows_for(dataset.samples[5:10])
    assert [cache.paths[r] for r in rows] == [s.path for s in dataset.samples[5:10] if s.path != broken]
    reopened = build_cache(scan(dataset.root, verify=False).samples, image_size=8, cache_dir=tmp_path)
    assert reopened.reused and reopened.skipped == cache.skipped


def test_cancel_leaves_nothing_behind(dataset, tmp_path):
    cache_dir = tmp_path / "cache"
    seen = []
    with pytest.raises(Cancelled):
        build_cache(dataset.samples, image_size=8, cache_dir=cache_dir, workers=1,
                    progress=lambda done, total: seen.append(done), cancel=lambda: len(seen) >= 3)
    assert list(cache_dir.iterdir()) == []
    assert not build_cache(dataset.samples, image_size=8, cache_dir=cache_dir).reused


def test_a_build_killed_half_way_is_not_mistaken_for_a_cache(dataset, tmp_path):
    cache_dir = tmp_path / "cache"
    # Another process starts the build and is killed (SIGKILL: no clean-up) after 5 images.
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        sys.path.insert(0, {str(REPO)!r})
        from netlib.data import build_cache, scan
        def die(done, total):
            if done == 5:
                os.kill(os.getpid(), signal.SIGKILL)
        build_cache(scan({str(dataset.root)!r}).samples, image_size=8, cache_dir={str(cache_dir)!r}, progress=die)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert result.returncode == -9, result.stderr.decode()
    leftovers = list(cache_dir.iterdir())
    assert leftovers and all(p.name.endswith(".tmp") for p in leftovers)  # no .npy / .json
    cache = build_cache(dataset.samples, image_size=8, cache_dir=cache_dir)
    assert not cache.reused and len(cache) == 15
    np.testing.assert_array_equal(cache.images[14], decode_image(dataset.samples[14].path, size=8))
    assert sorted(p.suffix for p in cache_dir.iterdir()) == [".json", ".npy"]  # the dead build's file is gone


def test_the_default_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_DIR_VARIABLE, str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine" / "images"
    monkeypatch.delenv(CACHE_DIR_VARIABLE)
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
        assert default_cache_dir() == tmp_path / "xdg" / "convlab" / "images"
        monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # ignored, as the XDG spec says
        assert default_cache_dir() == Path.home() / ".cache" / "convlab" / "images"


def test_the_test_session_cache_is_not_the_users(dataset):
    # conftest.py points CONVLAB_CACHE_DIR at a temporary folder; caches go there by default.
    cache = build_cache(dataset.samples, image_size=8)
    assert cache.file.parent == Path(os.environ[CACHE_DIR_VARIABLE]) / "images"


def test_refusals(dataset, tmp_path):
    cache_dir = tmp_path / "cache"
    with pytest.raises(ValueError, match="at least one sample"):
        build_cache([], image_size=8, cache_dir=cache_dir)
    with pytest.raises(ValueError, match="image_size"):
        build_cache(dataset.samples, image_size=None, cache_dir=cache_dir)
    with pytest.raises(ValueError, match="'rgb', 'grayscale'"):
        build_cache(dataset.samples, image_size=8, color_mode="bgr", cache_dir=cache_dir)
    with pytest.raises(ValueError, match="GiB free"):  # checked before a byte is written
        build_cache(dataset.samples, image_size=(2**20, 2**20), cache_dir=cache_dir)
    for sample in dataset.samples:
        sample.path.write_bytes(sample.path.read_bytes()[:60])
    with pytest.raises(DatasetError, match="None of the 15 images could be decoded"):
        build_cache(dataset.samples, image_size=8, cache_dir=cache_dir)
    assert list(cache_dir.iterdir()) == []
