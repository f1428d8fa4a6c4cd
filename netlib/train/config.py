"""TrainConfig: everything that defines a training run, as plain data saved in config.json.

    >>> config = TrainConfig.for_model("resnet20", "photos/", epochs=30)
    >>> config.save("config.json")
    >>> TrainConfig.load("config.json") == config
    True

This module is the one definition of every training setting. Each field of TrainConfig
carries a :class:`Setting`: its type, default, choices or bounds, unit, label, help text,
form group and when it applies. Checking a config, `--set KEY=VALUE` and `train --help`
(netlib.cli.train), the app's form (gui.widgets.train_form) and the family defaults all
read :data:`SETTINGS`, so adding a setting means adding a field here and the code that
uses it. A refused value raises :class:`ConfigError`, a ValueError that names the field.

Importing this module imports no Keras, and checking a config builds nothing, so the app
imports it before its window shows and checks its form on every change.
`TrainConfig.for_model` starts from the defaults of the model's family (its recipe, with
its source) and applies the overrides on top.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from netlib import augment_spec, registry
from netlib.data.modes import CLASS_WEIGHTS, COLOR_MODES, RESIZE_MODES, SAMPLINGS

__all__ = [
    "ConfigError",
    "Setting",
    "SETTINGS",
    "GROUPS",
    "TrainConfig",
    "defaults_for",
    "OPTIMIZERS",
    "SCHEDULES",
    "MIXED_PRECISION",
    "NORMALIZATIONS",
    "MONITORS",
    "CLASS_WEIGHTS",
    "SAMPLINGS",
    "COLOR_MODES",
    "RESIZE_MODES",
    "SCRATCH",
    "IMAGENET",
    "start_kind",
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

# The form's groups, in order.
DATA, OPTIMISATION, SCHEDULE, RUN = "Data", "Optimisation", "Schedule", "Run"
FINE_TUNING = "Fine-tuning"
GROUPS = (DATA, OPTIMISATION, SCHEDULE, FINE_TUNING, RUN)
# What `weights` says for random weights, and for keras.applications' ImageNet weights.
SCRATCH, IMAGENET = "scratch", "imagenet"
# A warm-up taken from a family's defaults is cut to this share of a run shorter than the
# family's: warming up for most of a short run would leave it no time at the full rate.
_WARMUP_SHARE = 0.25


class ConfigError(ValueError):
    """A training setting was refused; `field` names it (a TrainConfig field, or None
    for a problem with the config as a whole)."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field


