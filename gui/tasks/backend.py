"""Job: import Keras and the model registry behind the first frame."""

from __future__ import annotations

import dataclasses
import time


@dataclasses.dataclass(frozen=True)
class BackendInfo:
    """What the status bar shows once Keras has loaded, and the registry's contents."""

    keras_version: str
    backend: str
    device: str
    models: tuple[str, ...]
    families: tuple[str, ...]
    seconds: float

    def describe(self) -> str:
        return f"Keras {self.keras_version} · {self.backend} backend · {self.device}"


def load_backend(context) -> BackendInfo:
    """Import Keras and every architecture module (seconds), then list the registry."""
    start = time.perf_counter()
    from netlib.backend import describe_device, import_keras_quietly

    keras = import_keras_quietly()
    import netlib

    models = tuple(netlib.list_models())
    families = tuple(netlib.list_families())
    return BackendInfo(
        keras_version=keras.__version__,
        backend=keras.backend.backend(),
        device=describe_device(),
        models=models,
        families=families,
        seconds=time.perf_counter() - start,
    )
