"""Starting a run from pretrained weights: where they come from, what they fill, and
the phases of a fine-tuning run.

    start = resolve_start(config, progress=..., cancel=...)   # downloads ImageNet's file
    report = start.load_into(network)          # every layer that fits; a new classifier
    for phase in phases(config):               # "frozen", then "fine-tuning"
        set_trainable(network, phase, loaded_layers, config)

A start is "scratch", "imagenet" (keras.applications' file for the network, its options
and the run's input size, fetched into Keras' cache), a weights file, or an earlier run
(its best model). Its input convention comes with it: ImageNet's and a plain weights
file's is the family's (registry.Pretrained.preprocessing), a ConvLab model's is the
preprocessing inside it (the source run's normalisation statistics), copied layer for
layer; from scratch it is the config's `normalization`.

Freezing (the Keras transfer-learning guide): the loaded layers get `trainable=False`,
which in Keras 3 also runs their batch normalisation in inference mode (keras-team/keras#9522
was the trap of Keras 2, where frozen batch-norm layers kept using batch statistics);
the new layers train. After `freeze_epochs` the network is unfrozen (all of it, or the
last `unfreeze` blocks as the layer table groups them) and recompiled at
`fine_tune_lr_scale` times the rate, the schedule continuing where it was.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras

from netlib import registry
from netlib.runs import RunFolder
from netlib.train.config import IMAGENET, SCRATCH, TrainConfig, start_kind

__all__ = ["Start", "Phase", "resolve_start", "phases", "phase_at", "unfreeze_epoch",
           "set_trainable", "DOWNLOADING"]

#: The Preparing stage of a download of ImageNet weights (done and total in bytes).
DOWNLOADING = "downloading"


@dataclasses.dataclass
class Start:
    """A run's resolved start. `path`: the file loaded (None from scratch); `convention`:
    the weights' input convention (a PREPROCESSING key), None where a ConvLab model
    brings its own preprocessing (`source.model`) or for a start from scratch."""

    kind: str
    path: Path | None = None
    convention: str | None = None
    source: Any = None  # netlib.weights.files.WeightsSource, read once
    record: dict | None = None  # a resumed run's weights.json: what was loaded, and how

    @property
    def pretrained(self) -> bool:
        return self.kind != SCRATCH

    def preprocessing_layers(self) -> list[keras.layers.Layer] | None:
        """The layers between the pixels and the network, or None for the config's (from
        scratch, or weights with no known convention)."""
        from netlib.weights.preprocessing import preprocessing_layers

        if self.record is not None:
            return [keras.saving.deserialize_keras_object(config, safe_mode=True)
                    for config in self.record["preprocessing"]]
        if self.convention is not None:
            return preprocessing_layers(self.convention)
        if self.source is not None and self.source.metadata is not None:
            return _copied_preprocessing(self.source.model)
        return None

    def load_into(self, network: keras.Model):
        """The start's weights into `network`, with a new classifier (a LoadReport)."""
        from netlib.weights import load_weights

        return load_weights(network, self.source, new_classifier=True)


def resolve_start(
    config: TrainConfig,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    read: bool = True,
) -> Start:
    """The start `config.weights` names, its file fetched (ImageNet's: downloaded into
    Keras' cache when missing, reporting `progress(bytes_done, bytes_total)`) and, when
    `read`, read. ValueError, saying why, when there is no such file or run."""
    kind = start_kind(config.weights)
    if kind == SCRATCH:
        return Start(kind)
    info = registry.model_info(config.model)
    convention = info.pretrained.preprocessing if info.pretrained is not None else None
    if kind == IMAGENET:
        from netlib.weights import fetch

        options = info.resolve_options(config.model_options)
        file = info.pretrained.file_to_fine_tune(options, config.input_shape()[0])
        path = fetch(file, progress=progress, cancel=cancel)
    elif kind == "run":
        path = RunFolder.open(config.weights).model_path()
    else:
        path = Path(config.weights)
        if not path.is_file():
            raise ValueError(
                f"No weights file or run folder at {path}: give scratch, imagenet, a "
                f"weights file (.h5, .weights.h5, .keras) or a run folder."
            )
    start = Start(kind, path, convention)
    if read:
        from netlib.weights import read_weights

        start.source = read_weights(path)
        if start.source.metadata is not None and kind != IMAGENET:
            start.convention = None  # a ConvLab model: its own preprocessing
    return start


