"""The few custom layers the papers need and Keras lacks. Each is registered as
serializable (package "convlab"), so every model saves to `.keras` and loads back with
`keras.saving.load_model(path, safe_mode=True)`. No Lambda layers anywhere.

Importing this package registers them all; `netlib.predict` and `netlib.train` import it
before loading a model file.
"""

from netlib.layers.connection_table import ConnectionTableConv2D
from netlib.layers.normalization import LocalResponseNormalization
from netlib.layers.preprocessing import ImagenetPreprocessing
from netlib.layers.shortcut import ZeroPadShortcut

__all__ = [
    "ConnectionTableConv2D",
    "ImagenetPreprocessing",
    "LocalResponseNormalization",
    "ZeroPadShortcut",
]
