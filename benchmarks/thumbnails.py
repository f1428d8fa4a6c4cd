#!/usr/bin/env python3
"""The Dataset page's and the galleries' thumbnails of phone photos: decoded at a reduced
scale (gui.images.thumbnail_of_file) against a full decode scaled by Qt, the same files in
the same process.

    python benchmarks/thumbnails.py [--count N] [--size PX]

Prints the median milliseconds per thumbnail of each way and their ratio.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from data_pipeline import write_jpegs  # noqa: E402 - the same photo-like files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=12, help="12-megapixel JPEGs written")
    parser.add_argument("--size", type=int, default=64, help="thumbnail side (the Dataset page's: 64)")
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from gui.images import thumbnail_of_file, to_thumbnail
    from netlib.data import decode_image

    app = QApplication.instance() or QApplication([])  # noqa: F841 - Qt's images need one
    ways = {
        "full decode, Qt scales": lambda path: to_thumbnail(decode_image(path), args.size),
        "reduced-scale decode": lambda path: thumbnail_of_file(path, args.size),
    }
    with tempfile.TemporaryDirectory(prefix="convlab-thumbnails-") as folder:
        write_jpegs(Path(folder), args.count, 4032, 3024, seed=1)
        paths = sorted(Path(folder).rglob("*.jpg"))
        times = {name: [] for name in ways}
        for path in paths:  # interleaved: the machine's load falls on both alike
            for name, way in ways.items():
                start = time.perf_counter()
                way(path)
                times[name].append(time.perf_counter() - start)
    medians = {name: 1000 * float(np.median(t)) for name, t in times.items()}
    print(f"{args.count} JPEGs of 4032x3024 to {args.size} px thumbnails; load {os.getloadavg()[0]:.1f}")
    for name, median in medians.items():
        print(f"  {name:24s} {median:7.1f} ms a thumbnail (median)")
    full, reduced = medians.values()
    print(f"  ratio: {full / reduced:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
