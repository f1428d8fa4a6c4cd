"""Pretrained weights: the files keras.applications publishes (declared beside each
builder, `netlib.registry.Pretrained`), fetched into Keras' cache folder, and weights
files of any Keras format loaded into ConvLab's networks.

    >>> import netlib
    >>> model = netlib.build("mobilenet_v2", weights="imagenet")   # downloads if needed
    >>> from netlib import weights
    >>> weights.fetch(file, progress=print, cancel=stop.is_set)   # the app's download
    >>> weights.load_weights(network, "run/best.keras", new_classifier=True)

Modules: cache (Keras' cache folder, downloads; no Keras), files (reading legacy HDF5,
`.weights.h5` and `.keras`), transfer (fitting a file to a network, all or nothing),
preprocessing (what the weights expect at their input, as layers), imagenet (ImageNet
prediction out of the box). Importing this package imports no Keras.
"""

from netlib.weights.cache import (
    DEFAULT_TIMEOUT_S,
    DownloadError,
    cache_folder,
    cache_path,
    cached,
    fetch,
    file_hash,
    keras_home,
    missing_message,
)

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "DownloadError",
    "WeightsMismatch",
    "cache_folder",
    "cache_path",
    "cached",
    "fetch",
    "file_hash",
    "keras_home",
    "load_weights",
    "missing_message",
    "read_weights",
]


def __getattr__(name):
    # The readers and the loader import h5py and Keras: load them on first use.
    if name in ("load_weights", "WeightsMismatch"):
        from netlib.weights import transfer

        return getattr(transfer, name)
    if name == "read_weights":
        from netlib.weights.files import read_weights

        return read_weights
    raise AttributeError(f"module 'netlib.weights' has no attribute {name!r}")
