#!/usr/bin/env python3
"""Write resources/digits/: the UCI handwritten digits as a folder of PNGs, one per image.

The source is the copy of the data inside scikit-learn (sklearn/datasets/data/digits.csv.gz:
1,797 rows of 64 pixel values 0..16 and the digit). scikit-learn is needed only to find
that file; it is not a ConvLab dependency. Run it from a throw-away environment:

    python3 -m venv /tmp/digits-venv && /tmp/digits-venv/bin/pip install scikit-learn pillow
    /tmp/digits-venv/bin/python resources/make_digits.py        [--source PATH/digits.csv.gz]

Each 8x8 image becomes resources/digits/<digit>/<row>.png (row: its 0-based row in the CSV,
four digits), 8-bit grey. The 17 grey levels v = 0..16 are stored as round(v * 255 / 16)
(0, 16, 32, ..., 239, 255): distinct, so the original is recovered exactly as
round(p * 16 / 255). Bright is ink, as in the source. Running it again writes the same files.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import sys
from pathlib import Path

import numpy as np
from PIL import Image

OUTPUT = Path(__file__).resolve().parent / "digits"
ROWS, PIXELS, LEVELS = 1797, 64, 16

README = """\
# UCI handwritten digits (8x8)

1,797 images of handwritten digits, 8 x 8 pixels, 17 grey levels, ten classes (0-9), one
PNG per image: `<digit>/<row>.png`, where `row` is the image's 0-based row in the source
file. This is ConvLab's default dataset; LeNet-5 trains on it (resized to 32 x 32) in
seconds on a CPU.

## Source and citation

E. Alpaydin and C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine
Learning Repository, 1998. DOI: 10.24432/C50P49.
<https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits>

Taken from the copy distributed with scikit-learn (`sklearn/datasets/data/digits.csv.gz`,
the test part of the UCI data set: 1,797 of its 5,620 images).

## Licence

Creative Commons Attribution 4.0 International (CC BY 4.0),
<https://creativecommons.org/licenses/by/4.0/>.

Changes made: each row of the source's CSV was written as an 8-bit grey PNG; the grey
levels v = 0..16 were scaled to round(v * 255 / 16), which keeps all 17 levels distinct
(v = round(p * 16 / 255) recovers them exactly). Bright pixels are ink. Written by
`resources/make_digits.py`.
"""


def sklearn_copy() -> Path:
    try:
        import sklearn
    except ImportError:
        sys.exit("scikit-learn is needed to find digits.csv.gz; see this script's docstring, or pass --source.")
    return Path(sklearn.__file__).parent / "datasets" / "data" / "digits.csv.gz"


def read_digits(source: Path) -> tuple[np.ndarray, np.ndarray]:
    """(images (1797, 8, 8) uint8 levels 0..16, labels (1797,)) from the CSV."""
    with gzip.open(source, "rt") as stream:
        table = np.loadtxt(stream, delimiter=",", dtype=np.int64)
    if table.shape != (ROWS, PIXELS + 1):
        sys.exit(f"{source}: expected {ROWS} rows of {PIXELS + 1} values, found {table.shape}.")
    images, labels = table[:, :PIXELS].reshape(-1, 8, 8), table[:, PIXELS]
    if images.min() < 0 or images.max() > LEVELS or set(labels) != set(range(10)):
        sys.exit(f"{source}: values outside 0..{LEVELS} or labels outside 0..9.")
    return images.astype(np.uint8), labels


def to_8bit(levels: np.ndarray) -> np.ndarray:
    """0..16 to 0..255, rounding half up, in integers (no floating point)."""
    return ((levels.astype(np.int64) * 255 + LEVELS // 2) // LEVELS).astype(np.uint8)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, help="digits.csv.gz (default: scikit-learn's copy)")
    args = parser.parse_args()
    images, labels = read_digits(args.source or sklearn_copy())
    assert len(np.unique(to_8bit(np.arange(LEVELS + 1)))) == LEVELS + 1
    if OUTPUT.exists():
        shutil.rmtree(OUTPUT)
    for digit in range(10):
        (OUTPUT / str(digit)).mkdir(parents=True)
    for row, (levels, digit) in enumerate(zip(images, labels)):
        Image.fromarray(to_8bit(levels), "L").save(OUTPUT / str(digit) / f"{row:04d}.png", "PNG")
    (OUTPUT / "README.md").write_text(README, encoding="utf-8")
    print(f"wrote {len(images)} PNGs to {OUTPUT}: per digit {np.bincount(labels).tolist()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
