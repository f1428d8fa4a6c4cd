"""Export a run's model for use outside ConvLab (`python main.py export RUN --format F`).

Every export is the run's inference model (best.keras): it takes raw pixel values (0-255,
uint8) at its input size and returns class probabilities; rescaling and normalisation are
inside, augmentation is not. The class names travel with it:

    keras        <name>.keras, with convlab.json inside (classes, sizes, colour mode), and
                 <name>.classes.json beside it. Any Keras 3 backend can load it.
    saved_model  a TensorFlow SavedModel folder <name>/ (endpoint "serve", the default
                 signature too), with classes.json and convlab.json inside the folder.
                 TensorFlow backend only.
    tflite       <name>.tflite (TensorFlow Lite / LiteRT flatbuffer) and
                 <name>.classes.json beside it. TensorFlow backend only.

By default exports go to `<run>/export/`; each is written under a temporary name and moved
into place, so an interrupted export leaves no half-written model.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from netlib import backend
from netlib.runs import (
    MODEL_METADATA_NAME,
    RunFolder,
    produce_atomic,
    produce_folder_atomic,
    read_model_metadata,
    write_json_atomic,
)

__all__ = ["FORMATS", "export"]

FORMATS = ("keras", "saved_model", "tflite")
_SUFFIX = {"keras": ".keras", "saved_model": "", "tflite": ".tflite"}


def export(
    run: str | os.PathLike, format: str = "keras", output: str | os.PathLike | None = None
) -> Path:
    """Export the run's best model in `format` (one of FORMATS); return the path written.

    `output` is the file (or, for saved_model, the folder) to write; default
    `<run>/export/<model><suffix>`. ValueError for an unknown format, a run without a
    model, or a TensorFlow-only format on another backend.
    """
    if format not in FORMATS:
        raise ValueError(
            f"format must be one of {', '.join(FORMATS)}; received format={format!r}."
        )
    if format != "keras" and not backend.supports_distribution():
        raise ValueError(
            f"{format} export needs the TensorFlow backend (Keras runs on "
            f"{backend.name()!r} here); the keras format works on every backend."
        )
    folder = RunFolder.open(run)
    source = folder.model_path()
    metadata = read_model_metadata(source) or {}
    classes = metadata.get("classes") or folder.classes()
    target = Path(output) if output else _default_target(folder, metadata, format)
    if format == "saved_model" and target.suffix:
        raise ValueError(f"A SavedModel is a folder; give a folder name, not {target.name}.")
    if format != "saved_model" and target.suffix != _SUFFIX[format]:
        raise ValueError(f"A {format} export's name ends in {_SUFFIX[format]}; received {target}.")
    target.parent.mkdir(parents=True, exist_ok=True)

    if format == "keras":
        produce_atomic(target, lambda temporary: shutil.copyfile(source, temporary))
    else:
        from netlib.predict import load_model

        model = load_model(source).model
        if format == "tflite":
            produce_atomic(target, lambda temporary: backend.export_tflite(model, temporary))
        else:
            produce_folder_atomic(
                target, lambda temporary: _write_saved_model(temporary, model, classes, metadata)
            )
            return target
    write_json_atomic(target.with_suffix(".classes.json"), list(classes))
    return target


def _default_target(folder: RunFolder, metadata: dict, format: str) -> Path:
    name = metadata.get("model") or folder.config().model
    return folder.path / "export" / f"{name}{_SUFFIX[format]}"


def _write_saved_model(folder: Path, model, classes: list[str], metadata: dict) -> None:
    """A SavedModel folder with the class names and ConvLab's metadata inside."""
    backend.export_saved_model(model, folder)
    write_json_atomic(folder / "classes.json", list(classes))
    write_json_atomic(folder / MODEL_METADATA_NAME, metadata)
