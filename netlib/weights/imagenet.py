"""ImageNet out of the box: the networks whose ImageNet weights are in Keras' cache, as
ready classifiers of raw pixels with the 1000 class names (the class index Keras'
`decode_predictions` uses, fetched and cached the same way).

    >>> [m.label for m in cached_models()]
    ['ImageNet: mobilenet_v2 (alpha=0.35, 96 px)']
    >>> model = imagenet_model(cached_models()[0])   # uint8 pixels -> 1000 probabilities
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

from netlib import registry
from netlib.weights.cache import cache_path, fetch

__all__ = ["CLASS_INDEX", "ImagenetModel", "cached_models", "parse_key", "label_of",
           "class_names", "imagenet_model", "KEY_PREFIX"]

#: keras.applications.imagenet_utils' class index: {"0": ["n01440764", "tench"], ...}.
CLASS_INDEX = registry.PublishedFile(
    "imagenet_class_index.json",
    "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json",
    "c2c37ea517e94d9795004a39431a14cb",
)
#: How a command line and the app name an ImageNet model: "imagenet:mobilenet_v2",
#: "imagenet:mobilenet_v2,alpha=0.35,size=96".
KEY_PREFIX = "imagenet:"


@dataclasses.dataclass(frozen=True)
class ImagenetModel:
    """A network with its ImageNet classifier: its options and the weights' input size."""

    name: str
    options: tuple[tuple[str, Any], ...]
    input_size: int

    @property
    def file(self) -> registry.WeightsFile:
        info = registry.model_info(self.name)
        if info.pretrained is None:
            raise ValueError(f"{self.name} has no published ImageNet weights.")
        options = info.resolve_options(info.imagenet_options(dict(self.options)))
        return info.pretrained.file_for(options, True, self.input_size)

    @property
    def key(self) -> str:
        extra = [f"{k}={v}" for k, v in self.options] + [f"size={self.input_size}"]
        return KEY_PREFIX + ",".join([self.name, *extra])

    @property
    def label(self) -> str:
        return label_of(self.key)


def label_of(key: str) -> str:
    """"ImageNet: mobilenet_v2 (alpha=0.35, 96 px)" for its key, read from the key alone
    (the app names a saved choice before the registry has loaded)."""
    name, *extra = key.removeprefix(KEY_PREFIX).split(",")
    shown = [f"{e.removeprefix('size=')} px" if e.startswith("size=") else e for e in extra]
    return f"ImageNet: {name}" + (f" ({', '.join(shown)})" if shown else "")


def cached_models() -> list[ImagenetModel]:
    """Every network configuration whose ImageNet file with the classifier is in Keras'
    cache folder (present; its hash is checked when it is loaded)."""
    found = []
    for name in registry.list_models():
        info = registry.model_info(name)
        if info.pretrained is None:
            continue
        for file in info.pretrained.files:
            if file.include_top and cache_path(file).is_file():
                found.append(ImagenetModel(name, tuple(sorted(file.options.items())), file.input_size))
    return found


def parse_key(key: str) -> ImagenetModel:
    """"imagenet:NAME[,OPTION=VALUE...][,size=N]" as an ImagenetModel (defaults: the
    network's options, its largest published size); ValueError saying what is valid."""
    name, *assignments = key.removeprefix(KEY_PREFIX).split(",")
    info = registry.model_info(name.strip())
    if info.pretrained is None:
        raise ValueError(f"{info.name} has no published ImageNet weights. {info.weights_note}")
    pairs = dict(registry.parse_assignments(assignments, what=KEY_PREFIX + name))
    size = int(pairs.pop("size", max(info.pretrained.sizes)))
    options = {k: registry.parse_option_value(info, k, v) for k, v in pairs.items()}
    model = ImagenetModel(info.name, tuple(sorted(options.items())), size)
    model.file  # noqa: B018 -- refuses a configuration without published weights
    return model


def class_names(progress: Callable[[int, int], None] | None = None, cancel=None) -> list[str]:
    """The 1000 ImageNet class names in label order ("tench", "goldfish", ...), from
    Keras' class index (downloaded into its cache folder if missing)."""
    path = fetch(CLASS_INDEX, progress=progress, cancel=cancel)
    index = json.loads(path.read_text(encoding="utf-8"))
    return [index[str(i)][1] for i in range(len(index))]


def imagenet_model(model: ImagenetModel, progress=None, cancel=None):
    """`model`'s network with its ImageNet weights, as ConvLab's inference models are:
    uint8 pixels -> the weights' preprocessing -> network -> softmax."""
    from netlib.weights.preprocessing import inference_model

    info = registry.model_info(model.name)
    fetch(model.file, progress=progress, cancel=cancel)
    network = registry.build(model.name, input_shape=model.input_size, weights="imagenet",
                             classifier_activation=None, **dict(model.options))
    return inference_model(network, info.pretrained.preprocessing, name=f"{model.name}_imagenet")
