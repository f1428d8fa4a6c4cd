"""Top-k predictions for image files or arrays, with the preprocessing the model trained
with (the engine of the app's Predict page and of `python main.py predict`).

    >>> from netlib.predict import predict
    >>> for p in predict("runs/20250101-120000-lenet5", ["a.png", "b.png"], top=3):
    ...     print(p.source, p.top if p.ok else p.error)
    a.png [('7', 0.98), ('1', 0.01), ('9', 0.004)]

Images go through `netlib.data.decode_image`, the decoder that built the training cache,
at the size, colour mode and resize mode the model was trained with (from convlab.json
inside every .keras file ConvLab writes); the model does the rest (rescaling and
normalisation are inside it). A model trained on crops (AlexNet's 224 of 256) gets the
centre crop of the image decoded at the training size, as in the paper's single-crop test.

"imagenet:NAME" (netlib.weights.imagenet) is a network with its ImageNet weights from
Keras' cache and the 1000 ImageNet class names, out of the box.

Model files are loaded with `safe_mode=True` only: a file holding a Lambda layer (Python
code) is refused. A model from elsewhere is used if its input can be fed: its size (the
image is resized) and 1 or 3 channels (grey or RGB); other inputs are refused with the
reason. Its class names come from a `<model>.classes.json` or `classes.json` beside it,
else they are "0", "1", ...
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from netlib import data
from netlib.runs import RunFolder, read_model_metadata

__all__ = ["Prediction", "LoadedModel", "load_model", "load_imagenet", "predict",
           "predict_decoded", "prepare_images", "center_crop"]


@dataclasses.dataclass(frozen=True)
class Prediction:
    """The prediction for one image: `top` is [(class name, probability), ...], best first;
    for an image that could not be read, `top` is empty and `error` says why."""

    source: str
    top: list[tuple[str, float]]
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "top": [{"class": name, "probability": p} for name, p in self.top],
            "error": self.error,
        }


@dataclasses.dataclass
class LoadedModel:
    """A classifier and what it takes to feed it: class names, decode size (`image_size`,
    the size images are decoded at), input size, colour and resize mode. `notes` lists
    the adaptations made for a model from elsewhere."""

    model: Any  # keras.Model
    classes: list[str]
    image_size: tuple[int, int] | None  # None: each image at its own size
    input_size: tuple[int, int] | None
    channels: int
    color_mode: str
    resize: str
    path: Path | None = None
    notes: list[str] = dataclasses.field(default_factory=list)


# ---------------------------------------------------------------------------- loading


def _find_model_file(source: Path) -> Path:
    if source.is_dir():
        return RunFolder.open(source).model_path()
    if not source.is_file():
        raise ValueError(f"No model at {source}: give a .keras file or a run folder.")
    if source.suffix != ".keras":
        raise ValueError(
            f"{source} is not a .keras file; ConvLab loads models in the native Keras format "
            f"(.keras) or from a run folder."
        )
    return source


def _layer_classes(config: Any):
    """Every `class_name` in a Keras model config, recursively."""
    if isinstance(config, dict):
        if "class_name" in config:
            yield config["class_name"]
        for value in config.values():
            yield from _layer_classes(value)
    elif isinstance(config, list):
        for value in config:
            yield from _layer_classes(value)


def _refuse_code(path: Path) -> None:
    """Refuse a model file that carries Python code (a Lambda layer), before Keras reads it."""
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{path} is not a valid .keras model file ({error}).") from None
    if "Lambda" in set(_layer_classes(config)):
        raise ValueError(
            f"{path} contains a Lambda layer, i.e. Python code that would run on loading. "
            f"ConvLab loads models in Keras' safe mode only and refuses this file; rebuild "
            f"the model without Lambda layers (ConvLab's own models have none)."
        )


def _class_names_beside(path: Path, count: int) -> list[str] | None:
    for candidate in (path.with_suffix(".classes.json"), path.parent / "classes.json"):
        if candidate.is_file():
            try:
                names = json.loads(candidate.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue
            if isinstance(names, list) and len(names) == count:
                return [str(n) for n in names]
    return None


def load_model(model_or_run) -> LoadedModel:
    """Load a classifier for prediction: a run folder (its best.keras), a `.keras` file,
    "imagenet:NAME[,OPTION=VALUE...][,size=N]" (see :func:`load_imagenet`), a
    `keras.Model`, or a LoadedModel (returned as is).

    Raises ValueError, with the reason, for a missing file, a Lambda layer, or a model
    whose input cannot be fed with images.
    """
    if isinstance(model_or_run, LoadedModel):
        return model_or_run
    from netlib.weights.imagenet import KEY_PREFIX

    if isinstance(model_or_run, str) and model_or_run.startswith(KEY_PREFIX):
        return load_imagenet(model_or_run)
    import keras

    import netlib.augment  # noqa: F401  (registers ConvLab's augmentation layers)
    import netlib.layers  # noqa: F401  (registers ConvLab's custom layers)

    path, metadata = None, None
    if isinstance(model_or_run, keras.Model):
        model = model_or_run
    else:
        path = _find_model_file(Path(model_or_run))
        _refuse_code(path)
        metadata = read_model_metadata(path)
        try:
            model = keras.saving.load_model(path, safe_mode=True, compile=False)
        except ValueError as error:
            raise ValueError(f"Could not load {path} in safe mode: {error}") from None
    return _describe(model, metadata, path)


def load_imagenet(key: str, progress=None, cancel=None) -> LoadedModel:
    """An ImageNet classifier: the network and options `key` names ("imagenet:NAME",
    netlib.weights.imagenet.parse_key), its weights and the class names from Keras' cache
    (downloaded there if missing; offline, a DownloadError says what to put where).
    Images are squashed to the weights' size, as keras.applications' examples load them."""
    from netlib.weights import cache_path, imagenet

    chosen = imagenet.parse_key(key)
    classes = imagenet.class_names(progress, cancel)
    model = imagenet.imagenet_model(chosen, progress, cancel)
    size = (chosen.input_size, chosen.input_size)
    return LoadedModel(model, classes, size, size, 3, "rgb", "squash",
                       path=cache_path(chosen.file),
                       notes=[f"{chosen.label}, keras.applications' weights"])


def _describe(model, metadata: dict | None, path: Path | None) -> LoadedModel:
    if len(model.inputs) != 1:
        raise ValueError(
            f"The model takes {len(model.inputs)} inputs; ConvLab predicts with models "
            f"that take one image."
        )
    shape = tuple(model.inputs[0].shape)
    if len(shape) != 4:
        raise ValueError(
            f"The model's input has shape {shape}; an image model takes "
            f"(batch, height, width, channels)."
        )
    _, height, width, channels = shape
    if channels not in (1, 3):
        raise ValueError(
            f"The model takes images with {channels} channels; ConvLab's images are grey "
            f"(1 channel) or colour (3: RGB), so this model cannot be fed."
        )
    outputs = model.outputs
    classes_count = int(outputs[0].shape[-1])
    notes = []
    if len(outputs) > 1:
        notes.append(f"the model has {len(outputs)} outputs; the first is used")
    input_size = (int(height), int(width)) if height and width else None
    metadata = metadata or {}
    classes = metadata.get("classes")
    if not classes or len(classes) != classes_count:
        classes = (path and _class_names_beside(path, classes_count)) or [
            str(i) for i in range(classes_count)
        ]
        if path is not None:
            notes.append("no ConvLab metadata: class names from a classes.json beside the file, or numbers")
    image_size = tuple(metadata["image_size"]) if metadata.get("image_size") else input_size
    return LoadedModel(
        model=model,
        classes=list(classes),
        image_size=image_size,
        input_size=input_size,
        channels=int(channels),
        color_mode=metadata.get("color_mode") or ("grayscale" if channels == 1 else "rgb"),
        resize=metadata.get("resize") or "squash",
        path=path,
        notes=notes,
    )


# ---------------------------------------------------------------------------- images


def center_crop(images: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The centre `size` window of (N, H, W, C) images (unchanged if already that size)."""
    height, width = images.shape[1:3]
    top, left = (height - size[0]) // 2, (width - size[1]) // 2
    return images[:, top : top + size[0], left : left + size[1], :]


