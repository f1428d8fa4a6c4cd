"""split(): stratified by class, seeded, at least one validation image per class."""

from collections import Counter
from pathlib import Path

import pytest

from netlib.data import DatasetIndex, Sample, split


def index_of(counts, predefined=None):
    """A DatasetIndex with `counts[c]` samples of class c (no files needed: split reads paths only)."""
    classes = [f"class{c}" for c in range(len(counts))]
    samples = [
        Sample(Path(f"/data/{classes[c]}/{i:03d}.png"), c, predefined)
        for c, n in enumerate(counts)
        for i in range(n)
    ]
    return DatasetIndex(Path("/data"), classes, samples, [], predefined is not None)


def labels(samples):
    return Counter(s.label for s in samples)


def test_every_class_is_split_with_the_same_fractions():
    parts = split(index_of([100, 50, 20]), validation=0.2, test=0.1, seed=0)
    assert labels(parts.validation) == {0: 20, 1: 10, 2: 4}
    assert labels(parts.test) == {0: 10, 1: 5, 2: 2}
    assert labels(parts.train) == {0: 70, 1: 35, 2: 14}
    everything = parts.train + parts.validation + parts.test
    assert len(everything) == len({s.path for s in everything}) == 170  # a partition


def test_small_classes_keep_one_validation_and_one_training_image():
    parts = split(index_of([2, 3, 1, 40]), validation=0.1, seed=0)
    assert labels(parts.validation) == {0: 1, 1: 1, 3: 4}  # class 2 has a single image
    assert labels(parts.train) == {0: 1, 1: 2, 2: 1, 3: 36}


def test_same_seed_same_split_and_another_seed_another():
    index = index_of([30, 30])
    first, again, other = (split(index, seed=s) for s in (1, 1, 2))
    assert first.validation == again.validation and first.train == again.train
    assert first.validation != other.validation


def test_a_class_is_split_the_same_whatever_the_other_classes():
    # The order of a class depends on (seed, its name) only.
    alone = split(index_of([30, 30]), seed=5)
    more = split(index_of([30, 30, 10]), seed=5)
    assert [s.path for s in alone.validation if s.label == 1] == [s.path for s in more.validation if s.label == 1]


def test_predefined_split_is_kept_and_a_missing_part_is_drawn_from_train():
    index = index_of([10, 10], predefined="train")
    index.samples += [Sample(Path(f"/data/test/{c}.png"), c, "test") for c in (0, 1)]
    parts = split(index, validation=0.2, test=0.5, seed=0)
    assert [s.path.name for s in parts.test] == ["0.png", "1.png"]  # the folder's, not 50% of train
    assert labels(parts.validation) == {0: 2, 1: 2}  # no val/ folder: drawn from train/
    assert len(parts.train) == 16


@pytest.mark.parametrize("validation, test", [(-0.1, 0.0), (1.0, 0.0), (0.6, 0.4), (0.2, 1.5)])
def test_bad_fractions(validation, test):
    with pytest.raises(ValueError, match="validation|test"):
        split(index_of([5, 5]), validation=validation, test=test)
