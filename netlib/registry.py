"""The model registry: every network ConvLab knows, its paper, its options, its builder,
and the ImageNet weights keras.applications publishes for it.

An architecture module declares its family with :func:`register_family` (how the layer
table groups its layers into the paper's blocks, and its training recipes) and registers a
builder per network with :func:`register_model`; the rest of the system (CLI, GUI,
training) goes through :func:`list_models`, :func:`model_info` and :func:`build`, which
check every argument before Keras sees it, so that a wrong name, option or size is
answered with a message that names what is valid.

This module imports no Keras: the registry's metadata is plain data. The architecture
modules (which do import Keras) are found in netlib.architectures and imported the first
time the registry is asked anything. `build(..., weights=...)` loads weights through
netlib.weights, imported only then.
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import importlib
import os
import pkgutil
import re
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = [
    "BlockPattern",
    "Family",
    "Option",
    "PREPROCESSING",
    "Pretrained",
    "PublishedFile",
    "Recipe",
    "Reference",
    "ReferenceCheck",
    "WeightsFile",
    "ModelInfo",
    "register_family",
    "register_model",
    "family_info",
    "list_models",
    "list_families",
    "model_info",
    "build",
    "parse_option_value",
    "parse_assignments",
]

# The package whose modules (those not starting with "_") each register one or more families.
_ARCHITECTURES = "netlib.architectures"

_POOLING_CHOICES = (None, "avg", "max")
_TRUE_WORDS = {"1", "true", "yes", "on"}
_FALSE_WORDS = {"0", "false", "no", "off"}


@dataclasses.dataclass(frozen=True)
class Option:
    """One architecture option (`alpha`, `shortcut`, `batch_norm`, ...).

    The option's type is the type of its default. `choices`, when given, is the complete
    set of allowed values; `minimum`/`maximum` bound numeric options without a finite set.
    """

    name: str
    default: Any
    help: str = ""
    choices: tuple | None = None
    minimum: float | None = None
    maximum: float | None = None

    @property
    def type(self) -> type:
        return type(self.default)

    def describe_valid(self) -> str:
        if self.choices is not None:
            return ", ".join(repr(c) for c in self.choices)
        bounds = []
        if self.minimum is not None:
            bounds.append(f">= {self.minimum}")
        if self.maximum is not None:
            bounds.append(f"<= {self.maximum}")
        return f"a {self.type.__name__}" + (" " + " and ".join(bounds) if bounds else "")

    def validate(self, value: Any, model: str = "") -> Any:
        """Return `value` converted to the option's type, or raise ValueError."""
        where = f" of {model!r}" if model else ""
        try:
            value = _coerce(value, self.type)
        except (TypeError, ValueError):
            raise ValueError(
                f"Option {self.name}{where} must be {self.describe_valid()}; "
                f"received {self.name}={value!r}."
            ) from None
        if self.choices is not None and value not in self.choices:
            raise ValueError(
                f"Option {self.name}{where} must be one of {self.describe_valid()}; "
                f"received {self.name}={value!r}."
            )
        too_small = self.minimum is not None and value < self.minimum
        too_large = self.maximum is not None and value > self.maximum
        if too_small or too_large:
            raise ValueError(
                f"Option {self.name}{where} must be {self.describe_valid()}; "
                f"received {self.name}={value!r}."
            )
        return value


@dataclasses.dataclass(frozen=True)
class Reference:
    """A published figure that the builder must reproduce, and where it comes from.

    `params` counts all weights, or only the trainable ones when `trainable_only` (batch-norm
    moving statistics are non-trainable: torchvision's counts exclude them, Keras' include
    them). `options`, `classes` and `input_size` say which configuration the figure is for
    (None: the model's default input size). `macs` is multiply-accumulates per image, where
    the source gives them (torchvision's "GFLOPS" are in fact MACs), to be matched within
    `macs_tolerance` (relative): 1% for exact figures, more for a paper's "about".
    """

    params: int
    source: str
    trainable_only: bool = False
    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    classes: int = 1000
    input_size: int | None = None
    macs: float | None = None
    macs_source: str = ""
    macs_tolerance: float = 0.01


