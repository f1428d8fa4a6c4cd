"""TrainConfig: everything that defines a training run, as plain data saved in config.json.

    >>> config = TrainConfig.for_model("resnet20", "photos/", epochs=30)
    >>> config.save("config.json")
    >>> TrainConfig.load("config.json") == config
    True

Every value is checked when the config is made or loaded: an unknown key or a bad value
raises ValueError naming the valid ones. `TrainConfig.for_model` starts from the defaults
of the model's family (:func:`defaults_for`: its "default" recipe, with its source) and
applies the overrides on top.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from netlib import registry

__all__ = [
    "TrainConfig",
    "defaults_for",
    "OPTIMIZERS",
    "SCHEDULES",
    "MIXED_PRECISION",
    "NORMALIZATIONS",
    "MONITORS",
]

OPTIMIZERS = ("sgd", "adam", "adamw")
SCHEDULES = ("constant", "step", "plateau", "cosine")
MIXED_PRECISION = ("auto", "off", "float16", "bfloat16")
# "dataset": per-channel mean and standard deviation of the training images (measured
# when the run starts, saved in dataset.json and in the model); "imagenet": the ImageNet
# statistics most papers' code used; "none": pixels scaled to [0, 1] only.
NORMALIZATIONS = ("dataset", "imagenet", "none")
# What "best" means for best.keras, early stopping and reduce-on-plateau.
MONITORS = ("val_loss", "val_accuracy")
COLOR_MODES = ("rgb", "grayscale")
RESIZE_MODES = ("squash", "crop", "pad")


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """One training run, complete: saved as config.json in the run folder.

    Fields left None are filled in from the model when the run starts: `image_size` from
    the paper's input size, `color_mode` from its input channels (1: "grayscale").
    Learning-rate schedules: "constant"; "step" (multiply by `lr_decay_factor` at each
    of `lr_milestones`, fractions of `epochs`); "plateau" (multiply by `lr_decay_factor`
    when `monitor` has not improved for `plateau_patience` epochs: the AlexNet paper's
    divide-by-10); "cosine" (linear warm-up over `warmup_epochs`, then cosine decay to 0).
    `weight_decay` is decoupled (Keras' `weight_decay`, applied to kernels, not to biases
    or batch-norm scales). `early_stopping` is a patience in epochs on `monitor`, or None.
    """

    model: str
    dataset: str
    model_options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    image_size: int | None = None
    color_mode: str | None = None
    resize: str = "squash"
    validation: float = 0.2
    test: float = 0.0
    batch_size: int = 32
    epochs: int = 10
    optimizer: str = "sgd"
    learning_rate: float = 0.01
    momentum: float = 0.9
    nesterov: bool = False
    weight_decay: float = 0.0
    schedule: str = "constant"
    lr_decay_factor: float = 0.1
    lr_milestones: tuple[float, ...] = (0.5, 0.75)
    plateau_patience: int = 3
    warmup_epochs: float = 0.0
    label_smoothing: float = 0.0
    augment: Any = None
    normalization: str = "dataset"
    mixed_precision: str = "auto"
    seed: int = 0
    deterministic: bool = False
    monitor: str = "val_loss"
    early_stopping: int | None = None

    def __post_init__(self):
        # Normalise containers and paths, so that a config loaded from JSON equals the original.
        object.__setattr__(self, "model_options", dict(self.model_options or {}))
        object.__setattr__(self, "lr_milestones", tuple(_milestones(self.lr_milestones)))
        object.__setattr__(self, "dataset", str(self.dataset))
        _validate(self)

    # ------------------------------------------------------------------ constructors

    @classmethod
    def for_model(cls, model: str, dataset: str | os.PathLike, **overrides: Any) -> TrainConfig:
        """A config with the defaults of `model`'s family, then `overrides` on top.

        `model_options` in the overrides are merged into (not substituted for) the
        family's options. A `batch_size` given without a `learning_rate` scales the
        family's rate linearly (the rate per image stays the paper's).
        """
        defaults = dict(defaults_for(model).values)
        if "batch_size" in overrides and "learning_rate" not in overrides:
            # Keep the family's rate per image: scale it with the batch (Goyal et al., 2017).
            base_batch = defaults.get("batch_size", _FIELD_DEFAULTS["batch_size"])
            base_rate = defaults.get("learning_rate", _FIELD_DEFAULTS["learning_rate"])
            if isinstance(overrides["batch_size"], int) and overrides["batch_size"] > 0:
                defaults["learning_rate"] = base_rate * overrides["batch_size"] / base_batch
        values = {**defaults, **overrides}
        if "model_options" in overrides:
            values["model_options"] = {
                **defaults.get("model_options", {}),
                **dict(overrides["model_options"] or {}),
            }
        return cls.from_dict({"model": model, "dataset": str(dataset), **values})

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrainConfig:
        """Build from a mapping (a parsed config.json); unknown keys raise ValueError."""
        if not isinstance(values, Mapping):
            raise ValueError(f"A training config is a JSON object; received {values!r}.")
        unknown = [k for k in values if k not in _FIELD_NAMES]
        if unknown:
            hints = [h for k in unknown for h in difflib.get_close_matches(k, _FIELD_NAMES, 1)]
            hint = f" Did you mean {', '.join(hints)}?" if hints else ""
            raise ValueError(
                f"Unknown training setting(s) {', '.join(map(repr, unknown))}.{hint} "
                f"Valid settings: {', '.join(_FIELD_NAMES)}."
            )
        missing = [k for k in ("model", "dataset") if k not in values]
        if missing:
            raise ValueError(f"A training config needs {' and '.join(missing)}.")
        return cls(**{k: _from_json_value(k, v) for k, v in values.items()})

    @classmethod
    def from_json(cls, text: str) -> TrainConfig:
        try:
            values = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"The training config is not valid JSON: {error}.") from None
        return cls.from_dict(values)

    @classmethod
    def load(cls, path: str | os.PathLike) -> TrainConfig:
        """Read a config.json (a file, or a run folder that holds one)."""
        path = Path(path)
        if path.is_dir():
            path = path / "config.json"
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ValueError(f"No training config at {path}.") from None
        return cls.from_json(text)

    # ---------------------------------------------------------------------- output

    def to_dict(self) -> dict[str, Any]:
        values = dataclasses.asdict(self)
        values["model_options"] = dict(self.model_options)
        values["lr_milestones"] = list(self.lr_milestones)
        return values

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def save(self, path: str | os.PathLike) -> Path:
        """Write the config as JSON, atomically."""
        from netlib.train.atomic import write_bytes_atomic

        return write_bytes_atomic(path, self.to_json().encode("utf-8"))

    # --------------------------------------------------------------------- changing

    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with `changes` applied and checked (unknown keys raise ValueError)."""
        return TrainConfig.from_dict({**self.to_dict(), **changes})

    def with_setting(self, key: str, text: str) -> TrainConfig:
        """A copy with one `KEY=VALUE` from the command line applied.

        `key` is a config field, or an option of the model (`shortcut=B`), or
        `model_options.NAME`. The text is converted to the field's type; "none" clears
        an optional field.
        """
        key = key.strip()
        option = key.removeprefix("model_options.")
        if key not in _FIELD_NAMES or key != option:
            info = registry.model_info(self.model)
            if option in {o.name for o in info.options}:
                value = registry.parse_option_value(info, option, text)
                return self.replace(model_options={**self.model_options, option: value})
            options = ", ".join(o.name for o in info.options) or "(none)"
            raise ValueError(
                f"Unknown setting {key!r}: neither a training setting "
                f"({', '.join(_FIELD_NAMES)}) nor an option of {self.model} ({options})."
            )
        return self.replace(**{key: _parse_text(key, text)})

    # --------------------------------------------------------------------- resolved

    def input_shape(self) -> tuple[int, int, int]:
        """(height, width, channels) of the network's input under this config."""
        info = registry.model_info(self.model)
        height, width, channels = info.input_shape
        if self.image_size is not None:
            height = width = self.image_size
        if self.color_mode is not None:
            channels = 1 if self.color_mode == "grayscale" else 3
        return height, width, channels

    def resolved_color_mode(self) -> str:
        return "grayscale" if self.input_shape()[2] == 1 else "rgb"


