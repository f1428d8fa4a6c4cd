"""The model registry: every network ConvLab knows, its paper, its options, and its builder.

An architecture module declares its family with :func:`register_family` (how the layer
table groups its layers into the paper's blocks, and its training recipes) and registers a
builder per network with :func:`register_model`; the rest of the system (CLI, GUI,
training) goes through :func:`list_models`, :func:`model_info` and :func:`build`, which
check every argument before Keras sees it, so that a wrong name, option or size is
answered with a message that names what is valid.

This module imports no Keras: the registry's metadata is plain data. The architecture
modules (which do import Keras) are found in netlib.architectures and imported the first
time the registry is asked anything.
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import importlib
import pkgutil
import re
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = [
    "BlockPattern",
    "Family",
    "Option",
    "Recipe",
    "Reference",
    "ReferenceCheck",
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
) -> Callable:
    """Decorator: register `builder(*, input_shape, classes, include_top, pooling,
    classifier_activation, **options) -> keras.Model` under `name`.

    The builder receives validated arguments (see :func:`build`). `recipes` are the
    model's own training recipes, in place of its family's of the same name. Registering
    a name twice raises, so that two modules cannot silently shadow each other.
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
    **options: Any,
):
    """Build model `name` as a Keras functional model.

    `input_shape` is `(height, width, channels)`, `(height, width)` (the model's default
    channels) or a single int for a square input; None gives the paper's input size.
    `pooling` ("avg" or "max") applies when `include_top=False`. Every argument is checked
    first, and a ValueError names the valid choices or the minimum input size.
    """
    info = model_info(name)
    resolved = info.resolve_options(options)
    shape = _resolve_input_shape(info, input_shape, resolved)
    if include_top:
        if isinstance(classes, bool) or not isinstance(classes, int) or classes < 1:
            raise ValueError(f"classes must be a positive integer; received classes={classes!r}.")
    if pooling not in _POOLING_CHOICES:
        raise ValueError(
            f"pooling must be one of None, 'avg', 'max'; received pooling={pooling!r}."
        )
    return info.builder(
        input_shape=shape,
        classes=classes,
        include_top=bool(include_top),
        pooling=pooling,
        classifier_activation=classifier_activation,
        **resolved,
    )


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
