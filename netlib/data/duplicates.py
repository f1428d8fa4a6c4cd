"""Duplicate images in a dataset, and the groups that leak across the split.

    >>> index = data.scan("photos/")
    >>> groups = data.find_duplicates(index, parts=data.split(index))
    >>> [(g.kind, g.flags, [s.path.name for s in g.members]) for g in groups]
    [('exact', ('label conflict',), ['a.jpg', 'a copy.jpg']), ('near', ('leakage',), [...])]

Two kinds of duplicates:

- exact: the same bytes (SHA-256 of the file). Only files of equal size can be equal, so
  only those are read and hashed.
- near: the same picture re-encoded, resized or lightly edited: a perceptual hash of the
  decoded image (pHash: the signs of the 8x8 lowest frequencies of the 32x32 grey
  image's DCT against their median; Zauner 2010, as ``imagehash.phash`` computes it),
  compared by Hamming distance. Written here in a few lines of numpy rather than taken
  from ``imagehash``, which would bring PyWavelets for hashes ConvLab does not use:
  measured on planted copies (benchmarks/duplicates.py), it finds every re-encoded,
  resized and copied image and groups no distinct ones.

Images within :data:`NEAR_DISTANCE` bits of each other are linked, and a group is a set
of linked images (connected components). A group is "exact" when all its members have
the same bytes, else "near". It is flagged "label conflict" when its members are filed
under more than one class and "leakage" when they fall in more than one part of the
split (a copy in validation or test of a training image makes validation flatter).
:func:`netlib.data.split` can keep each group within one part (`keep_together`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from netlib.data.decode import decode_image
from netlib.data.errors import ImageError
from netlib.data.parallel import parallel_map
from netlib.data.phash import HASH_SIDE, perceptual_hash
from netlib.data.scanning import DatasetIndex, Sample

__all__ = [
    "NEAR_DISTANCE",
    "DUPLICATE_FLAGS",
    "DuplicateGroup",
    "perceptual_hashes",
    "find_duplicates",
]

#: Hashes at most this many bits apart (of 64) are near duplicates. Re-encoding and
#: resizing move a hash by 0-4 bits; distinct photos lie about 32 apart, and of two
#: random hashes 1 pair in 4e9 comes this close.
NEAR_DISTANCE = 8
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


def perceptual_hashes(
    samples: Sequence[Sample],
    *,
    cache=None,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    cancel: Callable[[], bool] | None = None,
) -> dict[Path, int]:
    """The pHash of each sample that decodes, by path: from the rows of `cache` (an
    ImageCache holding the samples: no file is decoded again) where it has them, else
    decoded from the file at reduced scale (the hash needs 32x32 pixels)."""
    rows = {str(p): r for r, p in enumerate(cache.paths)} if cache is not None else {}
    hashes: dict[Path, int] = {}

    def hash_of(sample: Sample) -> int | None:
        row = rows.get(str(sample.path))
        if row is not None:
            return perceptual_hash(cache.images[row])
        try:
            return perceptual_hash(decode_image(sample.path, size=HASH_SIDE, color_mode="grayscale"))
        except ImageError:
            return None

    found = parallel_map(hash_of, samples, workers=workers, progress=progress,
                         cancel=cancel, what="hashing")
    for sample, value in found:
        if value is not None:
            hashes[sample.path] = value
    return hashes


def find_duplicates(
    index: DatasetIndex,
    *,
    parts: Mapping[Path, str] | object | None = None,
    hashes: Mapping[Path, int] | None = None,
    cache=None,
    distance: int = NEAR_DISTANCE,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    cancel: Callable[[], bool] | None = None,
) -> list[DuplicateGroup]:
    """The groups of exact and near duplicates among `index.samples`, largest first.

    Args:
        parts: the part of each image: a :class:`~netlib.data.Split` or {path: part};
            default the folder's own split where it has one. Without one, no group is
            flagged "leakage".
        hashes: perceptual hashes already computed ({path: hash}); default
            :func:`perceptual_hashes` (from `cache` where given).
        distance: the largest Hamming distance of near duplicates (0: exact only).
        progress: ``progress(done, total)`` while hashing.
    """
    samples = list(index.samples)
    if hashes is None:
        hashes = perceptual_hashes(samples, cache=cache, workers=workers,
                                   progress=progress, cancel=cancel)
    contents = _content_ids(samples, workers)
    links = _UnionFind(len(samples))
    first_with: dict[str, int] = {}
    for i, content in enumerate(contents):
        if content is not None:
            links.union(first_with.setdefault(content, i), i)
    if distance > 0:
        hashed = [i for i, s in enumerate(samples) if s.path in hashes]
        values = np.array([hashes[samples[i].path] for i in hashed], dtype=np.uint64)
        for a, b in _near_pairs(values, distance):
            links.union(hashed[a], hashed[b])
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


def _near_pairs(values: np.ndarray, distance: int):
    """(i, j), i < j, of the hashes at most `distance` bits apart: all pairs compared,
    a block of rows at a time (XOR and a population count: about 1e9 pairs a second)."""
    count = len(values)
    block = max(1, (1 << 22) // max(count, 1))
    for start in range(0, count, block):
        rows = values[start : start + block]
        apart = np.bitwise_count(rows[:, None] ^ values[None, :])
        for a, b in zip(*np.nonzero(apart <= distance)):
            i = start + int(a)
            if i < int(b):
                yield i, int(b)


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