_FIELD_NAMES = tuple(f.name for f in dataclasses.fields(TrainConfig))
_FIELD_TYPES = {f.name: f.type for f in dataclasses.fields(TrainConfig)}
_FIELD_DEFAULTS = {f.name: f.default for f in dataclasses.fields(TrainConfig)}


# ----------------------------------------------------------------------------- checking


def _fail(field: str, value: Any, valid: str) -> None:
    raise ValueError(f"{field} must be {valid}; received {field}={value!r}.")


def _check_choice(config: TrainConfig, field: str, choices: tuple) -> None:
    value = getattr(config, field)
    if value not in choices:
        _fail(field, value, "one of " + ", ".join(repr(c) for c in choices))


def _check_number(
    config: TrainConfig, field: str, kind: type, low=None, high=None, low_open=False
) -> None:
    value = getattr(config, field)
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        ok = ok and float(value).is_integer()
    ok = ok and math.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        bounds = []
        if low is not None:
            bounds.append(f"{'>' if low_open else '>='} {low}")
        if high is not None:
            bounds.append(f"<= {high}")
        _fail(field, value, f"a{'n' if kind is int else ''} {kind.__name__} " + " and ".join(bounds))
    if kind is int:
        object.__setattr__(config, field, int(value))
    else:
        object.__setattr__(config, field, float(value))


