"""`summarize(model)`: the graph walked call by call, and each call measured."""

from __future__ import annotations

import math
import re
import threading
import weakref
from collections.abc import Sequence
from typing import Any, NamedTuple

import keras

from netlib.inspect import layer_kinds as kinds
from netlib.inspect import macs as mac_rules
from netlib.inspect import receptive
from netlib.inspect.blocks import block_of
from netlib.inspect.summary import Row, Summary, Totals
from netlib.inspect.walk import Edge, graph_of, walk
from netlib.layers import ZeroPadShortcut

# model -> {(input shapes, fingerprint): Summary}; entries go with their model. The lock
# lets the app summarise in a worker thread while the GUI thread asks for another table.
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()


class _Facts(NamedTuple):
    """What travels with every tensor: its receptive field and its depth."""

    field: receptive.Field
    depth: int


def summarize(
    model,
    *,
    input_shape: Sequence[int] | Sequence[Sequence[int]] | None = None,
    family: str | None = None,
) -> Summary:
    """The layer table of a Keras functional or sequential model.

    One `Row` per layer call: type, block, inbound layers, shapes, parameters, MACs,
    receptive field and jump, activation size; `Totals` for the model. Nested models are
    expanded (rows named "outer/inner"). `input_shape` (no batch axis; a list of shapes
    for several inputs) measures the model at another input size, and is required when
    the model's input has undefined dimensions. `family` (a registry family, such as
    "ResNet") groups the rows by that family's block patterns; None tries every family's.

    MACs are multiply-accumulates per image (see `netlib.inspect.macs` for the rules; FLOPs
    are 2 x MACs); receptive fields follow Araujo et al. (see `netlib.inspect.receptive`).
    The result is cached per model object and input shape; it is immutable.
    """
    graph = graph_of(model)
    if graph is None:
        raise ValueError(
            f"summarize needs a functional or sequential Keras model with a known input; "
            f"received {type(model).__name__} {getattr(model, 'name', '')!r}. Build a "
            f"Sequential model first (model.build or a keras.Input), or wrap a subclassed "
            f"model in a functional one."
        )
    specs = _input_specs(graph, input_shape)
    key = (tuple(tuple(s.shape) for s in specs), _fingerprint(model), family)
    with _CACHE_LOCK:
        found = _CACHE.get(model, {}).get(key)
    if found is None:
        found = _Tabulator(model, specs, family).run()
        with _CACHE_LOCK:
            _CACHE.setdefault(model, {})[key] = found
    return found


def clear_cache() -> None:
    """Forget every cached summary (they are also dropped with their model)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def _fingerprint(model) -> tuple:
    """What can change in a built model and changes the table: which weights are
    trainable (layer.trainable = False), and the dtype policy."""
    return (
        tuple(id(w) for w in model.trainable_weights),
        str(getattr(model.dtype_policy, "name", model.dtype_policy)),
    )


def _input_specs(graph, input_shape) -> list[Any]:
    inputs = list(graph.inputs)
    expected = ", ".join(str(tuple(t.shape[1:])) for t in inputs)
    if input_shape is None:
        shapes = [tuple(t.shape[1:]) for t in inputs]
        if any(d is None for shape in shapes for d in shape):
            raise ValueError(
                f"The model's input shape {expected} has undefined dimensions: pass "
                f"input_shape, e.g. input_shape={_example(shapes[0])}."
            )
        return inputs
    shapes = list(input_shape) if len(inputs) > 1 else [input_shape]
    try:
        shapes = [tuple(int(d) for d in s) for s in shapes]
    except (TypeError, ValueError):
        shapes = []
    if len(shapes) != len(inputs) or not all(map(_fits, shapes, inputs)):
        raise ValueError(
            f"input_shape must match the model's input {expected} (no batch axis, same "
            f"channels, positive sizes; a list of shapes for several inputs); received "
            f"input_shape={input_shape!r}."
        )
    return [keras.KerasTensor((None, *s), dtype=t.dtype) for s, t in zip(shapes, inputs)]


def _fits(shape: tuple, model_input) -> bool:
    """Same rank, positive sizes, and the model's channels (the last axis) if it has any."""
    *space, channels = model_input.shape[1:]
    return (
        len(shape) == len(space) + 1
        and all(d > 0 for d in shape)
        and channels in (None, shape[-1])
    )


def _example(shape: tuple) -> tuple:
    return tuple(224 if d is None else d for d in shape)


