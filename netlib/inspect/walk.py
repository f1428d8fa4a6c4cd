"""Walking a Keras functional graph call by call, nested models expanded.

Keras 3 keeps the graph of a functional model in its nodes: every call of a layer is a
`Node` (`layer._inbound_nodes`) with the `KerasTensor`s it consumed and produced, and
`model._nodes_by_depth` orders them (greatest depth first is an order in which every
node's inputs exist: it is how Keras runs the model, and how `model.summary()` finds a
layer's inbound layers). These are the least private handles Keras offers on its graph;
this module is the only place in netlib that touches them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import keras


@dataclasses.dataclass
class Edge:
    """A tensor flowing between two rows of the table, with what we know about it."""

    spec: Any  # a KerasTensor: shape (batch first) and dtype
    producer: str  # name of the row that produced it
    facts: Any = None  # whatever the visitor attaches (receptive field, depth, ...)


# visit(name, operation, inputs, output_specs) -> the edges of the outputs
Visitor = Callable[[str, Any, list[Edge], list[Any]], list[Edge]]


def graph_of(operation) -> Any:
    """The functional graph behind a model (Functional or built Sequential), else None."""
    if isinstance(operation, keras.Sequential):
        return getattr(operation, "_functional", None)
    if isinstance(operation, keras.Model) and hasattr(operation, "_nodes_by_depth"):
        return operation
    return None


def walk(model, visit: Visitor, input_specs: Sequence[Any]) -> list[Edge]:
    """Call `visit` for every layer call of `model` in an order where inputs come first.

    Input layers are visited with no inputs and `input_specs` as their outputs (which may
    differ from the shapes the model was built with: every later shape is then recomputed
    by Keras' `compute_output_spec`). A nested model's layers are visited with names
    "outer/inner"; its input layers are not visited (they are the outer tensors).
    Returns the edges of the model's outputs.
    """
    graph = graph_of(model)
    return _walk_graph(graph, visit, prefix="", input_edges=None, input_specs=input_specs,
                       names=_UniqueNames())


class _UniqueNames:
    """A layer called twice gets two rows: the second is "name#2"."""

    def __init__(self):
        self._seen: dict[str, int] = {}

    def __call__(self, name: str) -> str:
        count = self._seen.get(name, 0) + 1
        self._seen[name] = count
        return name if count == 1 else f"{name}#{count}"


def _walk_graph(graph, visit, prefix, input_edges, input_specs, names) -> list[Edge]:
    edges: dict[int, Edge] = {}
    if input_edges is not None:
        for tensor, edge in zip(graph.inputs, input_edges):
            edges[id(tensor)] = edge
    specs_of_inputs = {id(t): s for t, s in zip(graph.inputs, input_specs or ())}
    for node in _nodes_in_order(graph):
        operation = node.operation
        if node.is_input:
            if input_edges is None:  # the model's own inputs: rows of their own
                tensor = node.output_tensors[0]
                spec = specs_of_inputs.get(id(tensor), tensor)
                edges[id(tensor)] = visit(names(prefix + operation.name), operation, [], [spec])[0]
            continue
        inputs = [edges[id(t)] for t in node.input_tensors]
        inner = graph_of(operation)
        if inner is not None:
            outputs = _walk_graph(inner, visit, names(prefix + operation.name) + "/",
                                  input_edges=inputs, input_specs=None, names=names)
        else:
            outputs = visit(names(prefix + operation.name), operation, inputs,
                            _output_specs(node, inputs))
        for tensor, edge in zip(node.output_tensors, outputs):
            edges[id(tensor)] = edge
    return [edges[id(t)] for t in graph.outputs]


def _nodes_in_order(graph):
    """Nodes by decreasing depth; within a depth, in the order of `graph.operations`
    (the order of `model.layers` and of Keras' own summary)."""
    position = {id(op): i for i, op in enumerate(graph.operations)}
    for depth in sorted(graph._nodes_by_depth, reverse=True):
        yield from sorted(graph._nodes_by_depth[depth],
                          key=lambda node: position.get(id(node.operation), -1))


def _output_specs(node, inputs: list[Edge]) -> list[Any]:
    """The node's recorded outputs, or new ones if its inputs now have other shapes."""
    recorded = node.input_tensors
    if all(tuple(e.spec.shape) == tuple(t.shape) for e, t in zip(inputs, recorded)):
        return list(node.output_tensors)
    values = {id(t): e.spec for t, e in zip(recorded, inputs)}
    args, kwargs = node.arguments.fill_in(values)
    return keras.tree.flatten(node.operation.compute_output_spec(*args, **kwargs))
