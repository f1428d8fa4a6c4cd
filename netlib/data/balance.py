"""How unequal a dataset's classes are, and the two ways training can make up for it.

    >>> balance = class_balance({"cats": 600, "dogs": 50})
    >>> balance.ratio, balance.warning
    (12.0, 'Unbalanced classes: cats has 12.0x the images of dogs ...')

- class weights ("balanced", scikit-learn's name and formula): each image of class c
  weighs n / (k * n_c) in the loss (n images, k classes present), so every class
  contributes equally on average and the mean weight stays 1;
- balanced sampling: each epoch draws the same number of images from every class (the
  small classes repeated, the large ones sampled), the epoch keeping its length.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import numpy as np

__all__ = ["IMBALANCE_RATIO", "ClassBalance", "class_balance", "balanced_class_weights",
           "balanced_order"]

#: A warning is given when the largest class has more than this many times the images of
#: the smallest: past 3:1, always guessing the large class already scores well, and the
#: small classes' recall is what suffers first.
IMBALANCE_RATIO = 3.0


@dataclasses.dataclass(frozen=True)
class ClassBalance:
    """Images per class, the largest and smallest class, their ratio, and a warning past
    :data:`IMBALANCE_RATIO` (None below it)."""

    counts: dict[str, int]
    largest: str
    smallest: str
    ratio: float
    warning: str | None

    def to_dict(self) -> dict:
        ratio = self.ratio if math.isfinite(self.ratio) else None  # JSON has no infinity
        return {"counts": dict(self.counts), "largest": self.largest, "smallest": self.smallest,
                "ratio": ratio, "warning": self.warning}


def class_balance(counts: Mapping[str, int]) -> ClassBalance:
    """The balance of {class name: images} (at least one class)."""
    if not counts:
        raise ValueError("class_balance needs at least one class; received none.")
    largest = max(counts, key=lambda name: counts[name])
    smallest = min(counts, key=lambda name: counts[name])
    high, low = counts[largest], counts[smallest]
    ratio = high / low if low else math.inf
    warning = None
    if ratio > IMBALANCE_RATIO:
        times = f"{ratio:.1f}x the images" if low else "images where"
        warning = (
            f"Unbalanced classes: {largest} has {times} of {smallest} ({high:,} against "
            f"{low:,}; warned above {IMBALANCE_RATIO:g}x). Training with class_weight=balanced "
            f"or sampling=balanced makes up for it; read balanced accuracy, not only top-1."
        )
    return ClassBalance(dict(counts), largest, smallest, ratio, warning)


def balanced_class_weights(labels: np.ndarray, classes: int) -> np.ndarray:
    """(classes,) float32 weights n / (k * n_c) over the k classes present in `labels`
    (0 for a class with no image: it never occurs)."""
    counts = np.bincount(np.asarray(labels, np.int64), minlength=classes).astype(np.float64)
    present = counts > 0
    weights = np.zeros(classes, np.float64)
    weights[present] = counts.sum() / (present.sum() * counts[present])
    return weights.astype(np.float32)


def balanced_order(rows: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """`len(rows)` of `rows` drawn so that every class present gets an equal share (the
    remainder spread over random classes), shuffled.

    Within a class the rows come in random order, each used once before any repeats
    (a small class is cycled through, a large one sampled without replacement)."""
    rows = np.asarray(rows)
    labels = np.asarray(labels)
    present = np.unique(labels)
    share, extra = divmod(len(rows), len(present))
    quotas = np.full(len(present), share)
    quotas[rng.choice(len(present), size=extra, replace=False)] += 1
    drawn = []
    for label, quota in zip(present, quotas):
        members = rows[labels == label]
        cycles = -(-quota // len(members))
        order = np.concatenate([rng.permutation(members) for _ in range(cycles)])
        drawn.append(order[:quota])
    return rng.permutation(np.concatenate(drawn))