@dataclasses.dataclass(frozen=True)
class Setting:
    """What one TrainConfig field holds and how it is shown.

    `kind` is bool, int, float, str, tuple (of floats), dict (the model's options) or
    object (an augmentation spec). Numbers lie in [`minimum`, `maximum`] (the minimum
    itself refused when `above_minimum`); `none_means` says what None stands for where a
    field may be None ("the network's", "off"). `applies(values)` says, from the other
    fields' values, whether the field matters (momentum only for SGD); `text` asks a form
    for a line of text (lists, and numbers that span decades). A `recorded` field is
    filled in by the run itself (the weights file it loaded): a form shows it, read-only,
    and never feeds it to a new run.
    """

    label: str
    help: str
    group: str | None  # the form's group; None: not in the form (model, dataset)
    kind: type
    choices: tuple | None = None
    minimum: float | None = None
    maximum: float | None = None
    above_minimum: bool = False
    unit: str = ""
    none_means: str = ""
    decimals: int = 3
    text: bool = False
    applies: Callable[[Mapping[str, Any]], bool] | None = None
    valid: str = ""  # what the field accepts, where the kind does not say it well
    recorded: bool = False
    name: str = ""  # set from the field
    default: Any = None  # set from the field

    @property
    def optional(self) -> bool:
        return bool(self.none_means)

    # -- checking ------------------------------------------------------------------------

    def describe_valid(self) -> str:
        """What the field accepts, as the messages say it: "one of 'sgd', 'adam'",
        "an int >= 1", ..."""
        if self.valid:
            return self.valid
        if self.choices is not None:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind is bool:
            return "true or false"
        if self.kind in (int, float):
            bounds = []
            if self.minimum is not None:
                bounds.append(f"{'>' if self.above_minimum else '>='} {self.minimum}")
            if self.maximum is not None:
                bounds.append(f"<= {self.maximum}")
            article = "an" if self.kind is int else "a"
            return " ".join([article, self.kind.__name__, " and ".join(bounds)]).strip()
        if self.kind is tuple:
            return f"fractions of the epochs, each in ({self.minimum:g}, {self.maximum:g})"
        if self.kind is dict:
            return "the network's options as key=value pairs"
        if self.kind is object:
            return "augmentation names separated by commas, or a JSON list or object"
        return "a non-empty text"

    def check(self, value: Any) -> Any:
        """`value` converted to the field's type; ConfigError if it is refused."""
        if value is None and (self.optional or self.kind is object):
            return None
        checker = {
            bool: self._check_bool,
            int: self._check_number,
            float: self._check_number,
            tuple: self._check_fractions,
            dict: self._check_mapping,
            object: self._check_augment,
        }.get(self.kind, self._check_text)
        return checker(value)

    def refuse(self, value: Any, valid: str | None = None) -> ConfigError:
        valid = valid or self.describe_valid()
        return ConfigError(self.name, f"{self.name} must be {valid}; received {self.name}={value!r}.")

    def _check_bool(self, value):
        if not isinstance(value, bool):
            raise self.refuse(value)
        return value

    def _check_number(self, value):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        ok = ok and math.isfinite(value) and (self.kind is float or float(value).is_integer())
        if ok and self.minimum is not None:
            ok = value > self.minimum if self.above_minimum else value >= self.minimum
        if ok and self.maximum is not None:
            ok = value <= self.maximum
        if not ok:
            raise self.refuse(value)
        return self.kind(value)

    def _check_fractions(self, value):
        if isinstance(value, str):
            return self.parse(value)
        try:
            fractions = sorted(float(v) for v in value)
        except (TypeError, ValueError):
            raise self.refuse(value) from None
        if not all(self.minimum < f < self.maximum for f in fractions):
            raise self.refuse(list(fractions))
        return tuple(fractions)

    def _check_mapping(self, value):
        if not isinstance(value, Mapping):
            raise self.refuse(value)
        return dict(value)

    def _check_augment(self, value):
        if isinstance(value, str):
            return self.parse(value)
        try:
            augment_spec.entries(value)
        except ValueError as error:
            raise ConfigError(self.name, str(error)) from None
        return value

    def _check_text(self, value):
        if self.choices is not None:
            if value not in self.choices:
                raise self.refuse(value)
            return value
        if not isinstance(value, (str, os.PathLike)) or not str(value):
            raise self.refuse(value)
        return str(value)

    # -- text ------------------------------------------------------------------------------

    def parse(self, text: str) -> Any:
        """The value a command line or a form's text gives: `--set KEY=VALUE`'s VALUE.
        "none" (or nothing) clears a field that may be None."""
        stripped = str(text).strip()
        if stripped.lower() in ("", "none", "null") and (self.optional or self.kind is object):
            return None
        if self.kind is bool:
            lowered = stripped.lower()
            if lowered in _TRUE_WORDS | _FALSE_WORDS:
                return lowered in _TRUE_WORDS
            raise self.refuse(text)
        if self.kind in (int, float):
            try:
                number = int(stripped) if self.kind is int else float(stripped)
            except ValueError:
                raise self.refuse(text, "an integer" if self.kind is int else "a number") from None
            return self.check(number)
        if self.kind is tuple:
            parts = [p.strip() for p in stripped.split(",") if p.strip()]
            try:
                return self.check([float(p) for p in parts])
            except ValueError:
                raise self.refuse(text, self.describe_valid() + ", e.g. 0.5, 0.75") from None
        if self.kind is dict:
            return _options_from_text(stripped)
        if self.kind is object:
            try:
                return augment_spec.parse_text(stripped)
            except ValueError as error:
                raise ConfigError(self.name, str(error)) from None
        return self.check(stripped)

    def format(self, value: Any) -> str:
        """The text `parse` reads back as `value` ("" for None)."""
        if value is None:
            return ""
        if self.kind is tuple:
            return ", ".join(f"{v:g}" for v in value)
        if self.kind is dict:
            return ", ".join(f"{k}={v}" for k, v in sorted(dict(value).items()))
        if self.kind is object:
            return augment_spec.format_text(value)
        if self.kind is bool:
            return "true" if value else "false"
        if self.kind is float:
            return f"{value:g}"
        return str(value)

    def summary(self) -> str:
        """One line for `train --help`: what it takes, its default, and what it is for."""
        default = self.format(self.default) or (self.none_means or "none")
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.describe_valid()}{unit}; default {default}. {self.help}"


