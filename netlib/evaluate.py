"""How well a trained run classifies, and where it goes wrong (the app's Results page and
`python main.py evaluate`).

    >>> from netlib.evaluate import evaluate
    >>> result = evaluate("runs/20250101-120000-lenet5")        # its validation images
    >>> result.top1, result.top5, result.balanced_accuracy
    (0.981, 1.0, 0.979)
    >>> evaluate(run, split="all").top_losses["train"][0]       # label errors hide there
    {'path': ..., 'true': 'cat', 'predicted': 'dog', 'loss': 6.2, 'top5': [...]}

`evaluate` writes `evaluation.json` into the run folder (atomically). Its schema
(format netlib.runs.EVALUATION_FORMAT, "convlab-evaluation/2"):

    format          "convlab-evaluation/2"
    run             the run folder's name
    model_file      the model evaluated ("best.keras", else "last.keras")
    data            what the headline figures below describe: "validation", "train" or
                    "test" (a part of the run's split), or the folder given
    split           the part(s) evaluated: "train", "validation", "test" or "all"
                    ("folder" for a folder given)
    ten_crop        true when AlexNet's ten-crop test was used
    classes         class names, in label order
    images          number of images `data` holds (evaluated)
    skipped         [{"path", "reason", "detail"}]: files that could not be decoded
    top1, top5      accuracies, fractions in [0, 1] (top5: top-min(5, classes))
    balanced_accuracy  the mean of the per-class recalls (classes with images): what
                    top-1 would be with every class of equal size
    macro_f1        the mean F1 score over the classes with images or predictions
    per_class       [{"class", "precision", "recall", "f1", "support"}]: precision is
                    null for a class never predicted; support is the number of true images
    confusion_matrix  rows: true class, columns: predicted class (counts)
    most_confused   [{"true", "predicted", "count"}]: the off-diagonal cells with images,
                    most first
    misclassified   [{"path" (absolute), "true", "predicted", "loss", "top5": [{"class",
                    "probability"}]}], every wrongly classified image of `data`, most
                    confident mistakes first
    splits          {part: {"images", "top1", "top5", "balanced_accuracy", "macro_f1",
                    "loss"}} for every part evaluated (loss: the mean cross-entropy)
    top_losses      {part: [{"path", "true", "predicted", "loss", "top5"}]}: the
                    TOP_LOSSES images of each part with the highest loss (-ln of the
                    probability of the true class), highest first, right or wrong
    created         ISO date and time

With split "all", `data` (and so the headline figures, the confusion matrix and the
mistakes) is the validation part, or the test part, or the training part, the first the
run has. Images are decoded exactly as for training (netlib.data's cache, same size,
colour and resize modes, rows copied from the training cache where the files are
unchanged), and a model trained on crops sees the centre crop (or the ten crops).
"""

from __future__ import annotations

import dataclasses
import datetime
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from netlib import data as datalib
from netlib.predict import LoadedModel, load_model, probabilities, top_classes
from netlib.runs import EVALUATION_FORMAT, RunFolder, write_json_atomic

__all__ = ["Evaluation", "evaluate", "load_evaluation", "EVALUATION_FORMAT", "TEN_CROP_RATIO",
           "SPLITS", "TOP_LOSSES", "class_scores", "most_confused"]

#: What `evaluate(split=...)` takes: one part of the run's split, or all of them.
SPLITS = ("train", "validation", "test", "all")
#: The highest-loss images kept per part.
TOP_LOSSES = 100
_PARTS = ("train", "validation", "test")
# The probability a loss is computed from is clipped here, as Keras' cross-entropy does.
_EPSILON = 1e-7
# AlexNet's test images are 256x256 for 224x224 crops: the crop covers 224/256 of a side.
TEN_CROP_RATIO = 256 / 224


@dataclasses.dataclass
class Evaluation:
    """The result of :func:`evaluate`; `to_dict()` is evaluation.json (schema above)."""

    run: str
    model_file: str
    data: str
    split: str
    ten_crop: bool
    classes: list[str]
    images: int
    skipped: list[dict[str, str]]
    top1: float
    top5: float
    balanced_accuracy: float
    macro_f1: float
    per_class: list[dict[str, Any]]
    confusion_matrix: list[list[int]]
    most_confused: list[dict[str, Any]]
    misclassified: list[dict[str, Any]]
    splits: dict[str, dict[str, float]]
    top_losses: dict[str, list[dict[str, Any]]]
    created: str = dataclasses.field(
        default_factory=lambda: datetime.datetime.now().isoformat(timespec="seconds")
    )

    def to_dict(self) -> dict[str, Any]:
        return {"format": EVALUATION_FORMAT, **dataclasses.asdict(self)}