def _copied_preprocessing(model: keras.Model) -> list[keras.layers.Layer]:
    """Fresh copies of the layers of a ConvLab inference model between its pixels and
    its network (Rescaling and Normalization with the source's statistics, ...)."""
    copies = []
    for layer in model.layers[1:]:
        if isinstance(layer, keras.Model):
            return copies
        copy = layer.__class__.from_config(layer.get_config())
        copies.append(copy)
    raise ValueError(f"{model.name} has no network inside: it is not a ConvLab model.")


# ------------------------------------------------------------------------------ phases


@dataclasses.dataclass(frozen=True)
class Phase:
    """Epochs `first` (from 0, as Keras counts) to `end` (exclusive) of a run: "training"
    (from scratch), "frozen" (only the new layers train) or "fine-tuning" (the loaded
    layers too, or the last `unfreeze` blocks of them), at `rate_scale` times the rate."""

    name: str
    first: int
    end: int
    rate_scale: float = 1.0

    @property
    def frozen(self) -> bool:
        return self.name == "frozen"


def phases(config: TrainConfig) -> list[Phase]:
    """The phases of `config`'s run, in order."""
    if config.weights == SCRATCH:
        return [Phase("training", 0, config.epochs)]
    frozen = config.freeze_epochs
    if frozen == 0:
        return [Phase("fine-tuning", 0, config.epochs)]
    run = [Phase("frozen", 0, frozen)]
    if frozen < config.epochs:
        run.append(Phase("fine-tuning", frozen, config.epochs, config.fine_tune_lr_scale))
    return run


def phase_at(config: TrainConfig, epoch: int) -> Phase:
    """The phase epoch `epoch` (from 0) belongs to (the last one for a finished run)."""
    run = phases(config)
    return next((p for p in run if p.first <= epoch < p.end), run[-1])


def unfreeze_epoch(config: TrainConfig) -> int | None:
    """The epochs done when the base is unfrozen (the curves' marker), or None."""
    return next((p.first for p in phases(config) if p.name == "fine-tuning" and p.first), None)


def set_trainable(network: keras.Model, phase: Phase, loaded: set[str], config: TrainConfig) -> int:
    """Freeze or unfreeze `network`'s layers for `phase`: the new layers (not in
    `loaded`) always train; the loaded ones not while frozen, and after only in the last
    `config.unfreeze` blocks where set. Returns the number of layers with weights that train."""
    layers = [l for l in network.layers if l.weights]
    trains = {l.name for l in layers if l.name not in loaded}
    if phase.name == "training":
        trains = {l.name for l in layers}
    elif not phase.frozen:
        base = [l.name for l in layers if l.name in loaded]
        trains |= set(_last_blocks(base, config) if config.unfreeze else base)
    for layer in layers:
        layer.trainable = layer.name in trains
    return len(trains)


def _last_blocks(names: list[str], config: TrainConfig) -> list[str]:
    """The layers of the last `config.unfreeze` blocks among `names` (in network order),
    a block being a run of layers with one block name in the layer table (unnamed runs,
    such as MobileNetV2's last 1x1 convolution, count as blocks of their own)."""
    from netlib.inspect.blocks import block_of

    family = registry.model_info(config.model).family
    groups: list[list[str]] = []
    previous = None
    for name in names:
        block = block_of(name, family)
        if not groups or block != previous:
            groups.append([])
        groups[-1].append(name)
        previous = block
    return [name for group in groups[-config.unfreeze:] for name in group]
