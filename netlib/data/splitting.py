"""Split a dataset into train / validation / test: stratified by class, seeded."""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Iterable

import numpy as np

from netlib.data.scanning import DatasetIndex, Sample

__all__ = ["Split", "split"]


@dataclasses.dataclass
class Split:
    """The samples of each part of a dataset (each list in class, then path order)."""

    train: list[Sample]
    validation: list[Sample]
    test: list[Sample]


def split(
    index: DatasetIndex,
    *,
    validation: float = 0.2,
    test: float = 0.0,
    seed: int = 0,
    keep_together: Iterable = (),
) -> Split:
    """Split the samples of `index`.

    Each class is split on its own (stratified) with the same fractions, from a random
    order fixed by `seed` and the class's name, so the same folder and seed always give
    the same split. A class with two or more images keeps at least one for validation
    (when `validation` > 0), and at least one for training.

    A folder with a predefined split (train/ val/ test/ sub-folders) keeps it; only a
    part it lacks (no val/ folder, say) is drawn from its train/ images with the given
    fraction.

    `keep_together`: groups of images (paths, Samples, or netlib.data.DuplicateGroup's)
    that must not be split up, such as duplicates: each group goes to the part of its
    first member in path order. Only images whose part was drawn here move (a folder's
    own train/ val/ test/ folders are the user's), so a part's size can differ a little
    from its fraction.

    Raises:
        ValueError: fractions outside [0, 1) or summing to 1 or more.
    """
    for name, fraction in (("validation", validation), ("test", test)):
        if not 0.0 <= fraction < 1.0:
            raise ValueError(f"{name} must be a fraction in [0, 1); received {name}={fraction!r}.")
    if validation + test >= 1.0:
        raise ValueError(
            "validation + test must leave images for training (sum below 1); "
            f"received validation={validation!r}, test={test!r}."
        )
    if not index.predefined_split:
        parts = _stratified(index.samples, index.classes, validation, test, seed)
        return _kept_together(parts, keep_together, movable=None)
    given = {part: [s for s in index.samples if s.split == part] for part in ("train", "validation", "test")}
    # Draw only the parts the folder lacks from its train/ images.
    drawn = _stratified(
        given["train"],
        index.classes,
        validation if not given["validation"] else 0.0,
        test if not given["test"] else 0.0,
        seed,
    )
    parts = Split(
        train=drawn.train,
        validation=given["validation"] or drawn.validation,
        test=given["test"] or drawn.test,
    )
    return _kept_together(parts, keep_together, movable={str(s.path) for s in given["train"]})


_PART_NAMES = ("train", "validation", "test")


def _kept_together(parts: Split, groups: Iterable, movable: set[str] | None) -> Split:
    """`parts` with each group's movable members moved to its first member's part."""
    part_of = {str(s.path): name for name in _PART_NAMES for s in getattr(parts, name)}
    sample_of = {str(s.path): s for name in _PART_NAMES for s in getattr(parts, name)}
    moved = False
    for group in groups:
        paths = sorted(p for p in map(_path_of, getattr(group, "members", group)) if p in part_of)
        if len(paths) < 2:
            continue
        target = part_of[paths[0]]
        for path in paths[1:]:
            if part_of[path] != target and (movable is None or path in movable):
                part_of[path] = target
                moved = True
    if not moved:
        return parts
    chosen = {name: [] for name in _PART_NAMES}
    for path, name in part_of.items():
        chosen[name].append(sample_of[path])
    return Split(*(sorted(chosen[name], key=_order) for name in _PART_NAMES))


def _path_of(member) -> str:
    return str(getattr(member, "path", member))


def _stratified(samples: list[Sample], classes: list[str], validation: float, test: float, seed: int) -> Split:
    by_class: dict[int, list[Sample]] = {}
    for sample in samples:
        by_class.setdefault(sample.label, []).append(sample)
    parts = Split([], [], [])
    for label, members in sorted(by_class.items()):
        members = sorted(members, key=lambda s: str(s.path))
        # A generator per class, from (seed, class name): adding a class elsewhere in the
        # folder does not reshuffle this one.
        rng = np.random.default_rng([seed, zlib.crc32(classes[label].encode("utf-8"))])
        order = rng.permutation(len(members))
        n_validation, n_test = _part_sizes(len(members), validation, test)
        parts.validation += sorted((members[i] for i in order[:n_validation]), key=_order)
        parts.test += sorted((members[i] for i in order[n_validation : n_validation + n_test]), key=_order)
        parts.train += sorted((members[i] for i in order[n_validation + n_test :]), key=_order)
    return parts


def _order(sample: Sample) -> tuple[int, str]:
    return sample.label, str(sample.path)


def _part_sizes(n: int, validation: float, test: float) -> tuple[int, int]:
    """Validation and test counts for a class of n images: the rounded fractions, at
    least one each when asked for and the class has enough, and one left for training."""
    min_validation = 1 if validation > 0 and n >= 2 else 0
    min_test = 1 if test > 0 and n >= 2 + min_validation else 0
    n_validation = max(round(n * validation), min_validation)
    n_test = max(round(n * test), min_test)
    excess = n_validation + n_test - (n - 1)
    if excess > 0:  # give images back to training, from the test part first
        cut = min(excess, n_test - min_test)
        n_test -= cut
        n_validation -= excess - cut
    return n_validation, n_test