_TRUE_WORDS = {"1", "true", "yes", "on"}
_FALSE_WORDS = {"0", "false", "no", "off"}


def _options_from_text(text: str) -> dict[str, str]:
    """"shortcut=B, use_bias=true" (or a JSON object) as {name: text}: TrainConfig's
    check converts each to the option's type."""
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise ConfigError("model_options", f"model_options is not valid JSON: {error}.") from None
        if not isinstance(value, dict):
            raise ConfigError("model_options", f"model_options must be a JSON object; received {text!r}.")
        return value
    try:
        return dict(registry.parse_assignments(text.split(","), what="model_options"))
    except ValueError as error:
        raise ConfigError("model_options", str(error)) from None


def _setting(default: Any, label: str, group: str | None, help: str, **details: Any):
    """A TrainConfig field with its Setting (kind: the default's type unless given)."""
    details.setdefault("kind", type(default))
    setting = Setting(label=label, help=help, group=group, **details)
    if isinstance(default, dict):
        return dataclasses.field(default_factory=dict, metadata={"setting": setting})
    return dataclasses.field(default=default, metadata={"setting": setting})


def _required(label: str, help: str, valid: str):
    return dataclasses.field(metadata={"setting": Setting(label, help, None, str, valid=valid)})


def _is_sgd(values: Mapping[str, Any]) -> bool:
    return values.get("optimizer") == "sgd"


def _schedule_in(*schedules: str) -> Callable[[Mapping[str, Any]], bool]:
    return lambda values: values.get("schedule") in schedules


def _pretrained_start(values: Mapping[str, Any]) -> bool:
    return values.get("weights", SCRATCH) != SCRATCH


def _unfreezes(values: Mapping[str, Any]) -> bool:
    return _pretrained_start(values) and (values.get("freeze_epochs") or 0) > 0