@dataclasses.dataclass(frozen=True)
class ReferenceCheck:
    """A built configuration's counts against the published figure for exactly that
    configuration (`reference`; None when the registry has none for it).

    `counted` is what the figure counts: the trainable parameters where its source counts
    only those, else all (with no figure: trainable only if every figure of the model is).
    """

    counted: int
    trainable_only: bool
    macs: int
    reference: Reference | None

    @property
    def params_match(self) -> bool | None:
        return None if self.reference is None else self.counted == self.reference.params

    @property
    def macs_offset(self) -> float | None:
        """Our MACs relative to the published ones (+0.015: 1.5% more), where given."""
        if self.reference is None or not self.reference.macs:
            return None
        return self.macs / self.reference.macs - 1

    @property
    def macs_match(self) -> bool | None:
        """MACs within the figure's tolerance; None where the source gives no MACs."""
        if self.macs_offset is None:
            return None
        published = self.reference.macs
        return abs(self.macs - published) <= self.reference.macs_tolerance * published

    @property
    def matches(self) -> bool | None:
        """Parameters equal and, where the source gives MACs, MACs within its tolerance."""
        if self.reference is None:
            return None
        return self.params_match and self.macs_match is not False


@dataclasses.dataclass(frozen=True)
class BlockPattern:
    """How the layer table finds a paper's block in a layer's name.

    `pattern` is a regular expression matched at the start of the layer's own name;
    `block` is the block's name, with the match's groups (`r"\\1"`); `example` shows one.
    `general` marks a pattern that also matches the start of other families' block names
    (`conv1_` and `conv2_block1`): among every family's patterns it comes after the others.
    """

    pattern: str
    block: str
    example: str
    general: bool = False


@dataclasses.dataclass(frozen=True)
class Recipe:
    """A named set of TrainConfig values, and where they come from (a paper's section,
    or "Measured here: ..." for values checked on this project's data)."""

    name: str
    values: Mapping[str, Any]
    source: str

    def __post_init__(self):
        # Read-only: a family's recipe is shared by every config made from it.
        object.__setattr__(self, "values", types.MappingProxyType(dict(self.values)))


#: What a network's weights expect at its input, as keras.applications' `preprocess_input`
#: modes; ConvLab puts it inside every model it saves, which so takes raw 0-255 pixels.
PREPROCESSING = {
    "caffe": "RGB turned to BGR and the ImageNet mean pixel (103.939, 116.779, 123.68) "
    "subtracted, on the 0-255 scale (keras.applications' mode 'caffe')",
    "tf": "pixels scaled to [-1, 1] (keras.applications' mode 'tf')",
    "inside": "raw 0-255 pixels: the network rescales and normalises them itself, as "
    "keras.applications' does",
}


@dataclasses.dataclass(frozen=True)
class PublishedFile:
    """A file keras.applications downloads into Keras' cache folder: its `name` there
    (under models/), where it is published, and its md5 (32 hex digits) or sha256 (64)
    hash, None where keras.applications checks none."""

    name: str
    url: str
    file_hash: str | None = None


@dataclasses.dataclass(frozen=True)
class WeightsFile(PublishedFile):
    """One ImageNet weights file of a network: with the classifier (`include_top`, at
    `input_size`, the size it was trained at) or without ("no top": keras.applications
    picks it for inputs of `input_size`, or for any size where it is the only one), for
    the options in `options` (MobileNet's alpha)."""

    include_top: bool = True
    input_size: int = 224
    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "options", types.MappingProxyType(dict(self.options)))

    def fits(self, options: Mapping[str, Any]) -> bool:
        return all(options.get(k) == v for k, v in self.options.items())