def _array_source(array: np.ndarray) -> bytes:
    """An image array as PNG bytes, so that arrays go through the very decoder files do."""
    from PIL import Image

    array = np.asarray(array)
    if array.dtype != np.uint8:
        if np.issubdtype(array.dtype, np.floating) and array.size and array.max() <= 1.0:
            raise ValueError(
                "a float array with values in [0, 1]; give pixel values 0-255 (uint8)"
            )
        array = np.clip(np.rint(array), 0, 255).astype(np.uint8)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (3, 4)):
        raise ValueError(
            f"an array of shape {array.shape}; give (height, width), (height, width, 1), "
            f"(height, width, 3) or (height, width, 4)"
        )
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def _describe_source(image, position: int) -> str:
    if isinstance(image, (str, os.PathLike)):
        return str(image)
    return f"image {position + 1}"


def prepare_images(
    loaded: LoadedModel, images: Sequence, *, size: tuple[int, int] | None = None
) -> tuple[list[np.ndarray | None], list[str | None]]:
    """Decode `images` (paths, bytes or arrays) as `loaded` was trained: returns, per
    image, a uint8 array (or None) and an error message (or None). `size` overrides the
    decode size (ten-crop evaluation decodes larger)."""
    size = size or loaded.image_size
    arrays: list[np.ndarray | None] = []
    errors: list[str | None] = []
    for image in images:
        try:
            source = image if not isinstance(image, np.ndarray) else _array_source(image)
            arrays.append(
                data.decode_image(
                    source, size=size, color_mode=loaded.color_mode, resize=loaded.resize
                )
            )
            errors.append(None)
        except data.ImageError as error:
            arrays.append(None)
            errors.append(f"{error.reason}: {error.detail}" if error.detail else error.reason)
        except (ValueError, OSError) as error:  # a bad array, a missing file
            arrays.append(None)
            errors.append(str(error))
    return arrays, errors


