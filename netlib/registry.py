"""The model registry: every network ConvLab knows, its paper, its options, and its builder.

An architecture module registers a builder with :func:`register_model`; the rest of the
system (CLI, GUI, training) goes through :func:`list_models`, :func:`model_info` and
:func:`build`, which check every argument before Keras sees it, so that a wrong name,
option or size is answered with a message that names what is valid.

This module imports no Keras: the registry's metadata is plain data. The architecture
modules (which do import Keras) are imported the first time the registry is asked anything.
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import importlib
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = [
    "Option",
    "Reference",
    "ModelInfo",
    "register_model",
    "list_models",
    "list_families",
    "model_info",
    "build",
    "parse_option_value",
    "parse_assignments",
]

# Families in the order the papers appeared; each is one module of netlib.architectures.
_FAMILY_MODULES = (
    "lenet",
    "alexnet",
    "nin",
    "vgg",
    "googlenet",
    "resnet",
    "mobilenet",
    "efficientnet",
)

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


_REGISTRY: dict[str, ModelInfo] = {}
_loaded = False


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
) -> Callable:
    """Decorator: register `builder(*, input_shape, classes, include_top, pooling,
    classifier_activation, **options) -> keras.Model` under `name`.

    The builder receives validated arguments (see :func:`build`). Registering a name twice
    raises, so that two modules cannot silently shadow each other.
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
        )
        return builder

    return decorator


def _load_architectures() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in _FAMILY_MODULES:
            importlib.import_module(f"netlib.architectures.{module}")


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