@dataclasses.dataclass(frozen=True)
class Pretrained:
    """The ImageNet weights keras.applications publishes for one network.

    `counterpart` is the keras.applications function they belong to; `preprocessing` a
    key of :data:`PREPROCESSING`; `requires` the options the weights need (ResNet's
    convolution biases), set by `build(weights="imagenet")` where not given;
    `imagenet_arguments` the builder's extra arguments with these weights (EfficientNet's
    correcting rescaling, which keras.applications adds only then); `fine_tune_with_top`:
    fine-tuning at the weights' own size starts from the file with the classifier, so
    that the dense layers before it (VGG's fc1 and fc2) keep theirs.
    """

    counterpart: str
    preprocessing: str
    files: tuple[WeightsFile, ...]
    requires: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    imagenet_arguments: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    fine_tune_with_top: bool = False

    def __post_init__(self):
        if self.preprocessing not in PREPROCESSING:
            raise ValueError(
                f"preprocessing must be one of {', '.join(PREPROCESSING)}; received "
                f"preprocessing={self.preprocessing!r}."
            )
        for name in ("requires", "imagenet_arguments"):
            object.__setattr__(self, name, types.MappingProxyType(dict(getattr(self, name))))

    @property
    def sizes(self) -> tuple[int, ...]:
        """The input sizes of the files with the classifier."""
        return tuple(sorted({f.input_size for f in self.files if f.include_top}))

    def file_for(self, options: Mapping[str, Any], include_top: bool, input_size: int) -> WeightsFile:
        """The file keras.applications loads for these options: with the classifier, the
        one of exactly `input_size`; without, the one of `input_size` where there is one,
        else that of the largest size (keras.applications' 224). ValueError naming what
        is published otherwise."""
        fitting = [f for f in self.files if f.include_top == include_top and f.fits(options)]
        if not fitting:
            published = sorted({", ".join(f"{k}={v}" for k, v in f.options.items())
                                for f in self.files} - {""})
            raise ValueError(
                f"{self.counterpart} publishes no ImageNet weights for "
                f"{', '.join(f'{k}={options.get(k)!r}' for k in self._varied())}; it has them "
                f"for {'; '.join(published)}."
            )
        for file in fitting:
            if file.input_size == input_size:
                return file
        if include_top:
            sizes = ", ".join(str(f.input_size) for f in fitting)
            raise ValueError(
                f"The ImageNet weights of {self.counterpart} with its classifier take "
                f"{sizes} pixels; received an input of {input_size}. Use that size, or "
                "include_top=False for any size."
            )
        return max(fitting, key=lambda f: f.input_size)

    def file_to_fine_tune(self, options: Mapping[str, Any], input_size: int) -> WeightsFile:
        """The file a fine-tuning run at `input_size` starts from: without the classifier
        (a new one is trained), but with it at the weights' own size where the head has
        dense layers of its own to keep (`fine_tune_with_top`)."""
        with_top = self.fine_tune_with_top and input_size in self.sizes
        return self.file_for(options, with_top, input_size)

    def _varied(self) -> list[str]:
        return sorted({k for f in self.files for k in f.options})

    def describe(self) -> str:
        sizes = "/".join(map(str, self.sizes))
        return (f"ImageNet weights from {self.counterpart} ({sizes} px with the classifier, "
                f"any size without); input: {PREPROCESSING[self.preprocessing]}")


