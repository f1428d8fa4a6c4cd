"""The run folder: everything one training run leaves on disk, for the CLI and the app.

    runs/20250101-120000-resnet20/
      config.json        the TrainConfig (TrainConfig.load reads it back)
      classes.json       the class names, in label order: ["cat", "dog", ...]
      dataset.json       the data as used: folder, image counts, skipped files with reasons,
                         normalisation statistics
      weights.json       a run from pretrained weights: where they came from (file, sha256),
                         the layers loaded and those new, the preprocessing they expect
      split.json         the images of each part: {"train": [[path, label], ...],
                         "validation": [...], "test": [...]}, paths relative to the folder
      metrics.csv        one row per completed epoch (columns: METRIC_COLUMNS)
      status.json        {"state": "running"|"finished"|"stopped"|"failed", "message",
                          "epochs_completed", "best_epoch", "best_val_accuracy", "updated"}
      train.log          the run's log messages, one per line, with times
      tensorboard/       TensorBoard event files (tensorboard --logdir runs/)
      best.keras         the model of the best epoch (by the config's monitor)
      last.keras         the model of the last completed epoch
      resume/            the state to continue from: state.json, the commit point, names
                         the arrays file beside it (netlib.train.checkpoint writes both)
      evaluation.json    written by netlib.evaluate (format EVALUATION_FORMAT; an older
                         format counts as no evaluation: evaluate again)

Both `.keras` files are inference models: uint8 pixels (0-255) in, class probabilities
out; preprocessing inside, augmentation not; class names inside the file (convlab.json).
Every file except train.log and the TensorBoard logs is replaced atomically. Reading a
run folder needs no Keras: the CLI, the app's pages, predict, evaluate and export all
read runs through this module.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import math
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netlib.runs.atomic import write_bytes_atomic, write_json_atomic
from netlib.runs.places import DEFAULT_RUNS_DIR

if TYPE_CHECKING:
    from netlib.train.config import TrainConfig

__all__ = ["RunFolder", "METRIC_COLUMNS", "STATES", "EVALUATION_FORMAT"]

METRIC_COLUMNS = (
    "epoch",
    "loss",
    "accuracy",
    "top5",
    "val_loss",
    "val_accuracy",
    "val_top5",
    "learning_rate",
    "seconds",
)
STATES = ("running", "finished", "stopped", "failed")
#: The format of evaluation.json (its schema: netlib.evaluate). 2 added balanced accuracy,
#: macro F1, the most confused pairs and each part's highest losses.
EVALUATION_FORMAT = "convlab-evaluation/2"
# A run folder's name starts with the moment it was made (see RunFolder.create).
_STAMP_FORMAT = "%Y%m%d-%H%M%S"


class RunFolder:
    """One run's folder: its paths, and reading and writing its small files."""

    CONFIG = "config.json"
    CLASSES = "classes.json"
    DATASET = "dataset.json"
    SPLIT = "split.json"
    METRICS = "metrics.csv"
    STATUS = "status.json"
    LOG = "train.log"
    TENSORBOARD = "tensorboard"
    BEST = "best.keras"
    LAST = "last.keras"
    RESUME = "resume"
    RESUME_STATE = "state.json"  # in resume/: the commit point (see netlib.train.checkpoint)
    EVALUATION = "evaluation.json"
    WEIGHTS = "weights.json"

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    def __fspath__(self) -> str:
        return str(self.path)

    # ----------------------------------------------------------------- finding

    @classmethod
    def create(cls, runs_dir: str | os.PathLike, model: str, *, suffix: str = "") -> RunFolder:
        """Make a new, empty `<runs_dir>/<YYYYmmdd-HHMMSS>-<model><suffix>/`.

        Two runs started in the same second get "-2", "-3", ...: `os.mkdir` fails if the
        folder exists, so two processes can never share one.
        """
        runs_dir = Path(runs_dir)
        runs_dir.mkdir(parents=True, exist_ok=True)
        stem = f"{time.strftime(_STAMP_FORMAT)}-{model}{suffix}"
        for attempt in range(1, 1000):
            path = runs_dir / (stem if attempt == 1 else f"{stem}-{attempt}")
            try:
                path.mkdir()
            except FileExistsError:
                continue
            return cls(path)
        raise RuntimeError(f"Could not create a run folder named {stem} in {runs_dir}.")

    @classmethod
    def open(cls, path: str | os.PathLike) -> RunFolder:
        """An existing run folder; ValueError if `path` is not one."""
        folder = cls(path)
        if not folder.path.is_dir():
            raise ValueError(f"No run folder at {folder.path}.")
        if not (folder.path / cls.CONFIG).is_file():
            raise ValueError(
                f"{folder.path} is not a ConvLab run folder: it has no {cls.CONFIG}."
            )
        return folder

    @staticmethod
    def list_runs(runs_dir: str | os.PathLike = DEFAULT_RUNS_DIR) -> list[RunFolder]:
        """The run folders in `runs_dir`, oldest first."""
        runs_dir = Path(runs_dir)
        if not runs_dir.is_dir():
            return []
        found = [RunFolder(p) for p in runs_dir.iterdir() if (p / RunFolder.CONFIG).is_file()]
        return sorted(found, key=lambda r: r.path.name)

    # ----------------------------------------------------------------- paths

    def file(self, name: str) -> Path:
        return self.path / name

    @property
    def best_model(self) -> Path:
        return self.path / self.BEST

    @property
    def last_model(self) -> Path:
        return self.path / self.LAST

    @property
    def tensorboard_dir(self) -> Path:
        return self.path / self.TENSORBOARD

    @property
    def resume_dir(self) -> Path:
        return self.path / self.RESUME

    def model_path(self) -> Path:
        """best.keras, else last.keras; ValueError when the run saved no model yet."""
        for path in (self.best_model, self.last_model):
            if path.is_file():
                return path
        raise ValueError(f"The run {self.path} has no saved model yet (no {self.BEST}).")

    def has_model(self) -> bool:
        return self.best_model.is_file() or self.last_model.is_file()

    # ----------------------------------------------------------------- reading

    def config(self) -> TrainConfig:
        from netlib.train.config import TrainConfig  # Keras-free, like this module

        return TrainConfig.load(self.path / self.CONFIG)

    def classes(self) -> list[str]:
        return self.read_json(self.CLASSES, "class names")

    def dataset(self) -> dict[str, Any]:
        return self.read_json(self.DATASET, "dataset description")

    def split(self) -> dict[str, list[list]]:
        return self.read_json(self.SPLIT, "split")

    def weights(self) -> dict[str, Any] | None:
        """weights.json (a run from pretrained weights), or None for a run from scratch."""
        if not (self.path / self.WEIGHTS).is_file():
            return None
        return self.read_json(self.WEIGHTS, "weights record")

    def status(self) -> dict[str, Any]:
        """status.json, or {"state": "unknown"} for a run that never wrote one."""
        try:
            return self.read_json(self.STATUS, "status")
        except ValueError:
            return {"state": "unknown"}

    def started(self) -> datetime.datetime:
        """When the run began: from its folder's name (YYYYmmdd-HHMMSS-model, as
        :meth:`create` makes it), else the folder's modification time."""
        try:
            return datetime.datetime.strptime(self.path.name[:15], _STAMP_FORMAT)
        except ValueError:
            return datetime.datetime.fromtimestamp(self.path.stat().st_mtime)

    def validation_samples(self) -> list[tuple[Path, int]]:
        """The run's validation images as (absolute path, label), from split.json and
        the dataset root in dataset.json; ValueError when the run has neither file."""
        return self.samples("validation")

    def samples(self, part: str) -> list[tuple[Path, int]]:
        """The run's images of one part ("train", "validation" or "test") as (absolute
        path, label); ValueError when the run has no split.json or dataset.json."""
        root = Path(self.dataset()["root"])
        return [(root / path, int(label)) for path, label in self.split().get(part, [])]

    def resume_state(self) -> dict[str, Any] | None:
        """resume/state.json, the last committed resume state, or None if there is none.
        ValueError if it is damaged or names an arrays file that is missing (the folder
        was edited by hand): the run cannot resume."""
        path = self.resume_dir / self.RESUME_STATE
        if not path.is_file():
            return None
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(f"{path} is not valid JSON ({error}); the run cannot resume.") from None
        if not (self.resume_dir / state.get("arrays", "")).is_file():
            raise ValueError(
                f"{path} refers to {state.get('arrays')!r}, which is missing; the run cannot resume."
            )
        return state

    def can_resume(self) -> bool:
        """Whether the run has a good resume state: it continues from its last completed
        epoch (a run without one can only start again from epoch 1)."""
        try:
            return self.resume_state() is not None
        except ValueError:
            return False

    def evaluation(self) -> dict[str, Any]:
        """evaluation.json (netlib.evaluate's schema); ValueError if the run has none."""
        return self.read_json(self.EVALUATION, "evaluation")

    def evaluation_is_current(self) -> bool:
        """Whether evaluation.json exists in the current format and is not older than the
        model it evaluates (a run trained further since has a newer model: evaluate it
        again)."""
        evaluation = self.path / self.EVALUATION
        try:
            if self.model_path().stat().st_mtime > evaluation.stat().st_mtime:
                return False
            return self.evaluation().get("format") == EVALUATION_FORMAT
        except (ValueError, OSError):  # no model, or no evaluation
            return False

    def metrics(self) -> list[dict[str, float]]:
        """metrics.csv as a list of rows (floats; epoch as an int; NaN where empty)."""
        path = self.path / self.METRICS
        if not path.is_file():
            return []
        with open(path, newline="", encoding="utf-8") as file:
            return [_parse_row(row) for row in csv.DictReader(file)]

    def read_json(self, name: str, what: str = "file") -> Any:
        path = self.path / name
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ValueError(f"The run {self.path} has no {what} ({name}).") from None
        except json.JSONDecodeError as error:
            raise ValueError(f"{path} is not valid JSON: {error}.") from None

    # ----------------------------------------------------------------- writing

    def write_config(self, config: TrainConfig) -> None:
        config.save(self.path / self.CONFIG)

    def write_classes(self, classes: list[str]) -> None:
        write_json_atomic(self.path / self.CLASSES, list(classes))

    def write_dataset(self, description: dict[str, Any]) -> None:
        write_json_atomic(self.path / self.DATASET, description)

    def write_weights(self, record: dict[str, Any]) -> None:
        write_json_atomic(self.path / self.WEIGHTS, record)

    def write_split(self, listing: dict[str, list[list]]) -> None:
        write_json_atomic(self.path / self.SPLIT, listing, indent=None)

    def write_metrics(self, rows: list[dict[str, float]]) -> None:
        """Replace metrics.csv with `rows` (all of them: the file is small and rewriting
        it keeps it consistent with the resume state after a crash)."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=METRIC_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _format_value(row.get(k)) for k in METRIC_COLUMNS})
        write_bytes_atomic(self.path / self.METRICS, buffer.getvalue().encode("utf-8"))

    def write_status(self, state: str, message: str = "", **fields: Any) -> None:
        if state not in STATES:
            raise ValueError(f"state must be one of {', '.join(STATES)}; received {state!r}.")
        status = {
            "state": state,
            "message": message,
            **fields,
            "updated": datetime.datetime.now().isoformat(timespec="seconds"),
        }
        write_json_atomic(self.path / self.STATUS, status)

    def log(self, text: str, level: str = "info") -> None:
        """Append one line to train.log."""
        stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        with open(self.path / self.LOG, "a", encoding="utf-8") as file:
            file.write(f"{stamp} {level.upper():7} {text}\n")


def _format_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value)


def _parse_row(row: dict[str, str]) -> dict[str, float]:
    parsed: dict[str, float] = {}
    for key, text in row.items():
        if key == "epoch":
            parsed[key] = int(text)
        else:
            parsed[key] = float(text) if text not in ("", None) else math.nan
    return parsed