def start_kind(weights: str) -> str:
    """What a `weights` value names: "scratch", "imagenet", "run" (a run folder) or
    "file" (anything else: a weights file, checked when the run starts)."""
    if weights in (SCRATCH, IMAGENET):
        return weights
    path = Path(weights)
    return "run" if path.is_dir() and (path / "config.json").is_file() else "file"


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

    `weights` is where the run starts: "scratch", "imagenet", a weights file or an earlier
    run folder; a pretrained start keeps every layer that fits and trains a new
    classifier, with the base frozen for `freeze_epochs` and then trained at
    `fine_tune_lr_scale` times the rate (only its last `unfreeze` blocks, if set). Its
    input convention is the weights' (`normalization` applies from scratch only), and the
    run records the file it loaded (`weights_file`, `weights_sha256`).
    """

    model: str = _required("Network", "A registered network (python main.py list)",
                           "a registered network's name")
    dataset: str = _required("Dataset", "A folder with one sub-folder of images per class",
                             "a folder of class subfolders")
    model_options: Mapping[str, Any] = _setting(
        {}, "Model options", RUN,
        "The network's options as key=value, separated by commas, e.g. shortcut=B (the "
        "Architectures page and python main.py summary list them)", text=True)
    image_size: int | None = _setting(
        None, "Image size", DATA,
        "Square images of this many pixels a side; the network's own input size (from its "
        "paper) when not set", kind=int, minimum=1, maximum=4096, unit="px",
        none_means="the network's")
    color_mode: str | None = _setting(
        None, "Colour", DATA, "rgb or grayscale; the network's own input channels when not set",
        kind=str, choices=COLOR_MODES, none_means="the network's")
    resize: str = _setting(
        "squash", "Resize", DATA,
        "squash: stretch to the size; crop: centre square, then resize; pad: fit inside, "
        "then pad with black", choices=RESIZE_MODES)
    validation: float = _setting(
        0.2, "Validation", DATA, "Share of each class held out to validate after every epoch",
        minimum=0.0, maximum=0.9, decimals=2)
    test: float = _setting(
        0.0, "Test", DATA, "Share of each class held out for a final test",
        minimum=0.0, maximum=0.9, decimals=2)
    group_duplicates: bool = _setting(
        False, "Duplicates together", DATA,
        "Keep exact and near-duplicate images in one part of the split, so that validation "
        "does not score copies of training images (python main.py scan FOLDER --duplicates "
        "lists them)")
    class_weight: str = _setting(
        "none", "Class weights", DATA,
        "none; balanced: weigh each image's loss by the inverse of its class's share "
        "(n / (classes * n_class)), for unbalanced classes", choices=CLASS_WEIGHTS)
    sampling: str = _setting(
        "uniform", "Sampling", DATA,
        "uniform: every training image once per epoch; balanced: each epoch draws every "
        "class equally (small classes repeated), for unbalanced classes", choices=SAMPLINGS)
    batch_size: int = _setting(
        32, "Batch size", OPTIMISATION, "Images per training step",
        minimum=1, maximum=65536, unit="images")
    epochs: int = _setting(
        10, "Epochs", OPTIMISATION, "Passes over the training images", minimum=1, maximum=100000)
    optimizer: str = _setting(
        "sgd", "Optimizer", OPTIMISATION, "sgd (with momentum), adam or adamw",
        choices=OPTIMIZERS)
    learning_rate: float = _setting(
        0.01, "Learning rate", OPTIMISATION, "The initial learning rate, e.g. 0.001",
        minimum=0.0, above_minimum=True, text=True)
    momentum: float = _setting(
        0.9, "Momentum", OPTIMISATION, "SGD's momentum", minimum=0.0, maximum=0.999,
        applies=_is_sgd)
    nesterov: bool = _setting(False, "Nesterov", OPTIMISATION, "Nesterov momentum (SGD)",
                              applies=_is_sgd)
    weight_decay: float = _setting(
        0.0, "Weight decay", OPTIMISATION,
        "Decoupled weight decay on the kernels, e.g. 5e-4; 0 for none",
        minimum=0.0, maximum=1.0, text=True)
    schedule: str = _setting(
        "constant", "Schedule", SCHEDULE,
        "constant; step (× decay at the milestones); plateau (× decay when the monitored "
        "value stalls); cosine (warm-up, then cosine decay)", choices=SCHEDULES)
    lr_decay_factor: float = _setting(
        0.1, "Decay factor", SCHEDULE, "Multiplies the learning rate at each step or plateau",
        minimum=0.0, above_minimum=True, maximum=1.0, applies=_schedule_in("step", "plateau"))
    lr_milestones: tuple[float, ...] = _setting(
        (0.5, 0.75), "Milestones", SCHEDULE,
        "Step schedule: fractions of the epochs, e.g. 0.5, 0.75",
        minimum=0.0, maximum=1.0, text=True, applies=_schedule_in("step"))
    plateau_patience: int = _setting(
        3, "Patience", SCHEDULE,
        "Plateau schedule: epochs without improvement before the rate is cut",
        minimum=1, maximum=10000, unit="epochs", applies=_schedule_in("plateau"))
    warmup_epochs: float = _setting(
        0.0, "Warm-up", SCHEDULE, "Cosine schedule: epochs of linear warm-up",
        minimum=0.0, maximum=10000, unit="epochs", decimals=1, applies=_schedule_in("cosine"))
    label_smoothing: float = _setting(
        0.0, "Label smoothing", OPTIMISATION, "Share of each label spread over the other classes",
        minimum=0.0, maximum=0.5, decimals=2)
    augment: Any = _setting(
        None, "Augmentation", DATA,
        "Comma-separated names (" + ", ".join(augment_spec.AUGMENTATIONS) + ") or a JSON "
        'spec such as {"crop_flip": 0.875, "pca_color": 0.1}; empty for none',
        kind=object, text=True)
    normalization: str = _setting(
        "dataset", "Normalisation", RUN,
        "dataset: the training images' mean and deviation; imagenet: ImageNet's; none: "
        "pixels scaled to [0, 1]", choices=NORMALIZATIONS)
    mixed_precision: str = _setting(
        "auto", "Mixed precision", RUN, "auto: float16 on a GPU, full precision on the CPU",
        choices=MIXED_PRECISION)
    seed: int = _setting(
        0, "Seed", RUN, "The same seed gives the same split and initial weights",
        minimum=0, maximum=2**31 - 1)
    deterministic: bool = _setting(
        False, "Deterministic", RUN,
        "Bit-identical reruns (TensorFlow's deterministic kernels; slower)")
    monitor: str = _setting(
        "val_loss", "Monitor", SCHEDULE,
        "What 'best' means for best.keras, plateau and early stopping", choices=MONITORS)
    early_stopping: int | None = _setting(
        None, "Early stopping", SCHEDULE,
        "Stop after this many epochs without improvement on the monitored value",
        kind=int, minimum=1, maximum=10000, unit="epochs", none_means="off")

    weights: str = _setting(
        SCRATCH, "Start from", FINE_TUNING,
        "scratch (random weights); imagenet (the ImageNet weights keras.applications "
        "publishes: python main.py list says which networks have them); or the path of a "
        "weights file (.h5, .weights.h5, .keras) or of an earlier run folder (its best "
        "model). Every layer that fits keeps those weights; the classifier is new",
        valid="scratch, imagenet, a weights file or a run folder", text=True)
    freeze_epochs: int = _setting(
        0, "Frozen epochs", FINE_TUNING,
        "Epochs at the start with the pretrained base frozen (its batch normalisation in "
        "inference mode): only the new classifier trains", minimum=0, maximum=100000,
        unit="epochs", applies=_pretrained_start)
    fine_tune_lr_scale: float = _setting(
        0.01, "Fine-tuning rate", FINE_TUNING,
        "After the frozen epochs, the network trains at this multiple of the learning "
        "rate, e.g. 0.01", minimum=0.0, above_minimum=True, maximum=1.0, text=True,
        applies=_unfreezes)
    unfreeze: int | None = _setting(
        None, "Unfreeze", FINE_TUNING,
        "After the frozen epochs, train only the base's last N blocks (the layer table's) "
        "with the classifier; all of it when not set", kind=int, minimum=1, maximum=10000,
        unit="blocks", none_means="all", applies=_pretrained_start)
    weights_file: str | None = _setting(
        None, "Weights file", FINE_TUNING, "The weights file the run started from, "
        "recorded when it starts", kind=str, none_means="none", text=True, recorded=True)
    weights_sha256: str | None = _setting(
        None, "Weights hash", FINE_TUNING, "The sha256 of that file, recorded when the run "
        "starts", kind=str, none_means="none", text=True, recorded=True)

    def __post_init__(self):
        # Each value converted to its field's type, so that a config loaded from JSON (or
        # typed on a command line) equals the original.
        for name, setting in SETTINGS.items():
            object.__setattr__(self, name, setting.check(getattr(self, name)))
        _check_with_model(self)
        _check_together(self)

    # ------------------------------------------------------------------ constructors

    @classmethod
    def for_model(
        cls,
        model: str,
        dataset: str | os.PathLike,
        *,
        recipe: str = "default",
        notices: list[str] | None = None,
        **overrides: Any,
    ) -> TrainConfig:
        """A config with the defaults of `model`'s family (its recipe `recipe`: "default",
        or "paper" where the family keeps the papers' settings), then `overrides` on top.

        `model_options` in the overrides are merged into (not substituted for) the
        family's options. A `batch_size` given without a `learning_rate` scales the
        family's rate linearly (the rate per image stays the paper's); `epochs` given
        without a `warmup_epochs` cuts the family's warm-up to a quarter of a shorter run,
        and, for a pretrained start, without a `freeze_epochs` keeps the recipe's share of
        frozen epochs where the run is too short for them.
        Each such adaptation is described in `notices` (a list, when given).

        A pretrained start (`weights` other than "scratch") takes the family's
        "pretrained" recipe in place of "default"; from a run folder, the run's image
        size, colour mode and network options too.
        """
        said: list[str] = []
        weights = str(overrides.get("weights", SCRATCH))
        if recipe == "default" and weights != SCRATCH and "pretrained" in registry.model_info(model).recipes:
            recipe = "pretrained"
            said.append("Defaults for a pretrained start (recipe 'pretrained'): "
                        f"{defaults_for(model, recipe).source}")
        defaults = dict(defaults_for(model, recipe).values)
        if start_kind(weights) == "run":
            defaults.update(_from_run(weights, model, said))
        if "batch_size" in overrides and "learning_rate" not in overrides:
            # Keep the family's rate per image: scale it with the batch (Goyal et al., 2017).
            base_batch = defaults.get("batch_size", SETTINGS["batch_size"].default)
            base_rate = defaults.get("learning_rate", SETTINGS["learning_rate"].default)
            batch = overrides["batch_size"]
            if isinstance(batch, int) and batch > 0 and batch != base_batch:
                defaults["learning_rate"] = base_rate * batch / base_batch
                said.append(
                    f"learning_rate scaled from the family's {base_rate:g} at batch {base_batch} "
                    f"to {defaults['learning_rate']:g} at batch {batch}."
                )
        epochs = overrides.get("epochs")
        warmup = defaults.get("warmup_epochs", 0.0)
        if "warmup_epochs" not in overrides and isinstance(epochs, int) and epochs > 0:
            if warmup > _WARMUP_SHARE * epochs:
                defaults["warmup_epochs"] = _WARMUP_SHARE * epochs
                said.append(
                    f"warmup_epochs cut from the family's {warmup:g} to "
                    f"{defaults['warmup_epochs']:g} (a quarter of the {epochs} epochs); "
                    f"setting warmup_epochs chooses another."
                )
        freeze = defaults.get("freeze_epochs", 0)
        if ("freeze_epochs" not in overrides and isinstance(epochs, int) and epochs > 0
                and freeze >= epochs and weights != SCRATCH):
            # A short run keeps the recipe's share of frozen epochs (at least one).
            recipe_epochs = defaults.get("epochs", SETTINGS["epochs"].default)
            defaults["freeze_epochs"] = min(epochs, max(1, round(freeze * epochs / recipe_epochs)))
            said.append(
                f"freeze_epochs cut from the recipe's {freeze} to {defaults['freeze_epochs']} "
                f"(its share of a run of {epochs}); setting freeze_epochs chooses another."
            )
        values = {**defaults, **overrides}
        if "model_options" in overrides:
            values["model_options"] = {
                **defaults.get("model_options", {}),
                **dict(overrides["model_options"] or {}),
            }
        config = cls.from_dict({"model": model, "dataset": str(dataset), **values})
        if notices is not None:
            notices.extend(said)
        return config

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrainConfig:
        """Build from a mapping (a parsed config.json); unknown keys raise ConfigError."""
        if not isinstance(values, Mapping):
            raise ConfigError(None, f"A training config is a JSON object; received {values!r}.")
        unknown = [k for k in values if k not in SETTINGS]
        if unknown:
            hints = [h for k in unknown for h in difflib.get_close_matches(k, list(SETTINGS), 1)]
            hint = f" Did you mean {', '.join(hints)}?" if hints else ""
            raise ConfigError(
                None,
                f"Unknown training setting(s) {', '.join(map(repr, unknown))}.{hint} "
                f"Valid settings: {', '.join(SETTINGS)}.",
            )
        missing = [k for k in ("model", "dataset") if k not in values]
        if missing:
            raise ConfigError(missing[0], f"A training config needs {' and '.join(missing)}.")
        return cls(**values)

    @classmethod
    def from_json(cls, text: str) -> TrainConfig:
        try:
            values = json.loads(text)
        except json.JSONDecodeError as error:
            raise ConfigError(None, f"The training config is not valid JSON: {error}.") from None
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
        from netlib.runs import write_bytes_atomic

        return write_bytes_atomic(path, self.to_json().encode("utf-8"))

    # --------------------------------------------------------------------- changing

    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with `changes` applied and checked (unknown keys raise ConfigError)."""
        return TrainConfig.from_dict({**self.to_dict(), **changes})

    def with_setting(self, key: str, text: str) -> TrainConfig:
        """A copy with one `KEY=VALUE` from the command line applied.

        `key` is a config field, or an option of the model (`shortcut=B`), or
        `model_options.NAME`. The text is converted to the field's type; "none" clears
        an optional field.
        """
        key = key.strip()
        option = key.removeprefix("model_options.")
        if key not in SETTINGS or key != option:
            info = registry.model_info(self.model)
            if option in {o.name for o in info.options}:
                value = registry.parse_option_value(info, option, text)
                return self.replace(model_options={**self.model_options, option: value})
            options = ", ".join(o.name for o in info.options) or "(none)"
            raise ConfigError(
                None,
                f"Unknown setting {key!r}: neither a training setting "
                f"({', '.join(SETTINGS)}) nor an option of {self.model} ({options}).",
            )
        value = SETTINGS[key].parse(text)
        if SETTINGS[key].recorded and value is not None:
            raise ConfigError(key, f"{key} is recorded by the run when it starts; it is not set.")
        return self.replace(**{key: value})

    def with_settings(self, assignments: Iterable[str]) -> TrainConfig:
        """A copy with `KEY=VALUE` strings applied in order (`--set`, repeated)."""
        config = self
        for key, text in registry.parse_assignments(assignments, what="--set"):
            config = config.with_setting(key, text)
        return config

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