class _Tabulator:
    """Builds the rows while `walk` visits the graph."""

    def __init__(self, model, input_specs, family):
        self.model = model
        self.family = family
        self.input_specs = input_specs
        self.input_space = tuple(input_specs[0].shape[1:-1])
        self.rows: list[Row] = []
        self.owner_of_layer: dict[int, str] = {}

    def run(self) -> Summary:
        outputs = walk(self.model, self.visit, self.input_specs)
        return Summary(
            name=self.model.name,
            rows=tuple(self.rows),
            totals=self._totals(outputs),
            compute_dtype=_compute_dtype(self.model),
            input_shape=tuple(self.input_specs[0].shape[1:]),
        )

    def visit(self, name: str, layer, inputs: list[Edge], output_specs: list) -> list[Edge]:
        input_shapes = tuple(tuple(e.spec.shape[1:]) for e in inputs)
        output_shapes = tuple(tuple(s.shape[1:]) for s in output_specs)
        notes = []
        params, trainable, shared_with = self._params(name, layer)
        if shared_with:
            notes.append(f"shares weights with {shared_with}")
        macs, note = mac_rules.count_macs(layer, list(input_shapes), list(output_shapes))
        notes.append(note)
        if inputs:
            field, note = receptive.propagate(
                layer, [e.facts.field for e in inputs], list(input_shapes), output_shapes[0]
            )
            notes.append(note)
        else:
            field = receptive.input_field(output_shapes[0])
        size, jump, axes, note = self._field_figures(field)
        notes.append(note)
        row = Row(
            name=name,
            type=type(layer).__name__,
            block=block_of(name, self.family),
            inbound=tuple(e.producer for e in inputs),
            input_shapes=input_shapes,
            output_shape=output_shapes[0],
            output_shapes=output_shapes,
            params=params,
            trainable_params=trainable,
            macs=macs,
            receptive_field=size,
            jump=jump,
            field_kind=field.kind,
            receptive_field_axes=axes,
            activation_elements=sum(math.prod(s) for s in output_shapes),
            activation_bytes=sum(
                math.prod(s.shape[1:]) * _itemsize(s.dtype) for s in output_specs
            ),
            **_geometry(layer, spatial_rank=len(output_shapes[0]) - 1),
            note="; ".join(n for n in notes if n),
        )
        self.rows.append(row)
        depth = max((e.facts.depth for e in inputs), default=0) + (1 if macs else 0)
        return [Edge(spec, name, _Facts(field, depth)) for spec in output_specs]

    def _params(self, name: str, layer) -> tuple[int, int, str]:
        """(params, trainable params, name of the row that already counted them)."""
        weights = getattr(layer, "weights", None) or []
        if not weights:
            return 0, 0, ""
        if id(layer) in self.owner_of_layer:
            return 0, 0, self.owner_of_layer[id(layer)]
        self.owner_of_layer[id(layer)] = name
        return _size(weights), _size(layer.trainable_weights), ""

    def _field_figures(self, field: receptive.Field):
        """(receptive field, jump, field per axis, note) for a row."""
        if field.kind == receptive.LOCAL:
            sizes = tuple(a.size for a in field.axes)
            jumps = {a.jump for a in field.axes}
            by_axis = tuple(a.jump for a in field.axes)
            note = "" if len(jumps) == 1 else f"jump differs by axis: {by_axis}"
            return _same(sizes), _same(tuple(jumps)), sizes, note
        if field.kind == receptive.GLOBAL:
            return _same(self.input_space), None, self.input_space, ""
        return None, None, None, ""

    def _totals(self, outputs: list[Edge]) -> Totals:
        weights = self.model.weights
        params = _size(weights)
        trainable = _size(self.model.trainable_weights)
        macs = sum(r.macs for r in self.rows)
        last_spatial = next(
            (r for r in reversed(self.rows)
             if r.field_kind in (receptive.LOCAL, receptive.UNDEFINED)),
            None,
        )
        return Totals(
            params=params,
            trainable_params=trainable,
            non_trainable_params=params - trainable,
            macs=macs,
            flops=2 * macs,
            weight_bytes=sum(math.prod(w.shape) * _itemsize(w.dtype) for w in weights),
            activation_elements=sum(r.activation_elements for r in self.rows),
            activation_bytes=sum(r.activation_bytes for r in self.rows),
            receptive_field=last_spatial.receptive_field if last_spatial else None,
            jump=last_spatial.jump if last_spatial else None,
            receptive_field_layer=last_spatial.name if last_spatial else "",
            layers=sum(1 for r in self.rows if r.type != "InputLayer"),
            depth=max((e.facts.depth for e in outputs), default=0),
        )


def _geometry(layer, spatial_rank: int) -> dict:
    """kernel_size, strides, padding and dilation where they apply, else None."""
    if isinstance(layer, kinds.WINDOWS + kinds.TRANSPOSED):
        return {
            "kernel_size": tuple(layer.kernel_size),
            "strides": tuple(layer.strides),
            "padding": layer.padding,
            "dilation": tuple(layer.dilation_rate),
        }
    if isinstance(layer, kinds.POOLING):
        return {
            "kernel_size": tuple(layer.pool_size),
            "strides": tuple(layer.strides),
            "padding": layer.padding,
        }
    if isinstance(layer, ZeroPadShortcut):
        return {"strides": (layer.strides, layer.strides)}
    if callable(getattr(layer, "receptive_window", None)):  # a custom window layer
        window = layer.receptive_window()
        return {
            "kernel_size": _tuple(window["kernel_size"], spatial_rank),
            "strides": _tuple(window.get("strides", 1), spatial_rank),
            "padding": window.get("padding", "valid"),
            "dilation": _tuple(window.get("dilation_rate", 1), spatial_rank),
        }
    return {}


def _tuple(value, rank: int) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (int(value),) * rank


def _same(values: tuple) -> int | None:
    """The common value of `values`, or None when they differ (or there are none)."""
    return values[0] if values and all(v == values[0] for v in values) else None


def _size(weights) -> int:
    return sum(math.prod(w.shape) for w in weights)


def _itemsize(dtype) -> int:
    """Bytes per element, from the dtype's name (numpy knows no bfloat16 or float8)."""
    name = keras.backend.standardize_dtype(dtype)
    bits = re.search(r"\d+", name)
    return int(bits.group()) // 8 if bits else 1  # bool: one byte


def _compute_dtype(model) -> str:
    policy = getattr(model, "dtype_policy", None)
    return str(getattr(policy, "compute_dtype", None) or model.compute_dtype)