def _validate(config: TrainConfig) -> None:
    info = registry.model_info(config.model)  # ValueError naming the valid models
    resolved = info.resolve_options(config.model_options)  # ... and the valid options
    if not config.dataset:
        _fail("dataset", config.dataset, "a folder of class subfolders")
    if config.image_size is not None:
        _check_number(config, "image_size", int, low=1)
        minimum = info.minimum_size(resolved)
        if config.image_size < minimum:
            _fail("image_size", config.image_size, f"at least {minimum} for {config.model}")
    if config.color_mode is not None:
        _check_choice(config, "color_mode", COLOR_MODES)
    _check_choice(config, "resize", RESIZE_MODES)
    _check_number(config, "validation", float, low=0.0, high=0.9)
    _check_number(config, "test", float, low=0.0, high=0.9)
    if config.validation + config.test >= 1.0:
        _fail("validation + test", config.validation + config.test, "below 1")
    _check_number(config, "batch_size", int, low=1)
    _check_number(config, "epochs", int, low=1)
    _check_choice(config, "optimizer", OPTIMIZERS)
    _check_number(config, "learning_rate", float, low=0.0, low_open=True)
    _check_number(config, "momentum", float, low=0.0, high=0.999)
    if not isinstance(config.nesterov, bool):
        _fail("nesterov", config.nesterov, "true or false")
    _check_number(config, "weight_decay", float, low=0.0, high=1.0)
    _check_choice(config, "schedule", SCHEDULES)
    _check_number(config, "lr_decay_factor", float, low=0.0, high=1.0, low_open=True)
    if not all(0.0 < m < 1.0 for m in config.lr_milestones):
        _fail("lr_milestones", list(config.lr_milestones), "fractions of the epochs, each in (0, 1)")
    _check_number(config, "plateau_patience", int, low=1)
    _check_number(config, "warmup_epochs", float, low=0.0)
    if config.warmup_epochs >= config.epochs:
        _fail("warmup_epochs", config.warmup_epochs, f"below epochs ({config.epochs})")
    _check_number(config, "label_smoothing", float, low=0.0, high=0.5)
    _check_augment(config.augment)
    _check_choice(config, "normalization", NORMALIZATIONS)
    _check_choice(config, "mixed_precision", MIXED_PRECISION)
    _check_number(config, "seed", int, low=0)
    if not isinstance(config.deterministic, bool):
        _fail("deterministic", config.deterministic, "true or false")
    _check_choice(config, "monitor", MONITORS)
    if config.early_stopping is not None:
        _check_number(config, "early_stopping", int, low=1)
    if config.validation == 0.0 and (config.schedule == "plateau" or config.early_stopping):
        _fail(
            "validation",
            config.validation,
            "above 0 with schedule='plateau' or early_stopping (both watch the validation set)",
        )


def _check_augment(spec: Any) -> None:
    """The augmentation spec is the data layer's: let it say what is wrong."""
    if spec in (None, [], {}):
        return
    import numpy as np

    from netlib.augment import build_augmentation

    # The real principal components come from the training images when the run starts;
    # a stand-in basis is enough to check the spec's names and parameters now.
    build_augmentation(spec, pca=(np.ones(3, np.float32), np.eye(3, dtype=np.float32)))


def _milestones(value: Any) -> list[float]:
    if isinstance(value, str):
        value = [v for v in value.replace(" ", "").split(",") if v]
    try:
        return sorted(float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(
            f"lr_milestones must be fractions of the epochs, e.g. 0.5,0.75; "
            f"received lr_milestones={value!r}."
        ) from None


def _from_json_value(key: str, value: Any) -> Any:
    if key == "lr_milestones" and isinstance(value, list):
        return tuple(value)
    return value


def _parse_text(key: str, text: str) -> Any:
    """A command-line string converted to the type of config field `key`."""
    annotation = str(_FIELD_TYPES[key])
    stripped = text.strip()
    if stripped.lower() in ("none", "null") and "None" in annotation:
        return None
    if key in ("augment", "model_options"):
        try:
            return json.loads(stripped)
        except json.JSONDecodeError:
            if key == "augment":  # a bare name or comma-separated names
                return [part for part in stripped.split(",") if part]
            raise ValueError(f"{key} must be a JSON object; received {text!r}.") from None
    if key == "lr_milestones":
        return _milestones(stripped)
    if annotation.startswith("bool"):
        lowered = stripped.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        _fail(key, text, "true or false")
    if annotation.startswith("int"):
        try:
            return int(stripped)
        except ValueError:
            _fail(key, text, "an integer")
    if annotation.startswith("float"):
        try:
            return float(stripped)
        except ValueError:
            _fail(key, text, "a number")
    return stripped


# ------------------------------------------------------------------- family defaults

# The papers trained on ImageNet (1.2 M images, batches of 128-4096, 50-350 epochs, on many
# GPUs); ConvLab trains on a user's folder of hundreds to thousands of images. So each
# family's "default" recipe (declared beside its builders, netlib/architectures/) keeps the
# paper's optimizer, momentum, weight decay and kind of schedule, scales the learning rate
# linearly with the batch size (Goyal et al., 2017, "Accurate, Large Minibatch SGD") and
# shortens the run. "Measured here" marks values checked on this project's bundled data;
# the others follow the papers and are not measured here.
_GENERIC = registry.Recipe("default", {}, "TrainConfig's generic defaults.")


def defaults_for(model: str) -> registry.Recipe:
    """The training defaults of `model`: its family's "default" recipe (`.values`, `.source`),
    or none for a family without recipes. ValueError naming the valid models if unknown."""
    return registry.model_info(model).recipes.get("default", _GENERIC)
