"""The augmentation spec: what a training configuration stores to say how images are
augmented, and its check. Keras-free, so that a form can check a spec on every keystroke;
netlib.augment turns a checked spec into Keras layers.

A spec is a list applied in order, each entry a name of :data:`AUGMENTATIONS` (its
default parameters) or ``{"name": ..., **parameters}``; or a dict ``{name: parameter}`` in
application order, where the parameter is the entry's main argument (a number: the factor,
or the crop size), a dict of its arguments, True (defaults) or False/None (left out); or
a string of comma-separated names, as typed ("flip, rotation"). Examples::

    ["flip", {"name": "rotation", "factor": 0.05}]
    {"crop_flip": 224, "pca_color": 0.1}
    "flip, rotation"
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

__all__ = ["Augmentation", "AUGMENTATIONS", "entries", "parse_text", "format_text", "needs_pca"]

# Keras' own preprocessing layers on images of 0..255: these arguments every entry that
# takes them accepts (the layers' own, as netlib.augment passes them on).
_FILLING = ("fill_mode", "interpolation", "fill_value", "data_format")


@dataclasses.dataclass(frozen=True)
class Augmentation:
    """One entry of a spec: the layer it makes, its parameters and their defaults.

    `main` is the parameter a bare number sets (``{"rotation": 0.1}``); `parameters`
    are all the layer accepts (besides its seed, which the model's seed sets)."""

    name: str
    layer: str
    help: str
    main: str
    parameters: tuple[str, ...]
    defaults: Mapping[str, Any]


AUGMENTATIONS: dict[str, Augmentation] = {
    a.name: a
    for a in (
        Augmentation(
            "crop_flip", "RandomCropFlip",
            "random crop + horizontal flip, the centre crop at inference; size in pixels or "
            "a fraction of the input (default 0.875, AlexNet's 224/256)",
            "height", ("height", "width", "flip"), {"height": 0.875},
        ),
        Augmentation(
            "pca_color", "PCAColorJitter",
            "AlexNet's colour noise along the principal components of the training pixels",
            "stddev", ("eigenvalues", "eigenvectors", "stddev"), {"stddev": 0.1},
        ),
        Augmentation("flip", "keras.layers.RandomFlip", "mirror left-right",
                     "mode", ("mode", "data_format"), {"mode": "horizontal"}),
        Augmentation("rotation", "keras.layers.RandomRotation",
                     "rotate by up to factor of a full turn",
                     "factor", ("factor", *_FILLING), {"factor": 0.05}),
        Augmentation("translation", "keras.layers.RandomTranslation",
                     "shift by up to factor of the height and width",
                     "height_factor", ("height_factor", "width_factor", *_FILLING),
                     {"height_factor": 0.1, "width_factor": 0.1}),
        Augmentation("zoom", "keras.layers.RandomZoom", "zoom by up to factor of the size",
                     "height_factor", ("height_factor", "width_factor", *_FILLING),
                     {"height_factor": 0.1}),
        Augmentation("brightness", "keras.layers.RandomBrightness",
                     "shift brightness by up to factor of the value range",
                     "factor", ("factor", "value_range"),
                     {"factor": 0.2, "value_range": (0, 255)}),
        Augmentation("contrast", "keras.layers.RandomContrast",
                     "scale contrast by up to factor",
                     "factor", ("factor", "value_range"),
                     {"factor": 0.2, "value_range": (0, 255)}),
    )
}


def entries(spec: Any) -> list[tuple[str, dict[str, Any]]]:
    """The spec as [(name, parameters given)], checked: ValueError naming the valid names
    or parameters for anything else."""
    if spec is None:
        return []
    if isinstance(spec, str):
        spec = _names(spec)
    if isinstance(spec, Mapping):
        found = [(name, _parameters(name, value)) for name, value in spec.items()
                 if value is not False and value is not None]
    elif isinstance(spec, (list, tuple)):
        found = [_list_entry(item) for item in spec]
    else:
        raise ValueError(f"An augmentation spec must be a list or a dict; received {spec!r}.")
    for name, parameters in found:
        _check_entry(name, parameters)
    return found


def parse_text(text: str) -> Any:
    """A spec as typed: JSON (a list or a dict), or names separated by commas (spaces
    around them allowed); empty text is no augmentation (None)."""
    stripped = text.strip()
    if not stripped:
        return None
    if stripped[0] in "[{":
        try:
            spec = json.loads(stripped)
        except json.JSONDecodeError as error:
            raise ValueError(f"The augmentation is not valid JSON: {error}.") from None
    else:
        spec = _names(stripped)
    entries(spec)
    return spec


def format_text(spec: Any) -> str:
    """The text `parse_text` reads back as `spec`: names joined by ", ", else JSON."""
    if spec in (None, [], {}):
        return ""
    if isinstance(spec, (list, tuple)) and all(isinstance(item, str) for item in spec):
        return ", ".join(spec)
    return json.dumps(spec)


def needs_pca(spec: Any) -> bool:
    """Whether the spec has AlexNet's colour noise, which needs the training pixels'
    principal components."""
    return any(name == "pca_color" for name, _ in entries(spec))


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _list_entry(item: Any) -> tuple[str, dict[str, Any]]:
    if isinstance(item, str):
        return item.strip(), {}
    if isinstance(item, Mapping) and "name" in item:
        return item["name"], {k: v for k, v in item.items() if k != "name"}
    raise ValueError(
        "Each entry of an augmentation list must be a name or a dict with a 'name' key; "
        f"received {item!r}."
    )


def _parameters(name: str, value: Any) -> dict[str, Any]:
    if value is True:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    if name in AUGMENTATIONS:
        return {AUGMENTATIONS[name].main: value}
    return {}  # the name is refused by _check_entry with the list of valid ones


def _check_entry(name: Any, parameters: Mapping[str, Any]) -> None:
    if name not in AUGMENTATIONS:
        raise ValueError(
            f"Unknown augmentation {name!r}; the valid ones are: {', '.join(AUGMENTATIONS)}."
        )
    accepted = AUGMENTATIONS[name].parameters
    unknown = sorted(set(parameters) - set(accepted))
    if unknown:
        raise ValueError(
            f"Unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} "
            f"for augmentation {name!r}; its parameters are: {', '.join(accepted)}."
        )