@dataclasses.dataclass(frozen=True)
class Family:
    """What belongs to a family of networks rather than to one of them: the block patterns
    of its layer names, and its training recipes by name, the first one the default."""

    name: str
    blocks: tuple[BlockPattern, ...] = ()
    recipes: Mapping[str, Recipe] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    """Everything the registry knows about one model, without building it."""

    name: str
    family: str
    description: str
    paper: str
    authors: str
    year: int
    url: str
    input_shape: tuple[int, int, int]
    min_input_size: int | Callable[[Mapping[str, Any]], int]
    options: tuple[Option, ...]
    references: tuple[Reference, ...]
    builder: Callable[..., Any] = dataclasses.field(repr=False, compare=False)
    # The model's own recipes, where its family's do not apply (the plain nets).
    own_recipes: tuple[Recipe, ...] = ()
    # The ImageNet weights keras.applications publishes for it; None where there are none.
    pretrained: Pretrained | None = None
    # What the network does to its input itself ("" for nothing: the trainer scales and
    # normalises the pixels before it), as keras.applications' EfficientNet does.
    input_preprocessing: str = ""

    @property
    def reference(self) -> Reference | None:
        """The headline reference: the figure for the default configuration, if any."""
        return self.references[0] if self.references else None

    @property
    def paper_classes(self) -> int:
        """The class count of the paper's own dataset (10 for LeNet-5 and the CIFAR
        networks, 1000 for ImageNet): that of the headline reference, else 1000."""
        return self.reference.classes if self.reference is not None else 1000

    @property
    def defaults(self) -> dict[str, Any]:
        return {o.name: o.default for o in self.options}

    def option(self, name: str) -> Option:
        for o in self.options:
            if o.name == name:
                return o
        raise ValueError(
            f"{self.name!r} has no option {name!r}; its options are: "
            f"{_names_or_none(o.name for o in self.options)}."
        )

    def resolve_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """The full option set: defaults overridden by `options`, each one validated."""
        resolved = self.defaults
        for key, value in options.items():
            resolved[key] = self.option(key).validate(value, self.name)
        return resolved

    def reference_for(
        self, options: Mapping[str, Any], classes: int, input_size: int | None = None
    ) -> Reference | None:
        """The published figure for exactly this configuration (options after defaults,
        classes, input size; None means the paper's size), or None if there is none."""
        used = self.resolve_options(options)
        size = input_size or self.input_shape[0]
        for ref in self.references:
            if (
                ref.classes == classes
                and (ref.input_size or self.input_shape[0]) == size
                and self.resolve_options(ref.options) == used
            ):
                return ref
        return None

    def minimum_size(self, options: Mapping[str, Any] | None = None) -> int:
        """The smallest input height/width the network accepts with these options."""
        if callable(self.min_input_size):
            return int(self.min_input_size(self.resolve_options(options or {})))
        return int(self.min_input_size)

    def check_reference(
        self, totals, options: Mapping[str, Any], classes: int, input_size: int | None = None
    ) -> ReferenceCheck:
        """`totals` (anything with `params`, `trainable_params` and `macs`, such as a layer
        table's Totals) against the published figure for exactly this configuration."""
        reference = self.reference_for(options, classes, input_size)
        if reference is not None:
            trainable_only = reference.trainable_only
        else:
            trainable_only = bool(self.references) and all(
                r.trainable_only for r in self.references
            )
        counted = totals.trainable_params if trainable_only else totals.params
        return ReferenceCheck(int(counted), trainable_only, int(totals.macs), reference)

    @property
    def weights_note(self) -> str:
        """One line on the ImageNet weights: what they are and expect, or that there are
        none (the list, the app and `model_info` say it)."""
        if self.pretrained is not None:
            return self.pretrained.describe()
        return ("No published ImageNet weights (keras.applications has none for this "
                "network): it trains from scratch, or from an earlier run or a file.")

    def imagenet_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """`options` with what the ImageNet weights require set (ResNet's use_bias=True);
        ValueError, saying why, for an option given otherwise or a network without
        published weights."""
        if self.pretrained is None:
            raise ValueError(f"{self.name} has no published ImageNet weights. {self.weights_note}")
        options = dict(options)
        for key, value in self.pretrained.requires.items():
            if key in options and self.option(key).validate(options[key], self.name) != value:
                raise ValueError(
                    f"The ImageNet weights of {self.name} ({self.pretrained.counterpart}) "
                    f"need {key}={value!r}; received {key}={options[key]!r}."
                )
            options[key] = value
        return options

    @property
    def recipes(self) -> dict[str, Recipe]:
        """The training recipes by name: the family's, with the model's own in their place."""
        recipes = dict(family_info(self.family).recipes)
        recipes.update((r.name, r) for r in self.own_recipes)
        return recipes

    def recipe(self, name: str = "default") -> Recipe:
        """The training recipe `name`; ValueError naming the recipes there are."""
        recipes = self.recipes
        if name not in recipes:
            raise ValueError(
                f"{self.name!r} has no training recipe {name!r}; its recipes are: "
                f"{_names_or_none(recipes)}."
            )
        return recipes[name]


_REGISTRY: dict[str, ModelInfo] = {}
_FAMILIES: dict[str, Family] = {}
_loaded = False


def register_family(
    name: str, *, blocks: tuple[BlockPattern, ...] = (), recipes: tuple[Recipe, ...] = ()
) -> Family:
    """Declare family `name` (the `family` of its models): the block patterns of its layer
    names, tried in order, and its training recipes, the first one the default. Declaring
    a family twice, or two recipes of one name, raises."""
    if name in _FAMILIES:
        raise ValueError(f"Family {name!r} is already registered.")
    by_name = {r.name: r for r in recipes}
    if len(by_name) != len(recipes):
        raise ValueError(f"Family {name!r} names two recipes alike: {[r.name for r in recipes]}.")
    if recipes and recipes[0].name != "default":
        raise ValueError(
            f"The first recipe of family {name!r} is its default and is named 'default'; "
            f"received {recipes[0].name!r}."
        )
    family = Family(name, tuple(blocks), by_name)
    _FAMILIES[name] = family
    return family


def family_info(name: str) -> Family:
    """The family `name` as declared; a family no module declared has no patterns or recipes."""
    _load_architectures()
    return _FAMILIES.get(name) or Family(name)


