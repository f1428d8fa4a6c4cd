"""What a trained network looks at, as numpy arrays: first-layer filters, the feature maps
of any layer, and class-activation heat maps (the app's Predict page draws them).

    >>> from netlib.visualize import Visualizer
    >>> view = Visualizer(model)                  # a keras.Model taking uint8 pixels
    >>> grid = filter_grid(view.first_layer_filters())          # AlexNet's Figure 3
    >>> maps = view.feature_maps(image, view.spatial_layers()[0])   # (h, w, channels)
    >>> cam = view.class_activation_map(image)    # CAM or Grad-CAM of the top class
    >>> cam.method, cam.heatmap.shape              # ("grad-cam", (5, 5)); values in [0, 1]

Class-activation maps:

- CAM (Zhou et al., 2016, "Learning Deep Features for Discriminative Localization"):
  for a network whose last feature maps A (h x w x K) reach the class scores through
  global average pooling and one dense layer W, the map of class c is
  sum_k W[k, c] * A[:, :, k]. ResNet, GoogLeNet, MobileNet, EfficientNet and (with
  W the identity: its last convolution has one map per class) NiN have such heads.
- Grad-CAM (Selvaraju et al., 2017): for any other network (LeNet-5, AlexNet, VGG with
  their dense heads), the feature maps are weighted by the spatial mean of the gradient
  of the class score with respect to them, summed, and passed through a ReLU. The
  gradient comes from :func:`netlib.backend.value_and_gradient`, the only
  backend-specific step.

The class score is the logit (the input of the final softmax) wherever the model exposes
it, as both papers use. Layers are named by their path: a network nested inside ConvLab's
inference model (uint8 pixels -> preprocessing -> network -> softmax) gives
"lenet5/c3_act". Everything here runs on any Keras backend; nothing imports Qt.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import keras
import numpy as np

from netlib import backend

__all__ = [
    "METHODS",
    "ActivationMap",
    "Visualizer",
    "feature_grid",
    "filter_grid",
    "resize_heatmap",
]

METHODS = ("auto", "cam", "grad-cam")
# Layers between the last feature maps and a CAM head that change nothing CAM depends on
# (dropout is the identity at inference; a linear activation is the identity).
_TRANSPARENT = (keras.layers.Dropout, keras.layers.SpatialDropout2D, keras.layers.Identity)


@dataclasses.dataclass(frozen=True)
class ActivationMap:
    """A class-activation map of one image.

    `heatmap` is (h, w) at the feature maps' resolution, scaled to [0, 1] (all zeros when
    nothing in the image speaks for the class); `raw` is the same map before scaling.
    `method` is "cam" or "grad-cam"; `layer` the feature maps' path; `class_index` the
    class explained; `scores` the model's class scores for the image.
    """

    heatmap: np.ndarray
    raw: np.ndarray
    method: str
    layer: str
    class_index: int
    scores: np.ndarray

    def resized(self, size: tuple[int, int]) -> np.ndarray:
        """The heat map at (height, width), bilinearly interpolated, still in [0, 1]."""
        return resize_heatmap(self.heatmap, size)


@dataclasses.dataclass
class _Site:
    """A layer's feature maps, split out of the model: `front` maps the model's inputs to
    them, `back` maps them to the class scores; `chain` lists the layers between the two
    when they form a single path (None when branches join in between)."""

    front: keras.Model
    back: Callable
    chain: list | None


class Visualizer:
    """Filters, feature maps and class-activation maps of one classifier.

    `model` is a keras.Model with one image input (ConvLab's inference models take uint8
    pixels and do their own preprocessing; a model from elsewhere is fed what it takes).
    The sub-models each layer needs are built once and reused.
    """

    def __init__(self, model: keras.Model):
        if not isinstance(model, keras.Model):
            raise ValueError(f"Visualizer takes a keras.Model; received {type(model).__name__}.")
        if len(model.inputs) != 1 or len(model.inputs[0].shape) != 4:
            raise ValueError(
                "Visualizer takes a model with one image input (batch, height, width, "
                f"channels); this one takes {[tuple(t.shape) for t in model.inputs]}."
            )
        self.model = model
        self._scores = _score_site(model)
        self._sites: dict[str, _Site] = {}

    # ----------------------------------------------------------------- layers

    def layers(self) -> list[tuple[str, keras.layers.Layer]]:
        """Every layer on the way from the input to the outputs as (path, layer), input
        to output, nested networks opened."""
        return [(path, layer) for path, layer, _ in _leaves(self.model, "")]

    def spatial_layers(self) -> list[str]:
        """The paths of the layers whose output is a stack of 2-D maps (batch, h, w, c),
        input to output: what `feature_maps` and `class_activation_map` take."""
        return [
            path
            for path, layer, output in _leaves(self.model, "")
            if not isinstance(layer, keras.layers.InputLayer) and len(output.shape) == 4
        ]

    def default_layer(self) -> str:
        """The last maps larger than one pixel on the way to the class scores (the maps a
        global-average-pooling head pools): where CAM and Grad-CAM look."""
        found = _last_map(self._scores.tensor, self._scores.prefix)
        if found is None:
            raise ValueError(
                f"{self.model.name} has no feature maps larger than 1x1 before its class "
                "scores, so there is nothing to localise."
            )
        return found

    # ----------------------------------------------------------------- filters

    def first_layer_filters(self) -> np.ndarray:
        """The first convolution's kernels as (filters, kh, kw, channels) float32 arrays,
        each scaled to [0, 1] on its own (so that weak filters stay visible). Kernels
        over more than 3 input channels are averaged to one (grey)."""
        for _, layer, _ in _leaves(self.model, ""):
            if isinstance(layer, keras.layers.Conv2D):
                kernel = _weights(layer.kernel).astype(np.float32)  # (kh, kw, in, out)
                break
        else:
            raise ValueError(f"{self.model.name} has no convolution layer: no filters to show.")
        filters = np.transpose(kernel, (3, 0, 1, 2))  # (out, kh, kw, in)
        if filters.shape[-1] not in (1, 3):
            filters = filters.mean(axis=-1, keepdims=True)
        low = filters.min(axis=(1, 2, 3), keepdims=True)
        high = filters.max(axis=(1, 2, 3), keepdims=True)
        return (filters - low) / np.maximum(high - low, 1e-12)

    # ----------------------------------------------------------------- feature maps

    def feature_maps(self, image: np.ndarray, layer: str) -> np.ndarray:
        """The output of `layer` (a path from `spatial_layers`) for one image, as a
        (h, w, channels) float32 array. `image` is (height, width, channels) at the
        model's input size, in the values the model takes (uint8 pixels for ConvLab's)."""
        site = self._site(layer)
        return np.asarray(keras.ops.convert_to_numpy(site.front(_batch(image), training=False))[0])

    # ----------------------------------------------------------------- CAM

    def class_activation_map(
        self,
        image: np.ndarray,
        class_index: int | None = None,
        *,
        method: str = "auto",
        layer: str | None = None,
    ) -> ActivationMap:
        """Where in `image` the evidence for class `class_index` (default: the top class)
        lies. `method`: "cam" (needs a global-average-pooling head on `layer`),
        "grad-cam", or "auto" (CAM where the head allows it, else Grad-CAM). `layer`
        defaults to :meth:`default_layer`."""
        if method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}; received {method!r}.")
        layer = layer or self.default_layer()
        site = self._site(layer)
        maps = site.front(_batch(image), training=False)
        scores = np.asarray(keras.ops.convert_to_numpy(site.back(maps)), np.float64)[0]
        if class_index is None:
            class_index = int(np.argmax(scores))
        if not 0 <= class_index < len(scores):
            raise ValueError(
                f"class_index must be between 0 and {len(scores) - 1}; received {class_index}."
            )
        weights = self._cam_weights(site, int(maps.shape[-1]), len(scores))
        if method == "cam" and weights is None:
            raise ValueError(
                f"CAM needs the maps of {layer!r} to reach the scores through global average "
                "pooling and one dense layer; this model does not. Use method='grad-cam'."
            )
        if weights is not None and method != "grad-cam":
            raw = np.tensordot(_numpy(maps)[0], weights[:, class_index], axes=([-1], [0]))
            used = "cam"
        else:
            raw = self._grad_cam(site, maps, class_index)
            used = "grad-cam"
        raw = raw.astype(np.float32)
        return ActivationMap(
            heatmap=_unit_scale(raw),
            raw=raw,
            method=used,
            layer=layer,
            class_index=int(class_index),
            scores=scores,
        )

    def _grad_cam(self, site: _Site, maps, class_index: int) -> np.ndarray:
        def class_score(feature_maps):
            return keras.ops.sum(site.back(feature_maps)[:, class_index])

        _, gradient = backend.value_and_gradient(class_score, maps)
        weights = _numpy(gradient)[0].mean(axis=(0, 1))  # one weight per map
        return np.maximum(np.tensordot(_numpy(maps)[0], weights, axes=([-1], [0])), 0.0)

    def _cam_weights(self, site: _Site, channels: int, classes: int) -> np.ndarray | None:
        """(channels, classes) weights when the maps reach the scores through global
        average pooling and a dense layer (or directly, one map per class), else None."""
        if site.chain is None:
            return None
        chain = [op for op in site.chain if not _transparent(op)]
        if not chain or not isinstance(chain[0], keras.layers.GlobalAveragePooling2D):
            return None
        if chain[0].keepdims:
            return None
        head = chain[1:]
        if not head and channels == classes:
            return np.eye(channels, dtype=np.float64)  # NiN: the maps are the class maps
        if len(head) == 1 and isinstance(head[0], keras.layers.Dense):
            kernel = _weights(head[0].kernel)
            if kernel.shape == (channels, classes):
                return kernel
        return None

    # ----------------------------------------------------------------- splitting

    def _site(self, layer: str) -> _Site:
        if layer not in self._sites:
            if layer not in self.spatial_layers():
                raise ValueError(
                    f"No layer {layer!r} with spatial feature maps in {self.model.name}; "
                    f"the layers are: {', '.join(self.spatial_layers())}."
                )
            names = layer.split("/")
            scores = self._scores
            depth = len(scores.containers)
            if names[:depth] == scores.containers and len(names) > depth:
                back, chain = _back(scores.model, names[depth:], scores.tensor)
                if scores.dense is not None:  # a dense layer with softmax: its logits
                    dense = scores.dense
                    back = _then(back, lambda x, dense=dense: _dense_logits(dense, x))
                    chain = None if chain is None else [*chain, dense]
            else:  # the maps are outside the network that holds the logits: use the output
                back, chain = _back(self.model, names, self.model.outputs[0])
            self._sites[layer] = _Site(_front(self.model, names), back, chain)
        return self._sites[layer]


# ----------------------------------------------------------------------- grids


def filter_grid(filters: np.ndarray, *, columns: int | None = None, padding: int = 1,
                scale: int = 1) -> np.ndarray:
    """Filters (n, kh, kw, 1 or 3) with values in [0, 1] as one uint8 image: a grid of
    tiles on a white background, `scale` pixels per weight (nearest neighbour)."""
    filters = np.asarray(filters, np.float32)
    if filters.ndim != 4 or filters.shape[-1] not in (1, 3):
        raise ValueError(
            f"filters must be (n, height, width, 1 or 3); received shape {filters.shape}."
        )
    tiles = np.clip(np.rint(filters * 255), 0, 255).astype(np.uint8)
    if scale > 1:
        tiles = tiles.repeat(scale, axis=1).repeat(scale, axis=2)
    return _tile(tiles, columns=columns, padding=padding, background=255)


def feature_grid(maps: np.ndarray, *, max_maps: int = 64, columns: int | None = None,
                 padding: int = 1) -> np.ndarray:
    """The first `max_maps` of (h, w, channels) feature maps as one uint8 grey image,
    each map scaled to its own range (a constant map is black)."""
    maps = np.asarray(maps, np.float32)
    if maps.ndim != 3:
        raise ValueError(f"maps must be (height, width, channels); received shape {maps.shape}.")
    chosen = np.moveaxis(maps[..., :max_maps], -1, 0)  # (n, h, w)
    low = chosen.min(axis=(1, 2), keepdims=True)
    span = chosen.max(axis=(1, 2), keepdims=True) - low
    scaled = np.where(span > 0, (chosen - low) / np.where(span > 0, span, 1), 0.0)
    tiles = np.clip(np.rint(scaled * 255), 0, 255).astype(np.uint8)[..., None]
    return _tile(tiles, columns=columns, padding=padding, background=255)


def resize_heatmap(heatmap: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A (h, w) float map resized to `size` = (height, width), bilinearly (Pillow)."""
    from PIL import Image

    height, width = (int(d) for d in size)
    picture = Image.fromarray(np.asarray(heatmap, np.float32))
    resized = picture.resize((width, height), Image.Resampling.BILINEAR)
    return np.clip(np.asarray(resized, np.float32), 0.0, 1.0)


