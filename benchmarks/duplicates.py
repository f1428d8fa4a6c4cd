#!/usr/bin/env python3
"""The duplicates search on planted copies: found, distinct images left alone, and speed.

A folder of distinct images is written to a temporary directory, in four classes:

    photos   smooth random colour fields with fine noise, 320 x 240 JPEGs (quality 90)
    shapes   netlib.data.make_shapes' shapes on flat, gradient, striped and noisy
             backgrounds, 96 x 96 JPEGs: many alike, none the same

and into it, for some of those images, three planted copies each:

    re-encoded   the same picture saved again at JPEG quality 40, same class
    resized      the picture at 60% of its size, same class
    copied       the file's bytes in another class (a label conflict)

Then `scan` (each image decoded, its fingerprint taken) and `find_duplicates` run on the
folder, and it prints how many planted copies landed in their original's group (target:
all), how many distinct images were grouped with anything but their own copies (target:
none), and the images per second of scan + search.

    python benchmarks/duplicates.py [--distinct N] [--planted N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

CLASSES = ("a", "b", "c", "d")


def write_photos(root: Path, count: int, rng: np.random.Generator) -> list[Path]:
    paths = []
    for i in range(count):
        coarse = rng.integers(0, 256, size=(6, 8, 3), dtype=np.uint8)
        image = Image.fromarray(coarse).resize((320, 240), Image.Resampling.BICUBIC)
        noise = rng.integers(-12, 13, size=(240, 320, 1), dtype=np.int16)
        pixels = np.clip(np.asarray(image, dtype=np.int16) + noise, 0, 255).astype(np.uint8)
        path = root / CLASSES[i % len(CLASSES)] / f"photo_{i:05d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels).save(path, quality=90)
        paths.append(path)
    return paths


def write_shapes(root: Path, count: int) -> list[Path]:
    from netlib.data import make_shapes

    made = make_shapes(root / "_shapes", per_class=-(-count // 4), size=96, image_format="jpeg")
    paths = []
    for i, source in enumerate(sorted(made.rglob("*.jpg"))[:count]):
        target = root / CLASSES[i % len(CLASSES)] / f"shape_{i:05d}.jpg"
        shutil.move(source, target)
        paths.append(target)
    shutil.rmtree(made)
    return paths


def plant(originals: list[Path], root: Path) -> dict[Path, Path]:
    """Three copies of each original: {copy: original}."""
    copies = {}
    for original in originals:
        image = Image.open(original)
        label = original.parent.name
        other = CLASSES[(CLASSES.index(label) + 1) % len(CLASSES)]
        reencoded = original.with_name(f"{original.stem}_q40.jpg")
        image.save(reencoded, quality=40)
        resized = original.with_name(f"{original.stem}_small.jpg")
        image.resize((int(image.width * 0.6), int(image.height * 0.6)), Image.Resampling.LANCZOS).save(
            resized, quality=90)
        copied = root / other / f"copy_of_{original.name}"
        shutil.copyfile(original, copied)
        copies.update({reencoded: original, resized: original, copied: original})
    return copies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--distinct", type=int, default=3000, help="distinct images (default 3000)")
    parser.add_argument("--planted", type=int, default=100, help="originals given copies (default 100)")
    args = parser.parse_args()
    from netlib.data import NEAR_DIFFERENCE, NEAR_DISTANCE, find_duplicates, scan

    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory(prefix="convlab-duplicates-") as temporary:
        root = Path(temporary) / "data"
        photos = write_photos(root, args.distinct // 2, rng)
        shapes = write_shapes(root, args.distinct - len(photos))
        chosen = [photos[i] for i in rng.choice(len(photos), args.planted // 2, replace=False)]
        chosen += [shapes[i] for i in rng.choice(len(shapes), args.planted - len(chosen), replace=False)]
        copies = plant(chosen, root)
        total = len(photos) + len(shapes) + len(copies)
        print(f"CPU cores: {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}")
        print(f"{len(photos)} photos (320x240) + {len(shapes)} shapes (96x96), distinct; "
              f"{len(copies)} planted copies of {len(chosen)} of them; {total} images")
        start = time.perf_counter()
        index = scan(root)
        scanned = time.perf_counter() - start
        groups = find_duplicates(index)
        seconds = time.perf_counter() - start
        family = {path: copies.get(path, path) for path in [*photos, *shapes, *copies]}
        group_of = {s.path: i for i, g in enumerate(groups) for s in g.members}
        found = sum(1 for copy, original in copies.items()
                    if copy in group_of and group_of.get(copy) == group_of.get(original))
        strangers = sum(1 for g in groups for s in g.members
                        if any(family[o.path] != family[s.path] for o in g.members))
        print(f"near: hash distance <= {NEAR_DISTANCE} bits and thumbnails within {NEAR_DIFFERENCE:g} levels")
        print(f"planted copies found: {found} of {len(copies)} "
              f"(re-encoded {_found(copies, group_of, '_q40')}, resized {_found(copies, group_of, '_small')}, "
              f"copied to another class {_found(copies, group_of, 'copy_of_')})")
        print(f"distinct images grouped with another picture: {strangers} of {total - len(copies)}")
        print(f"groups: {len(groups)} ({sum(g.kind == 'exact' for g in groups)} exact, "
              f"{sum(g.kind == 'near' for g in groups)} near; "
              f"{sum('label conflict' in g.flags for g in groups)} label conflicts)")
        print(f"speed: {total / seconds:.0f} images/s (scan with fingerprints {scanned:.1f} s, "
              f"search {seconds - scanned:.2f} s)")
    return 0


def _found(copies, group_of, mark: str) -> str:
    mine = {c: o for c, o in copies.items() if mark in c.name}
    hits = sum(1 for c, o in mine.items() if c in group_of and group_of[c] == group_of.get(o))
    return f"{hits}/{len(mine)}"


if __name__ == "__main__":
    sys.exit(main())