def register_model(
    name: str,
    *,
    family: str,
    description: str,
    paper: str,
    authors: str,
    year: int,
    url: str = "",
    input_shape: tuple[int, int, int],
    min_input_size: int | Callable[[Mapping[str, Any]], int],
    options: tuple[Option, ...] = (),
    references: tuple[Reference, ...] = (),
    recipes: tuple[Recipe, ...] = (),
    pretrained: Pretrained | None = None,
    input_preprocessing: str = "",
) -> Callable:
    """Decorator: register `builder(*, input_shape, classes, include_top, pooling,
    classifier_activation, **options) -> keras.Model` under `name`.

    The builder receives validated arguments (see :func:`build`). `recipes` are the
    model's own training recipes, in place of its family's of the same name;
    `pretrained` the ImageNet weights keras.applications publishes for it (see
    :class:`Pretrained`); `input_preprocessing` says what the network does to its input
    itself. Registering a name twice raises, so that two modules cannot silently shadow
    each other.
    """

    def decorator(builder: Callable) -> Callable:
        if name in _REGISTRY:
            raise ValueError(f"Model {name!r} is already registered.")
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise ValueError(f"Model names are lower-case identifiers; received {name!r}.")
        _REGISTRY[name] = ModelInfo(
            name=name,
            family=family,
            description=description,
            paper=paper,
            authors=authors,
            year=year,
            url=url,
            input_shape=tuple(input_shape),
            min_input_size=min_input_size,
            options=tuple(options),
            references=tuple(references),
            builder=builder,
            own_recipes=tuple(recipes),
            pretrained=pretrained,
            input_preprocessing=input_preprocessing,
        )
        return builder

    return decorator


def _load_architectures() -> None:
    """Import every module of netlib.architectures (each registers its family) once; a
    module whose name starts with "_" holds shared pieces and is left to its users."""
    global _loaded
    if not _loaded:
        _loaded = True
        package = importlib.import_module(_ARCHITECTURES)
        for module in pkgutil.iter_modules(package.__path__):
            if not module.name.startswith("_"):
                importlib.import_module(f"{_ARCHITECTURES}.{module.name}")