def _tile(tiles: np.ndarray, *, columns: int | None, padding: int, background: int) -> np.ndarray:
    """(n, h, w, c) uint8 tiles laid out in rows of `columns` (default: a near-square grid)."""
    count, height, width, channels = tiles.shape
    if count == 0:
        return np.full((1, 1, channels), background, np.uint8)
    columns = columns or int(np.ceil(np.sqrt(count)))
    rows = int(np.ceil(count / columns))
    grid = np.full(
        (rows * (height + padding) + padding, columns * (width + padding) + padding, channels),
        background,
        np.uint8,
    )
    for i in range(count):
        top = padding + (i // columns) * (height + padding)
        left = padding + (i % columns) * (width + padding)
        grid[top : top + height, left : left + width] = tiles[i]
    return grid


# ----------------------------------------------------------------------- graph helpers
#
# Keras records a functional model as KerasTensors whose `_keras_history` names the
# operation (layer) and the call (node) that made them; `node.input_tensors` leads back
# towards the inputs (keras/src/ops/node.py). Walking that record gives, for a layer, its
# output *in this model's graph* (a network shared by a training and an inference model
# has one call in each) and the layers between two tensors.


def _leaves(model: keras.Model, prefix: str) -> Iterator[tuple[str, object, object]]:
    """(path, layer, its output in `model`'s graph) for every layer on the way from the
    inputs to the outputs, in Keras' (topological) order, nested models opened."""
    graph = _graph(model)
    for layer in model.layers:
        node = graph.get(id(layer))
        if node is None:
            continue
        path = f"{prefix}{layer.name}"
        if isinstance(layer, keras.Model):
            yield from _leaves(layer, path + "/")
        else:
            yield path, layer, node.output_tensors[0]


def _last_map(tensor, prefix: str) -> str | None:
    """The path of the last layer before `tensor` (walking back along first inputs, into
    nested models) whose output is maps of more than one pixel."""
    while True:
        history = getattr(tensor, "_keras_history", None)
        if history is None or history.operation is None:
            return None
        operation = history.operation
        if isinstance(operation, keras.layers.InputLayer):
            return None
        node = operation._inbound_nodes[history.node_index]
        if isinstance(operation, keras.Model):
            inner = operation.outputs[history.tensor_index]
            found = _last_map(inner, f"{prefix}{operation.name}/")
            if found is not None:
                return found
        elif len(tensor.shape) == 4 and (tensor.shape[1] or 0) * (tensor.shape[2] or 0) > 1:
            return f"{prefix}{operation.name}"
        if not node.input_tensors:
            return None
        tensor = node.input_tensors[0]


def _graph(model: keras.Model) -> dict[int, object]:
    """{id(operation): the node of its call in `model`'s graph}."""
    nodes: dict[int, object] = {}
    inputs = {id(t) for t in model.inputs}
    stack = list(model.outputs)
    while stack:
        tensor = stack.pop()
        history = getattr(tensor, "_keras_history", None)
        if id(tensor) in inputs or history is None or history.operation is None:
            continue
        operation = history.operation
        if id(operation) in nodes:
            continue
        node = operation._inbound_nodes[history.node_index]
        nodes[id(operation)] = node
        stack.extend(node.input_tensors)
    return nodes


def _call(model: keras.Model, layer) -> object:
    node = _graph(model).get(id(layer))
    if node is None:
        raise ValueError(
            f"{layer.name} is not on the path from {model.name}'s input to its output."
        )
    return node


@dataclasses.dataclass(frozen=True)
class _Scores:
    """Where a model's class scores are: `tensor` in the graph of `model`, the network
    nested at path `containers` inside the whole model (the whole model when empty);
    `dense` is set when the scores are that dense layer's logits, computed from its
    input."""

    containers: list[str]
    model: keras.Model
    tensor: object
    dense: object = None

    @property
    def prefix(self) -> str:
        return "".join(f"{name}/" for name in self.containers)


def _score_site(model: keras.Model) -> _Scores:
    """The logits under the final softmax (an Activation or Softmax layer, or a dense
    layer's softmax activation), looked for inside nested networks whose output is the
    model's; the model's output itself when there is no softmax to undo."""
    containers: list[str] = []
    scope, tensor = model, model.outputs[0]
    while True:
        history = tensor._keras_history
        operation = history.operation
        node = operation._inbound_nodes[history.node_index]
        if isinstance(operation, keras.Model):
            containers.append(operation.name)
            scope, tensor = operation, operation.outputs[history.tensor_index]
            continue
        if _is_softmax(operation):
            return _Scores(containers, scope, node.input_tensors[0])
        if isinstance(operation, keras.layers.Dense) and _is_softmax_function(operation.activation):
            return _Scores(containers, scope, node.input_tensors[0], operation)
        return _Scores([], model, model.outputs[0])


def _is_softmax(operation) -> bool:
    if isinstance(operation, keras.layers.Softmax):
        return True
    return isinstance(operation, keras.layers.Activation) and _is_softmax_function(
        operation.activation
    )


def _is_softmax_function(function) -> bool:
    return getattr(function, "__name__", "") == "softmax"


def _transparent(operation) -> bool:
    if isinstance(operation, _TRANSPARENT):
        return True
    if isinstance(operation, keras.layers.Activation):
        return getattr(operation.activation, "__name__", "") == "linear"
    return False


def _front(model: keras.Model, names: list[str]) -> keras.Model:
    """A model from `model`'s inputs to the output of the layer at path `names`."""
    layer = model.get_layer(names[0])
    node = _call(model, layer)
    if len(names) == 1:
        return keras.Model(model.inputs[0], node.output_tensors[0])
    if len(node.input_tensors) != 1:
        raise ValueError(f"{layer.name} takes {len(node.input_tensors)} inputs; one is supported.")
    inner = _front(layer, names[1:])
    return keras.Model(model.inputs[0], inner(node.input_tensors[0]))


def _back(model: keras.Model, names: list[str], scores) -> tuple[Callable, list | None]:
    """A function from the maps of the layer at path `names` to `scores` (a tensor of
    `model`'s graph), and the layers in between when they form a single path."""
    layer = model.get_layer(names[0])
    node = _call(model, layer)
    output = node.output_tensors[0]
    after, chain = _between(output, scores)
    if len(names) == 1:
        return after, chain
    inner_back, inner_chain = _back(layer, names[1:], layer.outputs[0])
    combined = None if chain is None or inner_chain is None else inner_chain + chain
    return _then(inner_back, after), combined


def _between(start, end) -> tuple[Callable, list | None]:
    """A function from tensor `start` to tensor `end` (a sub-model; the identity when they
    are the same tensor) and the layers on the single path between them, if it is one."""
    if start is end:
        return (lambda x: x), []
    return keras.Model(start, end), _path(start, end)


def _path(start, end) -> list | None:
    operations = []
    tensor = end
    while tensor is not start:
        history = getattr(tensor, "_keras_history", None)
        if history is None or history.operation is None:
            return None
        node = history.operation._inbound_nodes[history.node_index]
        if len(node.input_tensors) != 1:
            return None
        operations.append(history.operation)
        tensor = node.input_tensors[0]
    return operations[::-1]


def _then(first: Callable, second: Callable) -> Callable:
    return lambda x: second(first(x))


def _dense_logits(dense, x):
    logits = keras.ops.matmul(x, dense.kernel)
    return logits + dense.bias if dense.use_bias else logits


def _batch(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim == 3:
        return image[None]
    if image.ndim == 4 and image.shape[0] == 1:
        return image
    raise ValueError(
        f"image must be one (height, width, channels) array; received shape {image.shape}."
    )


def _numpy(tensor) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(tensor), np.float64)


def _weights(variable) -> np.ndarray:
    # `.numpy()`: keras.ops.convert_to_numpy warns on Keras 3.15 variables (no `copy`).
    return np.asarray(variable.numpy(), np.float64)


def _unit_scale(raw: np.ndarray) -> np.ndarray:
    high = float(raw.max()) if raw.size else 0.0
    if high <= 0:
        return np.zeros_like(raw, np.float32)
    return np.clip(raw / high, 0.0, 1.0).astype(np.float32)