def evaluate(
    run: str | os.PathLike,
    data: str | os.PathLike | None = None,
    ten_crop: bool = False,
    *,
    split: str = "validation",
    batch_size: int = 64,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Evaluation:
    """Evaluate the run's best model on a part of its split (`split`: "validation",
    "train", "test", or "all" of them), or on the folder `data` (its class sub-folders
    must be among the run's classes), and save evaluation.json.

    `ten_crop` averages the predictions over the four corner and the centre crops and
    their mirror images (AlexNet, section 4.1), from images decoded at the training size,
    or 256/224 of the input size when the run did not train on crops. `progress(done,
    total)` reports decoding. Raises ValueError for a missing run, model or images.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(map(repr, SPLITS))}; received split={split!r}.")
    folder = RunFolder.open(run)
    loaded = load_model(folder)
    if loaded.input_size is None:
        raise ValueError("The run's model has no fixed input size; cannot evaluate it.")
    parts, scan_skipped = _parts(folder, loaded, data, split)
    samples = [sample for members in parts.values() for sample in members]
    size = _decode_size(loaded, ten_crop)
    cache = datalib.build_cache(
        samples,
        image_size=size,
        color_mode=loaded.color_mode,
        resize=loaded.resize,
        progress=progress,
        cancel=cancel,
    )
    if len(cache) == 0:
        raise ValueError(f"None of the {len(samples)} images could be decoded.")
    probs = _predict(loaded, cache.images, ten_crop, batch_size)
    rows = {part: cache.rows_for(members) for part, members in parts.items()}
    headline = _headline(rows, data)
    result = _score(folder, loaded, cache, probs, rows, headline,
                    described=str(data) if data is not None else headline,
                    split="folder" if data is not None else split,
                    ten_crop=ten_crop, root=_root(folder, data))
    result.skipped = scan_skipped + result.skipped
    write_json_atomic(folder.file(RunFolder.EVALUATION), result.to_dict())
    return result


# ----------------------------------------------------------------------------- stages


def _root(folder: RunFolder, data) -> Path:
    if data is not None:
        return Path(data)
    return Path(folder.dataset()["root"])


def _parts(folder: RunFolder, loaded: LoadedModel, data, split: str) -> tuple[dict[str, list], list[dict]]:
    """{part: [Sample]} to evaluate (one "folder" part for a folder), and the files the
    folder's scan skipped."""
    if data is None:
        wanted = _PARTS if split == "all" else (split,)
        parts = {part: [datalib.Sample(path, label) for path, label in folder.samples(part)]
                 for part in wanted}
        parts = {part: members for part, members in parts.items() if members}
        if not parts:
            raise ValueError(
                f"The run {folder.path.name} has no {split if split != 'all' else ''} images"
                f"{'' if split == 'all' else ' in that part of its split'}; give a folder to "
                f"evaluate on (--data FOLDER)" + ("" if split == "all" else " or another --split") + "."
            )
        return parts, []
    index = datalib.scan(data, verify=False)  # the cache build's decode checks each file
    known = {name: i for i, name in enumerate(loaded.classes)}
    unknown = [name for name in index.classes if name not in known]
    if unknown:
        raise ValueError(
            f"{data} has classes the model does not know: {', '.join(unknown)}. "
            f"The model's classes: {', '.join(loaded.classes)}."
        )
    samples = [
        datalib.Sample(s.path, known[index.classes[s.label]]) for s in index.samples
    ]
    skipped = [
        {"path": _relative(Path(s.path), Path(index.root)), "reason": s.reason, "detail": s.detail}
        for s in index.skipped
    ]
    return {"folder": samples}, skipped


def _headline(rows: dict[str, np.ndarray], data) -> str:
    """The part the headline figures describe: the folder, or validation, test, train."""
    for part in ("folder", "validation", "test", "train"):
        if part in rows and len(rows[part]):
            return part
    raise ValueError("None of the images could be decoded.")


def _decode_size(loaded: LoadedModel, ten_crop: bool) -> tuple[int, int]:
    size = tuple(loaded.image_size)
    if ten_crop and size == tuple(loaded.input_size):
        size = tuple(int(round(d * TEN_CROP_RATIO)) for d in loaded.input_size)
    return size


def _predict(loaded: LoadedModel, images: np.ndarray, ten_crop: bool, batch_size: int):
    chunk = batch_size * 8  # a memory-mapped cache is read a slice at a time
    parts = []
    for start in range(0, len(images), chunk):
        block = np.asarray(images[start : start + chunk])
        if ten_crop:
            from netlib.augment import ten_crop_predict

            parts.append(
                np.asarray(
                    ten_crop_predict(loaded.model, block, loaded.input_size, batch_size=batch_size),
                    np.float64,
                )
            )
        else:
            parts.append(probabilities(loaded, block, batch_size))
    return np.concatenate(parts)


def class_scores(confusion: np.ndarray) -> dict[str, Any]:
    """Per-class precision, recall and F1 (None where undefined) of a confusion matrix
    (rows true, columns predicted), with balanced accuracy (the mean recall over the
    classes with images) and macro F1 (the mean F1 over the classes with images or
    predictions; F1 counts as 0 where precision or recall is 0 or undefined)."""
    confusion = np.asarray(confusion, np.int64)
    hits = np.diag(confusion).astype(np.float64)
    support, predicted = confusion.sum(axis=1), confusion.sum(axis=0)
    precision = [float(h / p) if p else None for h, p in zip(hits, predicted)]
    recall = [float(h / s) if s else None for h, s in zip(hits, support)]
    f1 = [2 * p * r / (p + r) if p and r else (0.0 if (s or q) else None)
          for p, r, s, q in zip(precision, recall, support, predicted)]
    recalls = [r for r in recall if r is not None]
    scored = [f for f in f1 if f is not None]
    return {
        "precision": precision, "recall": recall, "f1": f1, "support": support.tolist(),
        "balanced_accuracy": float(np.mean(recalls)) if recalls else 0.0,
        "macro_f1": float(np.mean(scored)) if scored else 0.0,
    }


def most_confused(confusion, classes: list[str]) -> list[dict[str, Any]]:
    """The off-diagonal cells holding images, as [{"true", "predicted", "count"}], the
    largest counts first (fastai's `most_confused`)."""
    confusion = np.asarray(confusion, np.int64)
    cells = [(int(confusion[t, p]), t, p) for t in range(len(classes)) for p in range(len(classes))
             if t != p and confusion[t, p]]
    cells.sort(key=lambda cell: (-cell[0], cell[1], cell[2]))
    return [{"true": classes[t], "predicted": classes[p], "count": n} for n, t, p in cells]


def _score(folder, loaded, cache, probs, rows, headline, *, described, split, ten_crop,
           root: Path) -> Evaluation:
    classes = loaded.classes
    labels = np.asarray(cache.labels, np.int64)
    losses = -np.log(np.clip(probs[np.arange(len(labels)), labels], _EPSILON, 1.0))
    main = rows[headline]
    figures = _figures(labels[main], probs[main], losses[main], len(classes))
    scores = class_scores(figures["confusion"])
    per_class = [
        {"class": name, "precision": scores["precision"][c], "recall": scores["recall"][c],
         "f1": scores["f1"][c], "support": int(scores["support"][c])}
        for c, name in enumerate(classes)
    ]
    predicted = probs.argmax(axis=1)
    wrong = main[predicted[main] != labels[main]]
    wrong = wrong[np.argsort(-probs[wrong, predicted[wrong]], kind="stable")]
    skipped = [
        {"path": _relative(Path(s.path), root), "reason": s.reason, "detail": s.detail}
        for s in cache.skipped
    ]
    return Evaluation(
        run=folder.path.name,
        model_file=loaded.path.name if loaded.path else "",
        data=described,
        split=split,
        ten_crop=bool(ten_crop),
        classes=list(classes),
        images=int(len(main)),
        skipped=skipped,
        top1=figures["top1"],
        top5=figures["top5"],
        balanced_accuracy=scores["balanced_accuracy"],
        macro_f1=scores["macro_f1"],
        per_class=per_class,
        confusion_matrix=figures["confusion"].tolist(),
        most_confused=most_confused(figures["confusion"], classes),
        misclassified=[_entry(cache, probs, losses, i, classes) for i in wrong],
        splits={part: _summary(labels[r], probs[r], losses[r], len(classes))
                for part, r in rows.items() if len(r)},
        top_losses={part: [_entry(cache, probs, losses, i, classes)
                           for i in r[np.argsort(-losses[r], kind="stable")][:TOP_LOSSES]]
                    for part, r in rows.items() if len(r)},
    )


def _figures(labels, probs, losses, classes: int) -> dict[str, Any]:
    predicted = probs.argmax(axis=1)
    k = min(5, classes)
    top_k = np.argsort(-probs, axis=1, kind="stable")[:, :k]
    confusion = np.zeros((classes, classes), np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    return {
        "top1": float(np.mean(predicted == labels)),
        "top5": float(np.mean((top_k == labels[:, None]).any(axis=1))),
        "loss": float(np.mean(losses)),
        "confusion": confusion,
    }


def _summary(labels, probs, losses, classes: int) -> dict[str, float]:
    figures = _figures(labels, probs, losses, classes)
    scores = class_scores(figures["confusion"])
    return {"images": int(len(labels)), "top1": figures["top1"], "top5": figures["top5"],
            "balanced_accuracy": scores["balanced_accuracy"], "macro_f1": scores["macro_f1"],
            "loss": figures["loss"]}


def _entry(cache, probs, losses, row: int, classes: list[str]) -> dict[str, Any]:
    """One image of the lists (misclassified, top losses): path, classes, loss, top-5."""
    return {
        "path": str(Path(cache.paths[row]).resolve()),
        "true": classes[int(cache.labels[row])],
        "predicted": classes[int(probs[row].argmax())],
        "loss": float(losses[row]),
        "top5": [{"class": n, "probability": p} for n, p in top_classes(probs[row], classes, 5)],
    }


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def load_evaluation(run: str | os.PathLike) -> dict[str, Any]:
    """evaluation.json of a run, as a dict; ValueError if the run was never evaluated."""
    return RunFolder.open(run).evaluation()
