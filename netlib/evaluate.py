"""How well a trained run classifies, and where it goes wrong (the app's Results page and
`python main.py evaluate`).

    >>> from netlib.evaluate import evaluate
    >>> result = evaluate("runs/20250101-120000-lenet5")        # its validation images
    >>> result.top1, result.top5
    (0.981, 1.0)

`evaluate` writes `evaluation.json` into the run folder (atomically). Its schema
(format "convlab-evaluation/1"):

    format          "convlab-evaluation/1"
    run             the run folder's name
    model_file      the model evaluated ("best.keras", else "last.keras")
    data            "validation" (the run's validation split) or the folder given
    ten_crop        true when AlexNet's ten-crop test was used
    classes         class names, in label order
    images          number of images evaluated
    skipped         [{"path", "reason", "detail"}]: files that could not be decoded
    top1, top5      accuracies, fractions in [0, 1] (top5: top-min(5, classes))
    per_class       [{"class", "precision", "recall", "support"}]: precision is null for
                    a class never predicted; support is the number of true images
    confusion_matrix  rows: true class, columns: predicted class (counts)
    misclassified   [{"path" (absolute), "true", "predicted", "top5": [{"class",
                    "probability"}]}], every wrongly classified image, most confident
                    mistakes first
    created         ISO date and time

Images are decoded exactly as for training (netlib.data's cache, same size, colour and
resize modes), and a model trained on crops sees the centre crop (or the ten crops).
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
from netlib.runs import RunFolder, write_json_atomic

__all__ = ["Evaluation", "evaluate", "load_evaluation", "EVALUATION_FORMAT", "TEN_CROP_RATIO"]

EVALUATION_FORMAT = "convlab-evaluation/1"
# AlexNet's test images are 256x256 for 224x224 crops: the crop covers 224/256 of a side.
TEN_CROP_RATIO = 256 / 224


@dataclasses.dataclass
class Evaluation:
    """The result of :func:`evaluate`; `to_dict()` is evaluation.json (schema above)."""

    run: str
    model_file: str
    data: str
    ten_crop: bool
    classes: list[str]
    images: int
    skipped: list[dict[str, str]]
    top1: float
    top5: float
    per_class: list[dict[str, Any]]
    confusion_matrix: list[list[int]]
    misclassified: list[dict[str, Any]]
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
    batch_size: int = 64,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Evaluation:
    """Evaluate the run's best model on its validation images, or on the folder `data`
    (its class sub-folders must be among the run's classes), and save evaluation.json.

    `ten_crop` averages the predictions over the four corner and the centre crops and
    their mirror images (AlexNet, section 4.1), from images decoded at the training size,
    or 256/224 of the input size when the run did not train on crops. `progress(done,
    total)` reports decoding. Raises ValueError for a missing run, model or images.
    """
    folder = RunFolder.open(run)
    loaded = load_model(folder)
    if loaded.input_size is None:
        raise ValueError("The run's model has no fixed input size; cannot evaluate it.")
    samples, described, scan_skipped = _samples(folder, loaded, data)
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
    result = _score(folder, loaded, described, ten_crop, cache, probs, root=_root(folder, data))
    result.skipped = scan_skipped + result.skipped
    write_json_atomic(folder.file(RunFolder.EVALUATION), result.to_dict())
    return result


# ----------------------------------------------------------------------------- stages


def _root(folder: RunFolder, data) -> Path:
    if data is not None:
        return Path(data)
    return Path(folder.dataset()["root"])


def _samples(folder: RunFolder, loaded: LoadedModel, data) -> tuple[list, str, list[dict]]:
    if data is None:
        samples = [datalib.Sample(path, label) for path, label in folder.validation_samples()]
        if not samples:
            raise ValueError(
                f"The run {folder.path.name} has no validation images; give a folder to "
                f"evaluate on (--data FOLDER)."
            )
        return samples, "validation", []
    index = datalib.scan(data)
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
    return samples, str(data), skipped


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


def _score(folder, loaded, described, ten_crop, cache, probs, root: Path) -> Evaluation:
    classes = loaded.classes
    labels = np.asarray(cache.labels, np.int64)
    predicted = probs.argmax(axis=1)
    k = min(5, len(classes))
    top_k = np.argsort(-probs, axis=1, kind="stable")[:, :k]
    confusion = np.zeros((len(classes), len(classes)), np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    per_class = []
    for c, name in enumerate(classes):
        predicted_as = confusion[:, c].sum()
        support = confusion[c, :].sum()
        per_class.append(
            {
                "class": name,
                "precision": float(confusion[c, c] / predicted_as) if predicted_as else None,
                "recall": float(confusion[c, c] / support) if support else None,
                "support": int(support),
            }
        )
    wrong = np.flatnonzero(predicted != labels)
    wrong = wrong[np.argsort(-probs[wrong, predicted[wrong]], kind="stable")]
    misclassified = [
        {
            "path": str(Path(cache.paths[i]).resolve()),
            "true": classes[labels[i]],
            "predicted": classes[predicted[i]],
            "top5": [{"class": n, "probability": p} for n, p in top_classes(probs[i], classes, 5)],
        }
        for i in wrong
    ]
    skipped = [
        {"path": _relative(Path(s.path), root), "reason": s.reason, "detail": s.detail}
        for s in cache.skipped
    ]
    return Evaluation(
        run=folder.path.name,
        model_file=loaded.path.name if loaded.path else "",
        data=described,
        ten_crop=bool(ten_crop),
        classes=list(classes),
        images=int(len(labels)),
        skipped=skipped,
        top1=float(np.mean(predicted == labels)),
        top5=float(np.mean((top_k == labels[:, None]).any(axis=1))),
        per_class=per_class,
        confusion_matrix=confusion.tolist(),
        misclassified=misclassified,
    )


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def load_evaluation(run: str | os.PathLike) -> dict[str, Any]:
    """evaluation.json of a run, as a dict; ValueError if the run was never evaluated."""
    return RunFolder.open(run).evaluation()
