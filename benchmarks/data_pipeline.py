#!/usr/bin/env python3
"""Images per second through ConvLab's data pipeline against Keras' own, on the same files.

Two folders of synthetic JPEGs are written to a temporary directory:

    (a) 2,000 images of 500 x 375 (a typical web / dataset photo)
    (b)   200 images of 4032 x 3024 (a 12-megapixel phone photo)

and for each, at 224 x 224 in the same run:

    keras      keras.utils.image_dataset_from_directory, one full pass (it decodes and
               resizes every image again in every epoch)
    epoch 1    ConvLab's first epoch, as the Trainer runs it (netlib.data.scan_into_cache):
               the folder listed + the cache built (each image decoded once, which is its
               check, resized, written to a memory-mapped array) + one pass of ImageBatches
    epoch 2    ConvLab's later epochs: one pass of ImageBatches over the cache
    next run   a new process's start: listing + the cache found and opened + one pass

Ratios are over Keras on the same files. Targets: epoch 1 >= 1.0x on (a) and >= 3x on (b);
epoch 2 >= 10x on both. TensorFlow is warmed up (one pass over a few images) before Keras is
timed, so its start-up is not counted against it. Each line also gives the process's CPU
time (all threads): on a machine shared with other work, wall-clock ratios move with the
load, CPU time much less.

Each timing is the median of --repeat runs (3 by default; each epoch 1 builds a new cache).

    python benchmarks/data_pipeline.py [--small] [--repeat N] [--only a|b]
        --small: 10x fewer images, a quick check
"""

from __future__ import annotations

import argparse
import os
import resource
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


class Timer:
    """Wall-clock and CPU seconds (this process, all threads) of a `with` block."""

    @staticmethod
    def median(timers: list["Timer"]) -> "Timer":
        """The median wall and median CPU seconds of several runs."""
        middle = Timer()
        middle.wall = float(np.median([t.wall for t in timers]))
        middle.cpu = float(np.median([t.cpu for t in timers]))
        return middle

    def __enter__(self):
        self._wall, self._cpu = time.perf_counter(), _cpu_seconds()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self._wall
        self.cpu = _cpu_seconds() - self._cpu


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def keras_pass(folder: Path) -> tuple[Timer, int]:
    """One full pass of image_dataset_from_directory: its timing, and the images seen."""
    import keras

    with Timer() as timer:
        dataset = keras.utils.image_dataset_from_directory(
            folder, image_size=IMAGE_SIZE, batch_size=BATCH_SIZE, verbose=False
        )
        seen = sum(int(labels.shape[0]) for _, labels in dataset)
    return timer, seen


def iterate(batches) -> int:
    seen = 0
    batches.on_epoch_begin()
    for i in range(len(batches)):
        images, labels = batches[i]
        seen += len(labels)
    batches.on_epoch_end()
    return seen


def first_epoch(folder: Path, cache_dir: Path):
    """ConvLab's first epoch as the Trainer runs it; returns (batches, cache)."""
    from netlib.data import ImageBatches, scan_into_cache

    _, cache = scan_into_cache(folder, image_size=IMAGE_SIZE, cache_dir=cache_dir)
    batches = ImageBatches(cache, batch_size=BATCH_SIZE, seed=0)
    iterate(batches)
    return batches, cache


def convlab_passes(folder: Path, cache_dir: Path, repeat: int) -> dict[str, tuple[Timer, int]]:
    """Timings and images seen for ConvLab's epoch 1, epoch 2 and a next run's start."""
    from netlib.data import ImageBatches, scan_into_cache

    timings = {}
    firsts = []
    for attempt in range(repeat):
        attempt_dir = cache_dir / str(attempt)  # a new cache each time: nothing reused
        with Timer() as timer:
            batches, cache = first_epoch(folder, attempt_dir)
        assert not cache.reused
        firsts.append(timer)
    timings["epoch 1 (scan + cache + pass)"] = (Timer.median(firsts), len(cache))

    with Timer() as timer:
        seen = iterate(batches)  # now in epoch 1's order
    timings["epoch 2 (pass over the cache)"] = (timer, seen)

    with Timer() as timer:
        _, cache = scan_into_cache(folder, image_size=IMAGE_SIZE, cache_dir=attempt_dir)  # the last one
        seen = iterate(ImageBatches(cache, batch_size=BATCH_SIZE, seed=0))
    assert cache.reused
    timings["next run (scan + open cache + pass)"] = (timer, seen)
    return timings


def _decoder() -> str:
    from netlib.data import decode

    return "JPEGs decoded by " + ("simplejpeg" if decode.simplejpeg else "Pillow")


def _rates(timer: Timer, count: int) -> str:
    return f"{count / timer.wall:8.0f} img/s  ({timer.wall:6.2f} s, cpu {timer.cpu:6.2f} s)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="10x fewer images (a quick check)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing; the median is shown")
    parser.add_argument("--only", choices=("a", "b"), help="one case only")
    args = parser.parse_args()
    scale = 10 if args.small else 1
    cases = [
        ("(a) 500x375", 2000 // scale, 500, 375, 1.0, 10.0),
        ("(b) 4032x3024", 200 // scale, 4032, 3024, 3.0, 10.0),
    ]
    print(f"CPU cores: {os.cpu_count()}; target size {IMAGE_SIZE[0]}x{IMAGE_SIZE[1]}, batch {BATCH_SIZE}; "
          f"medians of {args.repeat} runs; {_decoder()}")
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="convlab-bench-") as temporary:
        root = Path(temporary)
        write_jpegs(root / "warm-up", CLASSES, 64, 48, seed=0)
        keras_pass(root / "warm-up")  # TensorFlow's start-up, not counted
        for name, count, width, height, first_target, second_target in cases:
            if args.only and name[1] != args.only:
                continue
            folder = root / name.split()[0].strip("()")
            start = time.perf_counter()
            write_jpegs(folder, count, width, height, seed=count)
            size_mb = sum(f.stat().st_size for f in folder.rglob("*.jpg")) / 1e6
            print(f"\n{name}: {count} JPEGs, {size_mb:.0f} MB, written in {time.perf_counter() - start:.1f} s")
            keras_runs = [keras_pass(folder) for _ in range(args.repeat)]
            assert all(seen == count for _, seen in keras_runs), (keras_runs, count)
            keras_timer = Timer.median([timer for timer, _ in keras_runs])
            print(f"  {'keras image_dataset_from_directory (1 pass)':44s} {_rates(keras_timer, count)}")
            targets = {"epoch 1": first_target, "epoch 2": second_target}
            for label, (timer, seen) in convlab_passes(folder, root / "cache" / folder.name, args.repeat).items():
                assert seen == count, (label, seen, count)
                ratio = keras_timer.wall / timer.wall
                target = targets.get(label[:7])
                verdict = "" if target is None else f"  target >= {target:g}x: {'met' if ratio >= target else 'MISSED'}"
                print(
                    f"  {'convlab ' + label:44s} {_rates(timer, count)}  {ratio:7.1f}x keras"
                    f" (cpu {keras_timer.cpu / max(timer.cpu, 1e-9):.1f}x){verdict}"
                )
            print(f"  load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