def _bound(field: dataclasses.Field) -> Setting:
    default = None if field.default is dataclasses.MISSING else field.default
    if field.default_factory is not dataclasses.MISSING:
        default = field.default_factory()
    return dataclasses.replace(field.metadata["setting"], name=field.name, default=default)


#: Every training setting by name, in TrainConfig's field order.
SETTINGS: dict[str, Setting] = {f.name: _bound(f) for f in dataclasses.fields(TrainConfig)}


# ----------------------------------------------------------------------------- checking


def _check_with_model(config: TrainConfig) -> None:
    """What depends on the network: its name, its options, its smallest input."""
    try:
        info = registry.model_info(config.model)  # names the valid models
    except ValueError as error:
        raise ConfigError("model", str(error)) from None
    names = [o.name for o in info.options]
    unknown = [k for k in config.model_options if k not in names]
    if unknown:
        raise ConfigError(
            "model_options",
            f"Unknown setting {unknown[0]!r}: {info.name} has no such option; its options "
            f"are: {', '.join(names) or '(none)'}.",
        )
    try:
        options = {k: info.option(k).validate(v, info.name) for k, v in config.model_options.items()}
        resolved = info.resolve_options(options)
    except ValueError as error:
        raise ConfigError("model_options", str(error)) from None
    object.__setattr__(config, "model_options", options)
    object.__setattr__(config, "model_options", _check_start(config, info))
    if config.image_size is not None:
        minimum = info.minimum_size(resolved)
        if config.image_size < minimum:
            raise SETTINGS["image_size"].refuse(config.image_size, f"at least {minimum} for {config.model}")


