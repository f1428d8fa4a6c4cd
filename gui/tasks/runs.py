"""Jobs over the runs folder (netlib.runs reads every file): the runs listed by the Runs,
Results and Predict pages, and a run's evaluation."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

from gui.images import thumbnail_of_file
from gui.tasks.datasets import DIGITS, dataset_folder

THUMBNAIL_BATCH = 24  # thumbnails sent to the GUI thread per progress report


@dataclasses.dataclass(frozen=True)
class RunInfo:
    """One run folder, as the pages list it."""

    path: Path
    model: str  # the network, with the options it was trained with
    dataset: str
    started: str
    state: str
    epochs_completed: int
    epochs: int
    best_val_accuracy: float  # NaN: no validation yet
    resumable: bool
    has_model: bool
    metrics: tuple = ()  # metrics.csv's rows, when asked for

    @property
    def name(self) -> str:
        return self.path.name

    def accuracy_text(self) -> str:
        """"96.9% val. accuracy", or why there is none."""
        if not math.isnan(self.best_val_accuracy):
            return f"{self.best_val_accuracy:.1%} val. accuracy"
        return "no model yet" if not self.has_model else "no validation"

    def label(self) -> str:
        """The run in a list: its folder's name and its best validation accuracy."""
        return f"{self.name} · {self.accuracy_text()}"


def read_runs(runs_dir: Path, with_metrics: bool, context) -> list[RunInfo]:
    """Job: every run folder under `runs_dir`, newest first (`with_metrics`: with their
    metrics.csv rows, for curves)."""
    from netlib.runs import RunFolder

    runs = []
    for folder in reversed(RunFolder.list_runs(runs_dir)):
        context.check()
        try:
            config = folder.config()
        except ValueError:
            continue  # a broken config.json: not a usable run
        status = folder.status()
        best = status.get("best_val_accuracy")
        metrics = tuple(folder.metrics())
        options = ", ".join(f"{k}={v}" for k, v in sorted(config.model_options.items()))
        runs.append(RunInfo(
            path=folder.path,
            model=f"{config.model} ({options})" if options else config.model,
            dataset=_dataset_name(config.dataset),
            started=folder.started().strftime("%Y-%m-%d %H:%M"),
            state=status.get("state", "unknown"),
            epochs_completed=int(status.get("epochs_completed") or len(metrics)),
            epochs=config.epochs,
            best_val_accuracy=float(best) if isinstance(best, (int, float)) else math.nan,
            resumable=folder.can_resume(),
            has_model=folder.has_model(),
            metrics=metrics if with_metrics else (),
        ))
    return runs


def _dataset_name(dataset: str) -> str:
    try:
        if Path(dataset).resolve() == dataset_folder(DIGITS).resolve():
            return "digits (bundled)"
    except OSError:
        pass
    return Path(dataset).name or dataset


def read_evaluation(run_dir: Path, context) -> dict | None:
    """Job: the run's evaluation.json, or None when it has none or it is not current
    (the model changed since: evaluate again)."""
    from netlib.runs import RunFolder

    folder = RunFolder.open(run_dir)
    return folder.evaluation() if folder.evaluation_is_current() else None


#: What the Results page's Evaluate evaluates: the choice's label and netlib.evaluate's split.
EVALUATED_PARTS = {"all parts": "all", "validation only": "validation"}


def evaluate_run(run_dir: Path, ten_crop: bool, split: str, context) -> dict:
    """Job: netlib.evaluate on the run's images (`split`: "all" parts, or "validation");
    returns evaluation.json."""
    from netlib.evaluate import evaluate
    from netlib.runs import RunFolder

    evaluate(run_dir, ten_crop=ten_crop, split=split, progress=context.progress_reporter(),
             cancel=context.cancelled)
    return RunFolder(run_dir).evaluation()


def correct_images(run_dir: Path, evaluation: dict, label: int, context) -> list:
    """Job: the images of class `label` the run classified correctly, with their top-5
    (evaluation.json lists only the mistakes, so these are predicted again), as
    gui.widgets.gallery.GalleryItem."""
    from gui.widgets.gallery import GalleryItem
    from netlib import data
    from netlib.predict import load_model, predict
    from netlib.runs import RunFolder

    folder = RunFolder.open(run_dir)
    name = evaluation["classes"][label]
    if evaluation["data"] == "validation":
        paths = [path for path, y in folder.validation_samples() if y == label]
    else:
        index = data.scan(evaluation["data"])
        paths = [s.path for s in index.samples if index.classes[s.label] == name]
    wrong = {m["path"] for m in evaluation["misclassified"]}
    paths = [str(Path(p).resolve()) for p in paths if str(Path(p).resolve()) not in wrong]
    context.check()
    model = load_model(folder)
    items = []
    for prediction in predict(model, paths, top=5):
        context.check()
        if prediction.ok and prediction.top[0][0] == name:
            items.append(GalleryItem(prediction.source, name, name, tuple(prediction.top)))
    return items


def decode_gallery_thumbnails(paths: list[str], size: int, context) -> None:
    """Job: thumbnails of `paths`, reported as lists of (path, QImage) as they decode."""
    from netlib.data import ImageError

    batch = []
    for path in paths:
        context.check()
        try:
            batch.append((path, thumbnail_of_file(path, size)))
        except ImageError:
            continue
        if len(batch) >= THUMBNAIL_BATCH:
            context.report(batch)
            batch = []
    if batch:
        context.report(batch)
