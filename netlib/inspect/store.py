"""Layer tables of registry networks, kept on disk.

Building a large network takes seconds (ResNet-152: about 4 s on two cores; tabulating
it, 0.06 s), and the app shows a table on every click. A table depends only on the
network's configuration and on the code that builds and tabulates it, so
:func:`summarize_config` keeps each one as JSON under the cache folder, keyed by the
configuration, the Keras version and backend, and the source of the builder's module, of
ConvLab's custom layers and of netlib.inspect: any change to them is a new key. A damaged
or unreadable entry is rebuilt, never an error.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from netlib.inspect.summary import Row, Summary, Totals
from netlib.runs import cache_root, write_bytes_atomic

_VERSION = 1  # of the stored form


def summarize_config(
    name: str,
    *,
    input_size: int | None = None,
    classes: int | None = None,
    options: Mapping[str, Any] | None = None,
    folder: Path | None = None,
) -> Summary:
    """The layer table of registry network `name` built with these arguments (defaults:
    the paper's input size and class count, the network's default options), read from
    the disk cache when it is there, else built, summarised and stored."""
    import netlib

    path, (size, classes, resolved) = _entry(name, input_size, classes, options, folder)
    stored = _read(path)
    if stored is not None:
        return stored
    model = netlib.build(name, input_shape=size, classes=classes, **resolved)
    summary = netlib.summarize(model, family=netlib.model_info(name).family)
    _write(path, summary)
    return summary


def stored_summary(
    name: str,
    *,
    input_size: int | None = None,
    classes: int | None = None,
    options: Mapping[str, Any] | None = None,
    folder: Path | None = None,
) -> Summary | None:
    """The stored table of this configuration, or None (nothing is built)."""
    return _read(_entry(name, input_size, classes, options, folder)[0])


def _entry(name, input_size, classes, options, folder) -> tuple[Path, tuple]:
    """The cache file of a configuration, and its arguments with the defaults filled in."""
    import netlib

    info = netlib.model_info(name)
    resolved = info.resolve_options(options or {})
    classes = info.paper_classes if classes is None else int(classes)
    size = int(input_size or info.input_shape[0])
    key = config_key(name, size, classes, resolved)
    return (folder or default_folder()) / f"{name}-{key}.json", (size, classes, resolved)


def default_folder() -> Path:
    return cache_root() / "summaries"


def config_key(name: str, input_size: int, classes: int, options: Mapping[str, Any]) -> str:
    """A key that changes with the configuration and with the code and Keras that the
    table comes from."""
    import keras

    config = json.dumps([_VERSION, name, input_size, classes, sorted(options.items())],
                        default=repr)
    digest = hashlib.sha256(
        f"{config} {keras.__version__} {keras.backend.backend()}".encode()
    )
    digest.update(source_digest(name).encode())
    return digest.hexdigest()[:20]


@functools.lru_cache(maxsize=None)  # the sources do not change under a running process
def source_digest(name: str) -> str:
    """A digest of the code a registry network's tables and counts come from: its
    builder's module, the pieces builders share (netlib/architectures/_*.py), ConvLab's
    custom layers, and netlib.inspect."""
    import netlib

    module = sys.modules[netlib.model_info(name).builder.__module__]
    netlib_dir = Path(netlib.__file__).parent
    sources = [Path(module.__file__), *sorted((netlib_dir / "architectures").glob("_*.py")),
               *sorted((netlib_dir / "layers").glob("*.py")),
               *sorted((netlib_dir / "inspect").glob("*.py"))]
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.read_bytes())
    return digest.hexdigest()


# -- the stored form ---------------------------------------------------------------------


def summary_from_dict(data: Mapping[str, Any]) -> Summary:
    """The inverse of ``Summary.to_dict()`` (rows, not blocks)."""
    return Summary(
        name=data["model"],
        rows=tuple(Row(**_tuples(row)) for row in data["rows"]),
        totals=Totals(**data["totals"]),
        compute_dtype=data["compute_dtype"],
        input_shape=_tuples(data["input_shape"]),
    )


def _tuples(value):
    """Lists back to tuples, recursively: every sequence in a Row is a tuple."""
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def _read(path: Path) -> Summary | None:
    try:
        return summary_from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing, damaged or from another layout: build it again


def _write(path: Path, summary: Summary) -> None:
    """Atomically, so a reader never sees half a file; a cache that cannot be written
    costs the next click a rebuild, nothing else."""
    text = json.dumps(summary.to_dict(), separators=(",", ":"))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, text.encode("utf-8"))
    except OSError:
        pass


__all__ = ["config_key", "default_folder", "source_digest", "stored_summary",
           "summarize_config", "summary_from_dict"]