def _from_run(run: str, model: str, said: list[str]) -> dict[str, Any]:
    """What a run started from another must share with it: the network (else
    ConfigError), and by default its image size, colour mode and network options."""
    source = TrainConfig.load(run)
    if source.model != model:
        raise ConfigError(
            "weights",
            f"The run {Path(run).name} trained {source.model}, not {model}: start from it "
            f"with the network {source.model}.",
        )
    taken = {k: getattr(source, k) for k in ("image_size", "color_mode", "model_options")}
    shown = [f"{k}={v}" for k, v in taken.items() if v not in (None, {})]
    if shown:
        said.append(f"From the run {Path(run).name}: {', '.join(shown)} (--set changes them).")
    return taken


def _check_start(config: TrainConfig, info: registry.ModelInfo) -> dict[str, Any]:
    """A pretrained start's needs: ImageNet weights for the network, colour images, and
    the options the weights require (ResNet's use_bias=True: set unless refused)."""
    if config.weights != IMAGENET:
        return dict(config.model_options)
    if info.pretrained is None:
        raise ConfigError("weights", f"{info.name} has no published ImageNet weights: "
                          "start from scratch, a weights file or an earlier run.")
    if config.color_mode == "grayscale":
        raise SETTINGS["color_mode"].refuse(config.color_mode, "rgb with ImageNet weights")
    try:
        return info.imagenet_options(config.model_options)
    except ValueError as error:
        raise ConfigError("model_options", str(error)) from None


