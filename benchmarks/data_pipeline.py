#!/usr/bin/env python3
"""Images per second through ConvLab's data pipeline against Keras' own, on the same files.

Two folders of synthetic JPEGs are written to a temporary directory:

    (a) 2,000 images of 500 x 375 (a typical web / dataset photo)
    (b)   200 images of 4032 x 3024 (a 12-megapixel phone photo)

and for each, at 224 x 224 in the same run:

    keras      keras.utils.image_dataset_from_directory, one full pass (it decodes and
               resizes every image again in every epoch)
    epoch 1    ConvLab's first epoch: scan (header check of every file) + cache build
               (decode once, resize, write a memory-mapped array) + one pass of ImageBatches
    epoch 2    ConvLab's later epochs: one pass of ImageBatches over the cache
    next run   a new process's start: scan + the cache found and opened + one pass

Ratios are over Keras on the same files. Targets: epoch 1 >= 1.0x on (a) and >= 3x on (b);
epoch 2 >= 10x on both.

    python benchmarks/data_pipeline.py [--small]     (--small: 10x fewer images, a quick check)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

IMAGE_SIZE = (224, 224)
BATCH_SIZE = 32
CLASSES = 4


def write_jpegs(folder: Path, count: int, width: int, height: int, seed: int) -> None:
    """`count` photo-like JPEGs (smooth colour fields with fine noise, quality 90)."""
    rng = np.random.default_rng(seed)
    for i in range(count):
        coarse = rng.integers(0, 256, size=(6, 8, 3), dtype=np.uint8)
        image = Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC)
        noise = rng.integers(-12, 13, size=(height, width, 1), dtype=np.int16)
        pixels = np.clip(np.asarray(image, dtype=np.int16) + noise, 0, 255).astype(np.uint8)
        class_folder = folder / f"class{i % CLASSES}"
        class_folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels).save(class_folder / f"photo_{i:05d}.jpg", quality=90)


def keras_pass(folder: Path) -> tuple[float, int]:
    """Seconds for one full pass of image_dataset_from_directory, and images seen."""
    import keras

    start = time.perf_counter()
    dataset = keras.utils.image_dataset_from_directory(
        folder, image_size=IMAGE_SIZE, batch_size=BATCH_SIZE, verbose=False
    )
    seen = sum(int(labels.shape[0]) for _, labels in dataset)
    return time.perf_counter() - start, seen


def iterate(batches) -> int:
    seen = 0
    for i in range(len(batches)):
        images, labels = batches[i]
        seen += len(labels)
    batches.on_epoch_end()
    return seen


def convlab_passes(folder: Path, cache_dir: Path) -> dict[str, tuple[float, int]]:
    """Seconds and images seen for ConvLab's epoch 1, epoch 2 and a next run's start."""
    from netlib.data import ImageBatches, build_cache, scan

    timings = {}
    start = time.perf_counter()
    index = scan(folder)
    cache = build_cache(index.samples, image_size=IMAGE_SIZE, cache_dir=cache_dir)
    assert not cache.reused
    seen = iterate(ImageBatches(cache, batch_size=BATCH_SIZE, seed=0))
    timings["epoch 1 (scan + cache + pass)"] = (time.perf_counter() - start, seen)

    batches = ImageBatches(cache, batch_size=BATCH_SIZE, seed=0)
    batches.set_epoch(1)
    start = time.perf_counter()
    seen = iterate(batches)
    timings["epoch 2 (pass over the cache)"] = (time.perf_counter() - start, seen)

    start = time.perf_counter()
    index = scan(folder)
    cache = build_cache(index.samples, image_size=IMAGE_SIZE, cache_dir=cache_dir)
    assert cache.reused
    seen = iterate(ImageBatches(cache, batch_size=BATCH_SIZE, seed=0))
    timings["next run (scan + open cache + pass)"] = (time.perf_counter() - start, seen)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="10x fewer images (a quick check)")
    args = parser.parse_args()
    scale = 10 if args.small else 1
    cases = [
        ("(a) 500x375", 2000 // scale, 500, 375, 1.0, 10.0),
        ("(b) 4032x3024", 200 // scale, 4032, 3024, 3.0, 10.0),
    ]
    print(f"CPU cores: {os.cpu_count()}; target size {IMAGE_SIZE[0]}x{IMAGE_SIZE[1]}, batch {BATCH_SIZE}")
    with tempfile.TemporaryDirectory(prefix="convlab-bench-") as temporary:
        root = Path(temporary)
        for name, count, width, height, first_target, second_target in cases:
            folder = root / name.split()[0].strip("()")
            start = time.perf_counter()
            write_jpegs(folder, count, width, height, seed=count)
            size_mb = sum(f.stat().st_size for f in folder.rglob("*.jpg")) / 1e6
            print(f"\n{name}: {count} JPEGs, {size_mb:.0f} MB, written in {time.perf_counter() - start:.1f} s")
            keras_seconds, keras_seen = keras_pass(folder)
            assert keras_seen == count, (keras_seen, count)
            keras_rate = count / keras_seconds
            print(f"  {'keras image_dataset_from_directory (1 pass)':44s} {keras_rate:8.0f} img/s  ({keras_seconds:.2f} s)")
            targets = {"epoch 1": first_target, "epoch 2": second_target}
            for label, (seconds, seen) in convlab_passes(folder, root / "cache" / folder.name).items():
                assert seen == count, (label, seen, count)
                rate = count / seconds
                ratio = rate / keras_rate
                target = targets.get(label[:7])
                verdict = "" if target is None else f"  target >= {target:g}x: {'met' if ratio >= target else 'MISSED'}"
                print(f"  {'convlab ' + label:44s} {rate:8.0f} img/s  ({seconds:.2f} s)  {ratio:6.1f}x keras{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
