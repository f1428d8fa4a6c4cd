"""Weights files for the tests, written as keras.applications publishes them, and a local
HTTP server to download them from (there is no network here: nothing is fetched from
anywhere else).

keras.applications' files are legacy HDF5 by layer, as Keras 2's `save_weights` wrote
them (`layer_names`, one group per layer with `weight_names`): Keras 3 still writes that
layout with `legacy_h5_format.save_weights_to_hdf5_group`, which is what these files are,
made from keras.applications models with random weights.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import http.server
import threading
from pathlib import Path

import h5py
import numpy as np
from keras.src.legacy.saving import legacy_h5_format

from netlib import registry


def randomize(model, seed: int = 0):
    """Every weight of `model` random (variances positive), so that a weight put in the
    wrong place changes the output; returns the model."""
    rng = np.random.default_rng(seed)
    for variable in model.weights:
        if variable.dtype.startswith("int"):
            continue
        value = rng.normal(0.0, 0.05, variable.shape).astype("float32")
        if "variance" in variable.path:
            value = np.abs(value) + 0.5
        variable.assign(value)
    return model


def save_legacy(model, path: Path) -> Path:
    """`model`'s weights in keras.applications' downloaded layout."""
    with h5py.File(path, "w") as file:
        legacy_h5_format.save_weights_to_hdf5_group(file, model)
    return path


def weights_of(model) -> dict[str, list[np.ndarray]]:
    """Each layer's arrays by layer name (nested networks included)."""
    import keras

    return {
        layer.name: [np.asarray(w.numpy()) for w in layer.weights]
        for layer in model._flatten_layers(include_self=False, recursive=True)
        if layer.weights and not isinstance(layer, keras.Model)
    }


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Slow(_Quiet):
    """Sends files 64 KB every 20 ms (3 MB a second): a download long enough to cancel."""

    def copyfile(self, source, outputfile):
        import time

        while chunk := source.read(64 << 10):
            outputfile.write(chunk)
            time.sleep(0.02)


@contextlib.contextmanager
def serve(folder: Path, *, slow: bool = False):
    """An HTTP server on 127.0.0.1 serving `folder` (`slow`ly); yields its base URL."""
    handler = functools.partial(_Slow if slow else _Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def silent_server():
    """A server that accepts connections and never answers; yields its URL."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/never.h5"
    finally:
        listener.close()


def closed_port_url() -> str:
    """A URL on this machine where nothing listens."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/missing.h5"


def publish(monkeypatch, name: str, url: str, file_hash=None, **match):
    """Make the registry declare `name`'s published files at `url` + file name, each with
    `file_hash` (the test's own file stands in for keras.applications'): the files of
    the real declaration that fit `match` (include_top=..., input_size=...)."""
    info = registry.model_info(name)
    files = tuple(
        dataclasses.replace(f, url=url + f.name, file_hash=file_hash)
        if all(getattr(f, k) == v for k, v in match.items()) else f
        for f in info.pretrained.files
    )
    pretrained = dataclasses.replace(info.pretrained, files=files)
    monkeypatch.setitem(registry._REGISTRY, name, dataclasses.replace(info, pretrained=pretrained))
    return pretrained
