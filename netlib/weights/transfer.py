"""Weights from a file into a network: every layer checked first, then all assigned.

Two ways, one rule for what fits (the same number of arrays, each of the same shape; a
1x1 convolution's kernel also fits a dense layer of the same units, as keras.applications'
MobileNet `conv_preds` fits the paper's dense classifier):

- all layers (`netlib.build(weights=...)`): every layer with weights gets the file's;
  the first that does not fit is named and nothing is assigned;
- a new classifier (fine-tuning): the layer that computes each output's scores keeps its
  fresh weights; every other layer of the feature extractor must fit; the dense layers of
  the head before the classifier (VGG's fc1 and fc2) keep the file's while they fit and are
  new from the first that does not (another input size, or a file without them).
"""

from __future__ import annotations

import dataclasses
import os

import keras
import numpy as np

from netlib.weights.files import WeightsSource, read_weights

__all__ = ["WeightsMismatch", "LoadReport", "load_weights", "classifier_layers"]


class WeightsMismatch(ValueError):
    """A weights file does not fit the network; the message names the first layer."""


@dataclasses.dataclass(frozen=True)
class LoadReport:
    """What a load did: the layers that got the file's weights and those left new."""

    source: str
    loaded: tuple[str, ...]
    new: tuple[str, ...]

    def summary(self) -> str:
        new = f"; new: {', '.join(self.new)}" if self.new else ""
        return f"{len(self.loaded)} layers loaded from {self.source}{new}."


def load_weights(
    model: keras.Model, source: str | os.PathLike | WeightsSource, *, new_classifier: bool = False
) -> LoadReport:
    """Load `source` (a path or a read WeightsSource) into `model`, all layers or all but
    a new classifier (see the module's docstring). WeightsMismatch, before anything is
    assigned, for a file that does not fit."""
    if not isinstance(source, WeightsSource):
        source = read_weights(source)
    targets = _weighted_layers(model)
    pairs = _pairs(targets, source)
    _check_counts(model, targets, source, new_classifier)
    classifiers = {id(layer) for layer in classifier_layers(model)} if new_classifier else set()
    planned, new = [], []
    head_fits = True  # the head's dense layers load until the first that does not fit
    for layer in targets:
        variables = _variables(layer, source)
        found = pairs.get(id(layer))
        problem = _misfit(layer, variables, found, source)
        if id(layer) in classifiers:
            new.append(layer.name)
            continue
        if new_classifier and _is_head(layer):
            head_fits = head_fits and not problem
            if not head_fits:
                new.append(layer.name)
                continue
        if problem:
            raise WeightsMismatch(f"{source.describe()} does not fit {model.name}: {problem}")
        planned.append((layer, variables, found[1]))
    if not planned:
        raise WeightsMismatch(f"{source.describe()} shares no layer with {model.name}.")
    for layer, variables, arrays in planned:
        for variable, array in zip(variables, arrays):
            variable.assign(np.reshape(array, variable.shape))
        if hasattr(layer, "finalize_state"):
            layer.finalize_state()  # Normalization: its mean and variance are now set
    return LoadReport(source.describe(), tuple(l.name for l, _, _ in planned), tuple(new))


def classifier_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The layer with weights nearest each output: the one computing its class scores
    (through the softmax, dropout or a reshape after it)."""
    found = []
    for output in model.outputs:
        tensor = output
        while True:
            layer, node_index, _ = tensor._keras_history
            if layer.weights and not isinstance(layer, keras.Model):
                found.append(layer)
                break
            inputs = layer._inbound_nodes[node_index].input_tensors
            if not inputs:
                break
            tensor = inputs[0]
    return found


# ----------------------------------------------------------------------------- helpers


def _weighted_layers(model: keras.Model) -> list[keras.layers.Layer]:
    return [layer for layer in model._flatten_layers(include_self=False, recursive=True)
            if not isinstance(layer, keras.Model) and layer.weights]


def _variables(layer, source: WeightsSource) -> list:
    # Legacy HDF5 stores trainable weights first (keras' _legacy_weights); Keras 3 a
    # layer's `weights`, in the order it made them.
    if source.by_position:
        return layer.trainable_weights + layer.non_trainable_weights
    return list(layer.weights)


def _pairs(targets, source: WeightsSource) -> dict[int, tuple[int, list[np.ndarray], str]]:
    """Each target layer's (position, arrays, name) in the file, where it has one."""
    found = {}
    for i, (name, arrays) in enumerate(source.layers):
        found.setdefault(i if source.by_position else name, (i, arrays, name))
    keys = range(len(targets)) if source.by_position else [layer.name for layer in targets]
    return {id(layer): found[key] for layer, key in zip(targets, keys) if key in found}


def _misfit(layer, variables, found, source: WeightsSource) -> str:
    """Why the file's arrays do not fit `layer` ("" when they do)."""
    if found is None:
        return f"the file has no weights for layer {layer.name}."
    position, arrays, name = found
    where = f"layer {layer.name} (the file's {name!r}, its layer {position + 1} with weights)"
    if len(arrays) != len(variables):
        hint = (" One of the two has biases the other lacks (ResNet: use_bias=True for "
                "keras.applications' weights)." if abs(len(arrays) - len(variables)) == 1 else "")
        return (f"{where} holds {len(arrays)} arrays in the file and {len(variables)} here."
                f"{hint}")
    for variable, array in zip(variables, arrays):
        if not _fits(array.shape, tuple(variable.shape)):
            return (f"{where}: its {variable.name} is {tuple(array.shape)} in the file and "
                    f"{tuple(variable.shape)} here.")
    return ""


def _fits(stored: tuple, wanted: tuple) -> bool:
    if tuple(stored) == tuple(wanted):
        return True
    # A 1x1 convolution's kernel (1, 1, in, out) is a dense layer's (in, out).
    return len(stored) == 4 and stored[:2] == (1, 1) and tuple(stored[2:]) == tuple(wanted)


def _is_head(layer) -> bool:
    """A layer after the feature maps: its output is (batch, units)."""
    try:
        return len(layer.output.shape) == 2
    except (AttributeError, ValueError):
        return False


def _check_counts(model, targets, source: WeightsSource, new_classifier: bool) -> None:
    """Loading every layer by position needs as many layers in the file as in the model
    (keras.applications' own check), once the first misfit has had its say."""
    if not source.by_position or new_classifier or len(targets) == len(source.layers):
        return
    for layer in targets[: len(source.layers)]:
        problem = _misfit(layer, _variables(layer, source), _pairs(targets, source)[id(layer)],
                          source)
        if problem:
            raise WeightsMismatch(f"{source.describe()} does not fit {model.name}: {problem}")
    raise WeightsMismatch(
        f"{source.describe()} does not fit {model.name}: the file has "
        f"{len(source.layers)} layers with weights, the network {len(targets)} (another "
        "network, or with or without its classifier: include_top)."
    )