def _check_together(config: TrainConfig) -> None:
    """Settings that limit each other; the error names the one to change."""
    if config.validation + config.test >= 1.0:
        raise ConfigError(
            "test",
            f"validation + test must be below 1; received validation + test="
            f"{config.validation + config.test!r}.",
        )
    if config.warmup_epochs >= config.epochs:
        raise ConfigError(
            "warmup_epochs",
            f"warmup_epochs must be below epochs ({config.epochs}); received "
            f"warmup_epochs={config.warmup_epochs!r}. Lower Warm-up (warmup_epochs) or raise "
            f"Epochs.",
        )
    if config.weights != SCRATCH and config.freeze_epochs > config.epochs:
        raise ConfigError(
            "freeze_epochs",
            f"freeze_epochs must be at most epochs ({config.epochs}); received "
            f"freeze_epochs={config.freeze_epochs!r}. Lower Frozen epochs or raise Epochs.",
        )
    if config.class_weight != "none" and config.sampling != "uniform":  # one way, not two
        raise ConfigError(
            "sampling",
            f"class_weight={config.class_weight!r} and sampling={config.sampling!r} both make "
            "up for unbalanced classes and would do it twice; choose one (the other none / "
            "uniform).",
        )
    if config.validation == 0.0 and (config.schedule == "plateau" or config.early_stopping):
        raise SETTINGS["validation"].refuse(
            config.validation,
            "above 0 with schedule='plateau' or early_stopping (both watch the validation set)",
        )


# ------------------------------------------------------------------- family defaults

# The papers trained on ImageNet (1.2 M images, batches of 128-4096, 50-350 epochs, on many
# GPUs); ConvLab trains on a user's folder of hundreds to thousands of images. So each
# family's "default" recipe (declared beside its builders, netlib/architectures/) keeps the
# paper's optimizer, momentum, weight decay and kind of schedule, scales the learning rate
# linearly with the batch size (Goyal et al., 2017, "Accurate, Large Minibatch SGD") and
# shortens the run. "Measured here" marks values checked on this project's bundled data;
# the others follow the papers and are not measured here.
_GENERIC = registry.Recipe("default", {}, "TrainConfig's generic defaults.")


def defaults_for(model: str, recipe: str = "default") -> registry.Recipe:
    """The training defaults of `model`: its family's recipe `recipe` (`.values`, `.source`;
    "default" is a family without recipes' generic one). ValueError naming the valid models
    or recipes if unknown."""
    recipes = registry.model_info(model).recipes
    if recipe in recipes:
        return recipes[recipe]
    if recipe == "default":
        return _GENERIC
    raise ConfigError(
        None,
        f"{model} has no training recipe {recipe!r}; its recipes are: "
        f"{', '.join(recipes) or 'default'}.",
    )
