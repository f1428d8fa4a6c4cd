"""Duplicate images in a dataset, and the groups that leak across the split.

    >>> index = data.scan("photos/")
    >>> groups = data.find_duplicates(index, parts=data.split(index))
    >>> [(g.kind, g.flags, [s.path.name for s in g.members]) for g in groups]
    [('exact', ('label conflict',), ['a.jpg', 'a copy.jpg']), ('near', ('leakage',), [...])]

Two kinds of duplicates:

- exact: the same bytes (SHA-256 of the file). Only files of equal size can be equal, so
  only those are read and hashed.
- near: the same picture re-encoded or resized. Each decoded image's fingerprint
  (netlib.data.phash) holds its 64-bit perceptual hash (pHash, as ``imagehash.phash``
  computes it) and a 16x16 colour thumbnail. Two images are near duplicates when their
  hashes are at most :data:`NEAR_DISTANCE` bits apart (the candidates: all pairs
  compared, about 1e9 a second) and their thumbnails differ by at most
  :data:`NEAR_DIFFERENCE` levels on average (the confirmation: a hash is blind to
  colour, and alone links distinct pictures of one layout, then chains of them into
  large groups). Images smaller than 32 pixels a side are too small to tell a copy from
  a similar picture and take part in exact duplicates only.
  Written here in numpy rather than taken from ``imagehash`` (which would bring
  PyWavelets, for hashes ConvLab does not use): the hash is the same, and
  benchmarks/duplicates.py measures the search on planted copies.

Linked images form a group (connected components). A group is "exact" when all its
members have the same bytes, else "near". It is flagged "label conflict" when its members
are filed under more than one class and "leakage" when they fall in more than one part of
the split (a copy in validation or test of a training image makes validation flatter).
:func:`netlib.data.split` can keep each group within one part (`keep_together`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from netlib.data.decode import check_image, decode_image
from netlib.data.errors import ImageError
from netlib.data.parallel import parallel_map
from netlib.data.phash import HASH_SIDE, Fingerprint, fingerprint
from netlib.data.scanning import DatasetIndex, Sample

__all__ = [
    "NEAR_DISTANCE",
    "NEAR_DIFFERENCE",
    "DUPLICATE_FLAGS",
    "DuplicateGroup",
    "fingerprints",
    "find_duplicates",
]

#: Hashes at most this many bits apart (of 64) are candidates. Re-encoding (JPEG quality
#: 40) and resizing (60%) moved a hash by up to 12 bits from its original, 4 or less for
#: 9 copies in 10 (benchmarks/duplicates.py); two random hashes come this close once in
#: 5 million pairs, and the thumbnails decide.
NEAR_DISTANCE = 12
#: ... and near duplicates when their 16x16 colour thumbnails differ by at most this much
#: (mean absolute difference, of 255): planted copies differed from their originals by
#: 3.2 at most, distinct images with hashes that close by 17.9 at least.
NEAR_DIFFERENCE = 8.0
#: The flags a group can carry.
DUPLICATE_FLAGS = ("label conflict", "leakage")

ProgressCallback = Callable[[int, int], None]


@dataclasses.dataclass(frozen=True)
class DuplicateGroup:
    """Images that are copies of each other: `kind` "exact" or "near", `members` in
    path order, their `parts` ("train", "validation", "test"; None when the split is
    unknown), and `flags` (of :data:`DUPLICATE_FLAGS`)."""

    kind: str
    members: tuple[Sample, ...]
    parts: tuple[str | None, ...]
    flags: tuple[str, ...]

    def to_dict(self, root: Path, classes: Sequence[str]) -> dict:
        """The group as ``scan --duplicates --format json`` prints it: member paths
        relative to `root`, with their classes and parts."""
        return {
            "kind": self.kind,
            "flags": list(self.flags),
            "members": [_relative(s.path, root) for s in self.members],
            "classes": [classes[s.label] for s in self.members],
            "splits": list(self.parts),
        }


def fingerprints(
    samples: Sequence[Sample],
    *,
    cache=None,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    cancel: Callable[[], bool] | None = None,
) -> dict[Path, Fingerprint]:
    """The fingerprint of each sample that decodes, by path: from the rows of `cache` (an
    ImageCache holding the samples: no image is decoded again, only its header read for
    its size) where it has them, else decoded from the file at reduced scale."""
    rows = {str(p): r for r, p in enumerate(cache.paths)} if cache is not None else {}

    def fingerprint_of(sample: Sample) -> Fingerprint | None:
        try:
            side = min(check_image(sample.path))
            row = rows.get(str(sample.path))
            if row is not None:
                return fingerprint(cache.images[row], side)
            return fingerprint(decode_image(sample.path, size=HASH_SIDE), side)
        except ImageError:
            return None

    found = parallel_map(fingerprint_of, samples, workers=workers, progress=progress,
                         cancel=cancel, what="fingerprinting")
    return {sample.path: value for sample, value in found if value is not None}


_fingerprints = fingerprints  # find_duplicates' argument of that name hides the function


def find_duplicates(
    index: DatasetIndex,
    *,
    parts: Mapping[Path, str] | object | None = None,
    fingerprints: Mapping[Path, Fingerprint] | None = None,
    cache=None,
    distance: int | None = NEAR_DISTANCE,
    difference: float = NEAR_DIFFERENCE,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    cancel: Callable[[], bool] | None = None,
) -> list[DuplicateGroup]:
    """The groups of exact and near duplicates among `index.samples`, largest first.

    Args:
        parts: the part of each image: a :class:`~netlib.data.Split` or {path: part};
            default the folder's own split where it has one. Without one, no group is
            flagged "leakage".
        fingerprints: computed already ({path: Fingerprint}); default the index's (a
            scan that decoded), else :func:`fingerprints` (from `cache` where given).
        distance: the largest Hamming distance of near-duplicate hashes (None: exact
            duplicates only).
        difference: the largest mean difference of near duplicates' thumbnails.
        progress: ``progress(done, total)`` while fingerprinting.
    """
    samples = list(index.samples)
    if fingerprints is None:
        fingerprints = index.fingerprints or _fingerprints(
            samples, cache=cache, workers=workers, progress=progress, cancel=cancel)
    contents = _content_ids(samples, workers)
    links = _UnionFind(len(samples))
    first_with: dict[str, int] = {}
    for i, content in enumerate(contents):
        if content is not None:
            links.union(first_with.setdefault(content, i), i)
    if distance is not None:
        large = [i for i, s in enumerate(samples)
                 if s.path in fingerprints and fingerprints[s.path].side >= HASH_SIDE]
        prints = [fingerprints[samples[i].path] for i in large]
        for a, b in _near_pairs(prints, distance, difference):
            links.union(large[a], large[b])
    part_of = _parts(samples, parts)
    groups = []
    for members in links.groups():
        if len(members) < 2:
            continue
        members.sort(key=lambda i: str(samples[i].path))
        exact = contents[members[0]] is not None and all(
            contents[i] == contents[members[0]] for i in members
        )
        member_parts = tuple(part_of.get(samples[i].path) for i in members)
        flags = []
        if len({samples[i].label for i in members}) > 1:
            flags.append("label conflict")
        if len({p for p in member_parts if p is not None}) > 1:
            flags.append("leakage")
        groups.append(DuplicateGroup("exact" if exact else "near",
                                     tuple(samples[i] for i in members), member_parts, tuple(flags)))
    groups.sort(key=lambda g: (-len(g.members), str(g.members[0].path)))
    return groups


def _parts(samples: Sequence[Sample], parts) -> dict[Path, str]:
    if parts is None:
        return {s.path: s.split for s in samples if s.split is not None}
    if isinstance(parts, Mapping):
        return dict(parts)
    return {s.path: name for name in ("train", "validation", "test") for s in getattr(parts, name)}


def _content_ids(samples: Sequence[Sample], workers: int | None) -> list[str | None]:
    """SHA-256 of each file that shares its size with another (None for the others and
    for unreadable files): only files of one size can hold the same bytes."""
    sizes: dict[int, list[int]] = {}
    for i, sample in enumerate(samples):
        try:
            sizes.setdefault(os.stat(sample.path).st_size, []).append(i)
        except OSError:
            continue
    candidates = [i for same in sizes.values() if len(same) > 1 for i in same]
    contents: list[str | None] = [None] * len(samples)
    for i, digest in parallel_map(lambda i: _sha256(samples[i].path), candidates, workers=workers):
        contents[i] = digest
    return contents


def _sha256(path: Path) -> str | None:
    try:
        with open(path, "rb") as file:
            return hashlib.file_digest(file, "sha256").hexdigest()
    except OSError:
        return None


def _near_pairs(prints: Sequence[Fingerprint], distance: int, difference: float):
    """(i, j), i < j, of the fingerprints whose hashes are at most `distance` bits apart
    (all pairs, a block of rows at a time: XOR and a population count) and whose
    thumbnails differ by at most `difference` on average."""
    if len(prints) < 2:
        return
    values = np.array([p.hash for p in prints], dtype=np.uint64)
    thumbnails = np.stack([p.thumbnail.reshape(-1) for p in prints]).astype(np.int16)
    block = max(1, (1 << 22) // len(values))
    for start in range(0, len(values), block):
        apart = np.bitwise_count(values[start : start + block, None] ^ values[None, :])
        rows, columns = np.nonzero(apart <= distance)
        rows = rows + start
        keep = rows < columns
        rows, columns = rows[keep], columns[keep]
        differ = np.abs(thumbnails[rows] - thumbnails[columns]).mean(axis=1)
        close = differ <= difference
        yield from zip(rows[close].tolist(), columns[close].tolist())


class _UnionFind:
    def __init__(self, size: int):
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> list[list[int]]:
        found: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            found.setdefault(self.find(i), []).append(i)
        return list(found.values())


def _relative(path: Path, root: Path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return str(path)
