"""Reading a weights file into its layers' arrays, whatever its format.

- Legacy HDF5 (`.h5`), the layout keras.applications publishes and Keras 2's
  `save_weights` wrote: a `layer_names` attribute, one group per layer with a
  `weight_names` attribute naming its datasets (trainable weights first). Matched to a
  model by position among the layers with weights, as keras.applications loads them
  (`load_weights_from_hdf5_group`), so that a file's own layer names never matter. A
  whole model saved in that format (a `model_weights` group) reads the same.
- Keras 3 weights (`.weights.h5`): one `vars` group per layer, its name in an attribute;
  matched by layer name.
- Keras models (`.keras`, ConvLab's run models among them): loaded in safe mode
  (netlib.predict.load_model, which refuses code); their layers, nested networks
  included, matched by name.
"""

from __future__ import annotations

import dataclasses
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["WeightsSource", "read_weights", "KINDS"]

KINDS = ("legacy HDF5", "Keras weights", "Keras model")


@dataclasses.dataclass
class WeightsSource:
    """The layers with weights of a file, in the file's order: (layer name, arrays), the
    arrays in the format's order (legacy HDF5: trainable first; Keras 3: a layer's
    `weights`, the order it made them in). `by_position`: matched to a model by
    order (legacy HDF5) rather than by name. `model` is the loaded model of a `.keras`
    file (its preprocessing layers and class names are read from it), else None."""

    path: Path
    kind: str
    layers: list[tuple[str, list[np.ndarray]]]
    by_position: bool
    model: Any = None
    metadata: dict | None = None

    def describe(self) -> str:
        return f"{self.path.name} ({self.kind}, {len(self.layers)} layers with weights)"


def read_weights(path: str | os.PathLike) -> WeightsSource:
    """The layers of the weights file at `path`; ValueError saying why for a file that
    is missing or of no format above."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"No weights file at {path}.")
    if zipfile.is_zipfile(path):
        return _read_keras_model(path)
    import h5py

    try:
        with h5py.File(path, "r") as file:
            group = file
            if "layer_names" not in file.attrs and "model_weights" in file:
                group = file["model_weights"]
            if _attribute(group, "layer_names"):
                return WeightsSource(path, KINDS[0], _legacy_layers(group), by_position=True)
            if "layers" in file or "vars" in file:
                return WeightsSource(path, KINDS[1], _keras_layers(file), by_position=False)
    except OSError as error:
        raise ValueError(f"{path} is not a weights file ({error}).") from None
    raise ValueError(
        f"{path} is an HDF5 file without Keras weights: neither keras.applications' "
        "layout (layer_names) nor Keras 3's (.weights.h5)."
    )


def _attribute(group, name: str) -> list[str]:
    """A list attribute, also when h5py split it into name0, name1, ... (large models)."""
    if name in group.attrs:
        values = list(group.attrs[name])
    else:
        values, chunk = [], 0
        while f"{name}{chunk}" in group.attrs:
            values += list(group.attrs[f"{name}{chunk}"])
            chunk += 1
    return [v.decode("utf8") if hasattr(v, "decode") else str(v) for v in values]


def _legacy_layers(group) -> list[tuple[str, list[np.ndarray]]]:
    layers = []
    for name in _attribute(group, "layer_names"):
        layer = group[name]
        arrays = [np.asarray(layer[weight]) for weight in _attribute(layer, "weight_names")]
        if arrays:
            layers.append((name, arrays))
    return layers


def _keras_layers(file) -> list[tuple[str, list[np.ndarray]]]:
    """Every `vars` group holding arrays, in the file's order: (its layer's name, arrays)."""
    layers = []

    def visit(group):
        for key in group:
            item = group[key]
            if not hasattr(item, "keys"):
                continue
            if key == "vars" and len(item):
                name = item.attrs.get("name", group.name.rsplit("/", 1)[-1])
                name = name.decode("utf8") if hasattr(name, "decode") else str(name)
                layers.append((name, [np.asarray(item[str(i)]) for i in range(len(item))]))
            else:
                visit(item)

    visit(file)
    return layers


def _read_keras_model(path: Path) -> WeightsSource:
    import keras

    from netlib.predict import load_model

    loaded = load_model(path)
    layers = [
        (layer.name, [np.asarray(w.numpy()) for w in layer.weights])
        for layer in loaded.model._flatten_layers(include_self=False, recursive=True)
        if not isinstance(layer, keras.Model) and layer.weights
    ]
    from netlib.runs import read_model_metadata

    return WeightsSource(path, KINDS[2], layers, by_position=False, model=loaded.model,
                         metadata=read_model_metadata(path))
