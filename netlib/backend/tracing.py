"""How the TensorFlow backend builds a training step's graph, and what ConvLab does so that
it builds it once. It relies on one private Keras method (`Model._symbolic_build`, Keras
3.15.1); tests/test_train.py says whether it is still needed and still works when Keras
is upgraded. Nothing here imports Keras or a backend at import time.
"""

from __future__ import annotations

__all__ = ["build_before_fit"]


def build_before_fit(model, batch) -> None:
    """Create the optimizer's and the compiled metrics' variables before `fit` traces its
    training step, from `batch` (one batch of the data `fit` will get: only its shapes and
    dtypes are used).

    Targets `TensorFlowTrainer._maybe_symbolic_build` in keras/src/backend/tensorflow/
    trainer.py (Keras 3.15.1): without a distribution strategy it defers building these to
    the first trace of the train function ("to maximize backwards compatibility"). That
    trace then creates variables, and TensorFlow traces a function that creates variables
    a second time, without them (`Function._call` in tensorflow/python/eager/
    polymorphic_function/polymorphic_function.py), so every run's first step was built
    twice: measured here (2-core CPU, one epoch of 150 images at 32 px), MobileNetV2's
    first `fit` 26.2 s -> 14.4 s, LeNet-5's 1.9 s -> 0.7 s. `_symbolic_build` is what
    Keras itself runs first under a strategy; it builds only what is not built yet (a
    resumed optimizer stays as loaded). Nothing is done on the other backends (JAX's
    trainer builds before it compiles), under a strategy (Keras does it), or where a
    later Keras has no `_symbolic_build` (the first step is then only slower).
    """
    import keras

    if keras.backend.backend() != "tensorflow" or getattr(model, "_distribute_strategy", None):
        return
    symbolic_build = getattr(model, "_symbolic_build", None)
    if symbolic_build is not None:
        symbolic_build(data_batch=batch)
