"""Split a dataset into train / validation / test: stratified by class, seeded."""

from __future__ import annotations

import dataclasses

from netlib.data.scan import DatasetIndex, Sample

__all__ = ["Split", "split"]


@dataclasses.dataclass
class Split:
    """The samples of each part of a dataset (each list in class, then path order)."""

    train: list[Sample]
    validation: list[Sample]
    test: list[Sample]


def split(index: DatasetIndex, *, validation: float = 0.2, test: float = 0.0, seed: int = 0) -> Split:
    """Split the samples of `index`.

    Each class is split on its own (stratified) with the same fractions, from a random
    order fixed by `seed` and the class's name, so the same folder and seed always give
    the same split. A class with two or more images keeps at least one for validation
    (when `validation` > 0), and at least one for training.

    A folder with a predefined split (train/ val/ test/ sub-folders) keeps it; only a
    part it lacks (no val/ folder, say) is drawn from its train/ images with the given
    fraction.

    Raises:
        ValueError: fractions outside [0, 1) or summing to 1 or more.
    """
    raise NotImplementedError