def _natural_key(name: str) -> list:
    """resnet18 < resnet34 < resnet101: digit runs compare as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def list_models(filter: str | None = None) -> list[str]:
    """Registered model names in natural order.

    `filter` is a shell-style pattern (`"resnet*"`, `"*net_b?"`); without wildcards it
    matches as a substring (`"mobile"`). Case is ignored.
    """
    _load_architectures()
    names = sorted(_REGISTRY, key=_natural_key)
    if not filter:
        return names
    pattern = filter.lower()
    if not any(ch in pattern for ch in "*?["):
        pattern = f"*{pattern}*"
    return [n for n in names if fnmatch.fnmatchcase(n, pattern)]


def list_families() -> list[str]:
    """Families in the order their papers appeared (LeNet first)."""
    _load_architectures()
    seen: dict[str, int] = {}
    for info in _REGISTRY.values():
        seen.setdefault(info.family, info.year)
        seen[info.family] = min(seen[info.family], info.year)
    return sorted(seen, key=lambda f: (seen[f], f))


def model_info(name: str) -> ModelInfo:
    """The registry entry for `name`; ValueError naming the valid models if unknown."""
    _load_architectures()
    if name in _REGISTRY:
        return _REGISTRY[name]
    close = difflib.get_close_matches(str(name), list(_REGISTRY), n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise ValueError(
        f"Unknown model {name!r}.{hint} Valid models: {', '.join(list_models())}."
    )


def build(
    name: str,
    *,
    input_shape: int | tuple[int, ...] | None = None,
    classes: int = 1000,
    include_top: bool = True,
    pooling: str | None = None,
    classifier_activation: str | None = "softmax",
    weights: str | os.PathLike | None = None,
    load_weights: bool = True,
    **options: Any,
):
    """Build model `name` as a Keras functional model.

    `input_shape` is `(height, width, channels)`, `(height, width)` (the model's default
    channels) or a single int for a square input; None gives the paper's input size.
    `pooling` ("avg" or "max") applies when `include_top=False`. Every argument is checked
    first, and a ValueError names the valid choices or the minimum input size.

    `weights` follows keras.applications: None (random), "imagenet" (the file
    keras.applications downloads, fetched into Keras' cache and hash-checked: with the
    classifier at the weights' own size and 1000 classes, or without it at any size), or
    the path of a weights file (legacy HDF5 as keras.applications publishes them,
    `.weights.h5` or `.keras`), which must fit every layer (netlib.weights says which
    does not). `load_weights=False` builds the network as those weights need it (ResNet's
    biases, EfficientNet's correcting rescaling) and loads nothing: fine-tuning loads the
    layers that fit itself.
    """
    info = model_info(name)
    imagenet = isinstance(weights, str) and weights == "imagenet"
    if imagenet:
        options = info.imagenet_options(options)
    resolved = info.resolve_options(options)
    shape = _resolve_input_shape(info, input_shape, resolved)
    if include_top:
        if isinstance(classes, bool) or not isinstance(classes, int) or classes < 1:
            raise ValueError(f"classes must be a positive integer; received classes={classes!r}.")
    if pooling not in _POOLING_CHOICES:
        raise ValueError(
            f"pooling must be one of None, 'avg', 'max'; received pooling={pooling!r}."
        )
    published = None
    if imagenet and load_weights:
        published = info.pretrained.file_for(resolved, include_top, shape[0])
        if include_top and classes != 1000:
            raise ValueError(
                f"The ImageNet weights with their classifier have 1000 classes; received "
                f"classes={classes}. Use include_top=False, or fine-tune (netlib.train)."
            )
        if shape[2] != 3:
            raise ValueError(f"ImageNet weights take colour images; received input_shape={shape!r}.")
    path = weights
    if weights is not None and load_weights:
        from netlib import weights as weight_files  # Keras-free until a file is read

        # The file first: offline, the answer comes before a large network is built.
        path = weight_files.fetch(published) if imagenet else weights
    extra = dict(info.pretrained.imagenet_arguments) if imagenet else {}
    model = info.builder(
        input_shape=shape,
        classes=classes,
        include_top=bool(include_top),
        pooling=pooling,
        classifier_activation=classifier_activation,
        **resolved,
        **extra,
    )
    if weights is not None and load_weights:
        weight_files.load_weights(model, path)
    return model


def _resolve_input_shape(
    info: ModelInfo, input_shape: Any, options: Mapping[str, Any]
) -> tuple[int, int, int]:
    default_h, default_w, default_c = info.input_shape
    if input_shape is None:
        shape = (default_h, default_w, default_c)
    elif isinstance(input_shape, int) and not isinstance(input_shape, bool):
        shape = (input_shape, input_shape, default_c)
    else:
        try:
            shape = tuple(input_shape)
        except TypeError:
            shape = ()
        if len(shape) == 2:
            shape = (*shape, default_c)
    valid = len(shape) == 3 and all(
        isinstance(d, int) and not isinstance(d, bool) for d in shape
    )
    if not valid or shape[2] < 1:
        raise ValueError(
            f"input_shape must be (height, width, channels) with positive integers, "
            f"(height, width) or one integer; received input_shape={input_shape!r}."
        )
    # The size check comes before positivity so that 0x0 is answered with the minimum.
    minimum = info.minimum_size(options)
    if min(shape[0], shape[1]) < minimum:
        raise ValueError(
            f"{info.name} needs an input of at least {minimum}x{minimum} pixels with these "
            f"options; received input_shape={shape!r}."
        )
    return shape


def parse_option_value(info: ModelInfo, key: str, text: str) -> Any:
    """Convert a command-line `KEY=VALUE` string to the option's type and validate it."""
    option = info.option(key)
    if text.lower() in ("none", "null") and option.default is None:
        return None
    return option.validate(text, info.name)


def _coerce(value: Any, kind: type) -> Any:
    """Convert `value` to `kind`, accepting the string forms a command line gives."""
    if kind is type(None):
        return value
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE_WORDS | _FALSE_WORDS:
            return value.strip().lower() in _TRUE_WORDS
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise ValueError(value)
    if kind is int:
        if isinstance(value, bool):
            raise TypeError(value)
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(value)
        return int(value)
    if kind is float:
        if isinstance(value, bool):
            raise TypeError(value)
        return float(value)
    if kind is str:
        if not isinstance(value, str):
            raise TypeError(value)
        return value
    return kind(value)


def _names_or_none(names) -> str:
    names = list(names)
    return ", ".join(names) if names else "(none)"


def parse_assignments(items: Iterable[str], *, what: str = "--set") -> list[tuple[str, str]]:
    """`KEY=VALUE` strings (a command line's `--set`, a form's "a=1, b=2" split at commas)
    as (key, value) pairs, both stripped; blank items are skipped. ValueError, naming
    `what`, for an item without "=" or without a key."""
    pairs = []
    for item in items:
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{what} takes KEY=VALUE; received {item.strip()!r}.")
        pairs.append((key.strip(), value.strip()))
    return pairs
