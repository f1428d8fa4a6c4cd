"""Export formats that only TensorFlow writes: SavedModel and TensorFlow Lite (LiteRT).

The `.keras` format works on every backend and is netlib.export's business; these two
go through Keras' own `model.export`, which needs the TensorFlow backend.
"""

from __future__ import annotations

import os

from netlib.backend.devices import name

__all__ = ["export_saved_model", "export_tflite"]


def _require_tensorflow(what: str) -> None:
    if name() != "tensorflow":
        raise ValueError(
            f"{what} export needs the TensorFlow backend (Keras runs on {name()!r} here); "
            f"the .keras format works on every backend."
        )


def export_saved_model(model, path: str | os.PathLike) -> None:
    """Write `model` as a TensorFlow SavedModel directory with a `serve` endpoint."""
    _require_tensorflow("SavedModel")
    model.export(str(path), format="tf_saved_model", verbose=False)


def export_tflite(model, path: str | os.PathLike) -> None:
    """Write `model` as a TensorFlow Lite (LiteRT) flatbuffer; `path` ends in `.tflite`."""
    _require_tensorflow("TFLite")
    model.export(str(path), format="litert", verbose=False)