def probabilities(loaded: LoadedModel, batch: np.ndarray, batch_size: int = 32) -> np.ndarray:
    """The model's class probabilities for a uint8 batch already at the decode size."""
    if loaded.input_size is not None and tuple(batch.shape[1:3]) != tuple(loaded.input_size):
        batch = center_crop(batch, loaded.input_size)
    output = _forward(loaded.model, batch, batch_size)
    if isinstance(output, (list, tuple)):
        output = output[0]
    output = np.asarray(output, np.float64)
    sums = output.sum(axis=-1)
    if output.min() < 0 or not np.allclose(sums, 1.0, atol=1e-3):
        # A model from elsewhere that returns logits: softmax them.
        output = np.exp(output - output.max(axis=-1, keepdims=True))
        output /= output.sum(axis=-1, keepdims=True)
    return output


def _forward(model, batch: np.ndarray, batch_size: int):
    """The model's outputs for `batch`, traced once per model: a batch that fits in one
    goes through a plain call (Keras' advice for small inputs: `predict` compiles a step
    function for each new batch shape, and the app's one image then ten retraced it until
    TensorFlow warned); a larger one through `predict` with its last chunk padded to a
    full batch, so every step has the same shape."""
    if len(batch) <= batch_size:
        output = model(batch, training=False)
        return [np.asarray(o) for o in output] if isinstance(output, (list, tuple)) else np.asarray(output)
    short = -len(batch) % batch_size
    padded = np.concatenate([batch, np.repeat(batch[-1:], short, axis=0)]) if short else batch
    output = model.predict(padded, batch_size=batch_size, verbose=0)
    if isinstance(output, (list, tuple)):
        return [np.asarray(o)[: len(batch)] for o in output]
    return np.asarray(output)[: len(batch)]


def top_classes(probs: np.ndarray, classes: Sequence[str], top: int) -> list[tuple[str, float]]:
    order = np.argsort(-probs, kind="stable")[: max(1, min(top, len(classes)))]
    return [(classes[i], float(probs[i])) for i in order]


# ---------------------------------------------------------------------------- predict


def predict(model_or_run, images, top: int = 5, *, batch_size: int = 32) -> list[Prediction]:
    """Top-`top` classes for each of `images` (a path, an array, or a list of them).

    `model_or_run`: a run folder, a `.keras` file, a keras.Model or a LoadedModel (load
    once with :func:`load_model` to predict many times). An image that cannot be read
    gets a Prediction with `error` set; it never raises for a bad image. Raises
    ValueError for a model that cannot be used (see :func:`load_model`) or a bad `top`.
    """
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ValueError(f"top must be a positive integer; received top={top!r}.")
    loaded = load_model(model_or_run)
    if isinstance(images, (str, os.PathLike, bytes)) or (
        isinstance(images, np.ndarray) and images.ndim in (2, 3)
    ):
        images = [images]
    images = list(images)
    arrays, errors = prepare_images(loaded, images)
    return predict_decoded(loaded, images, arrays, errors, top, batch_size=batch_size)


def predict_decoded(
    loaded: LoadedModel, images: Sequence, arrays: Sequence, errors: Sequence, top: int = 5,
    *, batch_size: int = 32,
) -> list[Prediction]:
    """:func:`predict` of `images` that :func:`prepare_images` has decoded already (as
    `arrays, errors`), for a caller that shows the decoded pixels too: each image is
    decoded once."""
    results: list[Prediction | None] = [None] * len(images)
    good = [i for i, a in enumerate(arrays) if a is not None]
    for group in _same_size_groups(arrays, good, loaded):
        probs = probabilities(loaded, np.stack([arrays[i] for i in group]), batch_size)
        for i, row in zip(group, probs):
            results[i] = Prediction(_describe_source(images[i], i), top_classes(row, loaded.classes, top))
    for i, error in enumerate(errors):
        if error is not None:
            results[i] = Prediction(_describe_source(images[i], i), [], error)
    return results


def _same_size_groups(arrays, indices, loaded: LoadedModel) -> list[list[int]]:
    """Images in batches of one shape: all of them when the model has a fixed size,
    else each size apart (a model without a fixed input size keeps every image's own)."""
    groups: dict[tuple, list[int]] = {}
    for i in indices:
        groups.setdefault(arrays[i].shape, []).append(i)
    return list(groups.values())
