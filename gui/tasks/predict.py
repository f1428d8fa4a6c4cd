"""Jobs of the Predict page: load a model (safe mode) with its visualisations, predict
images, and explain one (netlib.predict and netlib.visualize compute everything)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from gui.icons import RESOURCES
from gui.images import to_thumbnail
from gui.tasks.runs import read_runs

BUNDLED_MODEL = RESOURCES / "models" / "lenet5_digits.keras"
BUNDLED = "bundled"
FILTER_SCALE = 6  # screen pixels per filter weight
# The heat map's opacity: HEAT_FLOOR where nothing speaks for the class, up to
# HEAT_FLOOR + HEAT_ALPHA where most does, so that the image stays readable.
HEAT_FLOOR = 0.15
HEAT_ALPHA = 0.6


def is_imagenet(key: str) -> bool:
    """Whether a model key names a network with ImageNet weights ("imagenet:<network>")."""
    return key.startswith("imagenet:")


def list_models(runs_dir, context) -> tuple[list, list]:
    """The Predict page's model list, in its listing job: the runs of `runs_dir` (newest
    first) and the ImageNet networks whose weights are in Keras' cache (a file check for
    each of some sixty files)."""
    from netlib.weights.imagenet import cached_models

    return read_runs(runs_dir, False, context), cached_models()


def model_path(key: str) -> Path:
    """The .keras file of a model key: BUNDLED, "run:<folder>" or "file:<path>"."""
    if key == BUNDLED:
        return BUNDLED_MODEL
    kind, _, path = key.partition(":")
    if kind not in ("run", "file") or not path:
        raise ValueError(f"Unknown model {key!r}: the bundled model, a run or a .keras file.")
    return Path(path)


@dataclasses.dataclass
class Predictor:
    """A model loaded for the page: netlib's LoadedModel and its Visualizer (None when the
    model has nothing to visualise), and what the page shows about it."""

    key: str  # BUNDLED, "run:<folder>", "file:<path>" or "imagenet:<network>"
    loaded: object  # netlib.predict.LoadedModel
    visualizer: object | None
    layers: list[str]
    feature_layer: str | None
    filters: np.ndarray | None  # the first layer's filters as one uint8 grid image
    description: str


def load_predictor(key: str, context) -> Predictor:
    """Job: load the model named by `key` (safe mode) and prepare its visualisations."""
    from netlib.predict import load_model
    from netlib.visualize import Visualizer, filter_grid

    loaded = load_model(key if is_imagenet(key) else model_path(key))
    context.check()
    visualizer, layers, feature_layer, filters = None, [], None, None
    try:
        visualizer = Visualizer(loaded.model)
        layers = visualizer.spatial_layers()
        convolutions = [p for p, layer in visualizer.layers() if type(layer).__name__ == "Conv2D"]
        feature_layer = convolutions[0] if convolutions else (layers[0] if layers else None)
        filters = filter_grid(visualizer.first_layer_filters(), scale=FILTER_SCALE, padding=2)
    except ValueError:
        pass  # a model without feature maps: predictions only
    height, width = loaded.input_size or ("any", "any")
    colour = "grey" if loaded.color_mode == "grayscale" else "RGB"
    where = {"bundled": "bundled with ConvLab"}.get(key, str(loaded.path))
    description = (
        f"{loaded.model.name} · {height}×{width} {colour} · {len(loaded.classes)} classes · "
        f"{where}" + "".join(f" · {note}" for note in loaded.notes)
    )
    return Predictor(key, loaded, visualizer, layers, feature_layer, filters, description)


def predict_images(predictor: Predictor, sources: list[tuple[str, object]], context) -> list:
    """Job: top-5 for each (name, path or array), with the image as the model sees it
    (decoded once, for both), as gui.widgets.predictions.PredictedImage."""
    from gui.widgets.predictions import PredictedImage
    from netlib.predict import center_crop, predict_decoded, prepare_images

    loaded = predictor.loaded
    images = [source for _, source in sources]
    arrays, errors = prepare_images(loaded, images)
    context.check()
    predictions = predict_decoded(loaded, images, arrays, errors, top=5)
    entries = []
    for (name, source), array, prediction in zip(sources, arrays, predictions):
        pixels = None
        if array is not None and loaded.input_size is not None:
            pixels = center_crop(array[None], loaded.input_size)[0]
        elif array is not None:
            pixels = array
        entries.append(PredictedImage(
            name=name, source=source, top=list(prediction.top), error=prediction.error,
            pixels=pixels, thumbnail=to_thumbnail(pixels, 64) if pixels is not None else None,
        ))
    return entries


@dataclasses.dataclass
class Explanation:
    """What the detail view shows for one image: the image with its heat map (uint8 RGB
    arrays at the model's input size), how the map was made, and a feature-map grid."""

    image: np.ndarray
    overlay: np.ndarray | None
    method: str
    layer: str
    class_index: int
    features: np.ndarray | None
    feature_layer: str | None


def explain_image(predictor: Predictor, pixels: np.ndarray, class_index: int | None,
                  feature_layer: str | None, colors: np.ndarray, context) -> Explanation:
    """Job: the class-activation map of `class_index` (None: the top class) over
    `pixels`, and the feature maps of `feature_layer`."""
    from netlib.visualize import feature_grid

    image = rgb(pixels)
    overlay, method, layer, explained = None, "", "", -1
    if predictor.visualizer is not None:
        cam = predictor.visualizer.class_activation_map(pixels, class_index)
        heat = cam.resized(pixels.shape[:2])
        color = colors[np.clip((heat * 255).astype(np.int64), 0, 255)][..., :3].astype(np.float32)
        alpha = (HEAT_FLOOR + HEAT_ALPHA * heat)[..., None]
        overlay = np.clip((1 - alpha) * image + alpha * color, 0, 255).astype(np.uint8)
        method, layer, explained = cam.method, cam.layer, cam.class_index
    context.check()
    features = None
    if predictor.visualizer is not None and feature_layer:
        features = feature_grid(predictor.visualizer.feature_maps(pixels, feature_layer))
    return Explanation(image, overlay, method, layer, explained, features, feature_layer)


def rgb(pixels: np.ndarray) -> np.ndarray:
    """Grey or RGB pixels as float32 RGB."""
    pixels = np.asarray(pixels)
    if pixels.shape[-1] == 1:
        pixels = np.repeat(pixels, 3, axis=-1)
    return pixels[..., :3].astype(np.float32)
